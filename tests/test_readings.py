"""The readings say what their tables say: winners, losses, intervals and trends, computed from the values."""

import pandas as pd
import pytest

from glossa_utils.readings import (describe_example_changes, describe_frequency, describe_learning_curve,
                                   describe_lengths, describe_metrics, describe_ngrams, describe_paired_difference,
                                   describe_params_diff,
                                   describe_phenomena, describe_run_scores, describe_variants, describe_verbosity,
                                   describe_worked_example, describe_worst,
                                   join_words)

KEYS = ("bleu1", "bleu2", "bleu3", "bleu4", "rouge1", "rouge2", "rougeL", "bertscore_precision", "bertscore_recall",
        "bertscore_f1")


def scores(**overrides):
    return {key: overrides.get(key, 0.5) for key in KEYS}


def test_join_words():
    assert [join_words([]), join_words(["a"]), join_words(["a", "b"]), join_words(["a", "b", "c"])] == [
        "", "a", "a and b", "a, b and c"]


def test_metrics_reading_names_the_issues_losses():
    """issue 11: the rule baseline won ROUGE-1 and every BERTScore; the old text said the model beats both."""
    model = scores(bleu4=0.31, rouge1=0.60, bertscore_precision=0.80, bertscore_recall=0.81, bertscore_f1=0.80)
    rule = scores(bleu1=0.4, bleu2=0.4, bleu3=0.3, bleu4=0.14, rouge1=0.62, rouge2=0.4, rougeL=0.4,
                  bertscore_precision=0.82, bertscore_recall=0.85, bertscore_f1=0.83)
    zero = scores(bleu1=0.1, bleu2=0.1, bleu3=0.1, bleu4=0.0, rouge1=0.2, rouge2=0.1, rougeL=0.1,
                  bertscore_precision=0.6, bertscore_recall=0.6, bertscore_f1=0.6)
    text = describe_metrics({"fine-tuned": model, "rule baseline": rule, "zero-shot chat": zero})
    assert text.startswith("**fine-tuned** scores highest on 6 of 10 metrics: BLEU-1, BLEU-2, BLEU-3, BLEU-4, "
                           "ROUGE-2 and ROUGE-L.")
    assert ("It loses ROUGE-1 (0.600 against 0.620), BERTScore P (0.800 against 0.820), BERTScore R (0.810 against "
            "0.850) and BERTScore F1 (0.800 against 0.830) to the rule baseline.") in text and "word order" in text


def test_metrics_reading_when_the_model_wins_everything_or_loses_bleu4():
    assert describe_metrics({"fine-tuned": scores(), "rule baseline": scores(bleu4=0.1)}).endswith(
        "It beats every baseline on every metric.")  # a tie goes to the model
    text = describe_metrics({"fine-tuned": scores(), "5-shot chat": scores(bleu4=0.6)})
    assert "It loses BLEU-4 (0.500 against 0.600) to the 5-shot chat." in text and "word order" not in text
    with pytest.raises(ValueError, match="fine-tuned"):
        describe_metrics({"rule baseline": scores()})


def test_variants_reading_counts_which_setting_is_closest():
    """issue 11: the text said greedy stays closest beside a table where beam 4 won 2 of 4."""
    refs = ["I am tired.", "Where is the shop?", "My name is Ann.", "I like tea."]
    variants = {"greedy": ["I am tired.", "Where shop?", "Name Ann.", "I like coffee."],
                "beam 4": ["I tired.", "Where is the shop?", "My name is Ann.", "I like tea."]}
    text = describe_variants(variants, refs)
    assert text.startswith("Closest to the reference by sentence chrF, per gloss (ties count for each): "
                           "beam 4 on 3 and greedy on 1 of 4. Mean sentence chrF: beam 4 ")


def phenomena_report():
    def part(count, model, base, ci):
        return {"count": count, "systems": {"fine-tuned": {"chrf": model, "chrf_ci95": ci},
                                            "rule baseline": {"chrf": base, "chrf_ci95": [0, 1]}}}
    return {"all": part(40, 0.60, 0.50, [0.55, 0.65]), "negation": part(8, 0.40, 0.45, [0.30, 0.50]),
            "wh_question": part(5, 0.70, 0.50, [0.60, 0.80]), "pointing": part(2, 0.10, 0.60, [0.0, 0.2]),
            "classifier": {"count": 0, "systems": {}}}


