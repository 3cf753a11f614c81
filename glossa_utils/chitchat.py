"""English chat utterances from chitchat-dataset (MIT), cleaned for the gloss synthesizer (`synth.py`).

The PyPI package ``chitchat-dataset`` ships the BYU Chit Chat Challenge conversations as one JSON file
(7,168 conversations, 258,145 utterances); nothing is downloaded. The filters keep utterances that read
as ordinary English sentences, so the synthesized glosses and their English targets are both clean.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from .generate import count_sentences
from .synth_lexicon import WH_WORDS

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
_APOSTROPHES = {"im": "I'm", "ive": "I've", "dont": "don't", "doesnt": "doesn't", "didnt": "didn't", "cant": "can't",
                "wont": "won't", "isnt": "isn't", "arent": "aren't", "wasnt": "wasn't", "werent": "weren't",
                "havent": "haven't", "hasnt": "hasn't", "hadnt": "hadn't", "couldnt": "couldn't",
                "wouldnt": "wouldn't", "shouldnt": "shouldn't", "thats": "that's", "whats": "what's",
                "youre": "you're", "theyre": "they're", "theres": "there's", "youve": "you've", "youll": "you'll",
                "theyve": "they've", "aint": "ain't", "shes": "she's", "wheres": "where's",
                "theyll": "they'll", "i": "I"}
_TEXTSPEAK = frozenset({"u", "ur", "r", "idk", "tbh", "btw", "omg", "ikr", "imo", "thx", "pls", "plz", "k", "ya",
                        "cuz", "bc", "rn", "ppl", "tho", "nvm", "smh", "jk", "imma", "ima", "yall", "wat", "dunno"})
_LAUGH = r"(?:a?(?:ha ?){2,}h?|he(?:he)+|lol+|lmao|rofl|xd)"
_LAUGH_EDGES = re.compile(rf"^(?:{_LAUGH}\b[\s,.!]*)+|[\s,.]*\b{_LAUGH}[\s.!]*$", re.IGNORECASE)
_LAUGH_WORD = re.compile(rf"\b{_LAUGH}\b")  # run on the lowercased text (faster than IGNORECASE)
_BAD_TEXT = re.compile(r"https?:|www\.|\.com\b|[()<>\[\]{}*_#|\\/~^=@;]|[:;]-?[()DPp]|([A-Za-z])\1\1|\.\.")
_QUESTION_OPENERS = frozenset(WH_WORDS) | {"do", "does", "did", "are", "is", "am", "was", "were", "can", "could",
                                           "would", "will", "should", "have", "has", "shall"}
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_SPACE_BEFORE_MARK = re.compile(r"\s+([,.!?])")
_MARK_RUNS = re.compile(r"[!?]{2,}")
_NO_SPACE_AFTER_MARK = re.compile(r"([,!?])(?=[A-Za-z])")
_SENTENCE_START = re.compile(r"(^\"?|[.!?]\s+\"?)([a-z])")
_APOSTROPHE_TRIGGERS = frozenset(_APOSTROPHES) | {k.capitalize() for k in _APOSTROPHES if k != "i"}
_KEY_DROP = str.maketrans("", "", "\"',.!?-:")
_WORDLESS_SENTENCE = re.compile(r"(?:^|[.!?]\s)[^A-Za-z0-9]*(?:[.!?]|$)")  # 'right now. ".'
_WRAPPING_QUOTES = re.compile(r'^"([^"]*)"([.!?]?)$')


def _chitchat_texts() -> list[str]:
    """Every utterance of chitchat-dataset (the package ships it as dataset.json), in file order."""
    import chitchat_dataset

    path = Path(chitchat_dataset.__file__).with_name("dataset.json")
    conversations = json.loads(path.read_text(encoding="utf-8"))
    return [u["text"] for conv in conversations.values() for message in conv["messages"] for u in message]


def _restore_apostrophes(text: str) -> str:
    """Chat spellings im/dont/thats -> I'm/don't/that's, a lone i -> I (a closed list; its/ill are ambiguous)."""
    parts = text.split(" ")
    for k, part in enumerate(parts):
        core = part.rstrip(",.!?:")
        fixed = _APOSTROPHES.get(core.lower())
        if fixed:
            parts[k] = (fixed[0].upper() + fixed[1:] if core[0].isupper() else fixed) + part[len(core):]
    return " ".join(parts)


