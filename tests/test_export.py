"""GGUF export: the file loads back into the merged model's logits, the Modelfile, and clear errors."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from glossa_utils import REPO_ROOT, ModelError
from glossa_utils.config import GenerateConfig
from glossa_utils.export import build_chat_template, build_modelfile, check_gguf_round_trip, export_gguf, find_merged

from .conftest import needs_llama_cpp, run_glossa


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, tiny_model_path):
    """A run folder holding the smoke params and the tiny random Llama as its merged model."""
    run = tmp_path_factory.mktemp("runs") / "tiny"
    shutil.copytree(tiny_model_path, run / "merged")
    shutil.copy(REPO_ROOT / "params" / "smoke.yaml", run / "params.yaml")
    return run


@pytest.mark.parametrize("quant", ["f32", "bf16", "q8_0"])
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


@needs_llama_cpp
def test_q8_0_is_what_llama_cpp_writes_and_decodes(tiny_run, tmp_path):
    """Our q8_0 file holds the same tensors, types and bytes as llama.cpp's own q8_0 quantisation of our f32
    file, and llama.cpp decodes it (the llamacpp backend keeps its AMX kernels off: they faulted here)."""
    import ctypes

    import gguf
    import llama_cpp
    import numpy as np

    ours = export_gguf(tiny_run, "q8_0", tmp_path)
    f32 = export_gguf(tiny_run, "f32", tmp_path)
    theirs = tmp_path / "llama-cpp-q8_0.gguf"
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype, params.nthread = llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0, 1
    assert llama_cpp.llama_model_quantize(str(f32).encode(), str(theirs).encode(), ctypes.byref(params)) == 0
    a, b = gguf.GGUFReader(ours), gguf.GGUFReader(theirs)
    assert a.alignment == b.alignment and a.data_offset % a.alignment == 0
    mine = {t.name: t for t in a.tensors}
    assert sorted(mine) == sorted(t.name for t in b.tensors)
    for t in b.tensors:
        m = mine[t.name]
        assert (m.tensor_type, list(m.shape)) == (t.tensor_type, list(t.shape)), t.name
        assert m.data_offset % a.alignment == 0
        assert np.array_equal(np.asarray(m.data).view(np.uint8), np.asarray(t.data).view(np.uint8)), t.name
    assert {t.tensor_type.name for t in b.tensors} == {"F32", "Q8_0"}  # norms f32, every matrix q8_0
    # The first decode is where llama.cpp's AMX q8_0 kernel crashed the process: run it in a child.
    code = ("import sys, numpy; from glossa_utils.backends import open_llama; llm = open_llama(sys.argv[1], 1, 64); "
            "llm.eval([1, 2, 3]); assert numpy.isfinite(llm.scores[2]).all(); llm.close(); print('decoded')")
    child = subprocess.run([sys.executable, "-c", code, str(ours)], cwd=REPO_ROOT, capture_output=True, text=True,
                           timeout=120)
    assert child.returncode == 0 and "decoded" in child.stdout, (child.returncode, child.stderr[-2000:])
