"""Inference backends: CTranslate2 and llama.cpp decode like torch, behind the same input checks, and fail clearly."""

from __future__ import annotations

import json
import os
import shutil
import warnings

import pytest

from glossa_utils import REPO_ROOT, ModelError, Translator
from glossa_utils.backends import CT2Backend, TorchBackend, ct2_model_dir, default_llamacpp_quant, llamacpp_gguf
from glossa_utils.config import GenerateConfig

from .conftest import needs_llama_cpp, run_glossa

GLOSSES = ["X-1 WANT GO STORE TOMORROW.", "DESC-PARLIAMENT MUST PROTECT FREEDOM OF SPEECH.", "YOU GO?",
           "", "NOT KNOW WHY X-HE LEAVE EARLY. X-I SAD."]
GREEDY = GenerateConfig(do_sample=False, repetition_penalty=1.0, max_new_tokens=16, batch_size=2)


def translate(translator: Translator, glosses: list[str]):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return translator.translate(glosses)


@pytest.fixture(scope="module")
def torch_results(tiny_model_path):
    return translate(Translator.load(tiny_model_path, generate=GREEDY), GLOSSES)


@pytest.mark.parametrize("quant", ["float32", "int8"])
def test_ct2_greedy_matches_torch(tiny_model_path, torch_results, quant):
    translator = Translator.load(tiny_model_path, generate=GREEDY, backend="ct2", quant=quant)
    assert isinstance(translator.backend, CT2Backend) and translator.model is None
    results = translate(translator, GLOSSES)
    assert [r.raw_output for r in results] == [r.raw_output for r in torch_results]
    assert [r.translation for r in results] == [r.translation for r in torch_results]
    assert [r.warnings for r in results] == [r.warnings for r in torch_results]  # same checks on either backend
    assert results[3].translation == "" and "empty gloss" in results[3].warnings[0]


def test_ct2_stops_at_sentences_and_samples(tiny_model_path):
    from dataclasses import replace

    translator = Translator.load(tiny_model_path, generate=replace(GREEDY, stop_at_sentences=True), backend="ct2")
    assert len(translate(translator, GLOSSES)) == len(GLOSSES)
    sampling = replace(GREEDY, do_sample=True)
    options = translator.backend.options(sampling)
    assert options["sampling_topk"] == 0 and options["sampling_temperature"] == 0.6 and options["sampling_topp"] == 0.8
    translator.generate = sampling
    assert len(translate(translator, GLOSSES[:2])) == 2


def test_run_folder_converts_once_into_export(tmp_path, tiny_model_path):
    run = tmp_path / "tiny"
    shutil.copytree(tiny_model_path, run / "merged")
    shutil.copy(REPO_ROOT / "params" / "smoke.yaml", run / "params.yaml")
    translator = Translator.load(run, backend="ct2")
    assert (run / "export" / "ct2-float32" / "model.bin").is_file()
    assert translator.generate.max_new_tokens == 12 and translator.template == "[INST] {gloss} [/INST] {text}"


def retrain(merged) -> None:
    """Change the merged model's weights in place, as training the run again would."""
    from safetensors.torch import load_file, save_file

    weights = load_file(merged / "model.safetensors")
    name = next(k for k in weights if k.endswith("down_proj.weight"))
    weights[name] = weights[name] + 0.01
    save_file(weights, merged / "model.safetensors", metadata={"format": "pt"})


@pytest.mark.parametrize("kind", ["gguf", "ct2"])
def test_run_exports_again_after_the_merged_model_changed(tmp_path, tiny_model_path, capsys, monkeypatch, kind):
    run = tmp_path / "tiny"
    shutil.copytree(tiny_model_path, run / "merged")
    shutil.copy(REPO_ROOT / "params" / "smoke.yaml", run / "params.yaml")
    locate = (lambda: llamacpp_gguf(run, run / "merged", "f16")) if kind == "gguf" else (
        lambda: ct2_model_dir(run, run / "merged", "float32"))
    target, _ = locate()
    weights = target if kind == "gguf" else target / "model.bin"
    first = weights.read_bytes()
    assert "into" in capsys.readouterr().out
    locate()  # same merged model: the export is reused
    assert capsys.readouterr().out == "" and weights.read_bytes() == first
    os.utime(run / "merged" / "model.safetensors", ns=(1, 1))  # as a copied run folder: same bytes, new time
    locate()
    assert capsys.readouterr().out == "" and weights.read_bytes() == first
    stamp = target.with_suffix(".source.json") if kind == "gguf" else target / "glossa_source.json"
    assert json.loads(stamp.read_text())["files"]["model.safetensors"][1] == 1  # the stamp took the new time
    os.utime(run / "merged" / "model.safetensors", ns=(2, 2))

    def read_only(*args):
        raise PermissionError("read-only file system")

    with monkeypatch.context() as patch:  # an export folder that cannot be written: still used as it is
        patch.setattr("glossa_utils.export.write_source_stamp", read_only)
        locate()
    assert capsys.readouterr().out == "" and json.loads(stamp.read_text())["files"]["model.safetensors"][1] == 1
    retrain(run / "merged")
    assert locate()[0] == target and "was not made from the run's current merged/" in capsys.readouterr().out
    assert weights.read_bytes() != first
    stamp.unlink()  # an export from before stamps, or of unknown origin: made again
    locate()
    assert "again" in capsys.readouterr().out and stamp.is_file()


