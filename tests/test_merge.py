import torch

import pytest

from glossa_utils import (LOGIT_TOLERANCE, ModelError, add_lora, compare_logits, describe_sizes, directory_size,
                          format_size, load_model, load_params, load_tokenizer, load_with_adapter, prompt_logits,
                          read_training_precision, save_adapter, save_merged)
from glossa_utils.merge import DTYPES


def test_merge_reproduces_the_adapter_models_logits(tiny_model_path, tmp_path):
    cfg = load_params("params/smoke.yaml")
    tokenizer = load_tokenizer(tiny_model_path)
    torch.manual_seed(0)
    model = add_lora(load_model(tiny_model_path, device="cpu"), cfg)
    for name, param in model.named_parameters():  # a non-zero update, as after training
        if "lora_B" in name:
            torch.nn.init.normal_(param, std=0.5)
    save_adapter(model, tmp_path / "adapter", cfg.model.base)

    reloaded = load_with_adapter(load_model(tiny_model_path, device="cpu"), tmp_path / "adapter", cfg.model.base)
    prompts = ["[INST] ME GO. [/INST]", "[INST] YOU WANT GO DRINK AFTER DINNER? [/INST]"]
    before, mask = prompt_logits(reloaded, tokenizer, prompts)
    base_logits, _ = prompt_logits(load_model(tiny_model_path, device="cpu"), tokenizer, prompts)
    assert compare_logits(before, base_logits, mask)["max_abs_diff"] > 1e-2  # the adapter does something

    merged = reloaded.merge_and_unload()
    check = compare_logits(before, prompt_logits(merged, tokenizer, prompts)[0], mask)
    assert check["max_abs_diff"] < LOGIT_TOLERANCE and check["top1_agreement"] == 1.0

    out = save_merged(merged, tokenizer, tmp_path / "merged")
    assert (out / "model.safetensors").is_file() and not (tmp_path / "merged.tmp").exists()
    again = compare_logits(before, prompt_logits(load_model(str(out), device="cpu"), tokenizer, prompts)[0], mask)
    assert again["max_abs_diff"] < LOGIT_TOLERANCE


def test_a_merged_model_decodes_as_its_run_was_evaluated(tiny_model_path, tmp_path):
    import dataclasses
    import json
    import shutil

    from glossa_utils import Translator, save_params

    cfg = load_params("params/default.yaml")  # greedy, no repetition penalty: not GenerateConfig()'s sampling
    cfg = dataclasses.replace(cfg, seed=7, generate=dataclasses.replace(cfg.generate, max_new_tokens=5))
    run = tmp_path / "run"
    run.mkdir()
    save_params(cfg, run / "params.yaml")  # save_merged reads the run's params from the folder around it
    out = save_merged(load_model(tiny_model_path, device="cpu"), load_tokenizer(tiny_model_path), run / "merged")
    saved = json.loads((out / "generation_config.json").read_text())
    assert saved["do_sample"] is False and saved["repetition_penalty"] == 1.0 and saved["max_new_tokens"] == 5
    assert "temperature" not in saved and load_params(out / "glossa_params.yaml") == cfg
    assert (out / "prompt_template.txt").read_text().strip() == "[INST] {gloss} [/INST] {text}"

    copied = shutil.copytree(out, tmp_path / "elsewhere")  # an exported model, away from its run
    for folder in (out, copied):
        translator = Translator.load(folder)
        assert translator.generate == cfg.generate and translator.seed == 7
        assert translator.template == "[INST] {gloss} [/INST] {text}"
    (out / "glossa_params.yaml").unlink()  # merged before models carried params: the run folder's are used
    assert Translator.load(out).generate == cfg.generate
    bare = save_merged(load_model(tiny_model_path, device="cpu"), load_tokenizer(tiny_model_path), tmp_path / "bare")
    assert not (bare / "glossa_params.yaml").exists() and Translator.load(bare).generate.do_sample  # no run: defaults


