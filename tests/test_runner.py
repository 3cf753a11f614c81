"""Runs that stop midway, resume, and reproduce: status, atomic outputs, provenance."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import psutil
import pytest
from safetensors.torch import load_file

from glossa_utils import NOTEBOOKS, REPO_ROOT, read_records

from .conftest import run_glossa

pytestmark = pytest.mark.slow


def test_run_records_versions_commit_and_params(smoke_run):
    env = json.loads((smoke_run / "environment.json").read_text())
    assert env["packages"]["torch"] and env["packages"]["transformers"] and env["python"]
    assert env["git_commit"] is None or len(env["git_commit"].split("-")[0]) == 40
    assert (smoke_run / "params.yaml").read_text().startswith("name: smoke")


def test_same_params_and_seed_give_identical_results(smoke_run, tmp_path):
    result = run_glossa("run", "params/smoke.yaml", "--out", str(tmp_path / "again"))
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("data/train.jsonl", "data/validation.jsonl", "data/test.jsonl", "predictions.jsonl",
                 "baselines/zero_shot_chat.jsonl", "baselines/2_shot_chat.jsonl", "baselines/rule_baseline.jsonl"):
        assert read_records(tmp_path / "again" / name) == read_records(smoke_run / name), name
    first = json.loads((smoke_run / "metrics.json").read_text())
    assert json.loads((tmp_path / "again" / "metrics.json").read_text()) == first


def kill_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants (papermill starts the kernel in its own session)."""
    parent = psutil.Process(pid)
    for proc in [*parent.children(recursive=True), parent]:
        try:
            proc.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs([parent], timeout=30)


def test_killed_run_resumes_to_the_same_adapter_and_metrics(smoke_run, tmp_path):
    run = tmp_path / "killed"
    env = {**os.environ, "TQDM_DISABLE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "glossa_utils.cli", "run", "params/smoke.yaml", "--out", str(run)],
                            cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (run / "checkpoints" / "checkpoint-10" / "trainer_state.json").is_file():
        assert proc.poll() is None and time.time() < deadline, "the run ended before it could be killed"
        time.sleep(0.05)
    kill_tree(proc.pid)
    time.sleep(1)

    status = json.loads((run / "status.json").read_text())
    assert status["state"] == "running" and status["notebook"] == "02_lora_finetune.ipynb"
    assert list(status["completed"]) == ["01_data_prep"]
    for artefact in ("adapter", "merged", "metrics.json", "predictions.jsonl"):
        assert not (run / artefact).exists(), f"a killed run left {artefact}"

    result = run_glossa("resume", str(run))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "resuming" in result.stdout and "after: 01_data_prep" in result.stdout
    assert set(json.loads((run / "status.json").read_text())["completed"]) == set(NOTEBOOKS)
    trained = (run / "02_lora_finetune.ipynb").read_text()
    resumed_at = re.search(r"resuming from checkpoint-(\d+)", trained)
    assert resumed_at and int(resumed_at.group(1)) >= 10  # continued from the checkpoint, did not restart

    resumed = load_file(run / "adapter" / "adapter_model.safetensors")
    reference = load_file(smoke_run / "adapter" / "adapter_model.safetensors")
    assert resumed.keys() == reference.keys()
    assert max((resumed[k] - reference[k]).abs().max().item() for k in resumed) < 1e-5
    metrics, expected = (json.loads((d / "metrics.json").read_text())["systems"] for d in (run, smoke_run))
    for system, scores in expected.items():
        assert metrics[system] == pytest.approx(scores, abs=1e-6), system


def test_resume_refuses_what_it_cannot_continue(smoke_run, tmp_path):
    result = run_glossa("resume", str(tmp_path))
    assert result.returncode == 1 and "no run to resume" in result.stderr
    result = run_glossa("resume", str(smoke_run))
    assert result.returncode == 0 and "already done" in result.stdout


def test_store_outputs_strips_run_noise_and_keeps_the_parameters_default(smoke_run, tmp_path):
    import nbformat

    from glossa_utils import PipelineError, store_outputs

    dest = tmp_path / "notebooks"
    dest.mkdir()
    for name in NOTEBOOKS[:2]:
        (dest / f"{name}.ipynb").write_text("{}")  # only notebooks with a committed counterpart are stored
    stored = store_outputs(smoke_run, dest)
    assert [p.name for p in stored] == [f"{name}.ipynb" for name in NOTEBOOKS[:2]]
    nb = nbformat.read(stored[0], as_version=4)
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    assert 'params_path: str = "params/default.yaml"' in nb.cells[1].source
    assert all(c.execution_count is None for c in nb.cells if c.cell_type == "code")
    assert any(c.outputs for c in nb.cells if c.cell_type == "code"), "outputs are kept"
    with pytest.raises(PipelineError, match="no executed notebooks"):
        store_outputs(tmp_path, dest)


def test_a_fresh_run_removes_the_previous_exports(tmp_path):
    from glossa_utils.runner import clear_outputs

    (tmp_path / "export" / "gguf").mkdir(parents=True)
    (tmp_path / "export" / "gguf" / "model-bf16.gguf").write_bytes(b"GGUF")
    (tmp_path / "notes.txt").write_text("mine")
    clear_outputs(tmp_path)
    assert not (tmp_path / "export").exists() and (tmp_path / "notes.txt").is_file()
