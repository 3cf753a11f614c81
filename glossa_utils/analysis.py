"""Stage 6, error analysis: per-example scores, the worst cases, length buckets and verbosity.

Corpus BLEU hides which examples fail. Here every prediction gets its own sentence BLEU (sacreBLEU,
exponential smoothing, as sentence BLEU without smoothing is 0 whenever one n-gram order misses) and
ROUGE-L, plus two verbosity signals: the prediction/reference length ratio and the share of repeated
word bigrams (a model that does not stop repeats itself).
"""

from __future__ import annotations

LENGTH_BINS = [0, 3, 6, 10, 1000]
LENGTH_LABELS = ["1-3", "4-6", "7-10", "11+"]


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
            "raw_repeated_bigrams": repeated_ngram_rate(record["raw_output"]),
        })
    df = pd.DataFrame(rows)
    df["gloss_length"] = pd.cut(df["gloss_words"], LENGTH_BINS, labels=LENGTH_LABELS)
    return df


def worst_examples(df, k: int = 10):
    """The `k` predictions with the lowest sentence BLEU (ties broken by ROUGE-L)."""
    return df.sort_values(["sentence_bleu", "rougeL"]).head(k)[["gloss", "reference", "prediction", "sentence_bleu"]]


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

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
    sns.boxplot(df, x="gloss_length", y="sentence_bleu", ax=axes[0])
    axes[0].set(title="Sentence BLEU by gloss length (words)", xlabel="gloss words")
    sns.scatterplot(df, x="length_ratio", y="sentence_bleu", ax=axes[1])
    axes[1].axvline(1.0, color="grey", linestyle="--")
    axes[1].set(title="Verbosity vs quality", xlabel="prediction / reference length")
    fig.tight_layout()
    return fig