def _normalise_punctuation(text: str) -> str:
    """One end mark per sentence (?? -> ?, !!! -> !), no space before marks, a final . or ? added, capitals."""
    text = _SPACE_BEFORE_MARK.sub(r"\1", text)
    if "!!" in text or "??" in text or "?!" in text or "!?" in text:
        text = _MARK_RUNS.sub(lambda m: "?" if "?" in m.group() else "!", text)
    text = _NO_SPACE_AFTER_MARK.sub(r"\1 ", text).rstrip(" ,:-")
    if text[-1:] not in (".", "!", "?"):
        text += "?" if text.split(" ", 1)[0].lower() in _QUESTION_OPENERS else "."
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)


def _clean_utterance(raw: str, min_words: int, max_words: int) -> str | None:
    """The utterance cleaned for training, or None when it fails a quality filter."""
    parts = raw.translate(_QUOTES).split()
    if not min_words <= len(parts) <= 2 * max_words:
        return None  # cheap first cut; the exact word count follows
    text = " ".join(parts)
    if text[0] == '"':
        text = _WRAPPING_QUOTES.sub(r"\1\2", text)  # a whole utterance in quotes
    if not text.isascii() or _BAD_TEXT.search(text):
        return None  # non-ASCII, URL, e-mail, markup, emoticon, ellipsis, "sooo"
    if _LAUGH_WORD.search(text.lower()):
        text = _LAUGH_EDGES.sub("", text).strip()
        if not text or _LAUGH_WORD.search(text.lower()):
            return None  # laughter inside the utterance
    letters = sum(map(str.isalpha, text))
    if letters < 0.75 * (len(text) - text.count(" ")):
        return None
    words = _WORD.findall(text)
    if not min_words <= len(words) <= max_words:
        return None
    if not _TEXTSPEAK.isdisjoint(w.partition("'")[0].lower() for w in words):
        return None  # u, idk, u've ...
    if not _APOSTROPHE_TRIGGERS.isdisjoint(words):
        text = _restore_apostrophes(text)
    text = _normalise_punctuation(text)
    if text.upper() == text or _WORDLESS_SENTENCE.search(text):
        return None  # all capitals (checked after "i" -> "I"), or a "sentence" without words
    few_marks = text.count(".") + text.count("!") + text.count("?") <= 3  # then at most 3 sentences
    return text if few_marks or count_sentences(text) <= 3 else None


@functools.lru_cache(maxsize=4)
def _utterances(min_words: int, max_words: int) -> tuple[str, ...]:
    """The cleaned utterances, first occurrence kept (case and punctuation ignored); cached per process."""
    kept, seen = [], set()
    for raw in _chitchat_texts():
        text = _clean_utterance(raw, min_words, max_words)
        key = text.lower().translate(_KEY_DROP) if text else None
        if key and key not in seen:
            seen.add(key)
            kept.append(text)
    return tuple(kept)


def chitchat_utterances(min_words: int = 3, max_words: int = 25) -> list[str]:
    """English utterances of chitchat-dataset (MIT) that pass the quality filters, deduplicated, in file order.

    Filters: `min_words`..`max_words` words, printable ASCII only, no URL/e-mail/markup/emoticons, not all
    capitals, no chat abbreviations (u, idk, ...), laughter only at the edges (then cut), at most 3 sentences.
    Cleaning: I'm/don't restored from im/dont, one end mark per sentence, first letters capitalised.
    """
    if min_words < 1 or max_words < min_words:
        raise ValueError(f"need 1 <= min_words <= max_words, got {min_words} and {max_words}")
    return list(_utterances(min_words, max_words))
