import json
import re
import sys
import types
from dataclasses import dataclass

import pytest

from glossa_utils import DataError, find_leaks, load_splits, sample_per_source, split_pairs, write_splits
from glossa_utils.config import DataConfig, ParamsError, SourceSpec, build_config
from glossa_utils.data import BUILTIN_DATA, BadRows, clean_pairs, leak_keys, sample_pairs
from glossa_utils.recipe import load_pairs
from glossa_utils.recipe import build_recipe_card, load_recipe, read_source, recipe_sources, weight_pairs


def write_jsonl(path, pairs):
    path.write_text("".join(json.dumps(p) + "\n" for p in pairs), encoding="utf-8")
    return str(path)


def toy(prefix: str, n: int) -> list[dict]:
    return [{"gloss": f"{prefix} GLOSS {i}", "text": f"{prefix} text {i}."} for i in range(n)]


def recipe(*sources: SourceSpec, **data) -> DataConfig:
    return DataConfig(sources=list(sources), **data)


def test_single_source_params_are_a_one_source_recipe_with_the_same_splits():
    old_pairs, _ = clean_pairs(load_pairs(DataConfig(max_pairs=120))[0])
    old = split_pairs(sample_pairs(old_pairs, 120, 0), 0.1, 0.1, 0)
    loaded = load_recipe(DataConfig(max_pairs=120), seed=0)
    assert recipe_sources(DataConfig(max_pairs=120)) == [SourceSpec(name="conversational", cap=120)]
    for name in ("train", "validation", "test"):  # same pairs in the same order, now tagged with their source
        assert [{"gloss": p["gloss"], "text": p["text"]} for p in loaded.splits[name]] == old[name]
        assert {p["source"] for p in loaded.splits[name]} == {"conversational"}


def test_legacy_path_and_hub_sources_map_to_specs(tmp_path):
    path = write_jsonl(tmp_path / "mine.jsonl", toy("A", 3))
    assert recipe_sources(DataConfig(path=path)) == [SourceSpec(name="mine", kind="file", path=path)]
    assert recipe_sources(DataConfig(source="hub:org/set", max_pairs=50)) == \
        [SourceSpec(name="org/set", kind="hub", hub_id="org/set", cap=50)]
    with pytest.raises(DataError, match="unknown builtin 'nope'"):
        recipe_sources(DataConfig(source="builtin:nope"))


@pytest.mark.aslg
def test_aslg_folder_keeps_its_published_splits(aslg_dir):
    loaded = load_recipe(recipe(SourceSpec(name="aslg", kind="aslg_pc12", path=str(aslg_dir))), seed=1)
    assert [len(loaded.splits[n]) for n in ("train", "validation", "test")] == [21835, 1000, 1000]
    (counts,) = loaded.counts()
    assert (counts["raw"], counts["cleaned"], counts["train_leaks_removed"], counts["train_weighted"]) == \
        (23835, 23835, 0, 21835)
    assert loaded.splits["test"][0] == {"gloss": "TODAY , X-WE NEED TO KNOW DESC-MANY THING .",
                                        "text": "today , we need to know many things .", "source": "aslg"}
    # a cap samples the train split only: the published test set stays whole
    capped = load_recipe(recipe(SourceSpec(name="aslg", kind="aslg_pc12", path=str(aslg_dir), cap=500)), seed=1)
    assert [len(capped.splits[n]) for n in ("train", "validation", "test")] == [500, 1000, 1000]
    assert capped.counts()[0]["cap_dropped"] == 21335


@pytest.mark.aslg
def test_aslg_train_pair_leaking_into_the_curated_test_set_is_removed(aslg_dir):
    loaded = load_recipe(recipe(SourceSpec(name="aslg", kind="aslg_pc12", path=str(aslg_dir)),
                                SourceSpec(kind="conversational", test_only=True)), seed=0)
    aslg, curated = loaded.counts()
    assert aslg["train_leaks_removed"] == 1  # ASLG-PC12 train holds "What's your name?", a curated test text
    assert "What's your name?" not in {p["text"] for p in loaded.splits["train"]}
    assert curated["test"] == 440 and len(loaded.splits["test"]) == 1440
    assert build_recipe_card(loaded)["leaks"] == []


def write_parallel(folder, gloss_name, text_name, glosses, texts):
    folder.mkdir(exist_ok=True)
    (folder / gloss_name).write_text("\n".join(glosses) + "\n", encoding="utf-8")
    (folder / text_name).write_text("\n".join(texts) + "\n", encoding="utf-8")


@pytest.mark.parametrize("gloss_name, text_name", [("corpus.asl", "corpus.en"),
                                                   ("sample.clean.gloss.asl", "sample.clean.en.asl")])
