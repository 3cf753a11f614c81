import math

import pytest

from glossa_utils import compute_scores, load_all_metrics, metrics_table, rule_translate
from glossa_utils.config import EvalConfig


@pytest.fixture(scope="module")
def metrics():
    return load_all_metrics()


def test_bleu_n_matches_a_hand_computation(metrics):
    # unigram precision 5/6, bigram precision 3/5, equal lengths (brevity penalty 1)
    pred, ref = ["the cat sat on the mat"], ["the cat sat on a mat"]
    bleu = metrics["bleu"]
    assert bleu.compute(predictions=pred, references=ref, max_order=1)["bleu"] == pytest.approx(5 / 6)
    assert bleu.compute(predictions=pred, references=ref, max_order=2)["bleu"] == pytest.approx(math.sqrt(5 / 6 * 3 / 5))
    # trigram precision 2/4, 4-gram precision 1/3
    assert bleu.compute(predictions=pred, references=ref, max_order=4)["bleu"] == \
        pytest.approx((5 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** 0.25)
    # no bigram matches and no smoothing: BLEU-2 is exactly 0, as in the card
    assert bleu.compute(predictions=["the cat sat"], references=["a cat ran"], max_order=2)["bleu"] == 0.0


def test_bleu_brevity_penalty(metrics):
    out = metrics["bleu"].compute(predictions=["the cat"], references=["the cat sat down"], max_order=1)
    assert out["bleu"] == pytest.approx(math.exp(1 - 4 / 2))


def test_rouge_is_a_plain_mean(metrics):
    out = metrics["rouge"].compute(predictions=["the cat sat on the mat", "hello"],
                                   references=["the cat sat on a mat", "goodbye"])
    assert out["rouge1"] == pytest.approx((5 / 6 + 0) / 2)
    assert out["rougeL"] == pytest.approx((5 / 6 + 0) / 2)


def test_compute_scores_with_offline_bertscore(metrics):
    refs = ["I'm tired. I'm going home.", "What's your name?"]
    same = compute_scores(refs, refs, EvalConfig(), metrics)
    assert same["bleu4"] == pytest.approx(1.0) and same["rougeL"] == pytest.approx(1.0)
    assert same["bertscore_f1"] == pytest.approx(1.0, abs=1e-4)
    other = compute_scores(["The weather is cold today.", "Pizza again?"], refs, EvalConfig(), metrics)
    assert other["bertscore_f1"] < 0.9 and other["bleu1"] < 0.2


def test_empty_prediction_scores_zero_instead_of_crashing(metrics):
    scores = compute_scores(["", "What's your name?"], ["I'm tired.", "What's your name?"], EvalConfig(), metrics)
    assert scores["bertscore_f1"] == pytest.approx(0.5, abs=1e-4)  # (0 + 1) / 2
    assert scores["rougeL"] == pytest.approx(0.5)


def test_compute_scores_rejects_mismatched_lengths(metrics):
    with pytest.raises(ValueError, match="equally many"):
        compute_scores(["a"], ["a", "b"], EvalConfig(), metrics)


@pytest.mark.parametrize("gloss, expected", [
    ("TODAY , X-WE NEED TO KNOW DESC-MANY THING .", "today , we need to know many thing ."),
    ("IX-3 MY FRIEND fs-JOHN.", "my friend john."),
    ("ME LIKE ICE-CREAM", "me like ice cream"),
])
def test_rule_baseline(gloss, expected):
    assert rule_translate(gloss) == expected


def test_metrics_table_has_the_cards_rows_and_a_column_per_system():
    scores = {k: 0.5 for k in ("bleu1", "bleu2", "bleu3", "bleu4", "rouge1", "rouge2", "rougeL",
                               "bertscore_precision", "bertscore_recall", "bertscore_f1")}
    table = metrics_table({"fine-tuned": scores, "rule baseline": scores})
    assert list(table.columns) == ["fine-tuned", "rule baseline"]
    assert list(table.index)[:4] == ["BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4"] and len(table) == 10


def test_compare_runs_lists_every_system_of_every_run(tmp_path):
    import json

    from glossa_utils import compare_runs

    scores = {k: 0.25 for k in ("bleu1", "bleu2", "bleu3", "bleu4", "rouge1", "rouge2", "rougeL",
                                "bertscore_precision", "bertscore_recall", "bertscore_f1")}
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "metrics.json").write_text(json.dumps(
            {"test_examples": 7, "systems": {"fine-tuned": scores, "rule baseline": {**scores, "bleu4": 0.125}}}))
    table = compare_runs([tmp_path / "a", tmp_path / "b"])
    assert list(zip(table.run, table.system)) == [("a", "fine-tuned"), ("a", "rule baseline"), ("b", "fine-tuned"),
                                                  ("b", "rule baseline")]
    assert table["BLEU-4"].tolist() == [0.25, 0.125, 0.25, 0.125] and table["test pairs"].eq(7).all()
