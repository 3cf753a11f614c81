"""Stage 1, data preparation: load gloss→English pairs, clean them, split them leak-free.

A *pair* is a dict ``{"gloss": str, "text": str}``, plus ``"source"`` (the recipe source it came from)
once `recipe.load_recipe` has tagged it. Sources are named in ``params`` (`DataConfig`): the project's
own conversational set (``builtin:conversational``), a Hub dataset (``hub:<id>``), a local JSONL/CSV
file, or a line-aligned pair of gloss and English files (ASLG-PC12's original ``X.asl`` + ``X.en``).
The hand-written annotated-notation set ``data/annotated`` is a test-only recipe source (kind ``annotated``).
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
import statistics
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .config import REPO_ROOT, DataConfig, resolve_path

Pair = dict[str, str]
SPLITS = ("train", "validation", "test")
BUILTIN_DATA = {name: REPO_ROOT / "data" / name / "pairs.jsonl" for name in ("conversational", "annotated")}


class DataError(ValueError):
    """Malformed input data; the message names the file and line."""


@dataclass
class CleaningReport:
    """What cleaning did, so nothing is dropped silently."""

    rows_in: int = 0
    empty_dropped: int = 0
    duplicates_dropped: int = 0
    rows_out: int = 0


@dataclass
class BadRows:
    """Rows that cannot be used: raise on the first (mode ``error``) or count them (mode ``skip``)."""

    mode: str = "error"
    rows: list[str] = field(default_factory=list)

    def add(self, where: str, reason: str) -> None:
        if self.mode == "error":
            raise DataError(f"{where}: {reason} (set data.on_bad_rows: skip to skip and count such rows)")
        self.rows.append(f"{where}: {reason}")


def check_row(row: object, gloss_key: str, text_key: str) -> Pair | str:
    """The pair in `row`, or the reason it is unusable (not an object, missing/empty column, control character).

    A string ``source`` column (written by `write_splits` for a recipe) is kept.
    """
    if not isinstance(row, dict):
        return f"expected an object with {gloss_key!r} and {text_key!r}"
    for key in (gloss_key, text_key):
        if key not in row or row[key] is None:
            return f"missing column {key!r}"
        if not isinstance(row[key], str):
            return f"column {key!r} must be a string, got {row[key]!r}"
        if not row[key].strip():
            return f"empty {key!r}"
        bad = next((c for c in row[key] if unicodedata.category(c) == "Cc" and c not in "\t\n\r"), None)
        if bad is not None:
            return f"control character U+{ord(bad):04X} in {key!r}"
        if "\ufffd" in row[key]:
            return f"not UTF-8 (undecodable bytes) in {key!r}"
    pair = {"gloss": row[gloss_key], "text": row[text_key]}
    if isinstance(row.get("source"), str):
        pair["source"] = row["source"]
    return pair


def _add_row(pairs: list[Pair], bad: BadRows, row: object, gloss_key: str, text_key: str, where: str) -> None:
    checked = check_row(row, gloss_key, text_key)
    if isinstance(checked, str):
        bad.add(where, checked)
    else:
        pairs.append(checked)


def _decode_line(raw: bytes, where: str, bad: BadRows) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        bad.add(where, f"not UTF-8 (byte 0x{raw[err.start]:02x} at column {err.start + 1})")
        return None


def read_jsonl(path: Path, gloss_key: str = "gloss", text_key: str = "text", bad: BadRows | None = None) -> list[Pair]:
    """Read a JSONL file of pairs; a bad line raises `DataError` naming file and line (or is counted in `bad`)."""
    bad = bad if bad is not None else BadRows()
    pairs: list[Pair] = []
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, start=1):
            where = f"{path}:{lineno}"
            line = _decode_line(raw.removeprefix(b"\xef\xbb\xbf") if lineno == 1 else raw, where, bad)
            if line is None or not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                bad.add(where, f"not valid JSON ({err.msg})")
                continue
            _add_row(pairs, bad, row, gloss_key, text_key, where)
    return pairs


def read_records(path: Path) -> list[dict]:
    """Read any JSONL file of objects (e.g. ``predictions.jsonl``); errors name file and line."""
    records = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise DataError(f"{path}:{lineno}: not valid JSON ({err.msg})") from None
    return records


def read_csv(path: Path, gloss_key: str = "gloss", text_key: str = "text", bad: BadRows | None = None) -> list[Pair]:
    """Read a CSV file with a header row holding the gloss and text columns."""
    bad = bad if bad is not None else BadRows()
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        if bad.mode == "error":
            line = data[:err.start].count(b"\n") + 1
            bad.add(f"{path}:{line}", f"not UTF-8 (byte 0x{data[err.start]:02x})")
        text = data.decode("utf-8", errors="replace")  # skip mode: `check_row` flags rows holding U+FFFD
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = {gloss_key, text_key} - set(reader.fieldnames or [])
    if missing:
        raise DataError(f"{path}:1: missing column(s) {sorted(missing)} (have {reader.fieldnames})")
    pairs: list[Pair] = []
    for row in reader:
        where = f"{path}:{reader.line_num}"
        if None in row:
            bad.add(where, "more fields than the header")
            continue
        _add_row(pairs, bad, row, gloss_key, text_key, where)
    return pairs


def read_pairs_file(path: str | Path, gloss_key: str = "gloss", text_key: str = "text",
                    bad: BadRows | None = None) -> list[Pair]:
    """Read a local ``.jsonl``/``.json`` or ``.csv`` file of pairs."""
    path = resolve_path(path)
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    if path.suffix in (".jsonl", ".json"):
        return read_jsonl(path, gloss_key, text_key, bad)
    if path.suffix == ".csv":
        return read_csv(path, gloss_key, text_key, bad)
    raise DataError(f"{path}: unsupported file type {path.suffix!r} (use .jsonl or .csv)")


def read_parallel(gloss_path: Path, text_path: Path, bad: BadRows | None = None) -> list[Pair]:
    """Read two line-aligned files (line i of `gloss_path` glosses line i of `text_path`), as ASLG-PC12 ships.

    Files of unequal length raise `DataError` naming both files and their line counts: the alignment
    is lost somewhere and every pair after that point would be wrong.
    """
    bad = bad if bad is not None else BadRows()
    glosses, texts = (path.read_bytes().removeprefix(b"\xef\xbb\xbf").splitlines() for path in (gloss_path, text_path))
    if len(glosses) != len(texts):
        raise DataError(f"{gloss_path} has {len(glosses)} lines but {text_path} has {len(texts)}: "
                        "line-aligned gloss and English files must have equally many lines")
    pairs: list[Pair] = []
    for lineno, (raw_gloss, raw_text) in enumerate(zip(glosses, texts), start=1):
        gloss = _decode_line(raw_gloss, f"{gloss_path}:{lineno}", bad)
        text = _decode_line(raw_text, f"{text_path}:{lineno}", bad)
        if gloss is not None and text is not None:
            _add_row(pairs, bad, {"gloss": gloss, "text": text}, "gloss", "text", f"{gloss_path}:{lineno}")
    return pairs


def _swap_token(name: str, old: str, new: str) -> list[str]:
    """`name` with one whole token `old` (between ``.``, ``-`` or ``_``) replaced by `new`, for each occurrence."""
    parts = re.split(r"([._-])", name)
    return ["".join(parts[:i] + [new] + parts[i + 1:]) for i, part in enumerate(parts) if part.lower() == old]


def english_twins(gloss_file: Path) -> list[Path]:
    """Existing files named like `gloss_file` with its ``asl``/``gloss`` token replaced by ``en``.

    ``X.asl`` → ``X.en``; ``sample.clean.gloss.asl`` → ``sample.clean.en.asl``; ``train.gloss`` → ``train.en``.
    """
    names = [n for old in ("asl", "gloss") for n in _swap_token(gloss_file.name, old, "en")]
    return [gloss_file.with_name(n) for n in dict.fromkeys(names) if gloss_file.with_name(n).is_file()]


def find_parallel_files(path: Path) -> tuple[Path, Path]:
    """The (gloss file, English file) pair at `path`: the gloss file itself, or a folder holding one such pair."""
    if path.is_file():
        twins = english_twins(path)
        if len(twins) != 1:
            raise DataError(f"{path}: expected exactly one English file beside this gloss file (X.asl + X.en, "
                            f"or a name with 'gloss' replaced by 'en'), found {[t.name for t in twins]}")
        return path, twins[0]
    pairs = [(f, twin) for f in sorted(path.iterdir()) if f.is_file() for twin in english_twins(f)]
    if len(pairs) != 1:
        found = ", ".join(f"{g.name} + {t.name}" for g, t in pairs) or "none"
        raise DataError(f"{path}: expected one line-aligned gloss/English file pair (X.asl + X.en, or "
                        f"*.gloss.* + *.en.*) or train/validation/test.jsonl; found pairs: {found}")
    return pairs[0]


def load_hub_pairs(dataset_id: str, split: str, gloss_key: str, text_key: str, bad: BadRows) -> list[Pair]:
    """Load pairs from a Hugging Face Hub dataset (needs internet, e.g. on Colab)."""
    from datasets import load_dataset

    pairs: list[Pair] = []
    for i, row in enumerate(load_dataset(dataset_id, split=split)):
        _add_row(pairs, bad, row, gloss_key, text_key, f"hub:{dataset_id}[{i}]")
    return pairs


def load_hub_splits(dataset_id: str, gloss_key: str, text_key: str, bad: BadRows) -> dict[str, list[Pair]]:
    """Every split of a Hub dataset: ``{"train", "validation", "test"}`` when it has all three, else ``{"all"}``.

    ASLG-PC12 on the Hub (``achrafothman/aslg_pc12``) has a single ``train`` split, so it is pooled
    and re-split leak-free by the caller.
    """
    from datasets import load_dataset

    dataset = load_dataset(dataset_id)
    names = list(SPLITS) if set(SPLITS) <= set(dataset) else sorted(dataset)
    splits: dict[str, list[Pair]] = {}
    for name in names:
        splits[name] = []
        for i, row in enumerate(dataset[name]):
            _add_row(splits[name], bad, row, gloss_key, text_key, f"hub:{dataset_id}[{name}][{i}]")
    return splits if names == list(SPLITS) else {"all": [p for name in names for p in splits[name]]}


def normalize_text(text: str) -> str:
    """NFC-normalise, drop BOMs and zero-width characters, collapse whitespace."""
    text = unicodedata.normalize("NFC", text).replace("\ufeff", "").replace("\u200b", "")
    return " ".join(text.split())


def clean_pairs(pairs: Iterable[Pair]) -> tuple[list[Pair], CleaningReport]:
    """Normalise every pair, drop empty ones and exact duplicates, and count what was dropped."""
    report = CleaningReport()
    seen: set[tuple[str, str]] = set()
    out = []
    for pair in pairs:
        report.rows_in += 1
        gloss, text = normalize_text(pair["gloss"]), normalize_text(pair["text"])
        if not gloss or not text:
            report.empty_dropped += 1
            continue
        if (gloss, text) in seen:
            report.duplicates_dropped += 1
            continue
        seen.add((gloss, text))
        out.append({"gloss": gloss, "text": text})
    report.rows_out = len(out)
    return out, report


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def leak_keys(pair: Pair) -> tuple[str, str]:
    """The normalised gloss and text of `pair` (case-folded, whitespace collapsed): what counts as a leak."""
    return "g:" + _key(pair["gloss"]), "t:" + _key(pair["text"])


def group_pairs(pairs: list[Pair]) -> list[list[int]]:
    """Group pair indices so that pairs sharing a gloss or a text (case-insensitive) stay together."""
    parent = list(range(len(pairs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_seen: dict[str, int] = {}
    for i, pair in enumerate(pairs):
        for key in leak_keys(pair):
            j = first_seen.setdefault(key, i)
            parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(pairs)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def split_pairs(pairs: list[Pair], val_fraction: float, test_fraction: float, seed: int) -> dict[str, list[Pair]]:
    """Seeded train/validation/test split in which no gloss and no text occurs in two splits.

    Whole groups (see `group_pairs`) are dealt out, so a gloss written twice with two different
    translations can never sit in train and test at once.
    """
    groups = group_pairs(pairs)
    random.Random(seed).shuffle(groups)
    targets = {"test": round(len(pairs) * test_fraction), "validation": round(len(pairs) * val_fraction)}
    splits: dict[str, list[Pair]] = {name: [] for name in SPLITS}
    for group in groups:
        name = next((s for s in ("test", "validation") if len(splits[s]) < targets[s]), "train")
        splits[name].extend(pairs[i] for i in group)
    return splits


def find_leaks(splits: dict[str, list[Pair]]) -> list[str]:
    """Glosses or texts that occur in more than one split (empty list = leak-free)."""
    owner: dict[str, str] = {}
    leaks = []
    for name, rows in splits.items():
        for pair in rows:
            for key in leak_keys(pair):
                if owner.setdefault(key, name) != name:
                    leaks.append(f"{key[2:]!r} in {owner[key]} and {name}")
    return leaks


def sample_pairs(pairs: list[Pair], max_pairs: int | None, seed: int) -> list[Pair]:
    """A seeded sample of at most `max_pairs` pairs (all of them when `max_pairs` is None)."""
    if max_pairs is None or len(pairs) <= max_pairs:
        return pairs
    return random.Random(seed).sample(pairs, max_pairs)


def sample_per_source(pairs: list[Pair], max_examples: int | dict[str, int] | None, seed: int) -> list[Pair]:
    """At most `max_examples` pairs of each ``source`` (a seeded sample), in their original order.

    `max_examples` is one cap for every source or ``{source: cap}`` (sources not named keep all), so a
    quick run can score, say, 100 ASLG-PC12 pairs *and* every curated pair.
    """
    if max_examples is None:
        return pairs
    by_source: dict[str | None, list[int]] = {}
    for i, pair in enumerate(pairs):
        by_source.setdefault(pair.get("source"), []).append(i)
    caps = max_examples if isinstance(max_examples, dict) else dict.fromkeys(by_source, max_examples)
    unknown = sorted(set(caps) - set(by_source))
    if unknown:
        raise DataError(f"generate.max_examples names {unknown[0]!r}, but the test set's sources are {list(by_source)}")
    rng = random.Random(seed)
    keep = set()
    for source, indices in by_source.items():
        cap = caps.get(source)
        keep.update(indices if cap is None or len(indices) <= cap else rng.sample(indices, cap))
    return [pair for i, pair in enumerate(pairs) if i in keep]


def write_jsonl(pairs: Iterable[dict], path: Path) -> None:
    """Write dicts as JSONL atomically (a temp file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for row in pairs:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)


