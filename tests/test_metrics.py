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
    ("TODAY , X-WE NEED TO KNOW DESC-MANY THING .", "Today, we need to know many thing."),
    ("IX-3 MY FRIEND fs-JOHN.", "My friend John."),
    ("ME LIKE ICE-CREAM", "I like ice cream"),
    ("ME THIRSTY. WATER HAVE?", "I thirsty. Water have?"),
    ("fs-MARY IX-3p:i GIVE-1p BOOK (2h)FINISH.", "Mary give book finish."),
])
def test_rule_baseline_is_case_fair(gloss, expected):
    from glossa_utils.metrics import rule_translate as from_metrics

    assert rule_translate(gloss) == expected and from_metrics(gloss) == expected


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


PREDS = ["the cat sat on the mat", "a dog barked", "I'm going home now", "what is your name ?", "hello",
         "we need to know many things .", "the weather is cold today", "she likes green tea"]
REFS = ["the cat sat on a mat", "the dog barked loudly", "I'm going home", "what's your name ?", "goodbye",
        "today , we need to know many things .", "it is cold today", "she likes tea"]


def test_bleu_statistics_sum_to_sacrebleu_corpus_scores_on_resamples():
    import sacrebleu

    from glossa_utils.metrics import BLEU4, bleu_from_statistics, resample_indices

    stats = BLEU4.statistics(PREDS, REFS)
    corpus = sacrebleu.metrics.BLEU(smooth_method="none", tokenize="13a")
    assert BLEU4(PREDS, REFS) == pytest.approx(corpus.corpus_score(PREDS, [REFS]).score / 100)
    for rows in resample_indices(len(PREDS), 20, seed=4):
        direct = corpus.corpus_score([PREDS[i] for i in rows], [[REFS[i] for i in rows]]).score / 100
        assert bleu_from_statistics(stats[rows].sum(axis=0)) == pytest.approx(direct, abs=1e-12)


def test_rouge_l_statistics_match_the_rouge_module(metrics):
    from glossa_utils.metrics import ROUGE_L

    assert ROUGE_L(PREDS, REFS) == pytest.approx(metrics["rouge"].compute(predictions=PREDS, references=REFS)["rougeL"])


def test_bootstrap_ci_is_seeded_brackets_the_score_and_equals_recomputation(metrics):
    from glossa_utils import BLEU4, ROUGE_L, bootstrap_ci

    preds, refs = PREDS * 4, REFS * 4
    for metric in (BLEU4, ROUGE_L):
        low, high = bootstrap_ci(preds, refs, metric, n_resamples=200, seed=1)
        assert low < metric(preds, refs) < high
        assert bootstrap_ci(preds, refs, metric, n_resamples=200, seed=1) == (low, high)
        assert bootstrap_ci(preds, refs, metric, n_resamples=200, seed=2) != (low, high)
    # the fast path (statistics summed per resample) gives what recomputing the module on each resample gives
    def slow_bleu(p, r):
        return metrics["bleu"].compute(predictions=p, references=r, max_order=4)["bleu"]

    fast = bootstrap_ci(preds, refs, BLEU4, n_resamples=30, seed=5)
    assert fast == pytest.approx(bootstrap_ci(preds, refs, slow_bleu, n_resamples=30, seed=5), abs=1e-12)
    with pytest.raises(ValueError, match="equally many"):
        bootstrap_ci(["a"], [], BLEU4)


