import torch

from glossa_utils import (LOGIT_TOLERANCE, add_lora, compare_logits, load_model, load_params, load_tokenizer,
                          load_with_adapter, prompt_logits, save_merged)


def test_merge_reproduces_the_adapter_models_logits(tiny_model_path, tmp_path):
    cfg = load_params("params/smoke.yaml")
    tokenizer = load_tokenizer(tiny_model_path)
    torch.manual_seed(0)
    model = add_lora(load_model(tiny_model_path, device="cpu"), cfg)
    for name, param in model.named_parameters():  # a non-zero update, as after training
        if "lora_B" in name:
            torch.nn.init.normal_(param, std=0.5)
    model.save_pretrained(tmp_path / "adapter")

    reloaded = load_with_adapter(load_model(tiny_model_path, device="cpu"), tmp_path / "adapter")
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
