"""Inference backends: CTranslate2 decodes like torch, behind the same input checks, and fails clearly."""

from __future__ import annotations

import shutil
import warnings

import pytest

from glossa_utils import REPO_ROOT, ModelError, Translator
from glossa_utils.backends import CT2Backend, TorchBackend
from glossa_utils.config import GenerateConfig

from .conftest import run_glossa

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
