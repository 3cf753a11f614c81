"""Scoring every system into metrics.json, and ``glossa evaluate`` on a tiny run built here."""

import json

import pytest

from glossa_utils import load_params, load_recipe, read_records, save_params, write_jsonl, write_splits
from glossa_utils.cli import main
from glossa_utils.config import EvalConfig
from glossa_utils.evaluation import (best_prompting_baseline, check_aligned, describe_paired, evaluate_run, filter_source,
                                     match_examples, paired_comparison, paired_comparison_table, paired_intervals,
                                     paired_table, parse_source, parse_system_spec, prediction_file)


@pytest.mark.parametrize("system, path", [
    ("fine-tuned", "predictions.jsonl"), ("zero-shot chat", "baselines/zero_shot_chat.jsonl"),
    ("5-shot chat", "baselines/5_shot_chat.jsonl"), ("zero-shot, bare prompt", "baselines/zero_shot_bare_prompt.jsonl"),
    ("rule baseline", "baselines/rule_baseline.jsonl"),
])
def test_each_system_has_its_prediction_file(system, path):
    assert prediction_file(system) == path


def test_the_best_prompting_baseline_has_the_highest_bleu4():
    systems = {"fine-tuned": {"bleu4": 0.9}, "zero-shot chat": {"bleu4": 0.05}, "5-shot chat": {"bleu4": 0.12},
               "rule baseline": {"bleu4": 0.5}}
    assert best_prompting_baseline(systems) == "5-shot chat"
    assert best_prompting_baseline({"fine-tuned": {"bleu4": 0.9}, "rule baseline": {"bleu4": 0.5}}) is None


def test_paired_interval_of_a_clearly_better_system_excludes_zero():
    references = [f"the cat number {i} sat on the mat." for i in range(30)]
    outputs = {"fine-tuned": references, "zero-shot chat": [f"a dog {i} ran." for i in range(30)]}
    paired = paired_intervals(outputs, references, "zero-shot chat", 200, 0)
    low, high = paired["fine-tuned vs zero-shot chat"]["bleu4"]
    assert 0.9 < low <= high <= 1 + 1e-9
    table = paired_table({"paired": paired})
    assert list(table["excludes 0"]) == [True, True] and list(table["metric"]) == ["bleu4", "rougeL"]
    assert paired_intervals(outputs, references, None, 200, 0) == {}
    report = {"paired": paired, "systems": {"fine-tuned": {"bleu4": 1.0}, "zero-shot chat": {"bleu4": 0.0}}}
    assert "+1.0000" in describe_paired(report) and "**beats**" in describe_paired(report)
    assert "No paired comparison" in describe_paired({"paired": {}})


def test_misaligned_systems_are_refused():
    with pytest.raises(ValueError, match="other glosses"):
        check_aligned({"fine-tuned": [{"gloss": "A"}, {"gloss": "B"}], "rule baseline": [{"gloss": "B"}, {"gloss": "A"}]})


def test_source_specs_parse_from_names_kinds_paths_and_yaml(tmp_path):
    cfg = load_params("params/smoke.yaml")
    assert parse_source("conversational", cfg).cap == 120  # the run's own source, with its cap
    spec = parse_source(f"file:{tmp_path}/mine.jsonl", cfg)
    assert (spec.kind, spec.name, spec.path) == ("file", "mine", f"{tmp_path}/mine.jsonl")
    assert parse_source("{kind: file, path: a.csv, name: x}", cfg).name == "x"
    from glossa_utils import ParamsError

    with pytest.raises(ParamsError, match="kind must be one of"):
        parse_source("nope", cfg)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, tiny_model_path):
    """A finished run without training: the smoke params, its data splits, and the tiny model as merged/."""
    run = tmp_path_factory.mktemp("run")
    cfg = load_params("params/smoke.yaml", ["generate.max_new_tokens=4", "eval.bootstrap_resamples=50"])
    save_params(cfg, run / "params.yaml")
    write_splits(load_recipe(cfg.data, cfg.seed).splits, run / "data")
    (run / "merged").symlink_to(tiny_model_path)
    return run