def test_backend_errors_are_clear(tmp_path, tiny_model_path):
    with pytest.raises(ModelError, match="unknown backend 'onnx'"):
        Translator.load(tiny_model_path, backend="onnx")
    with pytest.raises(ModelError, match="unknown CTranslate2 quantisation 'int4'"):
        Translator.load(tiny_model_path, backend="ct2", quant="int4")
    (tmp_path / "run").mkdir()
    shutil.copy(REPO_ROOT / "params" / "smoke.yaml", tmp_path / "run" / "params.yaml")
    with pytest.raises(ModelError, match="no merged model"):
        Translator.load(tmp_path / "run", backend="ct2")
    assert isinstance(Translator.load(tiny_model_path).backend, TorchBackend)


def test_cli_translate_backend(tiny_model_path):
    result = run_glossa("translate", "--run", tiny_model_path, "--backend", "ct2", "X-1 GO STORE.")
    assert result.returncode == 0, result.stderr[-2000:]
    assert '"gloss": "X-1 GO STORE."' in result.stdout
    result = run_glossa("translate", "--run", tiny_model_path, "--backend", "ct2", "--quant", "int3", "X-1 GO.")
    assert result.returncode == 2 and "unknown CTranslate2 quantisation" in result.stderr and "Traceback" not in result.stderr


def test_cli_translate_sets_the_batch_size_and_sentence_stops(tiny_model_path, monkeypatch, capsys):
    from glossa_utils.cli import main

    seen = []
    monkeypatch.setattr(Translator, "translate", lambda self, glosses: seen.append(self.generate) or [])
    for flags in ([], ["--stop-at-sentences", "--batch-size", "64"]):
        assert main(["translate", "--run", str(tiny_model_path), *flags, "X-1 GO STORE."]) == 0
    assert [(cfg.stop_at_sentences, cfg.batch_size) for cfg in seen] == [(False, seen[0].batch_size), (True, 64)]
    assert seen[0].batch_size != 64 and seen[1].max_new_tokens == seen[0].max_new_tokens  # the rest kept
    result = run_glossa("translate", "--run", tiny_model_path, "--batch-size", "0", "X-1 GO.")
    assert result.returncode == 2 and "--batch-size: must be a whole number >= 1" in result.stderr


# llama.cpp (llama-cpp-python, the `llamacpp` extra): the GGUF export decoded with the torch path's token ids.

@needs_llama_cpp
@pytest.mark.parametrize("quant", ["f32", "f16", "bf16", "q8_0"])
def test_llamacpp_greedy_matches_torch(tiny_model_path, torch_results, quant):
    from glossa_utils.backends import LlamaCppBackend

    translator = Translator.load(tiny_model_path, generate=GREEDY, backend="llamacpp", quant=quant, threads=1)
    assert isinstance(translator.backend, LlamaCppBackend) and translator.model is None
    assert translator.backend.quant == quant and translator.backend.threads == 1
    results = translate(translator, GLOSSES)
    assert [r.raw_output for r in results] == [r.raw_output for r in torch_results]
    assert [r.translation for r in results] == [r.translation for r in torch_results]
    assert [r.warnings for r in results] == [r.warnings for r in torch_results]
    assert results[3].translation == "" and "empty gloss" in results[3].warnings[0]


@pytest.fixture(scope="module")
def llamacpp_translator(tiny_model_path):
    return Translator.load(tiny_model_path, generate=GREEDY, backend="llamacpp", threads=1)


@needs_llama_cpp
def test_llamacpp_stops_at_sentences(llamacpp_translator):
    from dataclasses import replace

    from glossa_utils.generate import extract_answer, finished_sentences

    backend, prompts = llamacpp_translator.backend, ["[INST] X-1 GO STORE. [/INST]", "[INST] YOU GO? [/INST]"]
    longer = replace(GREEDY, max_new_tokens=40)
    full = backend.generate(prompts, longer, 0, [1, 1])
    stopped = backend.generate(prompts, replace(longer, stop_at_sentences=True), 0, [1, 1])
    for whole, cut in zip(full, stopped):
        assert whole.startswith(cut)  # greedy: the same tokens, ended early or not at all
        assert cut == whole or finished_sentences(extract_answer(cut)) >= 1


