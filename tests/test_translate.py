"""Translation inputs through the API and the CLI: bad input never crashes and never echoes the prompt."""

import json
import re
import shutil
import subprocess
import sys

import pytest

from glossa_utils import REPO_ROOT, DataError, ModelError, Translator, check_gloss, load_model, load_tokenizer
from glossa_utils.config import GenerateConfig
from glossa_utils.translate import decode_gloss_lines, looks_like_english, strip_control_characters

from .conftest import run_glossa


@pytest.mark.parametrize("gloss, expected, note", [
    ("YOU WANT GO DRINK AFTER DINNER?", "YOU WANT GO DRINK AFTER DINNER?", None),
    ("", None, "empty gloss"),
    ("   \t ", None, "empty gloss"),
    ("ME\x00 GO\x1b.", "ME GO .", "control characters removed"),
    ("ME\u200bGO.", "ME GO.", "control characters removed"),
    ("I would like to go to the store with my sister.", "I would like to go to the store with my sister.",
     "looks like English"),
    ("ME \udcff GO.", None, "'\\udcff' at position 4 is not a character"),
])
def test_check_gloss(tokenizer, gloss, expected, note):
    text, notes = check_gloss(gloss, tokenizer, 256, "truncate")
    assert text == expected
    assert (note is None and notes == []) or any(note in n for n in notes)


def test_long_gloss_is_cut_or_refused_by_param(tokenizer):
    gloss = "ME " * 400
    text, notes = check_gloss(gloss, tokenizer, 50, "truncate")
    assert len(tokenizer(text, add_special_tokens=False)["input_ids"]) <= 50 and "cut to" in notes[0]
    text, notes = check_gloss(gloss, tokenizer, 50, "refuse")
    assert text is None and "refused" in notes[0]


def test_english_detector_leaves_gloss_alone():
    assert not looks_like_english("TOMORROW ME GO STORE, BUY ICE-CREAM.")
    assert not looks_like_english("IX-3 MY FRIEND fs-JOHN")
    assert looks_like_english("where is the nearest bus stop")
    assert strip_control_characters("A\x07B") == ("A B", True)


@pytest.mark.parametrize("gloss", ['IX-1p DRIVE SCL:3"car going up steep hill" SLOW+++',
                                   '5"well" part:indef IX-1p NOT KNOW', "fs-MARY IX-3p:i GIVE-1p BOOK (2h)FINISH",
                                   'g"what can you do" [neg IX-1p NOT KNOW]'])
def test_annotated_gloss_is_never_taken_for_english(tokenizer, gloss):
    assert not looks_like_english(gloss)
    text, notes = check_gloss(gloss, tokenizer, 256, "truncate")
    assert text == gloss and notes == []


def test_english_input_still_warns(tokenizer):
    _, notes = check_gloss("the car is going up a steep hill slowly", tokenizer, 256, "truncate")
    assert any("looks like English" in n for n in notes)


def test_gloss_lines_must_be_utf8():
    assert decode_gloss_lines("\ufeffME GO.\nYOU HUNGRY?\n".encode(), "f.txt") == ["ME GO.", "YOU HUNGRY?"]
    with pytest.raises(DataError, match=re.escape("f.txt:2: not UTF-8 text (byte 0xff)")):
        decode_gloss_lines(b"ME GO.\n\xff\xfe\x00\x80 HELLO\n", "f.txt")


@pytest.mark.parametrize("where", ["stdin", "file"])
def test_cli_translate_names_the_line_and_byte_of_binary_input(tmp_path, where):
    data = b"ME GO.\n\x00\x9c\xff binary\n"
    (tmp_path / "g.bin").write_bytes(data)
    source = ["-"] if where == "stdin" else [str(tmp_path / "g.bin")]
    result = subprocess.run([sys.executable, "-m", "glossa_utils.cli", "translate", "--run", str(tmp_path), "--file",
                             *source], cwd=REPO_ROOT, input=data, capture_output=True)
    stderr = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in stderr
    assert f"{'stdin' if where == 'stdin' else source[0]}:2: not UTF-8 text (byte 0x9c)" in stderr


@pytest.fixture(scope="module")
def tiny_translator(tiny_model_path):
    model = load_model(tiny_model_path, device="cpu")
    return Translator(model, load_tokenizer(tiny_model_path), generate=GenerateConfig(do_sample=False, max_new_tokens=6,
                                                                                     max_input_tokens=20))


def test_translator_never_crashes_and_keeps_order(tiny_translator):
    inputs = ["ME GO.", "", "ME\x00 HUNGRY", "WORD " * 100, None, "where is the nearest bus stop"]
    with pytest.warns(UserWarning):
        results = tiny_translator.translate(inputs)
    assert [r.gloss for r in results] == [str(x) for x in inputs]
    assert results[1].translation == "" and "empty gloss" in results[1].warnings[0]
    assert results[4].translation == "" and "not a string" in results[4].warnings[0]
    assert results[0].warnings == [] and results[0].raw_output
    assert any("cut to" in n for n in results[3].warnings)
    assert all("[INST]" not in r.translation and "[/INST]" not in r.translation for r in results)


def test_translator_load_errors(tmp_path):
    with pytest.raises(ModelError, match="no run folder or model directory"):
        Translator.load(tmp_path / "nowhere")
    (tmp_path / "run").mkdir()
    shutil.copy("params/smoke.yaml", tmp_path / "run" / "params.yaml")
    with pytest.raises(ModelError, match="neither merged/ nor adapter/"):
        Translator.load(tmp_path / "run")


@pytest.mark.slow
def test_translator_loads_merged_or_base_plus_adapter(smoke_run, tmp_path):
    merged = Translator.load(smoke_run).translate(["ME GO."])[0]
    run = tmp_path / "run"
    shutil.copytree(smoke_run, run, ignore=shutil.ignore_patterns("merged", "checkpoints"))
    from_adapter = Translator.load(run).translate(["ME GO."])[0]
    assert merged.raw_output == from_adapter.raw_output


@pytest.mark.slow
def test_cli_translate_arguments_stdin_file_and_out(smoke_run, tmp_path):
    result = run_glossa("translate", "--run", str(smoke_run), "ME GO.", "")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["gloss"] for r in rows] == ["ME GO.", ""] and rows[1]["translation"] == ""
    assert "empty gloss" in result.stderr

    glosses = tmp_path / "glosses.txt"
    glosses.write_text("ME GO.\n\nYOU HUNGRY?\n")
    out = tmp_path / "out.jsonl"
    result = run_glossa("translate", "--run", str(smoke_run), "--file", str(glosses), "--out", str(out))
    assert result.returncode == 0 and [json.loads(x)["gloss"] for x in out.read_text().splitlines()] == \
        ["ME GO.", "YOU HUNGRY?"]

    result = run_glossa("translate", "--run", str(smoke_run), stdin="ME GO.\nYOU HUNGRY?\n")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2
    result = run_glossa("translate", "--run", str(smoke_run), stdin="")
    assert result.returncode == 2 and "no glosses given" in result.stderr

    result = run_glossa("translate", "--run", str(tmp_path / "missing"), "ME GO.")
    assert result.returncode == 2 and "no run folder or model directory" in result.stderr
