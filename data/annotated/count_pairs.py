"""Print the counts quoted in data/annotated/README.md.

Run from the repository root: ``PYTHONPATH=$PWD python data/annotated/count_pairs.py``. Conventions are
tagged by the shared parser (`glossa_utils.notation`); English sentences end in . ? or ! before a space.
"""

import json
import re
from collections import Counter
from pathlib import Path

from glossa_utils.notation import PHENOMENA, count_gloss_sentences, parse_gloss, tag_phenomena

rows = [json.loads(line) for line in (Path(__file__).parent / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]


def count_english_sentences(text: str) -> int:
    """Sentences of `text`: split after . ? or ! (and a closing quote) followed by a space."""
    return len([s for s in re.split(r'(?<=[.!?])"?\s+', text.strip()) if s])


gloss_sentences = [count_gloss_sentences(r["gloss"]) for r in rows]
english_sentences = [count_english_sentences(r["text"]) for r in rows]
tokens = [parse_gloss(r["gloss"]) for r in rows]
print("pairs", len(rows))
print("registers", dict(Counter(r["register"] for r in rows)))
print("gloss with 2+ sentences", sum(n >= 2 for n in gloss_sentences))
print("English with 2+ sentences", sum(n >= 2 for n in english_sentences))
print("sentence-boundary mismatches (gloss and English sentence counts differ)",
      sum(g != e for g, e in zip(gloss_sentences, english_sentences)),
      dict(Counter("more in gloss" if g > e else "more in English"
                   for g, e in zip(gloss_sentences, english_sentences) if g != e)))
tags = Counter(tag for r in rows for tag in tag_phenomena(r["gloss"]))
print("phenomena (pairs)", {name: tags[name] for name in PHENOMENA})
print("nmm labels (pairs)", dict(Counter(label for r in rows for label in set(re.findall(r"\[(\S+) ", r["gloss"])))))
print("classifier families (pairs)",
      dict(Counter(family for ts in tokens for family in {t.family for t in ts if t.kind == "classifier"})))
print("(1h) or (2h) (pairs)", sum(bool(re.search(r"\((1h|2h)\)", r["gloss"])) for r in rows))
