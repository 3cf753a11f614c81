"""Score every system on one test set and write ``metrics.json``: notebook 05 and ``glossa evaluate``.

A run's systems are the fine-tuned model, the prompting baselines (`glossa_utils.baselines`) and the
rule baseline. Each system's predictions are a JSONL file with one row per test pair, in test order
(``gloss``, ``reference``, ``prediction``, ``source``, and whatever else the system recorded); the
file of each system is named in ``metrics.json`` under ``prediction_files``, relative to the folder
that holds ``metrics.json``. ``paired`` holds the paired bootstrap interval of the fine-tuned model's
BLEU-4 and ROUGE-L minus those of the best prompting baseline (the one with the highest BLEU-4).

``glossa evaluate RUN --source SPEC`` scores a finished run on the test pairs of any source the recipe
loader reads (`evaluate_run`), e.g. a new test set, into ``RUN/eval/<source name>/``.

``glossa paired A B`` compares any two systems scored on the same examples — two runs, a run and its
baseline, a run and another run's ``glossa evaluate`` output (`paired_comparison`): BLEU-4, ROUGE-L,
chrF and BERTScore F1, each with the paired bootstrap 95% interval of B − A.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import yaml

from .analysis import phenomenon_report, read_system_predictions
from .baselines import RULE_BASELINE, generate_baselines, prompting_systems
from .config import EvalConfig, RunConfig, SourceSpec, build_config, load_params, resolve_path, show_path
from .data import SPLITS, BadRows, DataError, Pair, leak_keys, load_splits, read_records, write_json, write_jsonl
from .metrics import (ADDITIVE_METRICS, CI_METRICS, bertscore_f1_metric, metrics_table, paired_bootstrap_ci,
                      paired_interval, score_systems, source_table)

FINE_TUNED = "fine-tuned"
PAIRED_METRICS = {"bleu4": "BLEU-4", "rougeL": "ROUGE-L", "chrf": "chrF", "bertscore_f1": "BERTScore F1"}
"""The metrics of `paired_comparison`, in table order, with their labels."""


def prediction_file(system: str) -> str:
    """Where a system's predictions go, relative to the run (or eval) folder.

    ``fine-tuned`` → ``predictions.jsonl``; a baseline → ``baselines/<name>.jsonl`` (``zero-shot chat`` →
    ``baselines/zero_shot_chat.jsonl``, ``5-shot chat`` → ``baselines/5_shot_chat.jsonl``).
    """
    if system == FINE_TUNED:
        return "predictions.jsonl"
    return "baselines/" + re.sub(r"[^a-z0-9]+", "_", system.lower()).strip("_") + ".jsonl"


def run_systems(cfg: RunConfig) -> list[str]:
    """The systems a run's params ask for, in table order."""
    return [FINE_TUNED, *prompting_systems(cfg.eval), *([RULE_BASELINE] if cfg.eval.rule_baseline else [])]


def write_predictions(outputs: dict[str, list[dict]], folder: Path) -> dict[str, str]:
    """Write each system's records to its `prediction_file` under `folder`; returns ``{system: file}``."""
    for system, records in outputs.items():
        write_jsonl(records, folder / prediction_file(system))
    return {system: prediction_file(system) for system in outputs}


def read_outputs(folder: Path, systems: list[str]) -> dict[str, list[dict]]:
    """The prediction records of `systems` from `folder`, checked to cover the same glosses in the same order."""
    outputs = {}
    for system in systems:
        path = Path(folder) / prediction_file(system)
        if not path.is_file():
            raise FileNotFoundError(f"{show_path(path)}: no predictions of {system!r} (run 04_generate first)")
        outputs[system] = read_records(path)
    check_aligned(outputs)
    return outputs


def check_aligned(outputs: dict[str, list[dict]]) -> None:
    """Raise `ValueError` unless every system has one record per test pair, in the same order."""
    glosses = {system: [r["gloss"] for r in records] for system, records in outputs.items()}
    first = next(iter(glosses))
    for system, these in glosses.items():
        if these != glosses[first]:
            raise ValueError(f"{system!r} has predictions for other glosses than {first!r} "
                             f"({len(these)} vs {len(glosses[first])} rows): regenerate it")


