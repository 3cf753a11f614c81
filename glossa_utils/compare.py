"""Compare finished runs (``07_compare_runs``): which params differ, how the scores and losses compare,
which test examples got better or worse between two runs, each gloss phenomenon across runs, and the
learning curve of the data-size sweep."""

from __future__ import annotations

import glob
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .analysis import format_score, phenomenon_report, prediction_lists, read_system_predictions, sentence_scores
from .config import REPO_ROOT, resolve_path, show_path
from .evaluation import filter_source, match_examples
from .metrics import BLEU4, CHRF, compare_runs, paired_bootstrap_ci

IGNORED_PARAMS = ("name", "out_dir", "train.resume")
"""Params that differ between any two runs without changing what they compute."""


def _run_folders(folder: Path) -> list[Path]:
    """`folder` itself if it is a run, else its child runs (a sweep folder)."""
    if (folder / "params.yaml").is_file():
        return [folder]
    return sorted(child for child in folder.iterdir() if (child / "params.yaml").is_file())


def find_runs(patterns: list[str], missing_ok: bool = False) -> tuple[list[Path], list[str]]:
    """Finished run folders named by `patterns`: run folders, sweep folders, or globs such as ``runs/*``.

    A path named explicitly must exist and hold at least one run (with `missing_ok`, a missing one is a
    note instead: 07's learning curve names ``runs/default``, which exists only after ``make run``).
    Folders whose names start with ``_`` (test runs) are left out of globs. Runs that have not finished (no
    ``metrics.json``) are not compared; they are returned as notes so the notebook can say so. Returns
    ``(runs, notes)``.
    """
    runs: list[Path] = []
    notes: list[str] = []
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = [Path(p) for p in sorted(glob.glob(str(resolve_path(pattern)))) if Path(p).is_dir()]
            folders = [f for m in matches if not m.name.startswith("_") for f in _run_folders(m)]
        else:
            path = resolve_path(pattern)
            if not path.is_dir() and missing_ok:
                notes.append(f"{pattern}: no such run folder yet, left out")
                continue
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


def plot_runs(scores, curves, metric: str = "BLEU-4", columns: int = 3):
    """Top: `metric` per run and system. Below: one loss panel per run, training loss solid and validation
    loss dashed with a marker at each evaluation, all panels on the same axes. One panel per run, not one
    plot for all: two runs that trained alike (the data-size sweep's 100 % run and the default) draw the
    same curve, and on a shared plot the second hides the first. Returns the figure."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    runs = list(dict.fromkeys(curves["run"]))
    rows = 1 + -(-len(runs) // columns)
    fig = plt.figure(figsize=(12, 3.2 * rows), dpi=80)
    grid = fig.add_gridspec(rows, columns)
    bars = fig.add_subplot(grid[0, :])
    sns.barplot(data=scores, y="run", x=metric, hue="system", ax=bars)
    bars.set_title(f"{metric} by run and system")
    first = None
    for i, run in enumerate(runs):
        ax = fig.add_subplot(grid[1 + i // columns, i % columns], sharex=first, sharey=first)
        first = first or ax
        for split, style in (("train", {"linestyle": "-"}), ("validation", {"linestyle": "--", "marker": "o"})):
            part = curves[(curves["run"] == run) & (curves["split"] == split)]
            if len(part):
                ax.plot(part["step"], part["loss"], label=split, **style)
        ax.set(title=run, xlabel="optimiser step", ylabel="loss")
    if first is not None:
        first.legend(fontsize="small")
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


@dataclass
class ExampleComparison:
    """Two runs' predictions of one system, example by example (`compare_examples`)."""

    table: Any  # one row per test example: gloss, reference, both predictions, both sentence chrFs, change
    counts: dict[str, int]  # better / worse / same (sentence chrF of run B against run A)
    scores: dict[str, dict[str, float]]  # {"bleu4": {"A": .., "B": .., "B - A": ..}, "chrf": {...}}
    intervals: dict[str, tuple[float, float]]  # paired bootstrap 95% interval of B - A per metric

    def changed(self, k: int = 5, better: bool = True):
        """The `k` examples that improved most from run A to run B (or, with ``better=False``, got worse)."""
        moved = self.table[self.table["change"] > 0] if better else self.table[self.table["change"] < 0]
        return moved.sort_values(["change", "gloss"], ascending=[not better, True], kind="stable").head(k)


def comparable_pair(run_dirs: list[Path]) -> tuple[Path, Path] | None:
    """The first two of `run_dirs` scored on the same test set (A, B in the given order), or None."""
    for i, run_a in enumerate(run_dirs):
        for run_b in run_dirs[i + 1:]:
            groups = group_by_test_set([run_a, run_b])
            if len(groups) == 1 and "missing" not in groups:
                return run_a, run_b
    return None


def _same_test_set(run_a: Path, run_b: Path) -> None:
    groups = group_by_test_set([run_a, run_b])
    if len(groups) != 1 or "missing" in groups:
        raise ValueError(f"{run_label(run_a)} and {run_label(run_b)} were not scored on the same test set "
                         "(data/test.jsonl differs or is missing): an example-by-example comparison needs the same pairs")


