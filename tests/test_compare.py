"""Comparing runs: finding run folders, the params that differ, test-set groups, the score table, example-by-example
changes, phenomena across runs, the learning curve and the data-size sweep's nested subsets."""

import json

import pytest
import yaml

from glossa_utils.compare import (comparable_pair, compare_examples, find_runs, group_by_test_set, learning_curve, params_diff,
                                  phenomena_across_runs, plot_learning_curve, plot_runs, score_table)


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


def test_plot_runs_gives_each_run_its_own_loss_panel(runs_root):
    """issue 11: on one shared plot, two runs that trained alike drew the same curve and hid each other."""
    import pandas as pd

    runs, _ = find_runs([str(runs_root / "a"), str(runs_root / "sweep")])
    curve = [{"step": s, "split": split, "loss": 1 / s} for s in (5, 10) for split in ("train", "validation")]
    curves = pd.DataFrame([{"run": run, **row} for run in ("a", "sweep/lr-1") for row in curve])  # identical
    fig = plot_runs(score_table(runs), curves)
    assert [ax.get_title() for ax in fig.axes[1:]] == ["a", "sweep/lr-1"]
    for ax in fig.axes[1:]:
        assert [line.get_linestyle() for line in ax.lines] == ["-", "--"]  # training solid, validation dashed
    assert len(plot_runs(score_table(runs), curves.iloc[:0]).axes) == 1  # no logs: the scores alone


def write_predictions(folder, glosses, references, outputs, train_pairs=352, phenomena=None, sources=None):
    """A finished run folder with a test set, a data card, predictions per system and metrics.json."""
    sources = sources or ["conversational"] * len(glosses)
    (folder / "data").mkdir(parents=True)
    (folder / "params.yaml").write_text(yaml.safe_dump({"name": folder.name}))
    (folder / "data" / "test.jsonl").write_text("".join(json.dumps({"gloss": g, "text": r}) + "\n"
                                                        for g, r in zip(glosses, references)))
    (folder / "data" / "data_card.json").write_text(json.dumps({"splits": {"train": train_pairs}}))
    files = {}
    for system, predictions in outputs.items():
        files[system] = f"predictions_{system.replace(' ', '_')}.jsonl"
        (folder / files[system]).write_text("".join(
            json.dumps({"gloss": g, "reference": r, "prediction": p, "source": s}) + "\n"
            for g, r, p, s in zip(glosses, references, predictions, sources)))
    metrics = {"test_examples": len(glosses), "systems": {s: {"bleu4": 0.0} for s in outputs}, "prediction_files": files}
    if phenomena:
        metrics["phenomena"] = phenomena
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


GLOSSES = ["ME NOT LIKE COFFEE.", "YOUR NAME WHAT?", "ME GO STORE.", "IX-3 NOT UNDERSTAND."]
REFERENCES = ["I don't like coffee.", "What's your name?", "I'm going to the store.", "He doesn't understand."]
BEFORE = ["I like coffee.", "Name?", "I'm going to the store.", "He doesn't understand."]
AFTER = ["I don't like coffee.", "What's your name?", "I'm going to the store.", "He understands."]


@pytest.fixture
def two_runs(tmp_path):
    a = write_predictions(tmp_path / "small", GLOSSES, REFERENCES, {"fine-tuned": BEFORE, "zero-shot chat": ["Sure."] * 4},
                          train_pairs=88)
    b = write_predictions(tmp_path / "large", GLOSSES, REFERENCES, {"fine-tuned": AFTER, "zero-shot chat": ["Sure."] * 4})
    return a, b


def test_compare_examples_counts_what_got_better_and_worse(two_runs):
    comparison = compare_examples(*two_runs, n_resamples=200)
    assert comparison.counts == {"better": 2, "worse": 1, "same": 1}
    assert list(comparison.changed(k=5).index) == [1, 0]  # "Name?" -> the full question gained most
    assert list(comparison.changed(better=False).index) == [3]
    chrf = comparison.scores["chrf"]
    assert chrf["B - A"] == pytest.approx(chrf["B"] - chrf["A"], abs=1e-4) and chrf["B - A"] > 0
    low, high = comparison.intervals["chrf"]
    assert low <= chrf["B - A"] <= high
    assert comparison.table.loc[3, "change"] < 0 and comparison.table.loc[2, "change"] == 0


def test_compare_examples_needs_one_test_set_and_the_system(two_runs, tmp_path):
    other = write_predictions(tmp_path / "other", GLOSSES[:2], REFERENCES[:2], {"fine-tuned": BEFORE[:2]})
    with pytest.raises(ValueError, match="not scored on the same test set"):
        compare_examples(two_runs[0], other)
    with pytest.raises(KeyError, match="no system '5-shot chat'"):
        compare_examples(*two_runs, system="5-shot chat")
    assert comparable_pair([other, *two_runs]) == two_runs and comparable_pair([other, two_runs[0]]) is None


