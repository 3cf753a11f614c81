"""Scoring every system into metrics.json, and ``glossa evaluate`` on a tiny run built here."""

import json

import pytest

from glossa_utils import load_params, load_recipe, read_records, save_params, write_jsonl, write_splits
from glossa_utils.cli import main
from glossa_utils.evaluation import (best_prompting_baseline, check_aligned, describe_paired, evaluate_run, paired_intervals,
                                     paired_table, parse_source, prediction_file)


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