@needs_llama_cpp
def test_llamacpp_decoding_settings(llamacpp_translator):
    from dataclasses import replace

    backend = llamacpp_translator.backend
    greedy = backend.sampling(replace(GREEDY, repetition_penalty=1.3))
    assert greedy["temp"] == 0.0 and greedy["top_k"] == 1 and greedy["repeat_penalty"] == 1.3
    sampling = replace(GREEDY, do_sample=True)
    options = backend.sampling(sampling)
    assert options["temp"] == 0.6 and options["top_p"] == 0.8 and options["top_k"] == 0 and options["min_p"] == 0.0
    prompts = ["[INST] X-1 GO STORE. [/INST]"]
    assert backend.generate(prompts, sampling, 7, [1]) == backend.generate(prompts, sampling, 7, [1])  # seeded
    assert len(backend.generate(prompts, replace(GREEDY, max_new_tokens=3), 0, [1])[0].split()) <= 3
    backend.ensure_context(1500)  # prompt + max_new_tokens beyond the context: reopened larger
    assert backend.n_ctx == 1536 and backend.llm.n_ctx() == 1536
    with pytest.raises(ModelError, match="no beam search"):
        backend.generate(prompts, replace(GREEDY, num_beams=4), 0, [1])


@needs_llama_cpp
def test_llamacpp_one_gloss_evaluates_the_same_whatever_came_before(tiny_model_path, monkeypatch):
    translator = Translator.load(tiny_model_path, generate=GREEDY, backend="llamacpp", threads=1)
    backend = translator.backend
    assert backend.tokenizer.convert_ids_to_tokens(backend.head) == ["[", "INST", "]"]
    evaluated = []
    real_eval = backend.llm.eval
    monkeypatch.setattr(backend.llm, "eval", lambda tokens: (evaluated.append(list(tokens)), real_eval(tokens))[1])
    prompts = ["[INST] X-1 GO STORE. [/INST]", "[INST] X-1 GO HOME. [/INST]", "[INST] YOU GO? [/INST]"]
    ids = [backend.tokenizer(p)["input_ids"] for p in prompts]
    alone = {}
    for order in ([0, 1, 2], [2, 1, 0], [1, 1]):
        for i in order:
            evaluated.clear()
            text = backend.generate([prompts[i]], GREEDY, 0, [1])[0]
            # the prompt after the head, in one call, even after a prompt that shares more ("[INST] X-1 GO")
            prompt_calls = [call for call in evaluated if len(call) > 1]
            assert prompt_calls[-1] == ids[i][3:] and alone.setdefault(i, text) == text
    backend.open(backend.n_ctx)  # a new context: the head is evaluated alone first
    real_eval = backend.llm.eval
    monkeypatch.setattr(backend.llm, "eval", lambda tokens: (evaluated.append(list(tokens)), real_eval(tokens))[1])
    evaluated.clear()
    assert backend.generate([prompts[0]], GREEDY, 0, [1])[0] == alone[0]
    assert evaluated[:2] == [ids[0][:3], ids[0][3:]]


PROMPTS = ["[INST] X-1 GO STORE. [/INST]", "[INST] YOU GO? [/INST]", "[INST] NOT KNOW WHY X-HE LEAVE. X-I SAD. [/INST]",
           "[INST] DESC-PARLIAMENT MUST PROTECT FREEDOM OF SPEECH. [/INST]", "[INST] ME HUNGRY. [/INST]"]


def one_by_one(backend, cfg: GenerateConfig, sentences: list[int]) -> list[str]:
    """Each prompt through ``Llama.generate`` alone (the path a single prompt takes)."""
    return [backend.generate([p], cfg, 0, [n])[0] for p, n in zip(PROMPTS, sentences)]


@needs_llama_cpp
@pytest.mark.parametrize("batch_size", [2, 16])
def test_llamacpp_batches_decode_like_one_by_one(tiny_model_path, batch_size):
    from dataclasses import replace

    backend = Translator.load(tiny_model_path, generate=GREEDY, backend="llamacpp", threads=1).backend
    cfg = replace(GREEDY, batch_size=batch_size, max_new_tokens=24)
    alone = one_by_one(backend, cfg, [1] * len(PROMPTS))
    assert backend.batched is None  # one prompt at a time never builds the batch context
    assert backend.generate(PROMPTS, cfg, 0, [1] * len(PROMPTS)) == alone
    assert backend.batched is not None and backend.batched.sequences == min(batch_size, len(PROMPTS))
    import llama_cpp  # flash attention on; the batch context copies these params

    assert backend.llm.context_params.flash_attn_type == llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED
    stopped = replace(cfg, stop_at_sentences=True)
    assert backend.generate(PROMPTS, stopped, 0, [1, 1, 2, 1, 1]) == one_by_one(backend, stopped, [1, 1, 2, 1, 1])
    short = replace(cfg, max_new_tokens=3)
    assert backend.generate(PROMPTS, short, 0, [1] * 5) == one_by_one(backend, short, [1] * 5)


