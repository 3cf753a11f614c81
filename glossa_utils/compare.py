"""Compare finished runs: which params differ, how the scores and losses compare (``07_compare_runs``)."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import yaml

from .config import REPO_ROOT, resolve_path, show_path
from .metrics import compare_runs

IGNORED_PARAMS = ("name", "out_dir", "train.resume")
"""Params that differ between any two runs without changing what they compute."""


def _run_folders(folder: Path) -> list[Path]:
    """`folder` itself if it is a run, else its child runs (a sweep folder)."""
    if (folder / "params.yaml").is_file():
        return [folder]
    return sorted(child for child in folder.iterdir() if (child / "params.yaml").is_file())


def find_runs(patterns: list[str]) -> tuple[list[Path], list[str]]:
    """Finished run folders named by `patterns`: run folders, sweep folders, or globs such as ``runs/*``.

    A path named explicitly must exist and hold at least one run. Folders whose names start with ``_``
    (test runs) are left out of globs. Runs that have not finished (no ``metrics.json``) are not
    compared; they are returned as notes so the notebook can say so. Returns ``(runs, notes)``.
    """
    runs: list[Path] = []
    notes: list[str] = []
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = [Path(p) for p in sorted(glob.glob(str(resolve_path(pattern)))) if Path(p).is_dir()]
            folders = [f for m in matches if not m.name.startswith("_") for f in _run_folders(m)]
        else:
            path = resolve_path(pattern)
            if not path.is_dir():
                raise FileNotFoundError(f"run folder not found: {pattern}")
            folders = _run_folders(path)
            if not folders:
                raise FileNotFoundError(f"{pattern} is neither a run folder nor a sweep of runs (no params.yaml)")
        for folder in folders:
            if not (folder / "metrics.json").is_file():
                notes.append(f"{show_path(folder)}: not finished (no metrics.json), left out")
            elif folder not in runs:
                runs.append(folder)
    return runs, notes


def run_label(run_dir: Path) -> str:
    """A short name for a run: its path below ``runs/`` (``lora-rank-lr/r-4_lr-0.001``)."""
    try:
        return str(Path(run_dir).resolve().relative_to(REPO_ROOT / "runs"))
    except ValueError:
        return Path(run_dir).name


def _flatten(tree: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = json.dumps(value) if isinstance(value, (list, dict)) else value
    return flat


def params_diff(run_dirs: list[Path]):
    """The params that differ between the runs (one row per run), from each run's ``params.yaml``."""
    import pandas as pd

    rows = {run_label(d): _flatten(yaml.safe_load((Path(d) / "params.yaml").read_text(encoding="utf-8")))
            for d in run_dirs}
    table = pd.DataFrame.from_dict(rows, orient="index")
    varying = [c for c in table.columns if c not in IGNORED_PARAMS and table[c].astype(str).nunique() > 1]
    return table[varying]


def _bleu4_interval(metrics: dict, system: str) -> str:
    """The run's bootstrap 95% interval for a system's BLEU-4 as text ("" where none was recorded)."""
    interval = metrics.get("ci95", {}).get(system, {}).get("bleu4")
    return f"{interval[0]:.3f}–{interval[1]:.3f}" if interval else ""


def score_table(run_dirs: list[Path], digits: int = 4):
    """`compare_runs` labelled by run path, with BLEU-4's bootstrap 95% interval where a run recorded one."""
    table = compare_runs(run_dirs, digits)
    labels, intervals = [], []
    for run_dir in run_dirs:
        metrics = json.loads((Path(run_dir) / "metrics.json").read_text(encoding="utf-8"))
        labels += [run_label(run_dir)] * len(metrics["systems"])
        intervals += [_bleu4_interval(metrics, system) for system in metrics["systems"]]
    table["run"] = labels
    if any(intervals):
        table.insert(table.columns.get_loc("BLEU-4") + 1, "BLEU-4 95% CI", intervals)
    return table


def loss_curves(run_dirs: list[Path]):
    """Training and validation loss per logged step, one block of rows per run (long format)."""
    import pandas as pd

    rows = []
    for run_dir in run_dirs:
        log_file = Path(run_dir) / "train_log.json"
        if not log_file.is_file():
            continue
        for entry in json.loads(log_file.read_text(encoding="utf-8")):
            for key, split in (("loss", "train"), ("eval_loss", "validation")):
                if key in entry:
                    rows.append({"run": run_label(run_dir), "step": entry["step"], "split": split, "loss": entry[key]})
    return pd.DataFrame(rows, columns=["run", "step", "split", "loss"])


def plot_runs(scores, curves, metric: str = "BLEU-4"):
    """Left: `metric` per run and system. Right: loss curves per run. Returns the figure."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    sns.barplot(data=scores, y="run", x=metric, hue="system", ax=left)
    left.set_title(f"{metric} by run and system")
    if len(curves):
        sns.lineplot(data=curves, x="step", y="loss", hue="run", style="split", ax=right)
    right.set_title("loss by optimiser step")
    fig.tight_layout()
    return fig


def group_by_test_set(run_dirs: list[Path]) -> dict[str, list[str]]:
    """Runs grouped by the exact content of their test split: scores are comparable only within a group."""
    import hashlib

    groups: dict[str, list[str]] = {}
    for run_dir in run_dirs:
        test_file = Path(run_dir) / "data" / "test.jsonl"
        digest = hashlib.sha256(test_file.read_bytes()).hexdigest()[:12] if test_file.is_file() else "missing"
        groups.setdefault(digest, []).append(run_label(run_dir))
    return groups