def test_aslg_line_aligned_files_by_folder_or_by_gloss_file(tmp_path, gloss_name, text_name):
    glosses, texts = [f"X-I SEE {i} ." for i in range(40)], [f"i see {i} ." for i in range(40)]
    write_parallel(tmp_path / "aslg", gloss_name, text_name, glosses, texts)
    (tmp_path / "aslg" / "README.md").write_text("not data")
    for path in (tmp_path / "aslg", tmp_path / "aslg" / gloss_name):
        loaded = load_recipe(recipe(SourceSpec(name="a", kind="aslg_pc12", path=str(path))), seed=0)
        assert [len(loaded.splits[n]) for n in ("train", "validation", "test")] == [32, 4, 4]  # re-split 80/10/10
        everything = {p["gloss"]: p["text"] for rows in loaded.splits.values() for p in rows}
        assert everything == dict(zip(glosses, texts))  # line i of one file glosses line i of the other


def test_line_aligned_files_of_unequal_length_name_both_files_and_counts(tmp_path):
    write_parallel(tmp_path, "c.asl", "c.en", ["A .", "B .", "C ."], ["a .", "b ."])
    with pytest.raises(DataError, match=r"c\.asl has 3 lines but .*c\.en has 2"):
        load_recipe(recipe(SourceSpec(kind="aslg_pc12", path=str(tmp_path / "c.asl"))), seed=0)


def test_line_aligned_bad_line_is_named(tmp_path):
    write_parallel(tmp_path, "c.asl", "c.en", ["A .", "", "C ."], ["a .", "b .", "c ."])
    with pytest.raises(DataError, match=r"c\.asl:2: empty 'gloss'"):
        load_recipe(recipe(SourceSpec(kind="aslg_pc12", path=str(tmp_path))), seed=0)


def test_folder_without_one_clear_pair_or_with_partial_splits_is_an_error(tmp_path):
    write_parallel(tmp_path / "two", "a.asl", "a.en", ["A"], ["a"])
    write_parallel(tmp_path / "two", "b.gloss", "b.en", ["B"], ["b"])
    with pytest.raises(DataError, match=r"found pairs: a\.asl \+ a\.en, b\.gloss \+ b\.en"):
        load_recipe(recipe(SourceSpec(kind="aslg_pc12", path=str(tmp_path / "two"))), seed=0)
    (tmp_path / "partial").mkdir()
    write_jsonl(tmp_path / "partial" / "train.jsonl", toy("A", 5))
    with pytest.raises(DataError, match=r"missing \['validation\.jsonl', 'test\.jsonl'\]"):
        load_recipe(recipe(SourceSpec(kind="aslg_pc12", path=str(tmp_path / "partial"))), seed=0)


def test_csv_file_source_and_aslg_as_one_csv(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("gloss,text\n" + "".join(f"G{i},t {i}\n" for i in range(20)), encoding="utf-8")
    for kind in ("file", "aslg_pc12"):
        loaded = load_recipe(recipe(SourceSpec(name="csv", kind=kind, path=str(path))), seed=0)
        assert [len(loaded.splits[n]) for n in ("train", "validation", "test")] == [16, 2, 2]
        assert loaded.splits["test"][0]["source"] == "csv"


def test_bad_rows_are_counted_per_source_in_skip_mode(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in toy("A", 20)) + "{broken\n")
    with pytest.raises(DataError, match=r"mixed\.jsonl:21: not valid JSON"):
        load_recipe(recipe(SourceSpec(kind="file", path=str(path))), seed=0)
    loaded = load_recipe(recipe(SourceSpec(kind="file", path=str(path)), on_bad_rows="skip"), seed=0)
    assert (loaded.counts()[0]["raw"], loaded.counts()[0]["skipped"], loaded.counts()[0]["cleaned"]) == (21, 1, 20)
    assert build_recipe_card(loaded)["skipped_rows"] == 1


@pytest.mark.parametrize("weight, expected", [(0.0, 0), (0.5, 5), (1.0, 10), (2.0, 20), (2.5, 25)])
def test_weight_repeats_whole_times_and_samples_the_fraction(weight, expected):
    pairs = toy("A", 10)
    weighted = weight_pairs(pairs, weight, seed=3)
    assert len(weighted) == expected
    assert weighted[: int(weight) * 10] == pairs * int(weight)
    assert len({p["gloss"] for p in weighted[int(weight) * 10:]}) == expected - int(weight) * 10  # no pair twice
    assert weight_pairs(pairs, weight, seed=3) == weighted