def test_evaluate_on_the_runs_own_source_scores_its_test_split(tiny_run, tmp_path):
    path = evaluate_run(tiny_run, "conversational", cache_dir=tmp_path)
    report = json.loads(path.read_text())
    assert path == tiny_run / "eval" / "conversational" / "metrics.json"
    assert list(report["systems"]) == ["fine-tuned", "zero-shot chat", "2-shot chat", "zero-shot, bare prompt",
                                       "rule baseline"]
    test = read_records(tiny_run / "data" / "test.jsonl")
    assert report["test_examples"] == len(test) and report["dropped_seen_in_training"] == 0
    for system, file in report["prediction_files"].items():
        rows = read_records(path.parent / file)
        assert [r["gloss"] for r in rows] == [p["gloss"] for p in test], system
        assert all({"gloss", "reference", "prediction", "source"} <= set(r) for r in rows)
    (name, intervals), = report["paired"].items()
    assert name.startswith("fine-tuned vs ") and set(intervals) == {"bleu4", "rougeL"}
    assert "95% CI of the difference" in (path.parent / "metrics.md").read_text()
    phenomena = report["phenomena"]  # the per-phenomenon table of the error analysis, stored with the scores
    assert phenomena["all"]["count"] == len(test) and set(phenomena["all"]["systems"]) == set(report["systems"])
    assert all(0 <= part["count"] <= len(test) for part in phenomena.values())


def test_evaluate_on_a_new_file_drops_pairs_seen_in_training(tiny_run, tmp_path, capsys):
    seen = read_records(tiny_run / "data" / "train.jsonl")[0]
    new = [{"gloss": "BOOK WHERE?", "text": "Where is the book?"}, {"gloss": "ME LOVE RAIN.", "text": "I love rain."},
           {"gloss": seen["gloss"], "text": seen["text"]}]
    write_jsonl(new, tmp_path / "new.jsonl")
    out = tmp_path / "out"
    assert main(["evaluate", str(tiny_run), "--source", f"file:{tmp_path}/new.jsonl", "--out", str(out)]) == 0
    report = json.loads((out / "metrics.json").read_text())
    assert report["test_examples"] == 2 and report["dropped_seen_in_training"] == 1
    assert report["source"]["name"] == "new"
    assert "1 dropped: seen in training" in capsys.readouterr().out


def test_evaluate_with_a_bad_source_or_run_says_why(tiny_run, tmp_path, capsys):
    assert main(["evaluate", str(tiny_run), "--source", "nope"]) == 2
    assert "kind must be one of" in capsys.readouterr().err
    assert main(["evaluate", str(tiny_run), "--source", f"file:{tmp_path}/missing.jsonl"]) == 2
    assert "data file not found" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path), "--source", "conversational"]) == 2
    assert "not a run folder" in capsys.readouterr().err


class ExactMatchBertscore:
    """A stand-in for the BERTScore module: F1 1 for an exact match, 0.5 otherwise (no model to load)."""

    def compute(self, predictions, references, **kwargs):
        return {"f1": [1.0 if p == r else 0.5 for p, r in zip(predictions, references)]}


def records(glosses, references, predictions, source="conversational"):
    return [{"gloss": g, "reference": r, "prediction": p, "source": source}
            for g, r, p in zip(glosses, references, predictions)]


GLOSSES = [f"IX-1p SEE CAT {i}." for i in range(30)]
REFERENCES = [f"I saw cat number {i} on the mat." for i in range(30)]


def test_paired_comparison_matches_records_by_gloss_and_reference_not_position():
    a = records(GLOSSES, REFERENCES, [f"a dog {i} ran." for i in range(30)])
    b = records(GLOSSES, REFERENCES, REFERENCES)[::-1]  # the same examples listed the other way round
    report = paired_comparison(a, b, EvalConfig(), 200, 0, metrics={"bertscore": ExactMatchBertscore()})
    assert report["examples"] == 30 and list(report["metrics"]) == ["bleu4", "rougeL", "chrf", "bertscore_f1"]
    bert = report["metrics"]["bertscore_f1"]
    assert (bert["A"], bert["B"], bert["B - A"]) == (0.5, 1.0, 0.5) and bert["ci95"] == [0.5, 0.5]
    bleu = report["metrics"]["bleu4"]
    assert bleu["B"] == pytest.approx(1.0) and bleu["A"] == 0.0 and report["bleu4_ratio"] is None
    assert all(part["excludes_0"] and part["ci95"][0] > 0 for part in report["metrics"].values())
    table = paired_comparison_table(report)
    assert list(table.columns) == ["metric", "A", "B", "B − A", "95% CI of B − A", "excludes 0"]
    assert list(table["metric"]) == ["BLEU-4", "ROUGE-L", "chrF", "BERTScore F1"]
    halves = records(GLOSSES, REFERENCES, [r if i % 2 else f"cat {i}." for i, r in enumerate(REFERENCES)])
    ratio = paired_comparison(halves, b, EvalConfig(), 50, 0, metrics={"bertscore": ExactMatchBertscore()})["bleu4_ratio"]
    assert ratio == pytest.approx(1 / paired_comparison(b, halves, EvalConfig(), 50, 0,
                                                       metrics={"bertscore": ExactMatchBertscore()})["bleu4_ratio"])


