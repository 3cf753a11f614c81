"""Comparing runs: finding run folders, the params that differ, test-set groups and the score table."""

import json

import pytest
import yaml

from glossa_utils.compare import find_runs, params_diff, score_table, group_by_test_set


def make_run(folder, lr, bleu4, test="a", finished=True):
    folder.mkdir(parents=True)
    (folder / "params.yaml").write_text(yaml.safe_dump({"name": folder.name, "seed": 1, "train": {"lr": lr, "epochs": 2}}))
    (folder / "data").mkdir()
    (folder / "data" / "test.jsonl").write_text(json.dumps({"gloss": test, "text": test}) + "\n")
    if finished:
        scores = {"bleu4": bleu4, "rougeL": 0.5}
        (folder / "metrics.json").write_text(json.dumps({
            "test_examples": 1, "systems": {"fine-tuned": scores, "rule baseline": {"bleu4": 0.1, "rougeL": 0.4}},
            "ci95": {"fine-tuned": {"bleu4": [bleu4 - 0.05, bleu4 + 0.05]}}}))
    return folder


@pytest.fixture
def runs_root(tmp_path):
    make_run(tmp_path / "a", 1e-3, 0.3)
    make_run(tmp_path / "sweep" / "lr-1", 1e-4, 0.2, test="b")
    make_run(tmp_path / "sweep" / "lr-2", 2e-4, 0.25, finished=False)
    make_run(tmp_path / "_pytest", 1e-3, 0.9)
    return tmp_path


def test_find_runs_expands_globs_and_sweeps_and_notes_unfinished(runs_root):
    runs, notes = find_runs([str(runs_root / "*")])
    assert [r.name for r in runs] == ["a", "lr-1"]  # _pytest is a test run, lr-2 has no metrics yet
    assert len(notes) == 1 and "lr-2" in notes[0] and "not finished" in notes[0]
    assert find_runs([str(runs_root / "_pytest")])[0][0].name == "_pytest"  # named explicitly, it is compared


def test_a_missing_or_empty_folder_is_an_error(runs_root):
    with pytest.raises(FileNotFoundError, match="run folder not found"):
        find_runs([str(runs_root / "nope")])
    (runs_root / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="neither a run folder nor a sweep"):
        find_runs([str(runs_root / "empty")])


def test_params_diff_keeps_only_what_differs(runs_root):
    runs, _ = find_runs([str(runs_root / "a"), str(runs_root / "sweep")])
    diff = params_diff(runs)
    assert list(diff.columns) == ["train.lr"]  # name differs too, but it is not part of the experiment
    assert list(diff["train.lr"]) == [1e-3, 1e-4]


def test_runs_on_different_test_sets_are_told_apart(runs_root):
    runs, _ = find_runs([str(runs_root / "a"), str(runs_root / "sweep")])
    assert sorted(map(len, group_by_test_set(runs).values())) == [1, 1]


def test_score_table_shows_each_system_and_the_interval(runs_root):
    runs, _ = find_runs([str(runs_root / "a"), str(runs_root / "sweep")])
    table = score_table(runs)
    assert list(table["system"]) == ["fine-tuned", "rule baseline"] * 2
    assert list(table["BLEU-4 95% CI"]) == ["0.250–0.350", "", "0.150–0.250", ""]
