"""Error analysis (06): per-example scores, phenomena, training-frequency buckets, unseen words, n-grams."""

import json
from collections import Counter

import pytest
import sacrebleu

from glossa_utils import (CHRF, best_baseline, count_train_words, english_forms, example_table, frequency_bucket,
                          load_metric, mark_unseen, ngram_differences, per_example_scores, phenomenon_report,
                          phenomenon_table, read_system_predictions, repeated_ngram_rate, salient_examples,
                          scores_by_length, sentence_scores, share_with_unseen, show_table, unseen_words,
                          verbosity_summary, word_accuracy_by_frequency, worst_examples)
from glossa_utils.metrics import BLEU4, rule_translate


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


def test_length_buckets(scored):
    by_length = scores_by_length(scored)
    assert list(by_length.index.astype(str)) == ["1-3", "4-6", "7-10"] and by_length["examples"].sum() == 3


def test_verbosity_summary(scored):
    summary = verbosity_summary(scored)
    assert summary["share_over_1.5x"] == 0.0
    assert summary["mean_length_ratio"] == pytest.approx(round((1 + 0.5 + 4 / 8) / 3, 3))


def test_chrf_is_sacrebleus_and_adds_up_over_examples():
    preds, refs = ["I am going home.", "the cat sat"], ["I'm going home.", "a cat sat down"]
    assert CHRF(preds, refs) == pytest.approx(sacrebleu.corpus_chrf(preds, [refs]).score / 100)
    assert sentence_scores(preds, refs) == pytest.approx([sacrebleu.sentence_chrf(p, [r]).score / 100
                                                          for p, r in zip(preds, refs)])