def compare_examples(run_a: str | Path, run_b: str | Path, system: str = "fine-tuned", n_resamples: int = 1000,
                     seed: int = 0, source: str | None = None) -> ExampleComparison:
    """Which test examples got better or worse from run A to run B, by sentence chrF, and a paired bootstrap
    95% interval on the corpus BLEU-4 and chrF difference (B - A).

    Without `source` both runs must share their test set (``data/test.jsonl``). With it, only that test
    source's examples are compared, matched by gloss and reference: runs whose test sets differ elsewhere
    (another recipe, or a ``glossa evaluate`` output folder) compare on the source they share.
    """
    run_a, run_b = resolve_path(run_a), resolve_path(run_b)
    if source is None:
        _same_test_set(run_a, run_b)
    records = {}
    for key, run in (("A", run_a), ("B", run_b)):
        systems = read_system_predictions(run)
        if system not in systems:
            raise KeyError(f"{run_label(run)} has no system {system!r} (have {list(systems)})")
        records[key] = systems[system] if source is None else filter_source(systems[system], source, run_label(run))
    if source is not None:
        records["A"], records["B"] = match_examples(records["A"], records["B"], (run_label(run_a), run_label(run_b)))
    references = [r["reference"] for r in records["A"]]
    preds = {key: [r["prediction"] for r in rows] for key, rows in records.items()}
    chrf = {key: sentence_scores(p, references) for key, p in preds.items()}
    table = _example_changes(records["A"], preds, chrf)
    counts = {"better": int((table["change"] > 0).sum()), "worse": int((table["change"] < 0).sum()),
              "same": int((table["change"] == 0).sum())}
    scores, intervals = {}, {}
    for key, metric in (("bleu4", BLEU4), ("chrf", CHRF)):
        a, b = metric(preds["A"], references), metric(preds["B"], references)
        scores[key] = {"A": round(a, 4), "B": round(b, 4), "B - A": round(b - a, 4)}
        intervals[key] = paired_bootstrap_ci(preds["B"], preds["A"], references, metric, n_resamples, seed)
    return ExampleComparison(table, counts, scores, intervals)


def _example_changes(records: list[dict], preds: dict[str, list[str]], chrf: dict[str, list[float]]):
    import pandas as pd

    table = pd.DataFrame({"gloss": [r["gloss"] for r in records], "reference": [r["reference"] for r in records],
                          "A": preds["A"], "B": preds["B"], "chrF A": chrf["A"], "chrF B": chrf["B"]})
    table["change"] = (table["chrF B"] - table["chrF A"]).round(4)
    return table.round({"chrF A": 3, "chrF B": 3}).rename_axis("example")


def run_phenomena(run_dir: str | Path, n_resamples: int = 1000, seed: int = 0) -> dict:
    """A run's per-phenomenon report: ``metrics.json``'s ``phenomena`` when 05 wrote it, else computed from
    its predictions (`analysis.phenomenon_report`)."""
    run_dir = resolve_path(run_dir)
    metrics_file = run_dir / "metrics.json"
    if metrics_file.is_file():
        stored = json.loads(metrics_file.read_text(encoding="utf-8")).get("phenomena")
        if stored:
            return stored
    systems = read_system_predictions(run_dir)
    first = next(iter(systems.values()))
    return phenomenon_report(prediction_lists(systems), [r["reference"] for r in first], [r["gloss"] for r in first],
                             n_resamples, seed)


def phenomena_across_runs(run_dirs: list[Path], system: str = "fine-tuned", metric: str = "chrf",
                          digits: int = 3, n_resamples: int = 1000, seed: int = 0):
    """One row per phenomenon, one column pair per run: its example count and `system`'s `metric`
    (``chrf`` or ``bleu4``) with the 95% interval."""
    import pandas as pd

    columns = {}
    for run_dir in run_dirs:
        report = run_phenomena(run_dir, n_resamples, seed)
        label = run_label(run_dir)
        columns[(label, "count")] = {name: part["count"] for name, part in report.items()}
        columns[(label, metric)] = {name: format_score(part["systems"][system], metric, digits)
                                    for name, part in report.items() if system in part["systems"]}
    table = pd.DataFrame(columns)
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table.rename_axis("phenomenon")


def learning_curve(run_dirs: list[Path]):
    """One row per (run, system): training pairs (the data card's train split) and corpus BLEU-4 and chrF
    (0–1) from the run's predictions. The data-size sweep's runs make a learning curve of it."""
    import pandas as pd

    rows = []
    for run_dir in run_dirs:
        card = json.loads((Path(run_dir) / "data" / "data_card.json").read_text(encoding="utf-8"))
        for system, records in read_system_predictions(run_dir).items():
            preds, refs = [r["prediction"] for r in records], [r["reference"] for r in records]
            rows.append({"run": run_label(run_dir), "system": system, "train pairs": card["splits"]["train"],
                         "BLEU-4": round(BLEU4(preds, refs), 4), "chrF": round(CHRF(preds, refs), 4)})
    curve = pd.DataFrame(rows, columns=["run", "system", "train pairs", "BLEU-4", "chrF"])
    return curve.sort_values(["train pairs", "run"], kind="stable", ignore_index=True)


def plot_learning_curve(curve, system: str = "fine-tuned"):
    """BLEU-4 and chrF of `system` against training pairs; every other system (the prompting and rule
    baselines, which do not train) as a horizontal line at its score in the largest run."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3), dpi=80)
    model = curve[curve["system"] == system].sort_values("train pairs")
    largest = curve[curve["train pairs"] == curve["train pairs"].max()]
    baselines = largest[largest["system"] != system].drop_duplicates("system")
    for ax, metric in zip(axes, ("BLEU-4", "chrF")):
        ax.plot(model["train pairs"], model[metric], marker="o", label=system)
        for i, (_, row) in enumerate(baselines.iterrows()):
            ax.axhline(row[metric], color=f"C{i + 1}", linestyle="--", label=row["system"])
        ax.set(title=f"{metric} by training pairs", xlabel="training pairs", ylabel=metric, xticks=model["train pairs"])
    axes[1].legend(fontsize="small")
    fig.tight_layout()
    return fig
