"""Run a params file through every notebook with papermill: ``glossa run PARAMS``.

Params are validated before any notebook starts. Each executed notebook is written into the run
folder next to its artefacts. ``status.json`` there says whether the run is running (with its pid),
failed (with the notebook and cell) or done, and which notebooks completed; ``glossa resume RUN``
continues a failed or killed run from the first notebook that did not complete, and training from
its last checkpoint. ``environment.json`` records package versions, the git commit and the command.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .config import REPO_ROOT, load_params, resolve_path, save_params, show_path
from .data import write_json

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = ("01_data_prep", "02_lora_finetune", "03_merge", "04_generate", "05_evaluate", "06_error_analysis")
RUN_OUTPUTS = ("status.json", "environment.json", "data", "checkpoints", "adapter", "train_log.json", "loss.png",
               "merged", "merge_check.json", "predictions.jsonl", "predictions_zero_shot.jsonl", "baselines", "eval", "metrics.json",
               "metrics.md", "README.md", "analysis", "export", *(f"{name}.ipynb" for name in NOTEBOOKS))
"""Everything a run writes; a fresh run into an existing folder removes these (and nothing else)."""
PACKAGES = ("torch", "transformers", "peft", "accelerate", "datasets", "evaluate", "sacrebleu", "rouge-score",
            "bert-score", "papermill", "gguf", "numpy", "glossa-llama")


class PipelineError(RuntimeError):
    """A notebook failed, or a run cannot be resumed; the message says which and where."""


def write_status(run_dir: Path, **status) -> None:
    """Record the run state in ``status.json`` (written atomically)."""
    write_json(status, run_dir / "status.json")


def read_status(run_dir: Path) -> dict:
    """The run's ``status.json`` (``{}`` if there is none)."""
    path = run_dir / "status.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def clear_outputs(run_dir: Path) -> None:
    """Remove what an earlier run left in `run_dir` (only the files a run writes, and their temp copies)."""
    for name in RUN_OUTPUTS:
        for path in (run_dir / name, run_dir / f"{name}.tmp"):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()


def git_commit() -> str | None:
    """The repository's commit, with ``-dirty`` if tracked files changed; None outside a git checkout."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("-dirty" if dirty else "")


def record_environment(run_dir: Path) -> dict:
    """Write ``environment.json``: Python, platform, package versions, git commit and command line."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    env = {"python": platform.python_version(), "platform": platform.platform(), "packages": versions,
           "git_commit": git_commit(), "command": sys.argv, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    write_json(env, run_dir / "environment.json")
    return env


def execute_notebook(name: str, run_dir: Path, params_file: Path, log_output: bool = False) -> float:
    """Execute one notebook into `run_dir` with papermill; returns seconds taken."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    output = run_dir / f"{name}.ipynb"
    try:
        papermill.execute_notebook(str(NOTEBOOK_DIR / f"{name}.ipynb"), str(output),
                                   parameters={"params_path": str(params_file)}, kernel_name="python3",
                                   progress_bar=False, log_output=log_output, cwd=str(REPO_ROOT))
    except PapermillExecutionError as err:
        raise PipelineError(f"{name}.ipynb failed in cell {err.cell_index} ({err.ename}: {err.evalue}); "
                            f"see the executed notebook {show_path(output)}") from err
    return time.perf_counter() - start


def execute_all(run_dir: Path, completed: dict[str, float], log_output: bool = False) -> Path:
    """Execute the notebooks not yet in `completed`, keeping ``status.json`` current."""
    todo = [name for name in NOTEBOOKS if name not in completed]
    for name in todo:
        write_status(run_dir, state="running", pid=os.getpid(), notebook=f"{name}.ipynb", completed=completed)
        print(f"[{NOTEBOOKS.index(name) + 1}/{len(NOTEBOOKS)}] {name} ...", flush=True)
        try:
            completed[name] = round(execute_notebook(name, run_dir, run_dir / "params.yaml", log_output), 1)
        except PipelineError as err:
            cause = err.__cause__
            write_status(run_dir, state="failed", notebook=f"{name}.ipynb", cell=getattr(cause, "cell_index", None),
                         error=f"{getattr(cause, 'ename', '')}: {getattr(cause, 'evalue', '')}", completed=completed)
            raise
        print(f"      done in {completed[name]:.0f} s", flush=True)
    write_status(run_dir, state="done", completed=completed, total_seconds=round(sum(completed.values()), 1))
    return run_dir


def run_pipeline(params_path: str | Path, overrides: list[str] | None = None, out: str | Path | None = None,
                 log_output: bool = False) -> Path:
    """Validate params, then execute all notebooks into a fresh run folder; returns the folder."""
    cfg = load_params(params_path, overrides)
    if out is not None:
        cfg = dataclasses.replace(cfg, out_dir=str(resolve_path(out)))
    run_dir = cfg.run_dir
    clear_outputs(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    save_params(cfg, run_dir / "params.yaml")
    record_environment(run_dir)
    return execute_all(run_dir, {}, log_output)


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def resume_pipeline(run_dir: str | Path, log_output: bool = False) -> Path:
    """Continue a failed or killed run: skip completed notebooks, resume training from its last checkpoint."""
    run_dir = resolve_path(run_dir)
    status = read_status(run_dir)
    if not status or not (run_dir / "params.yaml").is_file():
        raise PipelineError(f"{show_path(run_dir)} holds no run to resume (no status.json / params.yaml)")
    if status["state"] == "done":
        print(f"{show_path(run_dir)} is already done; nothing to resume")
        return run_dir
    if status["state"] == "running" and status.get("pid") not in (None, os.getpid()) and pid_alive(status["pid"]):
        raise PipelineError(f"{show_path(run_dir)} is still running (pid {status['pid']}); stop it first")
    cfg = load_params(run_dir / "params.yaml")
    save_params(dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, resume=True)), run_dir / "params.yaml")
    print(f"resuming {show_path(run_dir)} after: {', '.join(status.get('completed', {})) or 'nothing'}")
    return execute_all(run_dir, dict(status.get("completed", {})), log_output)


def store_outputs(run_dir: Path, dest: Path = NOTEBOOK_DIR) -> list[Path]:
    """Copy the executed notebooks in `run_dir` over the committed ones, so readers see real results.

    Every ``NN_name.ipynb`` in `run_dir` with a counterpart in `dest` is stored: the six pipeline
    notebooks of a run folder, or ``07_compare_runs`` executed into ``runs/comparison/``. Papermill's
    injected-parameters cell and metadata, execution counts and stderr noise are removed; the
    `parameters` cell keeps its default, so the stored notebook still runs as is.
    """
    import nbformat

    written = []
    for executed in sorted(Path(run_dir).glob("[0-9][0-9]_*.ipynb")):
        if not (dest / executed.name).is_file():
            continue
        nb = nbformat.read(executed, as_version=4)
        nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
        nb.metadata.pop("papermill", None)
        for cell in nb.cells:
            cell.metadata.pop("papermill", None)
            cell.metadata.pop("execution", None)
            if cell.cell_type == "code":
                cell.execution_count = None
                cell.outputs = [o for o in cell.outputs if o.get("name") != "stderr"]
                for output in cell.outputs:
                    if "execution_count" in output:
                        output["execution_count"] = None
        nbformat.write(nb, dest / executed.name)
        written.append(dest / executed.name)
    if not written:
        raise PipelineError(f"{show_path(run_dir)} holds no executed notebooks to store")
    return written
