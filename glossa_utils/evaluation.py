"""Score every system on one test set and write ``metrics.json``: notebook 05 and ``glossa evaluate``.

A run's systems are the fine-tuned model, the prompting baselines (`glossa_utils.baselines`) and the
rule baseline. Each system's predictions are a JSONL file with one row per test pair, in test order
(``gloss``, ``reference``, ``prediction``, ``source``, and whatever else the system recorded); the
file of each system is named in ``metrics.json`` under ``prediction_files``, relative to the folder
that holds ``metrics.json``. ``paired`` holds the paired bootstrap interval of the fine-tuned model's
BLEU-4 and ROUGE-L minus those of the best prompting baseline (the one with the highest BLEU-4).

``glossa evaluate RUN --source SPEC`` scores a finished run on the test pairs of any source the recipe
loader reads (`evaluate_run`), e.g. a new test set, into ``RUN/eval/<source name>/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import yaml

from .analysis import phenomenon_report
from .baselines import RULE_BASELINE, generate_baselines, prompting_systems
from .config import RunConfig, SourceSpec, build_config, load_params, resolve_path, show_path
from .data import SPLITS, BadRows, DataError, Pair, leak_keys, load_splits, read_records, write_json, write_jsonl
from .metrics import ADDITIVE_METRICS, CI_METRICS, metrics_table, paired_bootstrap_ci, score_systems, source_table

FINE_TUNED = "fine-tuned"


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
