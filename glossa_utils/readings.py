"""Readings: the sentences that interpret a results table, computed from the table's own values.

A reading typed by hand drifts from its table at the next rerun (issue 11: "greedy stays closest" beside
a table where beam search came closest on 2 of 4 glosses; "the model should beat both baselines" beside a
rule baseline that won ROUGE-1 and every BERTScore). Notebooks 04–07 render these functions' Markdown with
``IPython.display.Markdown``, so the words say what the numbers beside them say, including where the
fine-tuned model loses.
"""

from __future__ import annotations

import math

from .metrics import METRIC_COLUMNS

MODEL = "fine-tuned"
"""The system the readings are about; every other system is a baseline."""
ORDER_METRICS = ("bleu3", "bleu4")
"""Metrics that need the English word order (3- and 4-grams), unlike unigram overlap and BERTScore."""


def join_words(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def percent(share: float) -> str:
    """A share (0–1) as a whole percentage, ``42%``."""
    return f"{share:.0%}"


def describe_metrics(systems: dict[str, dict[str, float]], model: str = MODEL, digits: int = 3) -> str:
    """Which system scores highest on each metric of `systems` (``metrics.json``'s ``systems``: system ->
    metric key -> score), and every metric where `model` loses, with both scores."""
    keys = [k for k in METRIC_COLUMNS if all(k in scores for scores in systems.values())]
    if model not in systems or not keys:
        raise ValueError(f"need {model!r} and shared metrics among the systems (have {list(systems)})")
    best = {k: max(systems, key=lambda name: (systems[name][k], name == model)) for k in keys}
    won = [METRIC_COLUMNS[k] for k in keys if best[k] == model]
    lost = [k for k in keys if best[k] != model]
    text = (f"**{model}** scores highest on {len(won)} of {len(keys)} metrics"
            + (f": {join_words(won)}." if won else "."))
    if not lost:
        return text + " It beats every baseline on every metric."
    by_winner = {}
    for k in lost:
        by_winner.setdefault(best[k], []).append(f"{METRIC_COLUMNS[k]} ({systems[model][k]:.{digits}f} against "
                                                 f"{systems[best[k]][k]:.{digits}f})")
    text += " It loses " + "; ".join(f"{join_words(parts)} to the {winner}" for winner, parts in by_winner.items()) + "."
    if all(k not in ORDER_METRICS for k in lost):
        text += (" It wins the metrics that need English word order (BLEU-3, BLEU-4) and loses only ones that "
                 "reward the right words in any order or similar meaning: look in `06_error_analysis` for "
                 "where the other system's words help.")
    return text


def describe_worked_example(table, paraphrase: str, negation: str) -> str:
    """Reads a table of metric scores (rows: candidate translations of one reference, columns: metrics):
    per metric, whether the `paraphrase` (meaning kept) scores above or below the `negation` (meaning
    flipped). A metric that scores the negation higher rewards shared words over shared meaning."""
    parts, harder = [], []
    for metric in table.columns:
        kept, flipped = float(table.loc[paraphrase, metric]), float(table.loc[negation, metric])
        parts.append(f"{metric} {kept:.3f} vs {flipped:.3f}")
        if kept < flipped:
            harder.append(metric)
    text = f"Paraphrase vs flipped meaning: {'; '.join(parts)}. "
    if harder:
        return text + (f"{join_words(harder)} punish{'es' * (len(harder) == 1)} the paraphrase *harder* than the "
                       "negation: they count shared words, and the negation shares more of them.")
    return text + "Every metric here scores the paraphrase above the negation."


def describe_variants(variants: dict[str, list[str]], references: list[str]) -> str:
    """Which decoding setting's output is closest to the reference (sentence chrF) on each example of a
    side-by-side (`generate.decode_variants`), counted, with each setting's mean sentence chrF."""
    from .analysis import sentence_scores

    scores = {name: sentence_scores(outputs, references) for name, outputs in variants.items()}
    closest = {name: 0 for name in variants}
    for i in range(len(references)):
        top = max(s[i] for s in scores.values())
        closest.update({name: closest[name] + 1 for name, s in scores.items() if s[i] == top})
    ranked = sorted(variants, key=lambda name: (-closest[name], -sum(scores[name])))
    counts = join_words([f"{name} on {closest[name]}" for name in ranked if closest[name]])
    means = ", ".join(f"{name} {sum(scores[name]) / len(references):.3f}" for name in ranked)
    return (f"Closest to the reference by sentence chrF, per gloss (ties count for each): {counts} of "
            f"{len(references)}. Mean sentence chrF: {means}. {len(references)} glosses are an anecdote, not "
            "an evaluation: the choice of the default rests on the validation split (below).")


def _interval(scores: dict, key: str) -> tuple[float, float] | None:
    interval = scores.get(f"{key}_ci95")
    return tuple(interval) if interval else None


def describe_phenomena(report: dict, model: str = MODEL, metric: str = "chrf", min_count: int = 3) -> str:
    """The phenomena (`analysis.phenomenon_report`) where `model` scores lowest and highest on `metric`,
    those whose whole 95% interval lies below its overall score, and those where a baseline beats it.
    Phenomena with fewer than `min_count` test examples are named as too few to judge."""
    name = {"chrf": "chrF", "bleu4": "BLEU-4"}[metric]
    overall = report["all"]["systems"][model][metric]
    judged = {p: part for p, part in report.items() if p != "all" and part["count"] >= min_count}
    few = [p for p, part in report.items() if p != "all" and 0 < part["count"] < min_count]
    text = f"Overall {name} of the {model} model: {overall:.3f} on {report['all']['count']} test examples."
    if not judged:
        return text + f" No phenomenon has {min_count} or more examples: this test set cannot rank them."
    score = {p: part["systems"][model][metric] for p, part in judged.items()}
    low, high = min(score, key=score.get), max(score, key=score.get)
    text += (f" Lowest: **{low}** ({score[low]:.3f}, {judged[low]['count']} examples); highest: {high} "
             f"({score[high]:.3f}, {judged[high]['count']}).")
    below = [p for p in judged if (_interval(judged[p]["systems"][model], metric) or (1, 1))[1] < overall]
    text += (f" Wholly below the overall score (95% interval): {join_words(below)}." if below else
             " No phenomenon's interval lies wholly below the overall score: none is shown to be harder.")
    beaten = [f"{p} ({', '.join(better)})" for p, part in judged.items()
              if (better := [b for b, s in part["systems"].items() if b != model and s[metric] > score[p]])]
    text += (f" A baseline scores higher on: {join_words(beaten)}." if beaten else
             f" The {model} model scores highest on every phenomenon with {min_count}+ examples.")
    return text + (f" Too few examples to judge (< {min_count}): {join_words(few)}." if few else "")


def describe_frequency(table, model: str = MODEL) -> str:
    """The share of checkable gloss words `model` translates per training-frequency bucket
    (`analysis.word_accuracy_by_frequency`), against the baseline that translates most of them."""
    buckets = [b for b in table.index if table.loc[b, "checkable"] > 0]
    if not buckets:
        return "No gloss word has its English form in the reference: nothing to check."
    baselines = [c for c in table.columns if c not in ("gloss words", "checkable", model)]
    parts = [f"{b}: {percent(table.loc[b, model])} of {int(table.loc[b, 'checkable'])}" for b in buckets]
    text = f"The {model} model translates the checkable gloss words it sees by training frequency — {'; '.join(parts)}."
    beaten = []
    for bucket in buckets:
        best = max(baselines, key=lambda c: table.loc[bucket, c]) if baselines else None
        if best and table.loc[bucket, best] > table.loc[bucket, model]:
            beaten.append(f"{bucket} words ({best}: {percent(table.loc[bucket, best])} vs "
                          f"{percent(table.loc[bucket, model])})")
    if beaten:
        text += f" A baseline does better on {join_words(beaten)}."
    if "unseen" in buckets and buckets[-1] != "unseen":
        gap = table.loc[buckets[-1], model] - table.loc["unseen", model]
        text += (f" From unseen to {buckets[-1]} words the model moves {gap * 100:+.0f} points: "
                 + ("it translates words it was trained on far better." if gap >= 0.2 else
                    "training frequency explains little of its errors." if gap < 0.1 else
                    "frequency matters, but it is not the whole story."))
    return text


def describe_worst(worst, table) -> str:
    """Whether gloss words unseen in training are over-represented among the worst examples
    (`analysis.worst_examples`) against all examples (`analysis.example_table`)."""
    from .analysis import share_with_unseen

    in_worst, overall = share_with_unseen(worst), share_with_unseen(table)
    text = (f"{percent(in_worst)} of the worst {len(worst)} hold a gloss word unseen in training, against "
            f"{percent(overall)} of all {len(table)} test examples: ")
    if in_worst > overall + 0.1:
        return text + "unseen words are over-represented among the failures, so more vocabulary should help."
    return text + ("no more than in the test set as a whole, so unseen words alone do not explain the worst "
                   "translations: look at their phenomena and references.")


def describe_lengths(by_length, column: str = "sentence_bleu") -> str:
    """Which gloss-length bucket (`analysis.scores_by_length`) scores highest and lowest on `column`, and
    whether the score falls steadily with length."""
    name = {"sentence_bleu": "sentence BLEU", "rougeL": "ROUGE-L", "length_ratio": "length ratio"}.get(column, column)
    rows = by_length[by_length["examples"] > 0]
    if len(rows) < 2:
        return "All test glosses fall in one length bucket: length cannot explain anything here."
    values = [float(v) for v in rows[column]]
    best, worst = rows[column].idxmax(), rows[column].idxmin()
    text = (f"Mean {name} is highest for {best}-word glosses ({rows.loc[best, column]:.3f}, "
            f"{int(rows.loc[best, 'examples'])} examples) and lowest for {worst} ({rows.loc[worst, column]:.3f}, "
            f"{int(rows.loc[worst, 'examples'])}).")
    if values[0] > values[-1] and all(a >= b for a, b in zip(values, values[1:])):
        return text + " It falls steadily with length: the model loses track of longer glosses."
    return text + (" It does not fall steadily with length, so length alone does not explain the errors; "
                   "with few examples in a bucket, its mean is noisy.")


def describe_verbosity(verbosity: dict[str, dict[str, float]], model: str = MODEL) -> str:
    """How long each system's predictions run against the reference (`analysis.verbosity_summary` per
    system), naming the most verbose one."""
    ratio = {name: v["mean_length_ratio"] for name, v in verbosity.items()}
    most = max(ratio, key=ratio.get)
    mine = verbosity[model]
    text = (f"The {model} model's predictions are {mine['mean_length_ratio']:.2f}× the reference length on "
            f"average; {percent(mine['share_over_1.5x'])} run over 1.5×, and "
            f"{percent(mine['mean_raw_repeated_bigrams'])} of the raw output's bigrams repeat.")
    if most != model:
        text += f" The most verbose system is the {most} ({ratio[most]:.2f}×)."
    return text


def describe_ngrams(frame, system_a: str, system_b: str, k: int = 3) -> str:
    """The `k` reference n-grams each system matches more often than the other (`analysis.ngram_differences`)."""
    def top(system: str) -> str:
        grams = frame[frame["better"] == system]["n-gram"].head(k)
        return join_words([f"“{g}”" for g in grams]) if len(grams) else "none"

    return (f"The {system_a} gets {top(system_a)} right more often; the {system_b} gets {top(system_b)} right more "
            "often. Each n-gram's `example` is the row of the per-example table (`table.loc[example]`) where it made "
            "the difference.")


def describe_paired_difference(diff: float, interval: tuple[float, float], metric: str, what: str) -> str:
    """One sentence on a difference and its paired 95% interval: does it exclude 0?"""
    low, high = interval
    verdict = ("excludes 0: the test set tells them apart" if low > 0 or high < 0 else
               "includes 0: the test set cannot tell them apart")
    return f"{what}: {metric} {diff:+.3f}, paired 95% interval [{low:+.3f}, {high:+.3f}], which {verdict}."


def describe_run_scores(scores, groups: dict[str, list[str]], model: str = MODEL, metric: str = "BLEU-4") -> str:
    """Reads `compare.score_table`: the best run for `model` on `metric`, and for each baseline whether its
    score is the same in every run that shares a test set (`compare.group_by_test_set`), or by how much it
    moves."""
    model_rows = scores[scores["system"] == model]
    best = model_rows.loc[model_rows[metric].idxmax()]
    text = f"Best {model} {metric}: {best[metric]:.3f} in `{best['run']}`."
    for system in sorted(set(scores["system"]) - {model}):
        for labels in groups.values():
            rows = scores[(scores["system"] == system) & scores["run"].isin(labels)]
            if len(rows) < 2:
                continue
            spread = float(rows[metric].max() - rows[metric].min())
            text += (f" The {system} scores the same in all {len(rows)} runs on one test set, as it should." if
                     math.isclose(spread, 0.0, abs_tol=1e-9) else
                     f" The {system} differs across {len(rows)} runs on the same test set (by up to {spread:.3f} "
                     f"{metric}): those runs generated it with different params (training pairs, which k-shot "
                     "prompts draw on, decoding or seed; see the diff above).")
    return text


def describe_example_changes(comparison, labels: tuple[str, str]) -> str:
    """Reads a `compare.ExampleComparison` of runs `labels` (A, B): how many examples got better or worse, and
    whether each corpus difference's paired interval excludes 0."""
    names = {"bleu4": "BLEU-4", "chrf": "chrF"}
    counts = comparison.counts
    text = (f"From `{labels[0]}` (A) to `{labels[1]}` (B), {counts['better']} examples got better, {counts['worse']} "
            f"worse and {counts['same']} stayed the same by sentence chrF.")
    for key, interval in comparison.intervals.items():
        text += " " + describe_paired_difference(comparison.scores[key]["B - A"], interval, names.get(key, key), "B − A")
    return text


def describe_params_diff(diff) -> str:
    """Reads `compare.params_diff`: the params the runs differ in, which is the experiment."""
    if len(diff) < 2:
        return "One run: nothing to compare its params with."
    if not len(diff.columns):
        return (f"The {len(diff)} runs differ in no param but their names: any difference in their scores is "
                "noise (or a non-deterministic kernel).")
    keys = join_words([f"`{key}`" for key in diff.columns])
    return (f"The {len(diff)} runs differ in {len(diff.columns)} param{'s' * (len(diff.columns) > 1)}: {keys}. "
            + ("One thing changed, so a score difference can be put down to it." if len(diff.columns) == 1 else
               "Several things changed at once: a score difference cannot be put down to any one of them "
               "unless the runs form a grid (a sweep)."))


def describe_learning_curve(curve, model: str = MODEL, metric: str = "BLEU-4") -> str:
    """Reads `compare.learning_curve`: `model`'s `metric` at each training size, the smallest size at which it
    passes the best baseline (scored in the largest run), and whether it still rises at the largest size."""
    rows = curve[curve["system"] == model].sort_values("train pairs")
    sizes = [f"{v:.3f} at {int(n)} pairs" for n, v in zip(rows["train pairs"], rows[metric])]
    text = f"The {model} model's {metric}: {'; '.join(sizes)}."
    largest = curve[(curve["train pairs"] == curve["train pairs"].max()) & (curve["system"] != model)]
    if len(largest):
        top = largest.loc[largest[metric].idxmax()]
        passed = rows[rows[metric] > top[metric]]
        text += (f" It passes the best baseline ({top['system']}, {top[metric]:.3f}) from {int(passed.iloc[0]['train pairs'])} "
                 f"pairs on." if len(passed) else f" It stays below the best baseline ({top['system']}, {top[metric]:.3f}).")
    if len(rows) > 1:
        rise = float(rows[metric].iloc[-1] - rows[metric].iloc[-2])
        text += (f" From the last-but-one size to the largest it moves {rise:+.3f}: "
                 + ("still rising, so more pairs should help." if rise > 0 else "flat or falling at this size."))
    return text