@pytest.fixture
def adapter_dir(tiny_model_path, tmp_path):
    cfg = load_params("params/smoke.yaml")
    return save_adapter(add_lora(load_model(tiny_model_path, device="cpu"), cfg), tmp_path / "adapter", cfg.model.base)


def test_adapter_for_another_base_is_refused_before_loading(tiny_model_path, adapter_dir):
    with pytest.raises(ModelError, match="trained on base model 'builtin:tiny-random-llama'.*smollm2"):
        load_with_adapter(load_model(tiny_model_path, device="cpu"), adapter_dir, "builtin:smollm2-135m-instruct")


def test_adapter_that_does_not_fit_the_base_is_a_clear_error(tiny_model_path, adapter_dir, tmp_path):
    (adapter_dir / "glossa.json").unlink()  # e.g. an adapter saved by another tool: no record of its base
    wide = tmp_path / "wide"
    from transformers import LlamaConfig, LlamaForCausalLM

    LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                 num_attention_heads=4, num_key_value_heads=2)).save_pretrained(wide)
    with pytest.raises(ModelError, match="does not fit the loaded base model"):
        load_with_adapter(load_model(str(wide), device="cpu"), adapter_dir, str(wide))


def test_missing_or_corrupt_adapter(tiny_model_path, adapter_dir, tmp_path):
    base = load_model(tiny_model_path, device="cpu")
    with pytest.raises(ModelError, match="no adapter_config.json"):
        load_with_adapter(base, tmp_path / "nowhere", "builtin:tiny-random-llama")
    weights = adapter_dir / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ModelError, match="corrupt or truncated"):
        load_with_adapter(base, adapter_dir, "builtin:tiny-random-llama")


def test_merged_model_is_saved_in_the_precision_training_ran_in(tiny_model_path, tmp_path):
    from safetensors import safe_open

    cfg = load_params("params/smoke.yaml")
    tokenizer = load_tokenizer(tiny_model_path)
    sizes = {}
    for precision in ("fp32", "fp16", "bf16"):
        run = tmp_path / precision
        model = add_lora(load_model(tiny_model_path, device="cpu"), cfg)
        adapter = save_adapter(model, run / "adapter", cfg.model.base, precision)
        assert read_training_precision(adapter) == precision
        model = load_with_adapter(load_model(tiny_model_path, device="cpu"), adapter, cfg.model.base)
        merged = model.merge_and_unload()
        save_merged(merged, tokenizer, run / "merged", read_training_precision(adapter))
        with safe_open(str(run / "merged" / "model.safetensors"), "pt") as f:
            assert {f.get_tensor(name).dtype for name in f.keys()} == {DTYPES[precision]}
        sizes[precision] = (run / "merged" / "model.safetensors").stat().st_size
        lines = describe_sizes(run).splitlines()
        assert [line.split("/:")[0].rsplit("/", 1)[-1] for line in lines] == ["adapter", "merged"]
        assert lines[1].endswith(format_size(directory_size(run / "merged")))
    assert max(sizes["fp16"], sizes["bf16"]) < 0.55 * sizes["fp32"]  # half the bytes per weight


def test_training_precision_of_older_or_damaged_adapters(adapter_dir):
    (adapter_dir / "glossa.json").write_text('{"base": "builtin:tiny-random-llama"}')  # saved before it was recorded
    assert read_training_precision(adapter_dir) == "fp32"
    (adapter_dir / "glossa.json").write_text('{"base": "builtin:tiny-random-llama", "precision": "int8"}')
    with pytest.raises(ModelError, match="unknown precision 'int8'"):
        read_training_precision(adapter_dir)


def test_sizes_are_written_for_people():
    assert [format_size(n) for n in (512, 3_400_000, 2_471_000_000)] == ["512 B", "3.4 MB", "2.47 GB"]


def test_merged_models_are_stored_in_fp32_after_cpu_training(monkeypatch):
    from glossa_utils import storage_precision

    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    assert storage_precision("bf16") == "fp32"  # CPU generation runs in fp32: bf16 rounding would only change it
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    assert storage_precision("bf16") == "bf16" and storage_precision("fp16") == "fp16"