def best_prompting_baseline(systems: dict[str, dict]) -> str | None:
    """The prompting baseline with the highest BLEU-4 (None when the table has none)."""
    prompting = [s for s in systems if s not in (FINE_TUNED, RULE_BASELINE)]
    return max(prompting, key=lambda s: systems[s]["bleu4"]) if prompting else None


def paired_intervals(outputs: dict[str, list[str]], references: list[str], best: str | None, resamples: int,
                     seed: int) -> dict:
    """``{"fine-tuned vs <best>": {metric: [low, high]}}``: paired 95% bootstrap intervals of the differences."""
    if best is None or FINE_TUNED not in outputs or not resamples:
        return {}
    return {f"{FINE_TUNED} vs {best}": {
        key: list(paired_bootstrap_ci(outputs[FINE_TUNED], outputs[best], references, ADDITIVE_METRICS[key],
                                      resamples, seed)) for key in CI_METRICS}}


def build_metrics(records: dict[str, list[dict]], cfg: RunConfig, metrics: dict, seed: int) -> dict:
    """The body of ``metrics.json`` for prediction records ``{system: records}`` (aligned, test order)."""
    check_aligned(records)
    first = next(iter(records.values()))
    references, sources = [r["reference"] for r in first], [r.get("source") for r in first]
    outputs = {system: [r["prediction"] for r in rows] for system, rows in records.items()}
    report = score_systems(outputs, references, sources, cfg.eval, metrics, seed)
    glosses = [r["gloss"] for r in first]
    report["phenomena"] = phenomenon_report(outputs, references, glosses, cfg.eval.bootstrap_resamples, seed)
    for name, part in report.get("by_source", {}).items():  # each test source's phenomena on its own
        rows = [i for i, source in enumerate(sources) if str(source) == name]
        part["phenomena"] = phenomenon_report({k: [v[i] for i in rows] for k, v in outputs.items()},
                                              [references[i] for i in rows], [glosses[i] for i in rows],
                                              cfg.eval.bootstrap_resamples, seed)
    head = next(iter(outputs.values()))
    return {"bertscore_model": cfg.eval.bertscore_model,
            "bleu": metrics["bleu"].compute(predictions=head, references=references)["sacrebleu"], **report,
            "paired": paired_intervals(outputs, references, best_prompting_baseline(report["systems"]),
                                       cfg.eval.bootstrap_resamples, seed),
            "prediction_files": {system: prediction_file(system) for system in records}}


def paired_table(report: dict, digits: int = 4):
    """One row per paired comparison and metric: the interval of the difference and whether it excludes 0."""
    import pandas as pd

    rows = [{"comparison": name, "metric": key, "95% CI of the difference": f"[{lo:+.{digits}f}, {hi:+.{digits}f}]",
             "excludes 0": lo > 0 or hi < 0}
            for name, part in report.get("paired", {}).items() for key, (lo, hi) in part.items()]
    return pd.DataFrame(rows, columns=["comparison", "metric", "95% CI of the difference", "excludes 0"])


def describe_paired(report: dict) -> str:
    """The paired comparison in words, for the notebook and the README: is fine-tuning better, and is it clear?"""
    if not report.get("paired"):
        return "No paired comparison: no prompting baseline was run, or `eval.bootstrap_resamples` is 0."
    lines = []
    for name, part in report["paired"].items():
        low, high = part["bleu4"]
        baseline = name.split(" vs ", 1)[1]
        gap = report["systems"][FINE_TUNED]["bleu4"] - report["systems"][baseline]["bleu4"]
        verdict = ("so the fine-tuned model **beats** it on this test set" if low > 0 else
                   "so the fine-tuned model is **worse** on this test set" if high < 0 else
                   "which includes 0: this test set does **not** tell them apart")
        lines.append(f"Fine-tuned minus {baseline} (the best prompting baseline): BLEU-4 {gap:+.4f}, paired 95% "
                     f"interval {low:+.4f} to {high:+.4f}, {verdict}.")
    return "\n\n".join(lines)