def test_compare_examples_on_one_shared_source_of_different_test_sets(two_runs, tmp_path):
    order = [2, 0, 3, 1]  # another run lists the shared examples in another order, after one of its own source
    mixed = write_predictions(tmp_path / "mixed", ["IX-1p DRIVE SLOW+++", *(GLOSSES[i] for i in order)],
                              ["I drive slowly.", *(REFERENCES[i] for i in order)],
                              {"fine-tuned": ["I drive.", *(AFTER[i] for i in order)]},
                              sources=["annotated"] + ["conversational"] * 4)
    with pytest.raises(ValueError, match="not scored on the same test set"):
        compare_examples(two_runs[0], mixed)
    shared = compare_examples(two_runs[0], mixed, n_resamples=200, source="conversational")
    same = compare_examples(*two_runs, n_resamples=200)
    assert shared.counts == same.counts and shared.scores == same.scores and shared.intervals == same.intervals
    assert list(shared.table["gloss"]) == GLOSSES  # in run A's order
    with pytest.raises(ValueError, match="no examples of source 'annotated'"):
        compare_examples(two_runs[0], mixed, source="annotated")
    short = write_predictions(tmp_path / "short", GLOSSES[:3], REFERENCES[:3], {"fine-tuned": AFTER[:3]})
    with pytest.raises(ValueError, match="not scored on the same examples: 4 and 3 examples, 3 shared"):
        compare_examples(two_runs[0], short, source="conversational")


def test_phenomena_across_runs_use_the_stored_report_or_compute_it(two_runs, tmp_path):
    stored = {"all": {"count": 4, "systems": {"fine-tuned": {"bleu4": 0.5, "chrf": 0.123}}}}
    third = write_predictions(tmp_path / "stored", GLOSSES, REFERENCES, {"fine-tuned": AFTER}, phenomena=stored)
    table = phenomena_across_runs([*two_runs, third], n_resamples=50)
    labels = list(dict.fromkeys(table.columns.get_level_values(0)))
    assert len(labels) == 3
    assert table.loc["all", (labels[2], "chrf")] == "0.123"  # read from metrics.json, not recomputed
    assert table.loc["negation", (labels[0], "count")] == 2
    assert float(table.loc["all", (labels[1], "chrf")].split()[0]) > float(table.loc["all", (labels[0], "chrf")].split()[0])


def test_learning_curve_and_its_plot(two_runs):
    curve = learning_curve(list(two_runs))
    assert list(curve["train pairs"]) == [88, 88, 352, 352]
    assert list(curve["system"]) == ["fine-tuned", "zero-shot chat"] * 2
    assert curve.loc[2, "chrF"] > curve.loc[0, "chrF"]
    fig = plot_learning_curve(curve)
    bleu_axis = fig.axes[0]
    assert len(bleu_axis.lines) == 2  # the model's curve and one horizontal baseline
    assert list(bleu_axis.lines[1].get_ydata()) == [curve.loc[3, "BLEU-4"]] * 2
    assert len(plot_learning_curve(curve[curve["system"] == "fine-tuned"]).axes[0].lines) == 1  # no baselines: no lines


def test_data_size_sweep_trains_on_nested_subsets_with_one_test_set():
    from glossa_utils import load_params, load_sweep, plan_runs
    from glossa_utils.recipe import load_recipe

    sweep = load_sweep("params/sweeps/data_size.yaml")
    recipes = [load_recipe(cfg.data, cfg.seed) for cfg in (load_params(sweep.params, run.overrides)
                                                           for run in plan_runs(sweep))]
    default = load_params("params/default.yaml")
    full = load_recipe(default.data, default.seed)
    pairs = [{(p["gloss"], p["text"]) for p in recipe.splits["train"]} for recipe in recipes]
    pairs.append({(p["gloss"], p["text"]) for p in full.splits["train"]})  # 100 %: the default run (runs/default)
    assert [len(p) for p in pairs] == [88, 176, 352]
    assert pairs[0] < pairs[1] < pairs[2]
    assert all(r.splits["test"] == full.splits["test"] and r.splits["validation"] == full.splits["validation"]
               for r in recipes)
    weight_one = load_params("params/default.yaml", ["data.sources=[{kind: conversational, weight: 1.0}]"])
    assert load_recipe(weight_one.data, default.seed).splits["train"] == full.splits["train"]  # weight 1 = default


def test_find_runs_notes_a_missing_folder_only_when_told_to(tmp_path):
    from glossa_utils import find_runs

    with pytest.raises(FileNotFoundError, match="run folder not found"):
        find_runs([str(tmp_path / "nowhere")])
    runs, notes = find_runs([str(tmp_path / "nowhere")], missing_ok=True)
    assert runs == [] and notes == [f"{tmp_path / 'nowhere'}: no such run folder yet, left out"]
