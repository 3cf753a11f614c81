"""Stage 6, error analysis: which examples fail, and why (in the manner of compare-mt, Neubig et al. 2019).

Corpus BLEU hides which examples fail. Here every test example is scored for every system on its own,
and the examples are grouped by what the task is about:

- **gloss phenomena** (negation, WH-question, pointing, fingerspelling, ...; `notation.tag_phenomena`),
  each with BLEU-4 and chrF and bootstrap 95% intervals per system (`phenomenon_report`);
- **training frequency** of each gloss word: unseen, seen 1-4 times, 5+ (`word_accuracy_by_frequency`);
- the **worst examples** by sentence chrF, every system side by side, unseen gloss words marked;
- **n-grams** of the reference one system matches more often than another (`ngram_differences`).

compare-mt itself (PyPI ``compare-mt``, last released 2022) works on files through a CLI and writes
HTML; its analyses are rebuilt here on sacreBLEU so that the notebooks show them as tables. Plus two
verbosity signals for the fine-tuned model: the prediction/reference length ratio and the share of
repeated word bigrams in the raw output (a model that does not stop repeats itself).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from .data import read_records
from .metrics import BLEU4, CHRF, AdditiveMetric, bootstrap_ci, rule_translate

LENGTH_BINS = [0, 3, 6, 10, 1000]
LENGTH_LABELS = ["1-3", "4-6", "7-10", "11+"]
FALLBACK_FILES = {"fine-tuned": "predictions.jsonl", "zero-shot base": "predictions_zero_shot.jsonl"}
"""Prediction files of runs made before ``metrics.json`` named its ``prediction_files``."""
RULE_SYSTEM = "rule baseline"
FREQUENCY_BUCKETS = ("unseen", "1-4", "5+")
"""Training-frequency buckets of a gloss word: never in the training glosses, 1 to 4 times, 5 or more."""
SCORED = {"bleu4": BLEU4, "chrf": CHRF}
UNSEEN_MARK = "«{}»"


def repeated_ngram_rate(text: str, n: int = 2) -> float:
    """Share of word n-grams in `text` that already occurred earlier in it (0 = no repetition)."""
    words = text.lower().split()
    grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    return 1 - len(set(grams)) / len(grams) if grams else 0.0


def per_example_scores(records: list[dict], rouge_metric):
    """A DataFrame with one row per prediction record and its scores and length signals."""
    import pandas as pd
    import sacrebleu

    preds = [r["prediction"] for r in records]
    refs = [r["reference"] for r in records]
    rouge_l = rouge_metric.compute(predictions=preds, references=refs, per_example=True)["rougeL_per_example"]
    rows = []
    for record, pred, ref, rl in zip(records, preds, refs, rouge_l):
        ref_words = max(1, len(ref.split()))
        rows.append({
            "gloss": record["gloss"], "reference": ref, "prediction": pred,
            "sentence_bleu": sacrebleu.sentence_bleu(pred, [ref], smooth_method="exp").score / 100,
            "rougeL": rl, "gloss_words": len(record["gloss"].split()),
            "length_ratio": len(pred.split()) / ref_words,
            "raw_repeated_bigrams": repeated_ngram_rate(record.get("raw_output", pred)),
        })
    df = pd.DataFrame(rows)
    df["gloss_length"] = pd.cut(df["gloss_words"], LENGTH_BINS, labels=LENGTH_LABELS)
    return df


def scores_by_length(df):
    """Mean scores and counts per gloss-length bucket."""
    return (df.groupby("gloss_length", observed=True)
              .agg(examples=("gloss", "size"), sentence_bleu=("sentence_bleu", "mean"), rougeL=("rougeL", "mean"),
                   length_ratio=("length_ratio", "mean"))
              .round(3))


def verbosity_summary(df) -> dict[str, float]:
    """Mean length ratio, the share of predictions over 1.5× the reference, and raw-output repetition."""
    return {"mean_length_ratio": round(float(df["length_ratio"].mean()), 3),
            "share_over_1.5x": round(float((df["length_ratio"] > 1.5).mean()), 3),
            "mean_raw_repeated_bigrams": round(float(df["raw_repeated_bigrams"].mean()), 3)}


def plot_analysis(df):
    """Two seaborn panels: sentence BLEU by gloss length, and length ratio against sentence BLEU."""
    import seaborn as sns
    from matplotlib import pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3), dpi=80)
    sns.boxplot(df, x="gloss_length", y="sentence_bleu", ax=axes[0])
    axes[0].set(title="Sentence BLEU by gloss length (words)", xlabel="gloss words")
    sns.scatterplot(df, x="length_ratio", y="sentence_bleu", ax=axes[1])
    axes[1].axvline(1.0, color="grey", linestyle="--")
    axes[1].set(title="Verbosity vs quality", xlabel="prediction / reference length")
    fig.tight_layout()
    return fig


def _read_metrics(run_dir: Path) -> dict:
    file = run_dir / "metrics.json"
    return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else {}


def _fallback_predictions(run_dir: Path, listed: list[str] | None) -> dict[str, list[dict]]:
    """``predictions.jsonl`` (fine-tuned), ``predictions_zero_shot.jsonl`` and the rule baseline, recomputed."""
    systems = {name: read_records(run_dir / file) for name, file in FALLBACK_FILES.items() if (run_dir / file).is_file()}
    if "fine-tuned" not in systems:
        raise FileNotFoundError(f"{run_dir}: no predictions.jsonl (run 04_generate first)")
    if listed is None or RULE_SYSTEM in listed:
        systems[RULE_SYSTEM] = [{**{k: r.get(k) for k in ("gloss", "reference", "source")},
                                 "prediction": rule_translate(r["gloss"])} for r in systems["fine-tuned"]]
    return systems


def read_system_predictions(run_dir: str | Path) -> dict[str, list[dict]]:
    """Every system's prediction records of a run, ``{system: [{gloss, reference, prediction, source}, ...]}``.

    Uses ``metrics.json``'s ``prediction_files`` (system -> path relative to the run) when present; older
    runs fall back to ``predictions.jsonl`` ("fine-tuned"), ``predictions_zero_shot.jsonl`` ("zero-shot
    base") and the rule baseline recomputed from the glosses. Every system must cover the same glosses in
    the same order (``data/test.jsonl``'s).
    """
    run_dir = Path(run_dir)
    metrics = _read_metrics(run_dir)
    files = metrics.get("prediction_files")
    if files:
        missing = [f for f in files.values() if not (run_dir / f).is_file()]
        if missing:
            raise FileNotFoundError(f"{run_dir}: metrics.json names prediction files that are missing: {missing}")
        systems = {name: read_records(run_dir / file) for name, file in files.items()}
    else:
        systems = _fallback_predictions(run_dir, list(metrics["systems"]) if "systems" in metrics else None)
    glosses = [r["gloss"] for r in next(iter(systems.values()))]
    for name, records in systems.items():
        if [r["gloss"] for r in records] != glosses:
            raise ValueError(f"{run_dir}: the {name!r} predictions are not for the same test glosses in the same order")
    return systems


def prediction_lists(systems: dict[str, list[dict]]) -> dict[str, list[str]]:
    """``{system: [prediction, ...]}`` from `read_system_predictions`' records."""
    return {name: [r["prediction"] for r in records] for name, records in systems.items()}


def sentence_scores(predictions: list[str], references: list[str], metric: AdditiveMetric = CHRF) -> list[float]:
    """`metric` on each example alone (sentence chrF by default, 0–1)."""
    return [metric.score(row) for row in metric.statistics(predictions, references)]


def best_baseline(outputs: dict[str, list[str]], references: list[str], metric: AdditiveMetric = CHRF,
                  model: str = "fine-tuned") -> str:
    """The system other than `model` with the highest corpus `metric` (chrF by default)."""
    baselines = [name for name in outputs if name != model]
    if not baselines:
        raise ValueError(f"no baseline besides {model!r} (have {list(outputs)})")
    return max(baselines, key=lambda name: metric(outputs[name], references))


def score_subset(outputs: dict[str, list[str]], references: list[str], rows: list[int], n_resamples: int = 1000,
                 seed: int = 0) -> dict:
    """``{"count", "systems": {system: {bleu4, bleu4_ci95, chrf, chrf_ci95}}}`` on the examples `rows`.

    BLEU-4 and chrF are corpus scores over the subset (0–1); the intervals are 95% percentile bootstrap
    intervals over its examples (none when `n_resamples` is 0).
    """
    refs = [references[i] for i in rows]
    systems = {}
    for name, predictions in outputs.items():
        preds = [predictions[i] for i in rows]
        scores = {}
        for key, metric in SCORED.items():
            scores[key] = metric(preds, refs)
            if n_resamples:
                scores[f"{key}_ci95"] = list(bootstrap_ci(preds, refs, metric, n_resamples, seed))
        systems[name] = scores
    return {"count": len(rows), "systems": systems}


def phenomenon_report(outputs: dict[str, list[str]], references: list[str], glosses: list[str],
                      n_resamples: int = 1000, seed: int = 0) -> dict:
    """Every system's BLEU-4 and chrF, with bootstrap 95% intervals, on all test examples (``"all"``) and on
    the examples of each gloss phenomenon (`notation.PHENOMENA`, in its order; count 0 when none has it).

    The ``"phenomena"`` entry of ``metrics.json``; `phenomenon_table` shows it.
    """
    from .notation import PHENOMENA, tag_phenomena

    if not len(glosses) == len(references) or any(len(p) != len(references) for p in outputs.values()):
        raise ValueError("need one gloss, one reference and one prediction per system for every example")
    tags = [set(tag_phenomena(gloss)) for gloss in glosses]
    report = {"all": score_subset(outputs, references, list(range(len(references))), n_resamples, seed)}
    for name in PHENOMENA:
        rows = [i for i, found in enumerate(tags) if name in found]
        report[name] = score_subset(outputs, references, rows, n_resamples, seed) if rows else {"count": 0, "systems": {}}
    return report


def format_score(scores: dict, key: str, digits: int) -> str:
    """``0.312 (0.201–0.405)``: a score and its 95% interval as text."""
    interval = scores.get(f"{key}_ci95")
    text = f"{scores[key]:.{digits}f}"
    return f"{text} ({interval[0]:.{digits}f}–{interval[1]:.{digits}f})" if interval else text


def phenomenon_table(report: dict, digits: int = 3, min_count: int = 1):
    """`phenomenon_report` as a table: one row per phenomenon with at least `min_count` examples, its count,
    and each system's BLEU-4 and chrF with their 95% intervals (columns: system, metric)."""
    import pandas as pd

    rows = {}
    for name, part in report.items():
        if part["count"] < min_count:
            continue
        row = {("", "count"): part["count"]}
        for system, scores in part["systems"].items():
            row.update({(system, "BLEU-4"): format_score(scores, "bleu4", digits),
                        (system, "chrF"): format_score(scores, "chrf", digits)})
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table.rename_axis("phenomenon")


def count_train_words(train_glosses: list[str]) -> Counter:
    """How often each lexical gloss word (`notation.lexical_words`, upper case) occurs in the training glosses."""
    from .notation import lexical_words

    return Counter(word for gloss in train_glosses for word in lexical_words(gloss))


def frequency_bucket(count: int) -> str:
    """The `FREQUENCY_BUCKETS` label of a training count: ``unseen`` (0), ``1-4`` or ``5+``."""
    return "unseen" if count == 0 else "1-4" if count < 5 else "5+"


def english_forms(word: str) -> set[str]:
    """The lower-case word and its inflections (lemminflect, irregular ones too: GO -> go, goes, went, gone,
    going); empty for a word that is not purely alphabetic (``NOT-YET``, ``25``)."""
    import lemminflect

    if not re.fullmatch(r"[A-Za-z]+", word):
        return set()
    lower = word.lower()
    return {lower, *(form for forms in lemminflect.getAllInflections(lower).values() for form in forms)}


def text_words(text: str) -> set[str]:
    """The lower-case words of an English text (``I'm`` -> ``i``, ``m``)."""
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def word_accuracy_by_frequency(glosses: list[str], references: list[str], outputs: dict[str, list[str]],
                               train_counts: Counter):
    """compare-mt's word accuracy by training frequency, on the gloss side.

    Each lexical word of each test gloss falls in a bucket by how often it occurs in the training glosses
    (`frequency_bucket`). It is *checkable* when one of its `english_forms` occurs in the reference (WALLET
    and "wallet"; not ME and "I'm", nor FINISH marking the past): then the reference confirms the plain
    translation. A system *translates* it when any of its forms occurs in its prediction (the lemma
    counts, "go" for "went": the tense is the phenomena's business, not the word's). Returns
    one row per bucket: gloss words, checkable words, and each system's share of checkable words translated.
    """
    import pandas as pd

    from .notation import lexical_words

    counts = {bucket: Counter() for bucket in FREQUENCY_BUCKETS}
    predicted = {name: [text_words(p) for p in preds] for name, preds in outputs.items()}
    for i, (gloss, reference) in enumerate(zip(glosses, references)):
        in_reference = text_words(reference)
        for word in lexical_words(gloss):
            bucket = counts[frequency_bucket(train_counts[word])]
            bucket["gloss words"] += 1
            forms = english_forms(word)
            if forms & in_reference:
                bucket["checkable"] += 1
                bucket.update(name for name, words in predicted.items() if forms & words[i])
    rows = {label: {"gloss words": c["gloss words"], "checkable": c["checkable"],
                    **{name: c[name] / c["checkable"] if c["checkable"] else float("nan") for name in outputs}}
            for label, c in counts.items()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("training frequency").round(3)


def unseen_words(gloss: str, train_counts: Counter) -> list[str]:
    """The lexical words of `gloss` that never occur in the training glosses, each once, in gloss order."""
    from .notation import lexical_words

    return [word for word in dict.fromkeys(lexical_words(gloss)) if train_counts[word] == 0]


def mark_unseen(gloss: str, unseen: list[str]) -> str:
    """`gloss` with every sign that holds an unseen word wrapped in «», brackets and punctuation left outside:
    ``ME FORGET «WALLET» HOME.``, ``[neg «fs-JOHN»] ...``. Matching is case-sensitive, on whole words."""
    if not unseen:
        return gloss
    pattern = re.compile(r"(?<![A-Za-z])(?:" + "|".join(map(re.escape, unseen)) + r")(?![A-Za-z])")
    pieces = []
    for piece in gloss.split(" "):
        lead, core, tail = re.fullmatch(r"(\[?)(.*?)([\],.?!]*)", piece).groups()
        pieces.append(f"{lead}{UNSEEN_MARK.format(core)}{tail}" if core and pattern.search(core) else piece)
    return " ".join(pieces)


def example_table(systems: dict[str, list[dict]], train_counts: Counter):
    """One row per test example: the gloss with its unseen words marked (`mark_unseen`), the unseen words,
    the gloss's phenomena and the reference, then every system's prediction and its sentence chrF
    (column ``chrF <system>``), side by side."""
    import pandas as pd

    from .notation import tag_phenomena

    first = next(iter(systems.values()))
    glosses, references = [r["gloss"] for r in first], [r["reference"] for r in first]
    unseen = [unseen_words(gloss, train_counts) for gloss in glosses]
    table = pd.DataFrame({"gloss": [mark_unseen(g, words) for g, words in zip(glosses, unseen)],
                          "unseen": [", ".join(words) for words in unseen],
                          "phenomena": [", ".join(tag_phenomena(g)) for g in glosses], "reference": references})
    for name, predictions in prediction_lists(systems).items():
        table[name] = predictions
        table[f"chrF {name}"] = [round(s, 3) for s in sentence_scores(predictions, references)]
    return table.rename_axis("example")


def worst_examples(table, system: str = "fine-tuned", k: int = 10):
    """The `k` rows of an `example_table` with the lowest sentence chrF of `system`, every system beside it.

    chrF, not sentence BLEU: a fair paraphrase ("I left my wallet at home" for "I forgot my wallet at
    home") shares most character n-grams with the reference but few word 4-grams, so sentence BLEU
    ranks it among real failures.
    """
    column = f"chrF {system}"
    if column not in table:
        raise KeyError(f"no system {system!r} in the table (have {[c[5:] for c in table if c.startswith('chrF ')]})")
    return table.sort_values([column, "gloss"], kind="stable").head(k).drop(columns="phenomena")


def share_with_unseen(table) -> float:
    """Share of the rows of an `example_table` whose gloss holds at least one word unseen in training."""
    return round(float((table["unseen"] != "").mean()), 3) if len(table) else 0.0


def reference_ngrams(text: str, n_max: int = 4) -> Counter:
    """Word 1..`n_max`-grams of `text`, tokenised as sacreBLEU's 13a and lower-cased, as space-joined strings."""
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    words = Tokenizer13a()(text).lower().split()
    return Counter(" ".join(words[i:i + n]) for n in range(1, n_max + 1) for i in range(len(words) - n + 1))


def ngram_differences(references: list[str], outputs: dict[str, list[str]], system_a: str, system_b: str,
                      n_max: int = 4, k: int = 10, min_matches: int = 2, alpha: float = 1.0):
    """compare-mt's n-gram analysis: reference n-grams that `system_a` matches more often than `system_b`.

    A reference n-gram is matched by a prediction as often as both contain it (clipped, as in BLEU),
    summed over the test set. Score = (a + alpha) / (a + b + 2 alpha): near 1, A gets it right and B
    does not. Returns the `k` n-grams most in favour of each system (matched at least `min_matches` times
    in all), with the first example where the favoured system matched it and the other did not.
    """
    import pandas as pd

    matched = {system_a: Counter(), system_b: Counter()}
    example = {system_a: {}, system_b: {}}
    for i, reference in enumerate(references):
        ref = reference_ngrams(reference, n_max)
        hits = {name: reference_ngrams(outputs[name][i], n_max) & ref for name in matched}
        for name, other in ((system_a, system_b), (system_b, system_a)):
            matched[name].update(hits[name])
            for gram, count in hits[name].items():
                if count > hits[other][gram]:
                    example[name].setdefault(gram, i)
    rows = []
    for gram in set(matched[system_a]) | set(matched[system_b]):
        a, b = matched[system_a][gram], matched[system_b][gram]
        if a + b >= min_matches and a != b:
            better = system_a if a > b else system_b
            rows.append({"n-gram": gram, "n": gram.count(" ") + 1, f"matched {system_a}": a, f"matched {system_b}": b,
                         "score": round((a + alpha) / (a + b + 2 * alpha), 3), "better": better,
                         "example": example[better].get(gram)})
    frame = pd.DataFrame(rows, columns=["n-gram", "n", f"matched {system_a}", f"matched {system_b}", "score", "better",
                                        "example"])
    favour_a = frame[frame["better"] == system_a].sort_values(["score", "n-gram"], ascending=[False, True])
    favour_b = frame[frame["better"] == system_b].sort_values(["score", "n-gram"])
    return pd.concat([favour_a.head(k), favour_b.head(k)], ignore_index=True)


def salient_examples(table, system_a: str, system_b: str, k: int = 3):
    """The `k` examples where `system_a`'s sentence chrF most exceeds `system_b`'s, then the `k` the other way."""
    import pandas as pd

    delta = table[f"chrF {system_a}"] - table[f"chrF {system_b}"]
    columns = ["gloss", "reference", system_a, system_b, f"chrF {system_a}", f"chrF {system_b}"]
    frame = table[columns].assign(**{"Δ chrF": delta.round(3)})
    ranked = frame.sort_values(["Δ chrF", "gloss"], kind="stable")
    return pd.concat([ranked[ranked["Δ chrF"] > 0].iloc[::-1].head(k), ranked[ranked["Δ chrF"] < 0].head(k)])


def show_table(frame, interactive: bool = False, rows: int = 10):
    """`frame` as an interactive table to sort, search and filter (itables, in JupyterLab and on Colab) when
    `interactive`; otherwise its first `rows` rows as a plain table, so papermill and nbval runs stay
    deterministic and the committed notebook small. Returns the static table, or None once shown."""
    if interactive:
        try:
            import itables
        except ImportError:
            print("itables is not installed (pip install itables): a static table instead")
        else:
            itables.init_notebook_mode(all_interactive=False)
            itables.show(frame, classes="display compact")
            return None
    print(f"{min(rows, len(frame))} of {len(frame)} rows shown; set interactive = True to sort and filter them all")
    return frame.head(rows)