def test_phenomena_reading_names_the_lowest_the_significant_and_the_too_few():
    text = describe_phenomena(phenomena_report())
    assert "Overall chrF of the fine-tuned model: 0.600 on 40 test examples." in text
    assert "Lowest: **negation** (0.400, 8 examples); highest: wh_question (0.700, 5)." in text
    assert "Wholly below the overall score (95% interval): negation." in text
    assert "A baseline scores higher on: negation (rule baseline)." in text
    report = phenomena_report()
    report["negation"]["systems"]["zero-shot"] = {"chrf": 0.5}
    assert "negation (rule baseline, zero-shot)." in describe_phenomena(report)
    assert "Too few examples to judge (< 3): pointing." in text and "classifier" not in text


def test_phenomena_reading_says_when_nothing_is_shown_harder():
    report = phenomena_report()
    report["negation"]["systems"]["fine-tuned"]["chrf_ci95"] = [0.3, 0.62]
    assert "none is shown to be harder" in describe_phenomena(report)
    assert "cannot rank them" in describe_phenomena(report, min_count=50)


def test_frequency_reading():
    table = pd.DataFrame({"gloss words": [10, 20, 50], "checkable": [4, 10, 0], "fine-tuned": [0.25, 0.9, float("nan")],
                          "rule baseline": [1.0, 0.8, float("nan")]}, index=["unseen", "1-4", "5+"])
    text = describe_frequency(table)
    assert "unseen: 25% of 4; 1-4: 90% of 10." in text and "5+" not in text
    assert "A baseline does better on unseen words (rule baseline: 100% vs 25%)." in text
    assert "From unseen to 1-4 words the model moves +65 points: it translates words it was trained on far better." in text
    assert "nothing to check" in describe_frequency(table.assign(checkable=0))


def test_length_reading_says_whether_the_score_falls_with_length():
    falling = pd.DataFrame({"examples": [5, 6, 2], "sentence_bleu": [0.5, 0.4, 0.1]}, index=["1-3", "4-6", "7-10"])
    assert describe_lengths(falling).endswith("It falls steadily with length: the model loses track of longer glosses.")
    assert "does not fall steadily" in describe_lengths(falling.assign(sentence_bleu=0.0))
    mixed = falling.assign(sentence_bleu=[0.3, 0.2, 0.6])
    text = describe_lengths(mixed)
    assert "highest for 7-10-word glosses (0.600, 2 examples) and lowest for 4-6 (0.200, 6)" in text
    assert "does not fall steadily" in text
    assert "one length bucket" in describe_lengths(falling.iloc[:1])


def test_verbosity_reading():
    verbosity = {"fine-tuned": {"mean_length_ratio": 1.04, "share_over_1.5x": 0.05, "mean_raw_repeated_bigrams": 0.01},
                 "zero-shot chat": {"mean_length_ratio": 2.5, "share_over_1.5x": 0.6, "mean_raw_repeated_bigrams": 0.1}}
    text = describe_verbosity(verbosity)
    assert "1.04× the reference length" in text and "5% run over 1.5×" in text
    assert text.endswith("The most verbose system is the zero-shot chat (2.50×).")


def test_ngram_reading():
    frame = pd.DataFrame({"n-gram": ["my name", "i", "home"], "better": ["fine-tuned", "fine-tuned", "rule baseline"]})
    assert describe_ngrams(frame, "fine-tuned", "rule baseline", k=1).startswith(
        "The fine-tuned gets “my name” right more often; the rule baseline gets “home” right more often. Each")


def test_paired_difference_reading():
    assert "excludes 0" in describe_paired_difference(0.05, (0.01, 0.09), "BLEU-4", "B − A")
    assert "excludes 0" in describe_paired_difference(-0.05, (-0.09, -0.01), "BLEU-4", "B − A")
    assert "includes 0" in describe_paired_difference(0.01, (-0.02, 0.04), "chrF", "B − A")