def test_score_systems_reports_each_source_and_cis(metrics):
    from glossa_utils import BLEU4, bootstrap_ci, score_systems, source_table

    outputs = {"model": PREDS, "copy": REFS}
    sources = ["aslg", "curated"] * 4
    cfg = EvalConfig(bootstrap_resamples=50)
    report = score_systems(outputs, REFS, sources, cfg, metrics, seed=0)
    assert report["test_examples"] == 8 and set(report["systems"]) == {"model", "copy"}
    assert report["systems"]["model"] == compute_scores(PREDS, REFS, cfg, metrics)
    assert report["ci95"]["copy"]["rougeL"] == [pytest.approx(1.0), pytest.approx(1.0)]
    assert report["ci95"]["model"]["bleu4"] == list(bootstrap_ci(PREDS, REFS, BLEU4, 50, seed=0))
    assert list(report["by_source"]) == ["aslg", "curated"]
    curated = report["by_source"]["curated"]
    assert curated["test_examples"] == 4
    assert curated["systems"]["model"] == compute_scores(PREDS[1::2], REFS[1::2], cfg, metrics)
    table = source_table(report)
    assert list(zip(table.source, table.system)) == [("aslg", "model"), ("aslg", "copy"), ("curated", "model"),
                                                     ("curated", "copy")]
    low, high = report["by_source"]["aslg"]["ci95"]["copy"]["bleu4"]
    assert table["BLEU-4 95% CI"].iloc[1] == f"[{low:.4f}, {high:.4f}]" and table["ROUGE-L"].iloc[1] == 1.0
    one = score_systems(outputs, REFS, [None] * 8, EvalConfig(bootstrap_resamples=0), metrics)
    assert "by_source" not in one and "ci95" not in one
    assert source_table(one).source.tolist() == ["all", "all"] and source_table(one)["BLEU-4 95% CI"].eq("").all()


def test_metrics_table_shows_cis_under_bleu4_and_rouge_l():
    scores = {k: 0.5 for k in ("bleu1", "bleu2", "bleu3", "bleu4", "rouge1", "rouge2", "rougeL",
                               "bertscore_precision", "bertscore_recall", "bertscore_f1")}
    ci = {"a": {"bleu4": [0.41234, 0.6], "rougeL": [0.3, 0.7]}}
    table = metrics_table({"a": scores}, ci=ci)
    assert list(table.index)[3:5] == ["BLEU-4", "BLEU-4 95% CI"] and len(table) == 12
    assert table.loc["BLEU-4 95% CI", "a"] == "[0.4123, 0.6000]" and table.loc["ROUGE-L", "a"] == 0.5
    assert table.index[list(table.index).index("ROUGE-L") + 1] == "ROUGE-L 95% CI"


def test_paired_bootstrap_tells_a_consistent_gain_from_noise():
    from glossa_utils import BLEU4, ROUGE_L, paired_bootstrap_ci

    references = [f"I am going to the shop number {i} today." for i in range(40)]
    good = list(references)
    worse = [r.replace("shop", "store") for r in references]  # every example a little worse
    low, high = paired_bootstrap_ci(good, worse, references, BLEU4, 500, seed=1)
    assert 0 < low <= high  # the better system wins on every resample
    assert paired_bootstrap_ci(good, good, references, ROUGE_L, 200, seed=1) == (0.0, 0.0)
    mixed = [w if i % 2 else g for i, (g, w) in enumerate(zip(good, worse))]
    low, high = paired_bootstrap_ci(mixed, [w if i % 2 == 0 else g for i, (g, w) in enumerate(zip(good, worse))],
                                    references, ROUGE_L, 500, seed=1)
    assert low < 0 < high  # each system better on half the examples: no difference
    assert paired_bootstrap_ci(good, worse, references, BLEU4, 100, 3) == paired_bootstrap_ci(good, worse, references, BLEU4, 100, 3)


def test_bertscore_f1_as_an_additive_metric_is_the_mean_f1(metrics):
    from glossa_utils import bertscore_f1_metric, paired_interval

    refs = ["I'm tired.", "What's your name?", "She went home early.", "The car climbed the hill slowly."]
    preds = ["I am tired.", "", "She left home.", "The car went up the steep hill slowly."]
    metric = bertscore_f1_metric(EvalConfig(), metrics)
    stats = metric.statistics(preds, refs)
    assert stats.shape == (4, 2) and list(stats[:, 1]) == [1.0] * 4 and stats[1, 0] == 0.0  # empty output scores 0
    assert metric(preds, refs) == pytest.approx(compute_scores(preds, refs, EvalConfig(), metrics)["bertscore_f1"])
    subset = [0, 2]  # any subset's summed rows give that subset's mean F1
    assert metric.score(stats[subset].sum(axis=0)) == pytest.approx(metric([preds[i] for i in subset], [refs[i] for i in subset]))
    assert paired_interval(stats, stats, metric.score, 100, 0) == (0.0, 0.0)