def write_json(obj: object, path: Path) -> None:
    """Write `obj` as indented JSON atomically, so a killed run never leaves a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a temporary sibling folder to write into; it replaces `target` only if the block succeeds.

    A killed or failed save therefore never leaves a `target` that looks complete.
    """
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def write_splits(splits: dict[str, list[Pair]], out_dir: Path) -> dict[str, Path]:
    """Write ``train.jsonl``, ``validation.jsonl`` and ``test.jsonl`` into `out_dir`."""
    paths = {name: out_dir / f"{name}.jsonl" for name in splits}
    for name, rows in splits.items():
        write_jsonl(rows, paths[name])
    return paths


def load_splits(data_dir: Path) -> dict[str, list[Pair]]:
    """Read the splits written by `write_splits`."""
    return {name: read_jsonl(data_dir / f"{name}.jsonl") for name in SPLITS}


def length_stats(splits: dict[str, list[Pair]]) -> list[dict]:
    """Rows of count and word-length statistics per split and side, for the data card."""
    rows = []
    for name, pairs in splits.items():
        for side in ("gloss", "text"):
            lengths = [len(p[side].split()) for p in pairs] or [0]
            rows.append({
                "split": name, "side": side, "pairs": len(pairs),
                "mean_words": round(statistics.fmean(lengths), 2),
                "median_words": statistics.median(lengths), "max_words": max(lengths),
            })
    return rows