def test_caps_weights_and_test_only_in_a_mixed_recipe(tmp_path):
    big, small, held = write_jsonl(tmp_path / "big.jsonl", toy("BIG", 200)), \
        write_jsonl(tmp_path / "small.jsonl", toy("SMALL", 50)), write_jsonl(tmp_path / "held.jsonl", toy("HELD", 30))
    cfg = recipe(SourceSpec(name="big", kind="file", path=big, cap=100, weight=0.5),
                 SourceSpec(name="small", kind="file", path=small, weight=2.0),
                 SourceSpec(name="held", kind="file", path=held, test_only=True))
    loaded = load_recipe(cfg, seed=7)
    rows = {c["source"]: c for c in loaded.counts()}
    assert (rows["big"]["cap_dropped"], rows["big"]["train"], rows["big"]["train_weighted"]) == (100, 80, 40)
    assert (rows["small"]["train"], rows["small"]["train_weighted"]) == (40, 80)
    assert (rows["held"]["train"], rows["held"]["validation"], rows["held"]["test"]) == (0, 0, 30)
    assert len(loaded.splits["train"]) == 120
    assert [p["source"] for p in loaded.splits["validation"]] == ["big"] * 10 + ["small"] * 5  # never re-weighted
    assert [p["source"] for p in loaded.splits["test"]] == ["big"] * 10 + ["small"] * 5 + ["held"] * 30
    train_sources = [p["source"] for p in loaded.splits["train"]]
    assert train_sources != sorted(train_sources)  # the mix is shuffled...
    assert load_recipe(cfg, seed=7).splits == loaded.splits  # ...with the seed
    assert load_recipe(cfg, seed=8).splits["train"] != loaded.splits["train"]


def test_cross_source_leaks_drop_train_pairs_never_test_pairs(tmp_path):
    train_side = toy("A", 40) + [{"gloss": "SHARED GLOSS", "text": "Only the gloss is shared."},
                                 {"gloss": "OTHER", "text": "Shared Text."},
                                 {"gloss": "VAL ONLY", "text": "In the other validation."}]
    test_side = toy("B", 40) + [{"gloss": "shared  gloss", "text": "Something else."},
                                {"gloss": "ANOTHER", "text": "shared text."}]
    val_side = [{"gloss": "VALX", "text": "in the other validation."}]
    folder = tmp_path / "splits"
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", train_side)
    write_jsonl(folder / "validation.jsonl", val_side + toy("C", 3))
    write_jsonl(folder / "test.jsonl", toy("D", 3))
    held = write_jsonl(tmp_path / "held.jsonl", test_side)
    loaded = load_recipe(recipe(SourceSpec(name="a", kind="aslg_pc12", path=str(folder)),
                                SourceSpec(name="held", kind="file", path=held, test_only=True)), seed=0)
    a, h = loaded.counts()
    assert a["train_leaks_removed"] == 3 and a["train"] == 40  # gloss, text and validation overlaps (case-folded)
    assert h["test"] == 42 and len(loaded.splits["test"]) == 45  # every test pair kept
    assert find_leaks(loaded.splits) == []


def test_validation_pairs_sharing_a_test_text_are_dropped(tmp_path):
    folder = tmp_path / "splits"
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", toy("A", 20))
    write_jsonl(folder / "validation.jsonl", toy("V", 4) + [{"gloss": "V X", "text": "Held text."}])
    write_jsonl(folder / "test.jsonl", toy("T", 4))
    held = write_jsonl(tmp_path / "held.jsonl", [{"gloss": "H X", "text": "held text."}])
    loaded = load_recipe(recipe(SourceSpec(name="a", kind="aslg_pc12", path=str(folder)),
                                SourceSpec(name="held", kind="file", path=held, test_only=True)), seed=0)
    assert loaded.counts()[0]["validation_leaks_removed"] == 1 and len(loaded.splits["validation"]) == 4


def test_splits_resplit_pools_a_sources_own_splits(tmp_path):
    folder = tmp_path / "splits"
    folder.mkdir()
    for name, n in (("train", 80), ("validation", 10), ("test", 10)):
        write_jsonl(folder / f"{name}.jsonl", toy(name.upper(), n))
    own = load_recipe(recipe(SourceSpec(kind="aslg_pc12", path=str(folder))), seed=0)
    resplit = load_recipe(recipe(SourceSpec(kind="aslg_pc12", path=str(folder), splits="resplit"),
                                 val_fraction=0.2, test_fraction=0.2), seed=0)
    assert {p["gloss"][:4] for p in own.splits["test"]} == {"TEST"}
    assert [len(resplit.splits[n]) for n in ("train", "validation", "test")] == [60, 20, 20]
    assert {p["gloss"][:4] for p in resplit.splits["test"]} - {"TEST"}  # other sources' pairs are tested now


