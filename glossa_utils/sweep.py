"""Grid sweeps over params: ``glossa sweep SWEEP.yaml``.

A sweep file names a base params file and a grid of overrides; every grid point becomes one ordinary
run (one papermill execution of all notebooks) in ``runs/<sweep>/<run>/``. Runs execute in parallel
on local worker processes, or through submitit (``slurm`` on a cluster, ``submitit-local`` to try the
same code path on one machine). A finished run is skipped when the sweep is started again, a failed
or killed one is resumed, and one failing run never stops the others. At the end the sweep writes
``summary.csv`` (one row per run: its grid values, state and scores) and ``summary.png``.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import itertools
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import REPO_ROOT, ParamsError, build_config, load_params, read_yaml, resolve_path, show_path
from .data import write_json

EXECUTORS = ("local", "submitit-local", "slurm")


@dataclass(frozen=True)
class SlurmParams:
    partition: str | None = None
    timeout_min: int = 120  # wall-clock limit of each run's job
    gpus_per_node: int = 1
    cpus_per_task: int = 8
    mem_gb: int = 32


@dataclass(frozen=True)
class SweepConfig:
    name: str  # sweep folder: runs/<name>/
    params: str  # base params file, e.g. params/default.yaml
    grid: dict  # key -> list of values, or {label: value} for structured values
    set: list[str] = field(default_factory=list)  # fixed key=value overrides for every run
    executor: str = "local"  # local | submitit-local | slurm
    workers: int = 2  # runs at once (local executors); Slurm runs them as the cluster allows
    slurm: SlurmParams = field(default_factory=SlurmParams)
    out_dir: str | None = None  # None = runs/<name>/ under the repo root

    def __post_init__(self) -> None:
        if self.executor not in EXECUTORS:
            raise ParamsError(f"executor must be one of {', '.join(EXECUTORS)}, got {self.executor!r}")
        if self.workers < 1:
            raise ParamsError(f"workers must be >= 1, got {self.workers}")
        if not self.grid:
            raise ParamsError("grid: name at least one key with a list of values")
        for key, values in self.grid.items():
            if not isinstance(values, (list, dict)) or not values:
                raise ParamsError(f"grid.{key}: expected a non-empty list (or a mapping label -> value)")

    @property
    def sweep_dir(self) -> Path:
        """Where the sweep's run folders, summary.csv and summary.png go (absolute)."""
        return resolve_path(self.out_dir) if self.out_dir else REPO_ROOT / "runs" / self.name


@dataclass(frozen=True)
class PlannedRun:
    """One grid point: its folder name, the values it sets (for the summary) and the overrides."""

    name: str
    values: dict[str, Any]
    overrides: list[str]


def load_sweep(path: str | Path) -> SweepConfig:
    """Read and validate a sweep file; every grid point's params are validated before anything runs."""
    file = resolve_path(path)
    if not file.is_file():
        raise ParamsError(f"sweep file not found: {path}")
    raw = read_yaml(file, str(path)) or {}
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: the top level must be a mapping of keys")
    for key in ("name", "params", "grid"):
        if key not in raw:
            raise ParamsError(f"{path}: missing key {key!r}")
    cfg = build_config(SweepConfig, raw)
    for run in plan_runs(cfg):
        try:
            load_params(cfg.params, run.overrides)
        except ParamsError as err:
            raise ParamsError(f"run {run.name}: {err}") from err
    return cfg


def _label(value: Any) -> str:
    """A short, folder-safe rendering of a grid value."""
    text = format(value, "g") if isinstance(value, float) else str(value)
    return re.sub(r"[^A-Za-z0-9.+-]+", "-", text).strip("-") or "x"


def plan_runs(cfg: SweepConfig) -> list[PlannedRun]:
    """Every grid point, in a stable order, with a readable run name such as ``r-16_lr-0.001``."""
    axes = []
    for key, values in cfg.grid.items():
        options = values.items() if isinstance(values, dict) else ((_label(v), v) for v in values)
        axes.append([(key, label, value) for label, value in options])
    runs = []
    for point in itertools.product(*axes):
        name = "_".join(f"{key.split('.')[-1]}-{label}" for key, label, _ in point)
        overrides = [*cfg.set, *(f"{key}={json.dumps(value)}" for key, _, value in point)]
        values = {key: value if isinstance(value, (int, float, str, bool)) else label for key, label, value in point}
        runs.append(PlannedRun(name, values, overrides))
    if len({run.name for run in runs}) != len(runs):
        raise ParamsError("grid: two grid points get the same run name; give structured values distinct labels")
    return runs