def test_match_examples_pairs_repeated_examples_and_refuses_different_sets():
    a = records(["A.", "B.", "A."], ["a", "b", "a"], ["1", "2", "3"])
    b = records(["A.", "A.", "B."], ["a", "a", "b"], ["x", "y", "z"])
    kept_a, matched_b = match_examples(a, b)
    assert kept_a == a and [r["prediction"] for r in matched_b] == ["x", "z", "y"]
    other = records(["A.", "C."], ["a", "c"], ["1", "2"])
    with pytest.raises(ValueError, match=r"run1 and run2 were not scored on the same examples: 3 and 2 examples, "
                                         r"1 shared \(2 only in run1, 1 only in run2, e\.g\. gloss 'B\.'\)"):
        match_examples(a, other, ("run1", "run2"))
    with pytest.raises(ValueError, match="not scored on the same examples"):  # same gloss, another reference
        match_examples(a, records(["A.", "B.", "A."], ["a", "b", "an a"], ["1", "2", "3"]))


def test_filter_source_keeps_one_test_source():
    mixed = records(["A."], ["a"], ["1"]) + records(["B.", "C."], ["b", "c"], ["2", "3"], source="annotated")
    assert [r["gloss"] for r in filter_source(mixed, "annotated")] == ["B.", "C."]
    with pytest.raises(ValueError, match=r"runs/x: no examples of source 'aslg' \(its sources: annotated, conversational\)"):
        filter_source(mixed, "aslg", "runs/x")


def test_system_specs_name_a_folder_and_a_system(tmp_path):
    assert parse_system_spec(str(tmp_path)) == (tmp_path, "fine-tuned")
    assert parse_system_spec(f"{tmp_path}:rule baseline") == (tmp_path, "rule baseline")
    assert parse_system_spec(f"{tmp_path}:") == (tmp_path, "fine-tuned")


@pytest.fixture(scope="module")
def evaluated(tiny_run, tmp_path_factory):
    """The tiny run scored on its own test source by `glossa evaluate`: a folder `glossa paired` reads."""
    out = tmp_path_factory.mktemp("evaluated")
    evaluate_run(tiny_run, "conversational", out, cache_dir=tmp_path_factory.mktemp("cache"))
    return out


def test_paired_cli_prints_the_table_and_writes_json(evaluated, tmp_path, capsys):
    out = tmp_path / "paired.json"
    args = ["paired", f"{evaluated}:rule baseline", str(evaluated), "--source", "conversational", "--resamples", "50"]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| metric       |" in printed and "95% CI of B − A" in printed and "BLEU-4 ratio B/A" in printed
    report = json.loads(out.read_text())
    test = read_records(evaluated / "predictions.jsonl")
    assert report["examples"] == len(test) and report["source"] == "conversational"
    assert (report["A"], report["B"]) == (f"{evaluated}:rule baseline", str(evaluated))
    rule = read_records(evaluated / "baselines" / "rule_baseline.jsonl")
    from glossa_utils import BLEU4

    assert report["metrics"]["bleu4"]["A"] == pytest.approx(BLEU4([r["prediction"] for r in rule], [r["reference"] for r in rule]))
    saved = json.loads((evaluated / "metrics.json").read_text())["systems"]  # the same numbers as metrics.json's
    assert report["metrics"]["rougeL"]["B"] == pytest.approx(saved["fine-tuned"]["rougeL"])
    assert report["metrics"]["bertscore_f1"]["B"] == pytest.approx(saved["fine-tuned"]["bertscore_f1"], abs=1e-6)
    assert report["metrics"]["bertscore_f1"]["A"] == pytest.approx(saved["rule baseline"]["bertscore_f1"], abs=1e-6)


def test_paired_cli_says_why_it_cannot_compare(evaluated, tmp_path, capsys):
    assert main(["paired", str(tmp_path / "missing"), str(evaluated)]) == 2
    assert "no metrics.json" in capsys.readouterr().err
    assert main(["paired", f"{evaluated}:nope", str(evaluated)]) == 2
    assert "has no system 'nope' (it has: fine-tuned," in capsys.readouterr().err
    assert main(["paired", str(evaluated), str(evaluated), "--source", "annotated"]) == 2
    assert "no examples of source 'annotated' (its sources: conversational)" in capsys.readouterr().err
    other = tmp_path / "other"
    write_jsonl(records(["BOOK WHERE?"], ["Where is the book?"], ["Book where?"]), other / "predictions.jsonl")
    (other / "metrics.json").write_text(json.dumps({"prediction_files": {"fine-tuned": "predictions.jsonl"}}))
    assert main(["paired", str(evaluated), str(other)]) == 2
    err = capsys.readouterr().err
    assert "were not scored on the same examples" in err and "Traceback" not in err