def test_run_scores_reading_flags_a_baseline_that_moves_between_runs():
    """issue 11: 07 said the baselines are identical across runs beside zero-shot rows that differ."""
    table = pd.DataFrame({"run": ["a", "a", "a", "b", "b", "b"],
                          "system": ["fine-tuned", "rule baseline", "zero-shot base"] * 2,
                          "BLEU-4": [0.30, 0.14, 0.02, 0.33, 0.14, 0.05]})
    text = describe_run_scores(table, {"h": ["a", "b"]})
    assert text.startswith("Best fine-tuned BLEU-4: 0.330 in `b`.")
    assert "The rule baseline scores the same in all 2 runs" in text
    assert "The zero-shot base differs across 2 runs on the same test set (by up to 0.030 BLEU-4)" in text
    assert "rule baseline" not in describe_run_scores(table, {"h": ["a"], "k": ["b"]})


def test_example_changes_reading():
    from glossa_utils.compare import ExampleComparison

    comparison = ExampleComparison(None, {"better": 3, "worse": 1, "same": 6},
                                   {"bleu4": {"B - A": 0.02}, "chrf": {"B - A": -0.01}},
                                   {"bleu4": (-0.01, 0.05), "chrf": (-0.03, -0.001)})
    text = describe_example_changes(comparison, ("a", "b"))
    assert text.startswith("From `a` (A) to `b` (B), 3 examples got better, 1 worse and 6 stayed the same")
    assert "BLEU-4 +0.020, paired 95% interval [-0.010, +0.050], which includes 0" in text
    assert "chrF -0.010" in text and "which excludes 0" in text


def test_params_diff_reading():
    two = pd.DataFrame({"train.lr": [1e-3, 1e-4]}, index=["a", "b"])
    assert describe_params_diff(two).startswith("The 2 runs differ in 1 param: `train.lr`. One thing changed")
    assert "differ in no param" in describe_params_diff(two[[]])
    assert "Several things changed" in describe_params_diff(two.assign(seed=[1, 2]))
    assert describe_params_diff(two.iloc[:1]).startswith("One run")


def test_learning_curve_reading():
    curve = pd.DataFrame({"system": ["fine-tuned", "5-shot chat"] * 3, "train pairs": [88, 88, 176, 176, 352, 352],
                          "BLEU-4": [0.05, 0.2, 0.21, 0.15, 0.3, 0.1]})
    text = describe_learning_curve(curve)
    assert "0.050 at 88 pairs; 0.210 at 176 pairs; 0.300 at 352 pairs." in text
    assert "passes the best baseline (5-shot chat, 0.100) from 176 pairs on." in text
    assert "moves +0.090: still rising" in text
    assert "stays below the best baseline" in describe_learning_curve(curve.assign(**{"BLEU-4": [0.01, 0.5] * 3}))


def test_worst_reading_compares_unseen_shares():
    table = pd.DataFrame({"unseen": ["WALLET", "", "", "", "BAKE", "", "", "", "", ""]})
    text = describe_worst(table.iloc[[0, 4]], table)
    assert text.startswith("100% of the worst 2 hold a gloss word unseen in training, against 20% of all 10")
    assert "over-represented" in text
    assert "do not explain" in describe_worst(table.iloc[[0, 1, 2, 3, 5]], table)


def test_worked_example_reading():
    """issue 11: 05 said a paraphrase is punished "about as hard" as a negation; its table: BLEU-2 0.456 vs 0.791."""
    table = pd.DataFrame({"BLEU-2": [1.0, 0.456, 0.791], "ROUGE-L": [1.0, 0.6, 0.9]},
                         index=["exact", "I am", "not"])
    text = describe_worked_example(table, "I am", "not")
    assert text.startswith("Paraphrase vs flipped meaning: BLEU-2 0.456 vs 0.791; ROUGE-L 0.600 vs 0.900. ")
    assert "BLEU-2 and ROUGE-L punish the paraphrase *harder*" in text
    assert "BLEU-2 punishes" in describe_worked_example(table.assign(**{"ROUGE-L": [1, 0.9, 0.6]}), "I am", "not")
    assert "above the negation" in describe_worked_example(table.iloc[:, :0].assign(x=[1, 0.9, 0.1]), "I am", "not")
