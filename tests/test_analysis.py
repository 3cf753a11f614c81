import pytest

from glossa_utils import (load_metric, per_example_scores, repeated_ngram_rate, scores_by_length, verbosity_summary,
                          worst_examples)


def test_repeated_ngram_rate():
    assert repeated_ngram_rate("I am tired") == 0.0
    assert repeated_ngram_rate("I am I am I am") == pytest.approx(1 - 2 / 5)  # bigrams: 5, distinct: 2
    assert repeated_ngram_rate("") == 0.0 and repeated_ngram_rate("word") == 0.0


@pytest.fixture(scope="module")
def scored():
    records = [
        {"gloss": "ME GO.", "reference": "I'm going.", "raw_output": " I'm going.", "prediction": "I'm going."},
        {"gloss": "YOU WANT GO DRINK AFTER DINNER?", "reference": "Do you want to go for a drink after dinner?",
         "raw_output": " Do you want to eat? Do you want to eat?", "prediction": "Do you want to eat?"},
        {"gloss": "MY SISTER fs-JENNY HAVE BIG BIRTHDAY PARTY RESTAURANT DOWNTOWN NEXT-SATURDAY.",
         "reference": "My sister Jenny is having a big party.", "raw_output": " Hello hello hello hello.",
         "prediction": "Hello hello hello hello."},
    ]
    return per_example_scores(records, load_metric("glossa_rouge"))


def test_per_example_scores(scored):
    assert scored.loc[0, "sentence_bleu"] == pytest.approx(1.0) and scored.loc[0, "rougeL"] == pytest.approx(1.0)
    assert scored.loc[2, "sentence_bleu"] < 0.1 and scored.loc[2, "rougeL"] == 0.0
    assert scored.loc[1, "length_ratio"] == pytest.approx(5 / 10)
    assert scored.loc[1, "raw_repeated_bigrams"] > 0.3
    assert list(scored["gloss_length"].astype(str)) == ["1-3", "4-6", "7-10"]


def test_worst_examples_and_buckets(scored):
    assert list(worst_examples(scored, 2)["gloss"]) == [scored.loc[2, "gloss"], scored.loc[1, "gloss"]]
    by_length = scores_by_length(scored)
    assert list(by_length.index.astype(str)) == ["1-3", "4-6", "7-10"] and by_length["examples"].sum() == 3


def test_verbosity_summary(scored):
    summary = verbosity_summary(scored)
    assert summary["share_over_1.5x"] == 0.0
    assert summary["mean_length_ratio"] == pytest.approx(round((1 + 0.5 + 4 / 8) / 3, 3))
