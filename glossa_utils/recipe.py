"""Stage 1 at scale: a data *recipe* mixes several sources, each capped and weighted, into one run.

``data.sources`` in the params lists the sources (`SourceSpec`); the older single ``data.source`` /
``data.path`` is a one-source recipe. `load_recipe` reads each source, cleans it, caps it, splits it
(keeping a source's own train/validation/test when it has them), then makes the test sets honest
*across* sources: a train pair whose gloss or English text occurs in any source's validation or test
split is removed and counted (test pairs are never dropped). Finally the train splits are weighted
and shuffled into one training mix. Every pair carries a ``source`` field, so generation and metrics
can report each test set on its own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from .config import DataConfig, SourceSpec, resolve_path
from .data import (BUILTIN_DATA, SPLITS, BadRows, CleaningReport, DataError, Pair, clean_pairs, find_leaks,
                   find_parallel_files, leak_keys, length_stats, load_hub_pairs, load_hub_splits, read_jsonl,
                   read_pairs_file, read_parallel, sample_pairs, split_pairs)

PAIR_FILES = (".jsonl", ".json", ".csv")


@dataclass
class SourceData:
    """One source after loading: its splits (tagged, leak-free, not yet weighted) and what happened to it."""

    spec: SourceSpec
    splits: dict[str, list[Pair]]
    counts: dict[str, int | str]
    skipped: list[str] = field(default_factory=list)


@dataclass
class Recipe:
    """The loaded recipe: each source, and the mixed train (weighted, shuffled), validation and test splits."""

    sources: list[SourceData]
    splits: dict[str, list[Pair]]

    def counts(self) -> list[dict[str, int | str]]:
        """One row of counts per source, for the data card and notebook 01."""
        return [source.counts for source in self.sources]


def recipe_sources(cfg: DataConfig) -> list[SourceSpec]:
    """The recipe in `cfg`: ``data.sources``, or the single ``data.source``/``data.path`` as a one-source recipe."""
    if cfg.sources:
        return list(cfg.sources)
    if cfg.path is not None:
        return [SourceSpec(name=Path(cfg.path).stem, kind="file", path=cfg.path, cap=cfg.max_pairs)]
    if cfg.source.startswith("builtin:"):
        name = cfg.source.removeprefix("builtin:")
        if name not in BUILTIN_DATA:
            raise DataError(f"data.source: unknown builtin {name!r} (have {sorted(BUILTIN_DATA)})")
        return [SourceSpec(name=name, kind=name, cap=cfg.max_pairs)]
    if cfg.source.startswith("hub:"):
        return [SourceSpec(name=cfg.source.removeprefix("hub:"), kind="hub", hub_id=cfg.source.removeprefix("hub:"),
                           cap=cfg.max_pairs)]
    return [SourceSpec(name=Path(cfg.source).stem, kind="file", path=cfg.source, cap=cfg.max_pairs)]


def read_split_folder(folder: Path, gloss_key: str, text_key: str, bad: BadRows) -> dict[str, list[Pair]]:
    """``train/validation/test.jsonl`` in `folder` (all three, or an error naming the missing ones)."""
    missing = [f"{name}.jsonl" for name in SPLITS if not (folder / f"{name}.jsonl").is_file()]
    if missing:
        raise DataError(f"{folder}: a split folder needs train.jsonl, validation.jsonl and test.jsonl; missing {missing}")
    return {name: read_jsonl(folder / f"{name}.jsonl", gloss_key, text_key, bad) for name in SPLITS}


def read_aslg_local(path: Path, gloss_key: str, text_key: str, bad: BadRows) -> dict[str, list[Pair]]:
    """ASLG-PC12 from disk: a split folder, one JSONL/CSV file, or the corpus's line-aligned ``X.asl`` + ``X.en``.

    Returns ``{"train", "validation", "test"}`` when the files bring their own splits, else ``{"all"}``.
    """
    if not path.exists():
        raise DataError(f"ASLG-PC12: no such file or folder {path}")
    if path.is_dir() and any((path / f"{name}.jsonl").is_file() for name in SPLITS):
        return read_split_folder(path, gloss_key, text_key, bad)
    if path.is_file() and path.suffix in PAIR_FILES:
        return {"all": read_pairs_file(path, gloss_key, text_key, bad)}
    return {"all": read_parallel(*find_parallel_files(path), bad)}


def synthesize_source(spec: SourceSpec, seed: int) -> list[Pair]:
    """Synthetic chit-chat pairs from `glossa_utils.synth` (imported here, so the rest works without it)."""
    try:
        from .synth import GlossStyle, synthesize_chitchat
    except ImportError as err:
        raise DataError(f"source {spec.name!r}: kind chitchat_synth needs glossa_utils.synth ({err})") from None
    style = GlossStyle() if spec.annotated is None else GlossStyle(annotated=spec.annotated)
    return synthesize_chitchat(spec.cap, seed, style)


def read_source(spec: SourceSpec, cfg: DataConfig, seed: int, bad: BadRows) -> dict[str, list[Pair]]:
    """Raw pairs of one source: ``{"train", "validation", "test"}`` if it has its own splits, else ``{"all"}``."""
    columns = (cfg.gloss_column, cfg.text_column)
    if spec.kind in BUILTIN_DATA:  # conversational; annotated (test-only: `SourceSpec` forces test_only)
        return {"all": read_jsonl(BUILTIN_DATA[spec.kind], bad=bad)}
    if spec.kind == "file":
        return {"all": read_pairs_file(spec.path, *columns, bad)}
    if spec.kind == "hub":
        return {"all": load_hub_pairs(spec.hub_id, cfg.hub_split, *columns, bad)}
    if spec.kind == "chitchat_synth":
        return {"all": synthesize_source(spec, seed)}
    if spec.path is not None:
        return read_aslg_local(resolve_path(spec.path), *columns, bad)
    return load_hub_splits(spec.hub_id, *columns, bad)


def load_pairs(cfg: DataConfig) -> tuple[list[Pair], list[str]]:
    """Raw pairs of the single source ``data.source`` / ``data.path`` names (its own splits pooled).

    Returns the pairs and the rows skipped under ``data.on_bad_rows: skip`` (each as
    ``file:line: reason``); under ``error`` the first bad row raises `DataError`. The same reader as a
    recipe's (`read_source`), for a quick look at one source without cleaning or splitting.
    """
    specs = recipe_sources(cfg)
    if len(specs) != 1:
        raise DataError(f"load_pairs reads one source, the params name {len(specs)}: use load_recipe")
    bad = BadRows(cfg.on_bad_rows)
    return list(chain.from_iterable(read_source(specs[0], cfg, 0, bad).values())), bad.rows


def _add_reports(reports: list[CleaningReport]) -> CleaningReport:
    return CleaningReport(*(sum(getattr(r, k) for r in reports) for k in vars(CleaningReport())))


def split_source(spec: SourceSpec, raw: dict[str, list[Pair]], cfg: DataConfig,
                 seed: int) -> tuple[dict[str, list[Pair]], CleaningReport, int]:
    """Clean, cap and split one source; returns its splits, the cleaning report and how many pairs the cap cut.

    A source's own splits are kept under ``splits: auto`` (its cap then samples the train split only,
    so a published test set stays whole); otherwise all its pairs are pooled, capped and split
    leak-free, or sent whole to test (``test_only``) or train (``train_only``).
    """
    if spec.splits == "auto" and set(raw) == set(SPLITS) and not (spec.test_only or spec.train_only):
        cleaned = {name: clean_pairs(raw[name]) for name in SPLITS}
        splits = {name: pairs for name, (pairs, _) in cleaned.items()}
        report = _add_reports([r for _, r in cleaned.values()])
        capped = sample_pairs(splits["train"], spec.cap, seed)
        cut, splits["train"] = len(splits["train"]) - len(capped), capped
        return splits, report, cut
    pairs, report = clean_pairs(chain.from_iterable(raw.values()))
    capped = sample_pairs(pairs, spec.cap, seed)
    if spec.test_only or spec.train_only:
        splits = {name: [] for name in SPLITS}
        splits["test" if spec.test_only else "train"] = capped
    else:
        splits = split_pairs(capped, cfg.val_fraction, cfg.test_fraction, seed)
    return splits, report, len(pairs) - len(capped)


def load_source(spec: SourceSpec, cfg: DataConfig, seed: int) -> SourceData:
    """Read, clean, cap, split and tag one source, with its counts for the data card."""
    bad = BadRows(cfg.on_bad_rows)
    raw = read_source(spec, cfg, seed, bad)
    splits, report, cut = split_source(spec, raw, cfg, seed)
    tagged = {name: [{"gloss": p["gloss"], "text": p["text"], "source": spec.name} for p in splits[name]]
              for name in SPLITS}
    counts = {"source": spec.name, "kind": spec.kind, "raw": report.rows_in + len(bad.rows), "skipped": len(bad.rows),
              "empty_dropped": report.empty_dropped, "duplicates_dropped": report.duplicates_dropped,
              "cleaned": report.rows_out, "cap_dropped": cut}
    return SourceData(spec, tagged, counts, bad.rows)


def remove_cross_leaks(sources: list[SourceData]) -> None:
    """Drop train pairs sharing a gloss or text with any validation/test pair, and validation pairs sharing one
    with any test pair, across all sources; count them per source. Test pairs are never dropped."""
    test_keys = {k for s in sources for p in s.splits["test"] for k in leak_keys(p)}
    held_out = test_keys | {k for s in sources for p in s.splits["validation"] for k in leak_keys(p)}
    for source in sources:
        train, validation = source.splits["train"], source.splits["validation"]
        source.splits["train"] = [p for p in train if held_out.isdisjoint(leak_keys(p))]
        source.splits["validation"] = [p for p in validation if test_keys.isdisjoint(leak_keys(p))]
        source.counts["train_leaks_removed"] = len(train) - len(source.splits["train"])
        source.counts["validation_leaks_removed"] = len(validation) - len(source.splits["validation"])


def weight_pairs(pairs: list[Pair], weight: float, seed: int) -> list[Pair]:
    """`pairs` repeated ``int(weight)`` times plus a seeded sample of the fractional part (0.5 = half, 2.5 = 2½×)."""
    whole, fraction = int(weight), weight - int(weight)
    extra = random.Random(seed).sample(pairs, round(fraction * len(pairs))) if fraction else []
    return pairs * whole + extra


def mix_train(sources: list[SourceData], seed: int) -> list[Pair]:
    """The training mix: each source's train split weighted, all shuffled with `seed`.

    A single source at weight 1 keeps its split order, so a one-source run trains on exactly the
    split it always had.
    """
    parts = [weight_pairs(s.splits["train"], s.spec.weight, seed) for s in sources]
    for source, part in zip(sources, parts):
        source.counts["train_weighted"] = len(part)
    mix = list(chain.from_iterable(parts))
    contributing = [s for s in sources if s.splits["train"]]
    if len(contributing) > 1 or any(s.spec.weight != 1 for s in contributing):
        random.Random(seed).shuffle(mix)
    return mix


def load_recipe(cfg: DataConfig, seed: int) -> Recipe:
    """Load every source of the recipe in `cfg`, remove cross-source leaks, and mix the training split.

    Validation and test are the sources' splits concatenated in recipe order, never re-weighted.
    """
    sources = [load_source(spec, cfg, seed) for spec in recipe_sources(cfg)]
    remove_cross_leaks(sources)
    for source in sources:
        source.counts.update({name: len(source.splits[name]) for name in SPLITS})
    splits = {"train": mix_train(sources, seed),
              **{name: [p for s in sources for p in s.splits[name]] for name in ("validation", "test")}}
    empty = [name for name in SPLITS if not splits[name]]
    if empty:
        raise DataError(f"the recipe leaves no {' and no '.join(empty)} pairs "
                        f"({', '.join(f'{len(splits[n])} {n}' for n in SPLITS)}): each split needs a source that feeds it "
                        "(train_only sources give no validation or test pairs, test_only sources no train or "
                        "validation pairs); check caps and weights too")
    return Recipe(sources, splits)


def build_recipe_card(recipe: Recipe) -> dict:
    """The data card of a recipe: per-source counts, skipped rows, split sizes per source, leaks, lengths."""
    skipped = [row for source in recipe.sources for row in source.skipped]
    return {
        "sources": recipe.counts(),
        "skipped_rows": len(skipped),
        "skipped_examples": skipped[:20],
        "splits": {name: len(rows) for name, rows in recipe.splits.items()},
        "leaks": find_leaks(recipe.splits),
        "lengths": length_stats(recipe.splits),
    }
