"""End to end: the smoke params through all six notebooks with papermill, then nbval on the results."""

import json
import os
import subprocess
import sys

import pytest

from glossa_utils import NOTEBOOKS, REPO_ROOT, read_records

from .conftest import run_glossa

pytestmark = pytest.mark.slow


def test_smoke_run_writes_every_artefact(smoke_run):
    for name in NOTEBOOKS:
        assert (smoke_run / f"{name}.ipynb").is_file()
    for artefact in ("params.yaml", "data/data_card.json", "adapter/adapter_config.json", "merged/model.safetensors",
                     "merge_check.json", "predictions.jsonl", "baselines/zero_shot_chat.jsonl", "metrics.json",
                     "analysis/per_example.csv", "loss.png"):
        assert (smoke_run / artefact).is_file(), artefact
    status = json.loads((smoke_run / "status.json").read_text())
    assert status["state"] == "done" and set(status["completed"]) == set(NOTEBOOKS)


def test_smoke_metrics_hold_the_model_and_both_baselines(smoke_run):
    metrics = json.loads((smoke_run / "metrics.json").read_text())
    assert list(metrics["systems"]) == ["fine-tuned", "zero-shot chat", "2-shot chat", "zero-shot, bare prompt",
                                        "rule baseline"]
    for scores in metrics["systems"].values():
        assert set(scores) >= {"bleu1", "bleu2", "bleu3", "bleu4", "rouge1", "rouge2", "rougeL",
                               "bertscore_precision", "bertscore_recall", "bertscore_f1"}
        assert all(0.0 <= v <= 1.0 + 1e-6 for v in scores.values())
    assert metrics["test_examples"] == len(read_records(smoke_run / "data" / "test.jsonl"))
    for low, high in (bounds for ci in metrics["ci95"].values() for bounds in ci.values()):
        assert 0.0 <= low <= high <= 1.0
    assert "by_source" not in metrics  # one source: the overall scores are its scores


def test_smoke_predictions_have_the_documented_fields(smoke_run):
    records = read_records(smoke_run / "predictions.jsonl")
    assert records and all(set(r) == {"gloss", "reference", "raw_output", "prediction", "warnings", "source"}
                           for r in records)
    test = read_records(smoke_run / "data" / "test.jsonl")
    assert [r["gloss"] for r in records] == [p["gloss"] for p in test]


def test_executed_notebooks_pass_nbval(smoke_run):
    """nbval re-runs the executed notebooks; cells tagged nbval-check-output must reproduce."""
    env = {**os.environ, "TQDM_DISABLE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
    notebooks = [str(smoke_run / f"{name}.ipynb") for name in NOTEBOOKS]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-sanitize-with", str(REPO_ROOT / "tests" / "nbval_sanitize.cfg"), *notebooks],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-5000:]
    assert " passed" in result.stdout.splitlines()[-1]


def test_invalid_params_fail_before_any_work(tmp_path):
    result = run_glossa("run", "params/smoke.yaml", "--set", "train.lr=-1", "--out", str(tmp_path / "run"))
    assert result.returncode == 2
    assert "train.lr must be > 0" in result.stderr
    assert not (tmp_path / "run").exists()


def test_failing_notebook_is_named_with_its_cell(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"gloss": "ME GO.", "text": "I\'m going."}\n{"gloss": broken\n')
    (tmp_path / "run" / "merged").mkdir(parents=True)  # left over from an earlier run into the same folder
    (tmp_path / "run" / "metrics.json").write_text("{}")
    (tmp_path / "run" / "notes.txt").write_text("the user's own file")
    result = run_glossa("run", "params/smoke.yaml", "--set", f"data.path={bad}", "--out", str(tmp_path / "run"))
    assert result.returncode == 1
    assert "01_data_prep.ipynb failed in cell" in result.stderr and "bad.jsonl:2: not valid JSON" in result.stderr
    status = json.loads((tmp_path / "run" / "status.json").read_text())
    assert status["state"] == "failed" and status["notebook"] == "01_data_prep.ipynb" and status["cell"] >= 1
    assert not (tmp_path / "run" / "metrics.json").exists() and not (tmp_path / "run" / "merged").exists()
    assert (tmp_path / "run" / "notes.txt").exists()  # only the run's own outputs are cleared


def test_compare_prints_the_runs_metrics(smoke_run):
    result = run_glossa("compare", str(smoke_run))
    assert result.returncode == 0 and "BLEU-4" in result.stdout and "_pytest-smoke" in result.stdout


def test_generation_benchmark_runs_on_a_finished_run(smoke_run):
    result = subprocess.run([sys.executable, "benchmarks/generate_throughput.py", "--run", str(smoke_run),
                             "--limit", "3", "--no-log"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "card loop" in result.stdout and "p50 ms" in result.stdout
    assert json.loads((smoke_run / "benchmarks" / "generate_throughput.json").read_text())["test_pairs"] == 3


def test_compare_notebook_runs_on_a_finished_run_and_passes_nbval(smoke_run, tmp_path):
    import papermill

    executed = tmp_path / "07_compare_runs.ipynb"
    papermill.execute_notebook(str(REPO_ROOT / "notebooks" / "07_compare_runs.ipynb"), str(executed),
                               parameters={"run_dirs": [str(smoke_run)], "out_dir": str(tmp_path / "comparison"),
                                           "curve_runs": []},  # hermetic: no real runs/ of this checkout
                               kernel_name="python3", progress_bar=False, cwd=str(REPO_ROOT))
    assert (tmp_path / "comparison" / "scores.csv").is_file() and (tmp_path / "comparison" / "comparison.png").is_file()
    env = {**os.environ, "TQDM_DISABLE": "1"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                             "--nbval-sanitize-with", str(REPO_ROOT / "tests" / "nbval_sanitize.cfg"), str(executed)],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-5000:]


def test_decoding_benchmark_scores_every_setting_on_a_finished_run(smoke_run):
    from glossa_utils import DECODING_VARIANTS

    result = subprocess.run([sys.executable, "benchmarks/compare_decoding.py", "--run", str(smoke_run), "--limit", "4",
                             "--no-log"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((smoke_run / "benchmarks" / "decoding_validation.json").read_text())
    assert report["pairs"] == 4 and len(report["rows"]) == 2 * len(DECODING_VARIANTS)
    assert report["best"]["Δ BLEU-4 vs best, 95% CI"] == "+0.000 to +0.000"
    assert "Δ BLEU-4 vs best" in result.stdout.splitlines()[-len(report["rows"]) - 2]