def build_data_card(cfg: DataConfig, report: CleaningReport, splits: dict[str, list[Pair]],
                    skipped: list[str] | None = None) -> dict:
    """The data card: source, skipped bad rows, cleaning counts, split sizes, length statistics."""
    skipped = skipped or []
    return {
        "source": cfg.path or cfg.source,
        "skipped_rows": len(skipped),
        "skipped_examples": skipped[:20],
        "cleaning": vars(report),
        "splits": {name: len(rows) for name, rows in splits.items()},
        "leaks": find_leaks(splits),
        "lengths": length_stats(splits),
    }


def plot_lengths(splits: dict[str, list[Pair]]):
    """Seaborn histograms of gloss and English lengths (in words), one colour per split."""
    import pandas as pd
    import seaborn as sns
    from matplotlib import pyplot as plt

    df = pd.DataFrame([
        {"split": name, "side": "gloss" if side == "gloss" else "English", "words": len(p[side].split())}
        for name, pairs in splits.items() for p in pairs for side in ("gloss", "text")
    ])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True)
    for ax, side in zip(axes, ("gloss", "English")):
        sns.histplot(df[df.side == side], x="words", hue="split", discrete=True, stat="density",
                     common_norm=False, element="step", ax=ax)
        ax.set_title(f"{side} length (words)")
    fig.tight_layout()
    return fig


def read_readme_section(path: str | Path, heading: str) -> str:
    """The Markdown under the ``## heading`` of a README (up to the next heading of level 1 or 2).

    01 renders the data READMEs' tables with this, so the notebook and the README never disagree: the
    README is the one place they are written. `heading` matches the start of the heading's text.
    """
    lines = Path(resolve_path(path)).read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("## ") and line[3:].startswith(heading)]
    if not starts:
        raise ValueError(f"{path} has no '## {heading}' section")
    body = []
    for line in lines[starts[0] + 1:]:
        if re.match(r"#{1,2} ", line):
            break
        body.append(line)
    return "\n".join(body).strip()
