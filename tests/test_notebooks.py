"""Checks over the committed notebooks: their prose matches their outputs, and they read the way STYLE.md asks.

The rule for numbers (issue 11: a header said 3 epochs beside a run of 2, "about 6 minutes" beside 3:58,
and a paraphrase "punished about as hard" as a negation beside BLEU-2 0.456 vs 0.791): every number a
markdown cell states as a result must appear among the same notebook's outputs. Checked per number:

- a number followed by a unit word (``3 epochs``, ``6 minutes``, ``352 pairs``) needs an output that puts
  the same number within a few characters of that word (``epochs=2.0`` does not vouch for ``3 epochs``);
- a decimal or a percentage needs an output number that rounds to it (``0.790`` is vouched for by 0.7903);
- any other integer needs the same integer somewhere in the outputs.

Not claims, so not checked: code spans and fenced blocks (params and commands: `lora.r=4`), link targets,
list numbers, the notebook number in the title, numbers glued to a word (``fp32``, ``SmolLM2-135M``,
``2-core``), years, and the short `ALLOWED` list of constants that are not results. Prose rendered by a
code cell (``IPython.display.Markdown``) is an output itself and cannot drift. Notebooks without outputs
(cleared, or never run) are skipped: the committed ones carry a real default run's outputs.
"""

import re
from pathlib import Path

import nbformat
import pytest

from glossa_utils.config import REPO_ROOT

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
ALLOWED = {"512": "train.max_length, the card's", "8": "the card's lora.r", "16": "the card's lora.alpha"}
UNITS = ("epoch", "minute", "second", "hour", "step", "pair", "example", "token", "parameter", "prompt", "layer",
         "row", "sentence", "word", "gloss", "run", "system", "bucket", "test", "MB", "GB", "%")
NUMBER = re.compile(r"(?<![\w.\-/:])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w\-/]|\.\d)\s*(%|[A-Za-z]+)?")
OUTPUT_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def strip_non_claims(text: str) -> str:
    """Markdown without code, links' targets, HTML tags, list numbers and the title's notebook number."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"^\s*\d+\.\s", " ", text, flags=re.M)
    return re.sub(r"^# \d+ ·", " ", text, flags=re.M)


def stated_numbers(markdown: str) -> list[tuple[str, str | None]]:
    """(number, unit word or None) for each number a markdown cell states as a result."""
    claims = []
    for match in NUMBER.finditer(strip_non_claims(markdown)):
        number, word = match.group(1), match.group(2)
        if number in ALLOWED or re.fullmatch(r"(19|20)\d\d", number):
            continue
        unit = next((u for u in UNITS if word and word.lower().startswith(u.lower())), None)
        claims.append((number, unit))
    return claims


def output_text(nb) -> str:
    """All text the notebook's code cells printed or displayed (stream, plain, HTML, Markdown)."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            data = out.get("data", {})
            parts.extend(str(data.get(kind, "")) for kind in ("text/plain", "text/html", "text/markdown"))
    return re.sub(r"(?<=\d),(?=\d{3})", "", "\n".join(parts))


def is_vouched(number: str, unit: str | None, outputs: str) -> bool:
    """Whether the outputs contain `number` (near `unit` when there is one; rounded when it has decimals)."""
    number = number.replace(",", "")
    decimals = len(number.split(".")[1]) if "." in number else 0
    value = float(number)

    def same(found: str) -> bool:
        return round(float(found), decimals) == value if decimals else found.split(".")[0] == number and (
            "." not in found or float(found) == value)

    if unit and unit != "%":
        stem = re.escape(unit[:4])
        near = re.compile(rf"(\d+(?:\.\d+)?)[^\n\d]{{0,12}}{stem}|{stem}\w*[^\n\d]{{0,12}}(\d+(?:\.\d+)?)", re.I)
        return any(same(m.group(1) or m.group(2)) for m in near.finditer(outputs))
    return any(same(found) for found in OUTPUT_NUMBER.findall(outputs))


def unvouched_numbers(nb) -> list[str]:
    """The stated numbers of a notebook's markdown cells that none of its outputs vouches for."""
    outputs = output_text(nb)
    return [f"cell {i}: {number}{' ' + unit if unit else ''}"
            for i, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
            for number, unit in stated_numbers(cell.source) if not is_vouched(number, unit, outputs)]