@needs_llama_cpp
def test_llamacpp_batch_splits_long_inputs_and_grows(llamacpp_translator):
    backend = llamacpp_translator.backend
    ids = [backend.tokenizer(p)["input_ids"] for p in PROMPTS]
    decoder = backend.batch_decoder(len(ids), 200)
    whole = decoder.greedy(ids, 8, backend.eos, [lambda out: False] * len(ids))
    decoder.n_batch = 7  # every prompt split over calls of at most 7 tokens
    assert decoder.greedy(ids, 8, backend.eos, [lambda out: False] * len(ids)) == whole
    assert backend.batch_decoder(2, 100) is decoder  # fits: reused
    bigger = backend.batch_decoder(len(ids), 3000)
    assert bigger is not decoder and bigger.n_ctx == 3072 and decoder.ctx is None  # the old one is freed
    with pytest.raises(ModelError, match="more prompts or tokens"):
        bigger.greedy(ids * 2, 8, backend.eos, [lambda out: False] * 10)


@needs_llama_cpp
def test_llamacpp_sampling_and_penalties_decode_one_by_one(tiny_model_path):
    from dataclasses import replace

    backend = Translator.load(tiny_model_path, generate=GREEDY, backend="llamacpp", threads=1).backend
    backend.generate(PROMPTS, replace(GREEDY, do_sample=True), 3, [1] * 5)
    backend.generate(PROMPTS, replace(GREEDY, repetition_penalty=1.3), 0, [1] * 5)
    assert backend.batched is None
    backend.generate(PROMPTS[:2], GREEDY, 0, [1, 1])
    decoder = backend.batched
    backend.ensure_context(4000)  # reopening the model frees the batch context that used it
    assert backend.batched is None and decoder.ctx is None
    assert backend.generate(PROMPTS[:2], GREEDY, 0, [1, 1]) == one_by_one(backend, GREEDY, [1] * 5)[:2]


@needs_llama_cpp
def test_llamacpp_run_folder_exports_once(tmp_path, tiny_model_path):
    run = tmp_path / "tiny"
    shutil.copytree(tiny_model_path, run / "merged")
    shutil.copy(REPO_ROOT / "params" / "smoke.yaml", run / "params.yaml")
    translator = Translator.load(run, backend="llamacpp")
    target = run / "export" / "gguf" / f"model-{default_llamacpp_quant()}.gguf"  # bf16 on a CPU with native bf16
    assert translator.backend.gguf_path == target and target.is_file()
    written = target.stat().st_mtime_ns
    Translator.load(run, backend="llamacpp")
    assert target.stat().st_mtime_ns == written
    assert translator.generate.max_new_tokens == 12 and translator.template == "[INST] {gloss} [/INST] {text}"


def test_llamacpp_default_weights_follow_native_bf16(monkeypatch):
    import glossa_utils.backends as backends

    monkeypatch.setattr(backends, "cpu_has_bf16", lambda: True)
    assert backends.default_llamacpp_quant() == "bf16"
    monkeypatch.setattr(backends, "cpu_has_bf16", lambda: False)
    assert backends.default_llamacpp_quant() == "f16"


def test_llamacpp_errors_are_clear(tiny_model_path, monkeypatch):
    import importlib.util

    with pytest.raises(ModelError, match="unknown GGUF quantisation 'q4_0' for llamacpp"):
        Translator.load(tiny_model_path, backend="llamacpp", quant="q4_0")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llama_cpp" else real(name, *a))
    with pytest.raises(ModelError, match=r"pip install -c constraints-cpu.txt -e '\.\[llamacpp\]'"):
        Translator.load(tiny_model_path, backend="llamacpp")


@needs_llama_cpp
def test_cli_translate_llamacpp(tiny_model_path):
    result = run_glossa("translate", "--run", tiny_model_path, "--backend", "llamacpp", "--threads", "1",
                        "X-1 GO STORE.")
    assert result.returncode == 0, result.stderr[-2000:]
    assert '"gloss": "X-1 GO STORE."' in result.stdout and "Traceback" not in result.stderr
    result = run_glossa("translate", "--run", tiny_model_path, "--backend", "llamacpp", "--quant", "int8", "X-1 GO.")
    assert result.returncode == 2 and "unknown GGUF quantisation" in result.stderr and "Traceback" not in result.stderr


def test_cli_refuses_a_negative_thread_count():
    result = run_glossa("translate", "--backend", "ct2", "--threads", "-2", "X-1 GO.")
    assert result.returncode == 2 and "--threads: must be a whole number >= 0" in result.stderr
    assert "Traceback" not in result.stderr
