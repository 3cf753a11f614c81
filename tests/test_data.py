import json

import pytest

from glossa_utils import DataError, build_data_card, clean_pairs, find_leaks, load_splits, read_jsonl, split_pairs
from glossa_utils.config import DataConfig
from glossa_utils.data import group_pairs, read_csv, sample_pairs
from glossa_utils.recipe import load_pairs


def test_builtin_conversational_set_has_the_documented_size():
    pairs, skipped = load_pairs(DataConfig())
    assert len(pairs) == 440 and skipped == []  # data/conversational/README.md
    clean, report = clean_pairs(pairs)
    assert report.duplicates_dropped == 0 and report.empty_dropped == 0 and len(clean) == 440


def test_clean_normalises_and_counts_what_it_drops():
    raw = [
        {"gloss": "\ufeffME  HUNGRY ", "text": "I'm hungry."},
        {"gloss": "ME HUNGRY", "text": "I'm\thungry."},  # duplicate after cleaning
        {"gloss": "  ", "text": "Empty gloss."},
        {"gloss": "CAFE\u0301", "text": "Caf\u00e9."},  # NFD -> NFC
    ]
    pairs, report = clean_pairs(raw)
    assert pairs == [{"gloss": "ME HUNGRY", "text": "I'm hungry."}, {"gloss": "CAF\u00c9", "text": "Caf\u00e9."}]
    assert (report.rows_in, report.empty_dropped, report.duplicates_dropped, report.rows_out) == (4, 1, 1, 2)


def test_pairs_sharing_a_gloss_or_text_are_grouped():
    pairs = [{"gloss": "YOU DEAF?", "text": "Are you deaf?"}, {"gloss": "YOU DEAF?", "text": "Are you Deaf?"},
             {"gloss": "DEAF YOU?", "text": "are you deaf?"}, {"gloss": "ME GO.", "text": "I'm going."}]
    groups = sorted(sorted(g) for g in group_pairs(pairs))
    assert groups == [[0, 1, 2], [3]]


def test_split_is_leak_free_seeded_and_complete():
    pairs = [{"gloss": f"G{i % 150}", "text": f"T{i % 170}"} for i in range(400)]
    splits = split_pairs(pairs, 0.1, 0.1, seed=1)
    assert find_leaks(splits) == []
    assert sum(len(v) for v in splits.values()) == 400
    assert split_pairs(pairs, 0.1, 0.1, seed=1) == splits
    assert split_pairs(pairs, 0.1, 0.1, seed=2) != splits


def test_find_leaks_reports_a_shared_text():
    splits = {"train": [{"gloss": "A", "text": "x"}], "validation": [], "test": [{"gloss": "B", "text": "X"}]}
    assert find_leaks(splits) == ["'x' in train and test"]


def test_sample_pairs_is_seeded():
    pairs = [{"gloss": str(i), "text": str(i)} for i in range(50)]
    assert sample_pairs(pairs, 20, 3) == sample_pairs(pairs, 20, 3) and len(sample_pairs(pairs, 20, 3)) == 20
    assert sample_pairs(pairs, None, 3) is pairs


GOOD = json.dumps({"gloss": "ME GO.", "text": "I'm going."}).encode() + b"\n"