def test_recipe_that_leaves_a_split_empty_is_an_error(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", toy("A", 20))
    other = write_jsonl(tmp_path / "b.jsonl", toy("B", 20))
    with pytest.raises(DataError, match="leaves no validation and no test pairs"):
        load_recipe(recipe(SourceSpec(name="a", kind="file", path=path, train_only=True),
                           SourceSpec(name="b", kind="file", path=path, cap=1, weight=0)), seed=0)
    with pytest.raises(DataError, match=r"leaves no validation pairs \(20 train, 0 validation, 20 test\)"):
        load_recipe(recipe(SourceSpec(name="a", kind="file", path=path, train_only=True),
                           SourceSpec(name="b", kind="file", path=other, test_only=True)), seed=0)


def fake_hub(monkeypatch, splits: dict[str, list[dict]]):
    datasets = pytest.importorskip("datasets")
    calls = []

    def load_dataset(dataset_id, split=None):
        calls.append((dataset_id, split))
        return splits[split] if split else splits

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    return calls


def test_aslg_from_the_hub_with_one_split_is_resplit(monkeypatch):
    calls = fake_hub(monkeypatch, {"train": toy("H", 100)})
    loaded = load_recipe(recipe(SourceSpec(kind="aslg_pc12")), seed=0)
    assert calls == [("achrafothman/aslg_pc12", None)]
    assert [len(loaded.splits[n]) for n in ("train", "validation", "test")] == [80, 10, 10]


def test_hub_dataset_with_its_own_splits_keeps_them(monkeypatch):
    fake_hub(monkeypatch, {"train": toy("TR", 30), "validation": toy("VA", 5), "test": toy("TE", 5)})
    loaded = load_recipe(recipe(SourceSpec(kind="aslg_pc12", hub_id="me/aslg")), seed=0)
    assert {p["gloss"][:2] for p in loaded.splits["test"]} == {"TE"} and len(loaded.splits["train"]) == 30


def test_legacy_hub_source_reads_hub_split(monkeypatch):
    calls = fake_hub(monkeypatch, {"train": toy("H", 50), "extra": toy("X", 50)})
    loaded = load_recipe(DataConfig(source="hub:me/set", hub_split="extra"), seed=0)
    assert calls == [("me/set", "extra")] and {p["gloss"][0] for p in loaded.splits["train"]} == {"X"}


@dataclass(frozen=True)
class FakeStyle:
    annotated: float = 0.0


def test_chitchat_synth_source_calls_the_generator_lazily(monkeypatch):
    seen = {}

    def synthesize_chitchat(n, seed, style=FakeStyle()):
        seen.update(n=n, seed=seed, annotated=style.annotated)
        return toy("CHAT", n)

    module = types.SimpleNamespace(GlossStyle=FakeStyle, synthesize_chitchat=synthesize_chitchat)
    monkeypatch.setitem(sys.modules, "glossa_utils.synth", module)
    loaded = load_recipe(recipe(SourceSpec(name="chat", kind="chitchat_synth", cap=300, annotated=0.3),
                                SourceSpec(kind="conversational", test_only=True)), seed=5)
    assert seen == {"n": 300, "seed": 5, "annotated": 0.3}
    chat = loaded.sources[0].splits
    assert sum(len(chat[name]) for name in ("train", "validation", "test")) == 300 and len(chat["validation"]) > 0
    assert sum(p["source"] == "conversational" for p in loaded.splits["test"]) == 440


def test_chitchat_synth_without_the_module_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "glossa_utils.synth", None)  # import fails
    with pytest.raises(DataError, match="chitchat_synth needs glossa_utils.synth"):
        load_recipe(recipe(SourceSpec(kind="chitchat_synth", cap=10)), seed=0)


def test_write_and_load_splits_keep_the_source(tmp_path):
    loaded = load_recipe(DataConfig(max_pairs=60), seed=0)
    write_splits(loaded.splits, tmp_path)
    assert load_splits(tmp_path) == loaded.splits
    assert json.loads((tmp_path / "test.jsonl").read_text().splitlines()[0])["source"] == "conversational"