def write_run(folder, records, metrics=None, zero_shot=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    if zero_shot is not None:
        (folder / "predictions_zero_shot.jsonl").write_text("".join(json.dumps(r) + "\n" for r in zero_shot))
    if metrics is not None:
        (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


RECORDS = [{"gloss": "ME FORGET WALLET HOME.", "reference": "I left my wallet at home.", "prediction": "I forgot my wallow.",
            "source": "conversational"},
           {"gloss": "fs-JOHN ARRIVE NOT-YET.", "reference": "John hasn't arrived yet.", "prediction": "John is not here yet.",
            "source": "conversational"}]


def test_old_runs_fall_back_to_their_prediction_files_and_the_rule_baseline(tmp_path):
    zero_shot = [{**r, "prediction": "Sure! Here is a translation."} for r in RECORDS]
    systems = read_system_predictions(write_run(tmp_path / "old", RECORDS, zero_shot=zero_shot))
    assert list(systems) == ["fine-tuned", "zero-shot base", "rule baseline"]
    assert systems["rule baseline"][0]["prediction"] == rule_translate("ME FORGET WALLET HOME.")
    listed = {"systems": {"fine-tuned": {}}}  # a run made with eval.rule_baseline: false
    assert list(read_system_predictions(write_run(tmp_path / "norule", RECORDS, listed))) == ["fine-tuned"]


def test_prediction_files_named_in_metrics_win(tmp_path):
    run = write_run(tmp_path / "new", RECORDS, {"prediction_files": {"fine-tuned": "predictions.jsonl",
                                                                     "5-shot chat": "baselines/five_shot.jsonl"}})
    (run / "baselines").mkdir()
    (run / "baselines" / "five_shot.jsonl").write_text("".join(json.dumps({**r, "prediction": "x"}) + "\n" for r in RECORDS))
    systems = read_system_predictions(run)
    assert list(systems) == ["fine-tuned", "5-shot chat"] and systems["5-shot chat"][1]["prediction"] == "x"


def test_predictions_that_do_not_line_up_are_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no predictions.jsonl"):
        read_system_predictions(write_run(tmp_path / "empty", []).parent / "nothing-here")
    shuffled = RECORDS[::-1]
    with pytest.raises(ValueError, match="'zero-shot base' predictions are not for the same test glosses"):
        read_system_predictions(write_run(tmp_path / "bad", RECORDS, zero_shot=shuffled))
    with pytest.raises(FileNotFoundError, match="missing"):
        read_system_predictions(write_run(tmp_path / "gone", RECORDS, {"prediction_files": {"x": "x.jsonl"}}))


GLOSSES = ["ME NOT LIKE COFFEE.", "YOUR NAME WHAT?", "ME GO STORE.", "IX-3 NOT UNDERSTAND."]
REFERENCES = ["I don't like coffee.", "What's your name?", "I'm going to the store.", "He doesn't understand."]
OUTPUTS = {"fine-tuned": ["I like coffee.", "What's your name?", "I'm going to the store.", "He understands."],
           "rule baseline": ["me not like coffee.", "your name what?", "me go store.", "not understand."]}


def test_phenomenon_report_scores_each_phenomenon_on_its_own_examples():
    report = phenomenon_report(OUTPUTS, REFERENCES, GLOSSES, n_resamples=50, seed=0)
    assert report["all"]["count"] == 4 and report["negation"]["count"] == 2 and report["wh_question"]["count"] == 1
    negation = report["negation"]["systems"]["fine-tuned"]
    rows = [0, 3]
    assert negation["chrf"] == pytest.approx(CHRF([OUTPUTS["fine-tuned"][i] for i in rows], [REFERENCES[i] for i in rows]))
    assert negation["bleu4"] == pytest.approx(BLEU4([OUTPUTS["fine-tuned"][i] for i in rows], [REFERENCES[i] for i in rows]))
    low, high = negation["chrf_ci95"]
    assert 0 <= low <= negation["chrf"] <= high <= 1
    assert report["wh_question"]["systems"]["fine-tuned"]["chrf"] == pytest.approx(1.0)
    assert report["classifier"] == {"count": 0, "systems": {}}
    json.dumps(report)  # it goes into metrics.json


def test_phenomenon_table_lists_counts_and_every_system():
    table = phenomenon_table(phenomenon_report(OUTPUTS, REFERENCES, GLOSSES, n_resamples=20), min_count=2)
    assert list(table.index[:2]) == ["all", "negation"] and "wh_question" not in table.index
    assert table.loc["negation", ("", "count")] == 2
    assert set(table.columns.get_level_values(0)) == {"", "fine-tuned", "rule baseline"}
    assert table.loc["all", ("rule baseline", "chrF")].count("–") == 1  # "0.412 (0.300–0.520)"


def test_phenomenon_report_rejects_misaligned_input():
    with pytest.raises(ValueError, match="one gloss, one reference"):
        phenomenon_report({"a": ["x"]}, REFERENCES, GLOSSES)


def test_frequency_buckets_and_english_forms():
    assert [frequency_bucket(c) for c in (0, 1, 4, 5, 90)] == ["unseen", "1-4", "1-4", "5+", "5+"]
    assert {"go", "went", "gone", "going"} <= english_forms("GO") and "wallets" in english_forms("WALLET")
    assert english_forms("NOT-YET") == set() and english_forms("25") == set()


def test_word_accuracy_by_training_frequency():
    counts = Counter({"GO": 7, "STORE": 2, "FINISH": 9})
    glosses = ["FINISH GO STORE.", "FORGET WALLET HOME."]
    references = ["I went to the store.", "I left my wallet at home."]
    outputs = {"a": ["I went to the store.", "I forgot my wallow."], "b": ["Me go shop.", "My wallet is at home."]}
    table = word_accuracy_by_frequency(glosses, references, outputs, counts)
    assert list(table.index) == ["unseen", "1-4", "5+"]
    # 5+: FINISH (marks the past, not in the reference: not checkable) and GO (reference "went"): a has "went", b has "go"
    assert table.loc["5+", "gloss words"] == 2 and table.loc["5+", "checkable"] == 1
    assert table.loc["5+", "a"] == 1.0 and table.loc["5+", "b"] == 1.0
    assert table.loc["1-4", "a"] == 1.0 and table.loc["1-4", "b"] == 0.0  # STORE: "store" vs "shop"
    # unseen: FORGET (reference says "left": not checkable), WALLET, HOME
    assert table.loc["unseen", "checkable"] == 2 and table.loc["unseen", "a"] == 0.0 and table.loc["unseen", "b"] == 1.0


def test_unseen_words_are_listed_and_marked():
    counts = count_train_words(["ME FORGET PHONE HOME.", "ME GOOD."])
    assert counts["FORGET"] == 1 and counts["WALLET"] == 0
    assert unseen_words("ME FORGET WALLET HOME.", counts) == ["WALLET"]
    assert mark_unseen("ME FORGET WALLET HOME.", ["WALLET"]) == "ME FORGET «WALLET» HOME."
    assert mark_unseen("fs-JOHN GO, GOOD.", ["JOHN", "GO"]) == "«fs-JOHN» «GO», GOOD."  # GOOD is not GO
    assert mark_unseen("[neg KNOW] WHY?", ["KNOW"]) == "[neg «KNOW»] WHY?"
    assert mark_unseen("ME GO.", []) == "ME GO."


@pytest.fixture
def table():
    # the same reference twice: a fair paraphrase (low sentence BLEU) and a real failure
    glosses = ["ME FORGET WALLET HOME.", "ME FORGET WALLET HOME!", "ME GO."]
    references = ["I left my wallet at home."] * 2 + ["I'm going."]
    systems = {"fine-tuned": ["My wallet is at home, I forgot it.", "I forgot the wallow home.", "I'm going."],
               "rule baseline": ["me forget wallet home.", "me forget wallet home!", "me go."]}
    records = {name: [{"gloss": g, "reference": r, "prediction": p} for g, r, p in zip(glosses, references, preds)]
               for name, preds in systems.items()}
    return example_table(records, count_train_words(["ME FORGET PHONE HOME.", "ME GO HOME."]))


def test_example_table_puts_every_system_side_by_side(table):
    assert list(table.columns) == ["gloss", "unseen", "phenomena", "reference", "fine-tuned", "chrF fine-tuned",
                                   "rule baseline", "chrF rule baseline"]
    assert table.loc[0, "gloss"] == "ME FORGET «WALLET» HOME." and table.loc[0, "unseen"] == "WALLET"
    assert table.loc[2, "unseen"] == "" and share_with_unseen(table) == pytest.approx(0.667)


def test_worst_examples_rank_by_chrf_so_a_paraphrase_is_not_the_worst(table):
    paraphrase, failure = table.loc[0, "fine-tuned"], table.loc[1, "fine-tuned"]
    bleu = [sacrebleu.sentence_bleu(p, [table.loc[0, "reference"]], smooth_method="exp").score for p in (paraphrase, failure)]
    assert bleu[0] < bleu[1]  # sentence BLEU would call the paraphrase the worse one
    worst = worst_examples(table, "fine-tuned", k=1)
    assert list(worst.index) == [1] and "rule baseline" in worst.columns
    with pytest.raises(KeyError, match="no system 'gpt'"):
        worst_examples(table, "gpt")


def test_salient_examples_both_ways(table):
    salient = salient_examples(table, "fine-tuned", "rule baseline", k=1)
    assert list(salient.index) == [2, 1]  # fine-tuned far better on "ME GO.", far worse on the failure
    assert salient["Δ chrF"].iloc[0] > 0 > salient["Δ chrF"].iloc[1]


def test_ngram_differences_find_what_each_system_gets_right():
    references = ["I am happy .", "I am happy today .", "the dog runs ."]
    outputs = {"a": ["I am happy .", "I am happy now .", "cat ."], "b": ["me happy", "happy day", "the dog runs ."]}
    diff = ngram_differences(references, outputs, "a", "b", n_max=2, k=2, min_matches=1)
    assert list(diff["better"]) == ["a", "a", "b", "b"]
    rows = [tuple(row) for row in diff[["n-gram", "matched a", "matched b", "score", "example"]].values]
    assert rows[:2] == [("am", 2, 0, 0.75, 0), ("am happy", 2, 0, 0.75, 0)]  # ties sorted by n-gram
    assert rows[2:] == [("dog", 0, 1, 0.333, 2), ("dog runs", 0, 1, 0.333, 2)]
    assert set(ngram_differences(references, outputs, "a", "b", n_max=2)["better"]) == {"a"}  # b: each matched once


def test_best_baseline_is_the_strongest_other_system():
    outputs = {"fine-tuned": ["I'm going."], "bad": ["hello"], "good": ["I am going."]}
    assert best_baseline(outputs, ["I'm going."]) == "good"
    with pytest.raises(ValueError, match="no baseline"):
        best_baseline({"fine-tuned": ["x"]}, ["x"])


def test_show_table_is_static_unless_asked(table, capsys):
    static = show_table(table, interactive=False, rows=2)
    assert len(static) == 2 and "2 of 3 rows shown" in capsys.readouterr().out
    assert show_table(table, interactive=True) is None  # itables renders it