def shows_table(cell) -> bool:
    """Whether a code cell's output is a results table (a DataFrame or an HTML table), not rendered Markdown."""
    return any("<table" in str(out.get("data", {}).get("text/html", "")) and "text/markdown" not in out.get("data", {})
               and "<progress" not in str(out.get("data", {}).get("text/html", ""))
               for out in cell.get("outputs", []))


def tables_without_reading(nb) -> list[int]:
    """Code cells showing a table whose next cell neither is markdown nor renders Markdown."""
    def reads(cell) -> bool:
        return cell.cell_type == "markdown" or any("text/markdown" in out.get("data", {})
                                                   for out in cell.get("outputs", []))
    return [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and shows_table(cell)
            and (i + 1 == len(nb.cells) or not reads(nb.cells[i + 1]))]


def has_outputs(nb) -> bool:
    return any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")


# --- the checks, on small notebooks made here ------------------------------------------------------------------

def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    for kind, source, outputs in cells:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
        if kind == "code":
            cell.outputs = outputs
        nb.cells.append(cell)
    return nb


def stream(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def test_the_issues_examples_are_caught():
    echo = stream("train    epochs=2.0  lr=0.001\n[88/88 03:58, Epoch 2/2]\ntrainable 4,884,480 of 139,399,488 (3.50%)\n"
                  "BLEU-2 paraphrase 0.456 negation 0.791\n")
    nb = notebook(("md", "# 02 · LoRA\n\n3 epochs on a 2-core CPU take about 6 minutes.", None),
                  ("code", "x", [echo]),
                  ("md", "A paraphrase scores 0.79, a negation 0.456; 4,884,480 train (3.50 %) in 2 epochs.", None))
    assert unvouched_numbers(nb) == ["cell 0: 3 epoch", "cell 0: 6 minute"]  # 0.79 rounds 0.791: vouched


def test_numbers_in_code_links_lists_and_titles_are_not_claims():
    nb = notebook(("md", "# 05 · Eval\n\n1. Run `--set lora.r=4` ([link](https://x.org/2024/7)) on fp32 with "
                         "SmolLM2-135M in 2026; the card's r 8, max length 512.\n```bash\nglossa run --set x=3\n```",
                   None), ("code", "x", [stream("nothing")]))
    assert unvouched_numbers(nb) == []


def test_a_decimal_is_vouched_for_by_its_rounded_output():
    nb = notebook(("md", "Lowest validation loss 0.790 at step 80.", None),
                  ("code", "x", [stream("eval_loss 0.79034 step 80\n")]))
    assert unvouched_numbers(nb) == []
    nb.cells[1].outputs = [stream("eval_loss 0.7952 step 80\n")]
    assert unvouched_numbers(nb) == ["cell 0: 0.790"]


def test_a_table_must_be_followed_by_a_reading():
    table = nbformat.v4.new_output("execute_result", data={"text/html": "<table><tr><td>1</td></tr></table>",
                                                           "text/plain": "1"})
    rendered = nbformat.v4.new_output("execute_result", data={"text/markdown": "The table says 1."})
    assert tables_without_reading(notebook(("code", "t", [table]), ("code", "y", [stream("")]))) == [0]
    assert tables_without_reading(notebook(("code", "t", [table]), ("md", "It says.", None))) == []
    assert tables_without_reading(notebook(("code", "t", [table]), ("code", "m", [rendered]))) == []


# --- the committed notebooks -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_nbval_comment_markers_in_code(path: Path):
    """nbval's markers live in cell tags (nbval-check-output, nbval-ignore-output, nbval-skip), out of the reader's way."""
    nb = nbformat.read(path, as_version=4)
    marked = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "# NBVAL_" in c.source]
    assert not marked, f"{path.name}: cells {marked} carry '# NBVAL_' comments; use cell.metadata.tags"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stated_numbers_come_from_the_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    if not has_outputs(nb):
        pytest.skip(f"{path.name} carries no outputs")
    assert not unvouched_numbers(nb), (f"{path.name}: numbers in markdown that no output shows (render them with "
                                       f"IPython.display.Markdown, or fix the text): {unvouched_numbers(nb)}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_results_table_is_read(path: Path):
    nb = nbformat.read(path, as_version=4)
    if not has_outputs(nb):
        pytest.skip(f"{path.name} carries no outputs")
    assert not tables_without_reading(nb), f"{path.name}: tables in cells {tables_without_reading(nb)} have no reading"