def test_sample_per_source_caps_each_source_in_order():
    pairs = [{"gloss": f"G{i}", "text": f"t{i}", "source": "big" if i % 4 else "small"} for i in range(100)]
    capped = sample_per_source(pairs, 10, seed=1)
    assert [p["source"] for p in capped].count("big") == 10 and [p["source"] for p in capped].count("small") == 10
    assert capped == sorted(capped, key=pairs.index) and sample_per_source(pairs, 10, seed=1) == capped
    only_big = sample_per_source(pairs, {"big": 5}, seed=1)
    assert [p["source"] for p in only_big].count("big") == 5 and [p["source"] for p in only_big].count("small") == 25
    assert sample_per_source(pairs, None, 1) is pairs
    with pytest.raises(DataError, match="names 'aslg'"):
        sample_per_source(pairs, {"aslg": 5}, seed=1)


ANNOTATED_PAIRS = 270  # data/annotated/README.md
NOTATION = re.compile(r'IX-(\dp|loc)|POSS-|SELF-|fs-|ns-|#|\b[A-Z]*CL\b|"|\[|\+|\^|part:')


def read_builtin(name: str) -> list[dict]:
    return [json.loads(line) for line in BUILTIN_DATA[name].read_text(encoding="utf-8").splitlines()]


def english_sentences(text: str) -> set[str]:
    return {s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s}


def test_annotated_set_loads_whole_and_in_annotated_notation():
    bad = BadRows()
    (pairs,) = read_source(SourceSpec(kind="annotated"), DataConfig(), 0, bad).values()
    rows = read_builtin("annotated")
    assert len(pairs) == len(rows) == ANNOTATED_PAIRS and bad.rows == []
    assert all(p["gloss"].strip() and p["text"].strip() for p in pairs)
    assert {r["register"] for r in rows} == {"narrative", "conversational", "explanation", "description"}
    plain = [p["gloss"] for p in pairs if not NOTATION.search(p["gloss"])]
    assert plain == []
    assert len({p["gloss"] for p in pairs}) == len({p["text"] for p in pairs}) == ANNOTATED_PAIRS


def test_annotated_set_shares_no_gloss_or_english_sentence_with_the_conversational_set():
    annotated, conversational = read_builtin("annotated"), read_builtin("conversational")
    glosses = {p["gloss"] for p in conversational}
    sentences = {s for p in conversational for s in english_sentences(p["text"])}
    assert [p["gloss"] for p in annotated if p["gloss"] in glosses] == []
    assert [s for p in annotated for s in english_sentences(p["text"]) if s in sentences] == []


def test_annotated_source_is_test_only_whatever_the_params_say():
    assert SourceSpec(kind="annotated").test_only and SourceSpec(kind="annotated", test_only=False).test_only
    with pytest.raises(ParamsError, match="annotated set is test-only"):
        SourceSpec(kind="annotated", train_only=True)
    with pytest.raises(ParamsError, match=r"data.sources\[0\].train_only: the annotated set is test-only"):
        build_config(DataConfig, {"sources": [{"kind": "annotated", "train_only": True}, {}]}, "data.")
    with pytest.raises(ParamsError, match="builtin:annotated is a test-only set"):
        DataConfig(source="builtin:annotated")
    with pytest.raises(ParamsError, match="no source feeds training"):
        recipe(SourceSpec(kind="annotated"))
    with pytest.raises(ParamsError, match="builtin and takes neither"):
        SourceSpec(kind="annotated", path="data/annotated/pairs.jsonl")


def test_annotated_pairs_stay_out_of_training_in_a_mixed_recipe(monkeypatch):
    module = types.SimpleNamespace(GlossStyle=FakeStyle, synthesize_chitchat=lambda n, seed, style: toy("CHAT", n))
    monkeypatch.setitem(sys.modules, "glossa_utils.synth", module)  # the real generator is not under test here
    loaded = load_recipe(recipe(SourceSpec(kind="conversational"),
                                SourceSpec(name="chat", kind="chitchat_synth", cap=50),
                                SourceSpec(kind="annotated", test_only=False)), seed=3)
    rows = {c["source"]: c for c in loaded.counts()}
    assert (rows["annotated"]["train"], rows["annotated"]["validation"], rows["annotated"]["test"]) == \
        (0, 0, ANNOTATED_PAIRS)
    annotated = [p for p in loaded.splits["test"] if p["source"] == "annotated"]
    assert len(annotated) == ANNOTATED_PAIRS and {p["gloss"] for p in annotated} == \
        {r["gloss"] for r in read_builtin("annotated")}
    keys = {k for p in annotated for k in leak_keys(p)}
    seen = [p for name in ("train", "validation") for p in loaded.splits[name] if keys & set(leak_keys(p))]
    assert seen == [] and rows["conversational"]["train_leaks_removed"] == 0
    assert {p["source"] for p in loaded.splits["train"]} == {"conversational", "chat"}
    assert find_leaks(loaded.splits) == []
