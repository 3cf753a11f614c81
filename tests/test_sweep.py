"""Sweeps: grid planning and validation, and real sweeps through local workers and submitit."""

import json
import re

import pandas as pd
import pytest
import yaml

from glossa_utils import ParamsError
from glossa_utils.sweep import load_sweep, plan_runs

from .conftest import run_glossa


def write_sweep(tmp_path, **fields):
    spec = {"name": "t", "params": "params/smoke.yaml", "grid": {"lora.r": [2, 4]}, **fields}
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_grid_is_the_cross_product_with_readable_names(tmp_path):
    cfg = load_sweep(write_sweep(tmp_path, grid={"lora.r": [2, 4], "train.lr": [1e-3, 5e-4]}, set=["seed=1"]))
    runs = plan_runs(cfg)
    assert [r.name for r in runs] == ["r-2_lr-0.001", "r-2_lr-0.0005", "r-4_lr-0.001", "r-4_lr-0.0005"]
    assert runs[1].overrides == ["seed=1", "lora.r=2", "train.lr=0.0005"]
    assert runs[1].values == {"lora.r": 2, "train.lr": 0.0005}


def test_structured_values_take_their_labels(tmp_path):
    modules = {"attn": ["q_proj", "v_proj"], "all": ["q_proj", "k_proj", "v_proj", "o_proj"]}
    runs = plan_runs(load_sweep(write_sweep(tmp_path, grid={"lora.target_modules": modules})))
    assert [r.name for r in runs] == ["target_modules-attn", "target_modules-all"]
    assert runs[0].overrides == ['lora.target_modules=["q_proj", "v_proj"]'] and runs[0].values == {"lora.target_modules": "attn"}


@pytest.mark.parametrize("fields, message", [
    ({"executor": "kubernetes"}, "executor must be one of"),
    ({"grid": {"lora.r": []}}, "grid.lora.r: expected a non-empty list"),
    ({"grid": {"lora.r": [2, 0]}}, "run r-0: lora.r must be >= 1"),
    ({"grid": {"lora.rank": [2]}}, "run rank-2: unknown key lora.rank"),
    ({"workers": 0}, "workers must be >= 1"),
    ({"colour": "red"}, "unknown key colour"),
])
def test_a_bad_sweep_fails_before_any_run(tmp_path, fields, message):
    with pytest.raises(ParamsError, match=message):
        load_sweep(write_sweep(tmp_path, **fields))


@pytest.mark.parametrize("data, message", [
    (b"name: s\ngrid: {lora.r: [2, 4}\n", "s.yaml:2:"),
    (b"- just\n- a list\n", "s.yaml: the top level must be a mapping"),
    (b"name: \xff\n", "s.yaml:1: not UTF-8 text (byte 0xff)"),
])
def test_a_sweep_file_that_is_not_yaml_names_file_and_line(tmp_path, data, message):
    path = tmp_path / "s.yaml"
    path.write_bytes(data)
    with pytest.raises(ParamsError, match=re.escape(message)):
        load_sweep(path)


def test_two_grid_points_with_the_same_name_are_refused(tmp_path):
    with pytest.raises(ParamsError, match="same run name"):
        load_sweep(write_sweep(tmp_path, grid={"data.path": ["a/x.jsonl", "a x.jsonl"]}))


def broken_files(tmp_path, n):
    paths = []
    for i in range(n):
        path = tmp_path / f"broken{i}.jsonl"
        path.write_text('{"gloss": "ME GO.", "text": "I go."}\n{"gloss": \n')
        paths.append(str(path))
    return paths


@pytest.mark.slow
def test_local_workers_report_each_failure_without_stopping(tmp_path):
    a, b = broken_files(tmp_path, 2)
    sweep = write_sweep(tmp_path, grid={"data.path": {"a": a, "b": b}}, executor="local", workers=2)
    result = run_glossa("sweep", str(sweep), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "run path-a failed" in result.stderr and "run path-b failed" in result.stderr
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert list(summary["state"]) == ["failed", "failed"] and summary["error"].str.contains("DataError").all()
    assert (tmp_path / "out" / "summary.png").is_file()


@pytest.mark.slow
def test_submitit_sweep_runs_skips_finished_and_summarises(tmp_path):
    (bad,) = broken_files(tmp_path, 1)
    sweep = write_sweep(tmp_path, grid={"data.path": {"ok": None, "bad": bad}}, set=["train.max_steps=4"],
                        executor="submitit-local", workers=2)
    out = tmp_path / "out"
    first = run_glossa("sweep", str(sweep), "--out", str(out))
    assert first.returncode == 1, first.stderr[-2000:]
    summary = pd.read_csv(out / "summary.csv").set_index("run")
    assert summary.loc["path-ok", "state"] == "done" and summary.loc["path-bad", "state"] == "failed"
    assert 0 <= summary.loc["path-ok", "BLEU-4"] <= 1 and summary.loc["path-ok", "val loss"] > 0
    metrics = json.loads((out / "path-ok" / "metrics.json").read_text())
    assert summary.loc["path-ok", "BLEU-4"] == pytest.approx(metrics["systems"]["fine-tuned"]["bleu4"])
    assert list((out / "submitit").glob("*_result.pkl")), "the runs went through submitit"

    second = run_glossa("sweep", str(sweep), "--out", str(out))
    summary = pd.read_csv(out / "summary.csv").set_index("run")
    assert summary.loc["path-ok", "state"] == "skipped (done)" and summary.loc["path-bad", "state"] == "failed"
    assert second.returncode == 1 and "resume" in (out / "path-bad" / "sweep.log").read_text()