def run_one(params: str, overrides: list[str], run_dir: str, threads: int | None = None) -> dict[str, Any]:
    """Execute (or resume, or skip) one run in a child process; returns its state and error, never raises.

    Used by every executor: locally it runs in a worker thread, under submitit inside the job.
    """
    from .runner import read_status

    run_path = Path(run_dir)
    status = read_status(run_path)
    if status.get("state") == "done":
        return {"state": "skipped (done)", "error": None, "seconds": 0.0}
    command = [sys.executable, "-m", "glossa_utils.cli"]
    if status.get("state") in ("failed", "running") and (run_path / "params.yaml").is_file():
        command += ["resume", str(run_path)]
    else:
        command += ["run", params, "--out", str(run_path), *(a for o in overrides for a in ("--set", o))]
    env = dict(os.environ)
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    run_path.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with open(run_path / "sweep.log", "a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(command)}\n")
        log.flush()
        result = subprocess.run(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    error = None
    if result.returncode != 0:
        error = read_status(run_path).get("error") or f"exit code {result.returncode}; see {run_path / 'sweep.log'}"
    return {"state": "done" if result.returncode == 0 else "failed", "error": error,
            "seconds": round(time.perf_counter() - start, 1)}


def _submitit_executor(cfg: SweepConfig):
    import submitit

    folder = cfg.sweep_dir / "submitit"
    if cfg.executor == "submitit-local":
        executor = submitit.LocalExecutor(folder=folder)
        executor.update_parameters(timeout_min=cfg.slurm.timeout_min)
    else:
        executor = submitit.AutoExecutor(folder=folder, cluster="slurm")
        executor.update_parameters(timeout_min=cfg.slurm.timeout_min, gpus_per_node=cfg.slurm.gpus_per_node,
                                   cpus_per_task=cfg.slurm.cpus_per_task, mem_gb=cfg.slurm.mem_gb,
                                   slurm_partition=cfg.slurm.partition, name=f"glossa-{cfg.name}")
    return executor


def execute_runs(cfg: SweepConfig, runs: list[PlannedRun]) -> dict[str, dict[str, Any]]:
    """Run every planned run with the configured executor; a failure is recorded, never raised."""
    dirs = {run.name: str(cfg.sweep_dir / run.name) for run in runs}
    if cfg.executor == "local":
        threads = max(1, (os.cpu_count() or 1) // cfg.workers)
        with concurrent.futures.ThreadPoolExecutor(cfg.workers) as pool:
            futures = {run.name: pool.submit(run_one, cfg.params, run.overrides, dirs[run.name], threads)
                       for run in runs}
            return {name: future.result() for name, future in futures.items()}
    executor = _submitit_executor(cfg)
    jobs = {run.name: executor.submit(run_one, cfg.params, run.overrides, dirs[run.name]) for run in runs}
    results = {}
    for name, job in jobs.items():
        try:
            results[name] = job.result()
        except Exception as err:  # the job itself died (scheduler, out of memory): report it, go on
            results[name] = {"state": "failed", "error": f"{type(err).__name__}: {err}", "seconds": None}
    return results


def summarize(cfg: SweepConfig, runs: list[PlannedRun], results: dict[str, dict[str, Any]]):
    """One row per run: grid values, state, error, fine-tuned scores and the final validation loss."""
    import pandas as pd

    from .metrics import METRIC_COLUMNS

    rows = []
    for run in runs:
        run_dir = cfg.sweep_dir / run.name
        row = {"run": run.name, **run.values, **results.get(run.name, {})}
        metrics_file = run_dir / "metrics.json"
        if metrics_file.is_file():
            metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
            row["test pairs"] = metrics["test_examples"]
            row.update({METRIC_COLUMNS[k]: v for k, v in metrics["systems"]["fine-tuned"].items() if k in METRIC_COLUMNS})
        log_file = run_dir / "train_log.json"
        if log_file.is_file():
            losses = [e["eval_loss"] for e in json.loads(log_file.read_text(encoding="utf-8")) if "eval_loss" in e]
            row["val loss"] = losses[-1] if losses else None
        rows.append(row)
    return pd.DataFrame(rows)


def plot_summary(summary, grid_keys: list[str], metric: str = "BLEU-4"):
    """A heatmap of `metric` over a two-key grid, else one bar per run; returns the figure."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    done = summary.dropna(subset=[metric]) if metric in summary else summary.iloc[0:0]
    fig, ax = plt.subplots(figsize=(6, 4))
    if len(grid_keys) == 2 and len(done):
        table = done.pivot_table(index=grid_keys[0], columns=grid_keys[1], values=metric)
        sns.heatmap(table, annot=True, fmt=".3f", cmap="viridis", ax=ax)
    elif len(done):
        sns.barplot(data=done, x="run", y=metric, ax=ax, color="tab:blue")
        ax.tick_params(axis="x", rotation=45)
    else:
        ax.text(0.5, 0.5, "no finished runs", ha="center", va="center")
    ax.set_title(f"{metric} of the fine-tuned model")
    fig.tight_layout()
    return fig


def run_sweep(path: str | Path, out: str | Path | None = None) -> tuple[Path, Any]:
    """Validate, execute and summarise a sweep; returns ``(summary.csv path, summary DataFrame)``."""
    cfg = load_sweep(path)
    if out is not None:
        cfg = dataclasses.replace(cfg, out_dir=str(resolve_path(out)))
    runs = plan_runs(cfg)
    cfg.sweep_dir.mkdir(parents=True, exist_ok=True)
    write_json({"sweep": str(path), "executor": cfg.executor, "runs": [run.name for run in runs]},
               cfg.sweep_dir / "sweep.json")
    print(f"sweep {cfg.name}: {len(runs)} runs with executor {cfg.executor} -> {show_path(cfg.sweep_dir)}", flush=True)
    results = execute_runs(cfg, runs)
    summary = summarize(cfg, runs, results)
    out = cfg.sweep_dir / "summary.csv"
    summary.to_csv(out.with_suffix(".csv.tmp"), index=False)
    os.replace(out.with_suffix(".csv.tmp"), out)
    fig = plot_summary(summary, list(cfg.grid))
    fig.savefig(cfg.sweep_dir / "summary.png", dpi=100)
    return out, summary
