"""GGUF export: the file loads back into the merged model's logits, the Modelfile, and clear errors."""

from __future__ import annotations

import shutil

import pytest

from glossa_utils import REPO_ROOT, ModelError
from glossa_utils.config import GenerateConfig
from glossa_utils.export import build_chat_template, build_modelfile, check_gguf_round_trip, export_gguf, find_merged

from .conftest import run_glossa


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, tiny_model_path):
    """A run folder holding the smoke params and the tiny random Llama as its merged model."""
    run = tmp_path_factory.mktemp("runs") / "tiny"
    shutil.copytree(tiny_model_path, run / "merged")
    shutil.copy(REPO_ROOT / "params" / "smoke.yaml", run / "params.yaml")
    return run


@pytest.mark.parametrize("quant", ["f32", "q8_0"])
def test_gguf_round_trip_reproduces_the_merged_model(tiny_run, tmp_path, quant):
    path = export_gguf(tiny_run, quant, tmp_path)
    assert path.name == f"model-{quant}.gguf" and not list(tmp_path.glob("*.tmp"))
    check = check_gguf_round_trip(path, tiny_run, quant)
    assert check["passed"] and check["same_token_ids"], check
    if quant == "f32":  # unchanged weights: any permutation or naming mistake would show here
        assert check["max_abs_diff"] < 1e-4 and check["top1_agreement"] == 1.0


def test_gguf_carries_tokenizer_and_prompt_template(tiny_run, tmp_path):
    import gguf

    reader = gguf.GGUFReader(export_gguf(tiny_run, "f16", tmp_path))
    field = lambda key: reader.fields[key].contents()  # noqa: E731
    assert field("general.architecture") == "llama" and field("tokenizer.ggml.model") == "gpt2"
    assert field("tokenizer.ggml.pre") == "smollm" and len(field("tokenizer.ggml.merges")) > 40_000
    assert field("tokenizer.ggml.eos_token_id") == 2 and field("tokenizer.ggml.padding_token_id") == 2
    assert "[INST] {{ message['content'] }} [/INST]" in field("tokenizer.chat_template")
    assert reader.get_tensor(1).name.startswith(("blk.0.", "token_embd", "output_norm"))


def test_modelfile_uses_the_prompt_and_the_runs_decoding(tiny_run, tmp_path):
    export_gguf(tiny_run, "f32", tmp_path)
    text = (tmp_path / "Modelfile").read_text()
    assert text.startswith("FROM ./model-f32.gguf\n")
    assert 'TEMPLATE """[INST] {{ .Prompt }} [/INST]"""' in text
    assert "PARAMETER temperature 0.6\n" in text and "PARAMETER num_predict 12\n" in text  # smoke: sampling, 12 tokens
    assert 'PARAMETER stop "<|im_end|>"' in text


def test_modelfile_for_greedy_and_chat_template():
    greedy = GenerateConfig(do_sample=False, repetition_penalty=1.0, max_new_tokens=100)
    text = build_modelfile("m.gguf", "Gloss: {gloss}\nEnglish: {text}", greedy, "</s>")
    assert 'TEMPLATE """Gloss: {{ .Prompt }}\nEnglish:"""' in text and "PARAMETER top_p" not in text
    assert "PARAMETER temperature 0\nPARAMETER top_k 1\nPARAMETER repeat_penalty 1.0\nPARAMETER num_predict 100\n" in text
    assert build_chat_template("Q {gloss} A {text}").count("{{ message['content'] }}") == 1
    with pytest.raises(ModelError, match="no {gloss}"):
        build_chat_template("{text} only")


def test_export_errors_are_clear(tmp_path, tiny_run):
    (tmp_path / "run").mkdir()
    shutil.copy(REPO_ROOT / "params" / "smoke.yaml", tmp_path / "run" / "params.yaml")
    with pytest.raises(ModelError, match="no merged model"):
        find_merged(tmp_path / "run")
    with pytest.raises(ModelError, match="no run folder"):
        find_merged(tmp_path / "missing")
    with pytest.raises(ModelError, match="unknown GGUF quantisation 'q2'"):
        export_gguf(tiny_run, "q2", tmp_path)


def test_cli_export(tiny_run, tmp_path):
    result = run_glossa("export", str(tiny_run), "--quant", "f32", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "round trip" in result.stdout and (tmp_path / "round_trip-f32.json").is_file()
    result = run_glossa("export", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "no run folder or model directory" in result.stderr
    assert "Traceback" not in result.stderr
