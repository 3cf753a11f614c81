"""Run a params file through every notebook with papermill: ``glossa run PARAMS``.

Params are validated before any notebook starts. Each executed notebook is written into the run
folder next to its artefacts, and ``status.json`` there says whether the run is running, failed
(with the notebook and cell) or done.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from .config import REPO_ROOT, load_params, resolve_path, save_params, show_path

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = ("01_data_prep", "02_lora_finetune", "03_merge", "04_generate", "05_evaluate", "06_error_analysis")


class PipelineError(RuntimeError):
    """A notebook failed; the message names the notebook and the cell."""


def write_status(run_dir: Path, **status) -> None:
    """Record the run state in ``status.json`` (written atomically)."""
    tmp = run_dir / "status.json.tmp"
    tmp.write_text(json.dumps(status, indent=2), encoding="utf-8")
    tmp.replace(run_dir / "status.json")


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
        write_status(run_dir, state="failed", notebook=f"{name}.ipynb", cell=err.cell_index,
                     error=f"{err.ename}: {err.evalue}")
        raise PipelineError(f"{name}.ipynb failed in cell {err.cell_index} ({err.ename}: {err.evalue}); "
                            f"see the executed notebook {show_path(output)}") from None
    return time.perf_counter() - start


def run_pipeline(params_path: str | Path, overrides: list[str] | None = None, out: str | Path | None = None,
                 notebooks: tuple[str, ...] = NOTEBOOKS, log_output: bool = False) -> Path:
    """Validate params, then execute `notebooks` in order into the run folder; returns the folder."""
    cfg = load_params(params_path, overrides)
    if out is not None:
        cfg = dataclasses.replace(cfg, out_dir=str(resolve_path(out)))
    run_dir = cfg.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    params_file = run_dir / "params.yaml"
    save_params(cfg, params_file)
    timings: dict[str, float] = {}
    write_status(run_dir, state="running", notebooks=list(notebooks))
    for i, name in enumerate(notebooks, start=1):
        print(f"[{i}/{len(notebooks)}] {name} ...", flush=True)
        timings[name] = round(execute_notebook(name, run_dir, params_file, log_output), 1)
        print(f"      done in {timings[name]:.0f} s", flush=True)
    write_status(run_dir, state="done", seconds=timings, total_seconds=round(sum(timings.values()), 1))
    return run_dir


def store_outputs(run_dir: Path, dest: Path = NOTEBOOK_DIR) -> list[Path]:
    """Copy a run's executed notebooks over the committed ones, so readers see real results.

    Papermill's injected-parameters cell and metadata, execution counts and stderr noise are
    removed; the `parameters` cell keeps its default, so the stored notebook still runs as is.
    """
    import nbformat

    written = []
    for name in NOTEBOOKS:
        nb = nbformat.read(run_dir / f"{name}.ipynb", as_version=4)
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
        nbformat.write(nb, dest / f"{name}.ipynb")
        written.append(dest / f"{name}.ipynb")
    return written