@pytest.mark.parametrize("bad_line, message", [
    (b'{"gloss": "B", "text": \n', "not valid JSON"),
    (json.dumps({"gloss": "A"}).encode() + b"\n", "missing column 'text'"),
    (json.dumps({"gloss": "A", "text": 3}).encode() + b"\n", "column 'text' must be a string"),
    (json.dumps({"gloss": "  ", "text": "x"}).encode() + b"\n", "empty 'gloss'"),
    (json.dumps({"gloss": "ME\u0007GO", "text": "x"}).encode() + b"\n", "control character U\\+0007"),
    (b'{"gloss": "CAF\xc9", "text": "cafe"}\n', "not UTF-8 \\(byte 0xc9 at column 15\\)"),
    (b'["ME GO.", "x"]\n', "expected an object"),
])
def test_bad_jsonl_rows_name_file_and_line(tmp_path, bad_line, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(GOOD + bad_line + GOOD)
    with pytest.raises(DataError, match=r"bad\.jsonl:2: " + message):
        read_jsonl(path)


def test_bad_rows_are_skipped_and_counted_when_asked(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(GOOD + b'{"gloss": broken\n' + b'{"gloss": "X", "text": ""}\n' + b'{"gloss": "\xff", "text": "y"}\n'
                     + json.dumps({"gloss": "ME EAT.", "text": "I'm eating."}).encode() + b"\n")
    pairs, skipped = load_pairs(DataConfig(path=str(path), on_bad_rows="skip"))
    assert len(pairs) == 2 and len(skipped) == 3
    assert [s.split(": ", 1)[0].rsplit(":", 1)[1] for s in skipped] == ["2", "3", "4"]
    card = build_data_card(DataConfig(path=str(path)), clean_pairs(pairs)[1], split_pairs(pairs * 10, 0.1, 0.1, 0), skipped)
    assert card["skipped_rows"] == 3 and card["skipped_examples"] == skipped


def test_bad_csv_rows(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_bytes(b"gloss,text\nME GO.,I'm going.\nME EAT.,\nA,b,extra\n\xffX,y\n")
    with pytest.raises(DataError, match=r"pairs\.csv:5: not UTF-8 \(byte 0xff\)"):
        read_csv(path)
    pairs, skipped = load_pairs(DataConfig(path=str(path), on_bad_rows="skip"))
    assert pairs == [{"gloss": "ME GO.", "text": "I'm going."}]
    assert [s.split(".csv:", 1)[1] for s in skipped] == ["3: empty 'text'", "4: more fields than the header",
                                                         "5: not UTF-8 (undecodable bytes) in 'gloss'"]
    path.write_bytes(b"gloss,text\nME GO.,I'm going.\nME EAT.,\n")
    with pytest.raises(DataError, match=r"pairs\.csv:3: empty 'text'"):
        read_csv(path)


def test_data_path_overrides_source(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps({"gloss": "ME GO.", "text": "I'm going."}) + "\n")
    assert load_pairs(DataConfig(path=str(path))) == ([{"gloss": "ME GO.", "text": "I'm going."}], [])


@pytest.mark.aslg
def test_aslg_pc12_loads_by_path_and_its_splits_do_not_leak(aslg_dir):
    splits = {name: read_jsonl(aslg_dir / f"{name}.jsonl") for name in ("train", "validation", "test")}
    assert [len(splits[n]) for n in ("train", "validation", "test")] == [21835, 1000, 1000]
    assert find_leaks(splits) == []
    # Re-splitting the pooled corpus with our splitter stays leak-free too.
    pooled, _ = clean_pairs(p for rows in splits.values() for p in rows)
    assert find_leaks(split_pairs(pooled, 0.05, 0.05, seed=0)) == []


@pytest.mark.slow
def test_smoke_run_test_split_never_seen_in_training(smoke_run):
    splits = load_splits(smoke_run / "data")
    assert find_leaks(splits) == []
    train_glosses = {p["gloss"] for p in splits["train"]} | {p["gloss"] for p in splits["validation"]}
    train_texts = {p["text"] for p in splits["train"]} | {p["text"] for p in splits["validation"]}
    assert all(p["gloss"] not in train_glosses and p["text"] not in train_texts for p in splits["test"])


def test_atomic_directory_keeps_the_old_folder_when_writing_fails(tmp_path):
    from glossa_utils import atomic_directory

    target = tmp_path / "merged"
    with atomic_directory(target) as tmp:
        (tmp / "weights").write_text("v1")
    with pytest.raises(RuntimeError):
        with atomic_directory(target) as tmp:
            (tmp / "weights").write_text("half of v2")
            raise RuntimeError("killed mid-save")
    assert (target / "weights").read_text() == "v1" and not (tmp_path / "merged.tmp").exists()


def test_readme_section_is_read_up_to_the_next_heading(tmp_path):
    from glossa_utils import read_readme_section

    readme = tmp_path / "README.md"
    readme.write_text("# T\n\nintro\n\n## Conventions used\n| a | b |\n|---|---|\n| 1 | 2 |\n\n### sub\nkept\n## Next\nno\n")
    assert read_readme_section(readme, "Conventions") == "| a | b |\n|---|---|\n| 1 | 2 |\n\n### sub\nkept"
    assert "| time first |" in read_readme_section("data/conversational/README.md", "Conventions used")
    with pytest.raises(ValueError, match="has no '## Missing' section"):
        read_readme_section(readme, "Missing")