def write_metrics(report: dict, folder: Path) -> Path:
    """Write ``metrics.json`` and ``metrics.md`` (the card's table, per source, paired) into `folder`."""
    write_json(report, folder / "metrics.json")
    parts = [metrics_table(report["systems"], ci=report.get("ci95")).to_markdown(),
             source_table(report).to_markdown(index=False)]
    if report.get("paired"):
        parts.append(paired_table(report).to_markdown(index=False))
    (folder / "metrics.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return folder / "metrics.json"


def parse_source(text: str, cfg: RunConfig) -> SourceSpec:
    """A ``--source`` value: a source name of the run's recipe, ``KIND``, ``KIND:PATH`` (``hub:ID``), or a
    YAML mapping of `SourceSpec` fields such as ``{kind: file, path: my_test.jsonl, name: mine}``."""
    from .recipe import recipe_sources

    text = text.strip()
    if text.startswith("{"):
        raw = yaml.safe_load(text)
        return build_config(SourceSpec, raw, "--source: ")
    kind, _, arg = text.partition(":")
    for spec in recipe_sources(cfg.data):
        if spec.name == text or (not arg and spec.name == kind):
            return spec
    fields = {"kind": kind}
    if arg:
        fields["hub_id" if kind == "hub" else "path"] = arg
        fields["name"] = Path(arg).stem if kind != "hub" else arg.replace("/", "_")
    return build_config(SourceSpec, fields, "--source: ")


def source_test_pairs(spec: SourceSpec, cfg: RunConfig, run_dir: Path) -> tuple[list[Pair], int]:
    """The test pairs of `spec`, and how many were dropped for sharing a gloss or text with the run's training data.

    A source of the run's own recipe gives exactly its test split in the run. Any other source gives its
    own test split when it has one (``train/validation/test``), else all its pairs.
    """
    from .recipe import read_source, recipe_sources, split_source

    own = spec in recipe_sources(cfg.data)
    bad = BadRows(cfg.data.on_bad_rows)
    raw = read_source(spec, cfg.data, cfg.seed, bad)
    if not own and set(raw) != set(SPLITS):
        spec = replace(spec, test_only=True, train_only=False)
    splits, _, _ = split_source(spec, raw, cfg.data, cfg.seed)
    seen = {k for name in ("train", "validation") for p in load_splits(run_dir / "data")[name] for k in leak_keys(p)}
    test = [{"gloss": p["gloss"], "text": p["text"], "source": spec.name} for p in splits["test"]]
    kept = [p for p in test if seen.isdisjoint(leak_keys(p))]
    if not kept:
        raise DataError(f"source {spec.name!r}: no test pairs left ({len(test)} read, {len(test) - len(kept)} seen in training)")
    return kept, len(test) - len(kept)


def load_base(cfg: RunConfig) -> Callable[[], tuple]:
    """A loader of the run's untuned base model and its tokenizer (called only when a baseline is not cached)."""
    from .models import load_model, load_tokenizer, resolve_model_path

    def load() -> tuple:
        path = resolve_model_path(cfg.model.base)
        return load_model(path).eval(), load_tokenizer(path)

    return load


def evaluate_run(run_dir: str | Path, source: str, out_dir: str | Path | None = None,
                 cache_dir: Path | None = None) -> Path:
    """Score a finished run and its baselines on `source`'s test pairs; returns the ``metrics.json`` written.

    Writes every system's predictions, ``metrics.json`` and ``metrics.md`` into `out_dir` (default
    ``RUN/eval/<source name>/``), in the format of the pipeline's own.
    """
    import warnings

    from .metrics import load_all_metrics
    from .translate import Translator, translate_pairs

    run = resolve_path(run_dir)
    if not (run / "params.yaml").is_file() or not (run / "data" / "train.jsonl").is_file():
        raise FileNotFoundError(f"{run_dir}: not a run folder (no params.yaml or data/train.jsonl)")
    cfg = load_params(run / "params.yaml")
    spec = parse_source(source, cfg)
    test, dropped = source_test_pairs(spec, cfg, run)
    folder = resolve_path(out_dir) if out_dir else run / "eval" / spec.name
    translator = Translator.load(run)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # each record carries its own warnings
        tuned = translate_pairs(translator.model, translator.tokenizer, test, translator.template, cfg.generate, cfg.seed)
    baselines = generate_baselines(cfg, test, load_splits(run / "data")["train"], load_base(cfg), cache_dir)
    records = {FINE_TUNED: tuned, **baselines}
    write_predictions(records, folder)
    report = build_metrics(records, cfg, load_all_metrics(), cfg.seed)
    report.update(run=show_path(run), source=asdict(spec), dropped_seen_in_training=dropped)
    return write_metrics(report, folder)


def example_keys(records: list[dict]) -> list[tuple[str, str, int]]:
    """One key per record, ``(gloss, reference, n)``: n counts the earlier records with the same gloss and
    reference, so a test set that holds one pair twice still matches one to one."""
    seen: Counter = Counter()
    keys = []
    for r in records:
        pair = (r["gloss"], r["reference"])
        keys.append((*pair, seen[pair]))
        seen[pair] += 1
    return keys


def match_examples(a: list[dict], b: list[dict], names: tuple[str, str] = ("A", "B")) -> tuple[list[dict], list[dict]]:
    """`a`, and `b` reordered to `a`'s order, matched by gloss and reference — not by position, since two
    runs may list one test set in different orders. Raises `ValueError` unless both hold the same examples."""
    keys_a, keys_b = example_keys(a), example_keys(b)
    by_key = dict(zip(keys_b, b))
    only_a = [k for k in keys_a if k not in by_key]
    only_b = [k for k in keys_b if k not in set(keys_a)]
    if only_a or only_b:
        example = (only_a or only_b)[0][0]
        raise ValueError(f"{names[0]} and {names[1]} were not scored on the same examples: {len(a)} and {len(b)} "
                         f"examples, {len(a) - len(only_a)} shared ({len(only_a)} only in {names[0]}, {len(only_b)} "
                         f"only in {names[1]}, e.g. gloss {example!r}); --source may select a shared test source")
    if not a:
        raise ValueError(f"{names[0]} and {names[1]} have no examples to compare")
    return list(a), [by_key[k] for k in keys_a]


def filter_source(records: list[dict], source: str, name: str = "predictions") -> list[dict]:
    """The records of one test source (their ``source`` field); a `ValueError` naming the sources there are
    when none is of `source`."""
    kept = [r for r in records if str(r.get("source")) == source]
    if not kept:
        have = sorted({str(r.get("source")) for r in records})
        raise ValueError(f"{name}: no examples of source {source!r} (its sources: {', '.join(have)})")
    return kept


def paired_comparison(a: list[dict], b: list[dict], cfg: EvalConfig, n_resamples: int = 1000, seed: int = 0,
                      metrics: dict | None = None, names: tuple[str, str] = ("A", "B")) -> dict:
    """System B against system A on the same examples: for each of `PAIRED_METRICS` the corpus score of A
    and of B, B − A, and the paired bootstrap 95% interval of B − A (the same resampled examples for both).

    `a` and `b` are prediction records (``gloss``, ``reference``, ``prediction``), matched by gloss and
    reference (`match_examples`; `names` label them in its error). BERTScore F1 uses `cfg.bertscore_model`, run once per system. Returns
    ``{"examples", "resamples", "seed", "bertscore_model", "metrics": {key: {"A", "B", "B - A", "ci95",
    "excludes_0"}}, "bleu4_ratio"}``; the ratio B/A of BLEU-4 is None when A's BLEU-4 is 0.
    """
    a, b = match_examples(a, b, names)
    references = [r["reference"] for r in a]
    preds_a, preds_b = [r["prediction"] for r in a], [r["prediction"] for r in b]
    scorers = {**{key: ADDITIVE_METRICS[key] for key in ("bleu4", "rougeL", "chrf")},
               "bertscore_f1": bertscore_f1_metric(cfg, metrics)}
    report = {"examples": len(references), "resamples": n_resamples, "seed": seed,
              "bertscore_model": cfg.bertscore_model, "metrics": {}}
    for key, metric in scorers.items():
        stats_a, stats_b = metric.statistics(preds_a, references), metric.statistics(preds_b, references)
        score_a, score_b = metric.score(stats_a.sum(axis=0)), metric.score(stats_b.sum(axis=0))
        low, high = paired_interval(stats_b, stats_a, metric.score, n_resamples, seed)
        report["metrics"][key] = {"A": score_a, "B": score_b, "B - A": score_b - score_a, "ci95": [low, high],
                                  "excludes_0": bool(low > 0 or high < 0)}
    bleu = report["metrics"]["bleu4"]
    report["bleu4_ratio"] = bleu["B"] / bleu["A"] if bleu["A"] > 0 else None
    return report


def paired_comparison_table(report: dict, digits: int = 4):
    """`paired_comparison`'s result as a table of text cells, signs kept (print it with
    ``to_markdown(index=False, disable_numparse=True)``): metric | A | B | B − A | 95% CI of B − A | excludes 0."""
    import pandas as pd

    rows = [{"metric": PAIRED_METRICS[key], "A": f"{part['A']:.{digits}f}", "B": f"{part['B']:.{digits}f}",
             "B − A": f"{part['B - A']:+.{digits}f}",
             "95% CI of B − A": f"[{part['ci95'][0]:+.{digits}f}, {part['ci95'][1]:+.{digits}f}]",
             "excludes 0": "yes" if part["excludes_0"] else "no"}
            for key, part in report["metrics"].items()]
    return pd.DataFrame(rows, columns=["metric", "A", "B", "B − A", "95% CI of B − A", "excludes 0"])


def parse_system_spec(text: str) -> tuple[Path, str]:
    """``RUN_DIR[:SYSTEM]`` → (folder, system); the system is ``fine-tuned`` unless named after the last ``:``."""
    if resolve_path(text).is_dir() or ":" not in text:
        return resolve_path(text), FINE_TUNED
    folder, _, system = text.rpartition(":")
    return resolve_path(folder), system.strip() or FINE_TUNED


def read_scored_system(text: str) -> tuple[list[dict], dict]:
    """The prediction records of ``RUN_DIR[:SYSTEM]`` and the ``metrics.json`` of its folder: a run folder or a
    ``glossa evaluate`` output, anything with a ``metrics.json`` and the prediction files it names."""
    folder, system = parse_system_spec(text)
    if not (folder / "metrics.json").is_file():
        raise FileNotFoundError(f"{text}: no metrics.json in {show_path(folder)} "
                                "(not a finished run folder or a `glossa evaluate` output folder)")
    systems = read_system_predictions(folder)
    if system not in systems:
        raise ValueError(f"{text}: {show_path(folder)} has no system {system!r} (it has: {', '.join(systems)})")
    return systems[system], json.loads((folder / "metrics.json").read_text(encoding="utf-8"))


def compare_systems(spec_a: str, spec_b: str, source: str | None = None, n_resamples: int = 1000,
                    seed: int = 0) -> dict:
    """`paired_comparison` of two ``RUN_DIR[:SYSTEM]`` specs (``glossa paired``), on one test source if named.

    BERTScore uses the model A's ``metrics.json`` was scored with (the default when it names none).
    """
    (a, metrics_a), (b, _) = read_scored_system(spec_a), read_scored_system(spec_b)
    if source is not None:
        a, b = filter_source(a, source, spec_a), filter_source(b, source, spec_b)
    cfg = EvalConfig(bertscore_model=metrics_a.get("bertscore_model", EvalConfig.bertscore_model))
    report = paired_comparison(a, b, cfg, n_resamples, seed, names=(spec_a, spec_b))
    return {"A": spec_a, "B": spec_b, "source": source, **report}
