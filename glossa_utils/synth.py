"""Synthetic conversational glosses: English -> ASL-style gloss by linguistic rules (issue 3).

ASLG-PC12 was made by rewriting English with rules; this module does the same for *conversation*
(chitchat-dataset utterances by default) with seeded variation between conventions, so a model trained
on it meets more than one gloss style. Each English sentence becomes one gloss sentence:

1. contractions expanded ("don't" -> "do not"), then words, fixed phrases, time phrases and places found;
2. articles, copulas, do-support and auxiliary have/will dropped, tense remembered;
3. verbs lemmatised (``lemminflect``), plural nouns optionally too, pronouns to ME/YOU/IX-3/POSS-3/SELF-1;
4. negation NOT/NEVER before the verb or after its phrase, "no X" -> X NONE, "have not eaten" -> NOT-YET;
5. optional topicalisation ("COFFEE, ME LIKE"), past as FINISH or BEFORE/PAST, future as WILL/FUTURE;
6. WH-sign at the end of a question (sometimes at both ends), time expressions first;
7. in annotation-tool style (a seeded share of sentences): IX-1p/POSS-1p/SELF-3p:i loci, fs-/ns- names,
   #JOB loan signs, (1h)/(2h) hand markers, classifiers SCL:3"..." and DCL:"...", gestures 5"wow",
   +AGENT, -wg and _2 variants.

Every choice draws from the `random.Random` it is given, so a seed fixes the output.
"""

from __future__ import annotations

import dataclasses
import functools
import random
import re
import unicodedata
from dataclasses import dataclass

import contractions
from lemminflect import getAllInflections, getAllLemmas

from . import synth_lexicon as lex
from .chitchat import chitchat_utterances
from .config import ParamsError
from .data import check_row
from .generate import split_sentences


@dataclass(frozen=True)
class GlossStyle:
    """Probabilities (each in [0, 1]) of the conventions the synthesizer varies between."""

    annotated: float = 0.3  # share of sentences in annotation-tool style (IX-1p, fs-/ns-, #, (2h), classifiers)
    finish_past: float = 0.6  # past without a time word: FINISH (else BEFORE or PAST in front)
    finish_before: float = 0.3  # FINISH before the verb (else after the verb phrase)
    future_will: float = 0.6  # future without a time word: WILL (else FUTURE)
    neg_after: float = 0.4  # NOT/NEVER after the verb phrase (else before the verb, as in English)
    wh_double: float = 0.15  # a question's WH-sign at both ends (else at the end only)
    topicalise: float = 0.1  # object fronted as a topic: "COFFEE, ME LIKE"
    keep_period: float = 0.7  # keep the final . or ! of a gloss (sentence-internal ones are always kept)
    lemmatise_plurals: float = 0.8  # plural noun -> its singular (DOGS -> DOG)
    loan_sign: float = 0.8  # annotated: lexicalised fingerspellings as #JOB, #OK
    hand_marker: float = 0.3  # annotated: (1h)/(2h) on signs with a one- and a two-handed form
    classifier: float = 0.6  # annotated: classifiers for vehicles in motion and for sizes
    variant: float = 0.15  # annotated: wiggle -wg or lexical variant _2 on signs that have one

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ParamsError(f"style.{f.name} must be a probability in [0, 1], got {value!r}")

    @classmethod
    def from_mapping(cls, values: dict) -> GlossStyle:
        """A style from a params mapping; an unknown key is an error that names it."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ParamsError(f"unknown style key {unknown[0]!r}; known: {', '.join(sorted(known))}")
        return cls(**values)

    @classmethod
    def plain(cls, **changes: float) -> GlossStyle:
        """No annotation style and no variation: every convention fixed (the tests' reference style)."""
        fixed = cls(annotated=0.0, finish_past=1.0, finish_before=0.0, future_will=1.0, neg_after=0.0,
                    wh_double=0.0, topicalise=0.0, keep_period=1.0, lemmatise_plurals=1.0)
        return dataclasses.replace(fixed, **changes)

    @classmethod
    def annotated_only(cls, **changes: float) -> GlossStyle:
        """Every sentence in annotation-tool style, loans and classifiers always, no hand markers/variants."""
        fixed = {"annotated": 1.0, "loan_sign": 1.0, "classifier": 1.0, "hand_marker": 0.0, "variant": 0.0}
        return cls.plain(**{**fixed, **changes})


@dataclass
class _Word:
    """One English token (or fixed phrase) on its way to a sign."""

    text: str  # as written, case kept
    kind: str = "open"  # its role: open, verb, noun, pron, poss, wh, neg, time, drop, future, ...
    gloss: str = ""  # the sign(s); "" = dropped
    tense: str | None = None  # past/future implied by a time phrase
    lemma: str = ""  # verbs and nouns: the lemma

    @property
    def low(self) -> str:
        return self.text.lower()


@dataclass
class _Sentence:
    """What the rules learn about one sentence while they rewrite it."""

    rng: random.Random
    style: GlossStyle
    annotated: bool
    past: bool = False
    perfect: bool = False
    future: bool = False
    loci: dict[str, str] = dataclasses.field(default_factory=dict)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p


_TOKEN = re.compile(r"[A-Za-z]+(?:['-][A-Za-z]+)*|\d+(?:[.:,]\d+)*[A-Za-z]*|,")  # 1st, 5pm stay one token
_LETS = re.compile(r"\b[Ll]et's\b")  # "let's go" -> WE GO (contractions would give "let us")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
_NUMBERS = {"a": "ONE", "an": "ONE", "one": "ONE", "two": "TWO", "three": "THREE", "four": "FOUR", "five": "FIVE",
            "six": "SIX", "seven": "SEVEN", "eight": "EIGHT", "nine": "NINE", "ten": "TEN", "few": "FEW",
            "couple": "TWO"}
_PHRASE_KINDS = {"HOW-MANY": "wh", "HOW-MUCH": "wh", "CAN'T": "modal"}
_CLAUSE_OPENERS = frozenset({"wh", "conj", "comma", "intj", "time"})
_BOUNDARIES = frozenset({"comma", "conj", "wh", "intj", "future"})
_OBJECT_KINDS = frozenset({"open", "noun", "det", "poss", "name", "num", "fixed"})
_IRREGULAR_PLURALS = frozenset({"children", "men", "women", "feet", "teeth", "mice", "geese"})


# --- lexicon look-ups (cached: the same few thousand words recur) -------------------------------------

@functools.lru_cache(maxsize=65536)
def _lemmas(word: str) -> dict[str, tuple[str, ...]]:
    return getAllLemmas(word)


@functools.lru_cache(maxsize=16384)
def _verb_forms(lemma: str) -> dict[str, tuple[str, ...]]:
    return getAllInflections(lemma, upos="VERB")


def _is_form(word: str, lemma: str, *tags: str) -> bool:
    """True when `word` is an inflected (not base) form of verb `lemma` with one of the Penn `tags`."""
    forms = _verb_forms(lemma)
    return word != lemma and any(word in forms.get(tag, ()) for tag in tags)


def _verb_lemma(word: str) -> str | None:
    lemmas = _lemmas(word).get("VERB")
    return lemmas[0] if lemmas else None


# --- step 1: words, phrases, closed classes ------------------------------------------------------------

def _expand_contractions(sentence: str) -> str:
    """``I'm`` -> ``I am``, ``don't`` -> ``do not``, ``can't`` -> ``cannot``; a possessive ``'s`` is kept."""
    sentence = unicodedata.normalize("NFKD", sentence.translate(_QUOTES)).encode("ascii", "ignore").decode()  # café
    sentence = _LETS.sub(lambda m: "We" if m.group()[0] == "L" else "we", sentence)
    return contractions.fix(sentence, slang=False)  # slang=True turns "shell" into "she will"


def _tokenize(sentence: str) -> list[str]:
    """Words (with inner apostrophes/hyphens), numbers and commas; possessive ``'s`` is cut (JOHN CAR)."""
    tokens = []
    for token in _TOKEN.findall(sentence):
        if token.lower().endswith("n't") and len(token) > 3:
            tokens += [token[:-3], "not"]
        else:
            tokens.append(token[:-2] if token.lower().endswith("'s") else token)
    return [t for t in tokens if t]


def _match_phrase(tokens: list[str], i: int) -> tuple[_Word, int]:
    """The longest time phrase, fixed phrase or place starting at token `i` (else the token alone)."""
    lows = [t.lower() for t in tokens[i:i + 3]]
    for size in range(len(lows), 0, -1):
        key, text = tuple(lows[:size]), " ".join(tokens[i:i + size])
        if key in lex.TIME_PHRASES:
            gloss, tense = lex.TIME_PHRASES[key]
            return _Word(text, "time", gloss, tense), size
        if key in lex.PHRASES:
            gloss = lex.PHRASES[key]
            return _Word(text, _PHRASE_KINDS.get(gloss, "fixed"), gloss), size
        if key in lex.PLACES:
            return _Word(text, "place", "-".join(key).upper()), size
    if len(lows) == 3 and lows[2] == "ago" and lows[1] in lex.AGO_UNITS and (lows[0].isdigit() or lows[0] in _NUMBERS):
        amount = lows[0] if lows[0].isdigit() else _NUMBERS[lows[0]]
        return _Word(" ".join(tokens[i:i + 3]), "time", f"{amount} {lex.AGO_UNITS[lows[1]]} AGO", "past"), 3
    return _Word(tokens[i]), 1


def _closed_kind(low: str, initial: bool) -> str:
    """The closed class of a lowercase word ("open" for verbs, nouns, adjectives, adverbs)."""
    table = ((",", "comma"), (lex.ARTICLES, "drop"), (lex.BE_FORMS, "be"), (lex.DO_FORMS, "do"),
             (lex.HAVE_FORMS, "have"), (lex.FUTURE_MODALS, "will"), (lex.MODALS, "modal"), (lex.NEGATIONS, "neg"),
             (lex.WH_WORDS, "wh"), (lex.PRONOUNS, "pron"), (lex.POSSESSIVES, "poss"), (lex.REFLEXIVES, "self"),
             (("to",), "to"), (("there",), "there"), (lex.DROPPED, "drop"))
    for words, kind in table:
        if low in words:
            return kind
    if low in lex.INTERJECTIONS and (initial or low not in lex.INITIAL_ONLY):
        return "intj"
    for words, kind in ((lex.CONJUNCTIONS, "conj"), (lex.PREPOSITIONS, "prep"), (lex.DETERMINERS, "det")):
        if low in words:
            return kind
    return "num" if low[0].isdigit() or low in lex.NUMBER_WORDS else "open"


def _split_words(sentence: str) -> list[_Word]:
    """The sentence as `_Word`s: contractions expanded, phrases matched, closed classes tagged."""
    tokens, words, i = _tokenize(_expand_contractions(sentence)), [], 0
    while i < len(tokens):
        word, size = _match_phrase(tokens, i)
        if word.kind == "open":
            word.kind = _closed_kind(word.low, not words or words[-1].kind in ("comma", "intj"))
        words.append(word)
        i += size
    return words


# --- step 2: auxiliaries and tense ---------------------------------------------------------------------

_ADVERBS = frozenset({"just", "already", "ever", "also", "really", "still", "so", "very", "too", "even", "actually"})


def _next_index(words: list[_Word], i: int, skip: frozenset[str] = frozenset({"neg"})) -> int | None:
    """Index of the first word after `i` whose kind is not in `skip` (adverbs like just/ever also skipped)."""
    for j in range(i + 1, len(words)):
        if words[j].kind not in skip and words[j].low not in _ADVERBS:
            return j
    return None


def _after_be(words: list[_Word], i: int) -> bool:
    """Does a form of be come right before word `i` (adverbs, not and an inverted subject skipped)?"""
    for j in range(i - 1, max(i - 4, -1), -1):
        if words[j].kind == "be":
            return True
        if words[j].kind not in ("neg", "pron") and words[j].low not in _ADVERBS:
            return False
    return False


def _clause_start(words: list[_Word], i: int) -> bool:
    return i == 0 or words[i - 1].kind in _CLAUSE_OPENERS


def _is_base_verb(word: _Word) -> bool:
    return word.kind == "open" and word.low == _verb_lemma(word.low)


def _resolve_do(words: list[_Word], i: int, state: _Sentence) -> None:
    """Do-support is dropped (its tense kept); main-verb do becomes DO."""
    word, j = words[i], i + 1
    state.past |= word.low == "did"
    nxt = words[j] if j < len(words) else None
    inverted = nxt and nxt.kind == "pron" and (nxt.low in lex.SUBJECTS | {"you"} or _clause_start(words, i))
    if nxt and (nxt.kind == "neg" or inverted or _is_base_verb(nxt)):
        word.kind = "aux"
    else:
        word.kind, word.gloss, word.lemma = "verb", "DO", "do"


def _resolve_have(words: list[_Word], i: int, state: _Sentence) -> None:
    """have to -> MUST; have + participle -> perfect (FINISH later); else the verb HAVE."""
    inverted = i + 1 < len(words) and words[i + 1].kind == "pron" and _clause_start(words, i)
    word, j = words[i], _next_index(words, i + 1 if inverted else i)  # "have you ever seen"
    state.past |= word.low == "had"
    nxt = words[j] if j is not None else None
    lemma = _verb_lemma(nxt.low) if nxt and nxt.kind == "open" else None
    if nxt and nxt.kind == "to":
        word.kind, word.gloss = "modal", "MUST"
    elif nxt and nxt.low == "got":
        word.kind, word.gloss, word.lemma = "verb", "HAVE", "have"
        nxt.kind = "drop"
    elif nxt and (nxt.low in ("been", "had") or (lemma and _is_form(nxt.low, lemma, "VBN"))):
        word.kind, state.perfect = "aux", True
        if nxt.low == "been" and j + 1 < len(words) and words[j + 1].kind == "to":
            nxt.kind, nxt.gloss, nxt.lemma = "verb", "GO", "go"  # "have been to Utah": went there
    else:
        word.kind, word.gloss, word.lemma = "verb", "HAVE", "have"


def _resolve_aux(words: list[_Word], state: _Sentence) -> None:
    """Drop copulas, do-support and auxiliaries, recording past/perfect/future; "there is" -> HAVE."""
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        if word.kind == "be":
            state.past |= word.low in lex.BE_PAST
        elif word.kind == "do":
            _resolve_do(words, i, state)
        elif word.kind == "have":
            _resolve_have(words, i, state)
        elif word.kind == "will":
            word.kind, state.future = "future", True
        elif word.low in ("going", "used") and nxt and nxt.kind == "to" and i + 2 < len(words) \
                and _is_base_verb(words[i + 2]):
            if word.low == "going":
                word.kind, state.future = "future", True
            else:  # "used to play": habitual past, said with a time sign
                word.kind, word.gloss, word.tense = "time", "BEFORE", "past"
        elif word.kind == "there":
            existential = (nxt and nxt.kind == "be") or (i > 0 and words[i - 1].kind == "be")
            word.kind, word.gloss = "fixed", "HAVE" if existential else "THERE"
        elif word.kind == "wh" and nxt and nxt.kind == "pron" and nxt.low in lex.SUBJECTS:
            word.kind = "conj"  # "when I was young", "how much I ate": not a question word
        elif word.low == "her" and nxt and nxt.kind == "open" and _lemmas(nxt.low).keys() & {"NOUN", "ADJ"}:
            word.kind = "poss"


# --- step 3: signs for single words --------------------------------------------------------------------

def _locus(state: _Sentence, group: str | None) -> str:
    """The locus letter of a third-person referent: the first one named in the sentence is i, then j, ..."""
    if group not in state.loci:
        state.loci[group] = lex.LOCI[min(len(state.loci), len(lex.LOCI) - 1)]
    return state.loci[group]


def _pronoun_sign(word: _Word, state: _Sentence) -> str:
    """ME/YOU/IX-3/MY/POSS-3/SELF-1 (plain) or IX-1p/POSS-3p:i/SELF-3p:j (annotated)."""
    table = {"pron": lex.PRONOUNS, "poss": lex.POSSESSIVES, "self": lex.REFLEXIVES}[word.kind]
    plain, annotated, group = table[word.low]
    if not state.annotated:
        return plain
    return f"{annotated}:{_locus(state, group)}" if group else annotated


def _is_name(word: _Word, initial: bool) -> bool:
    """First names in any case; acronyms; capitalised words outside the lexicon that do not start a sentence."""
    text = word.text
    if word.low in lex.NATIONALITIES:
        return False
    if word.low in lex.FIRST_NAMES or (len(text) > 1 and text.isalpha() and text.isupper() and word.low != "ok"):
        return True
    if any(c.isupper() for c in text[1:]) and not text.isupper():
        return True  # iPhone, McDonald
    return not initial and text[0].isupper() and not _lemmas(word.low)


def _verb_context(words: list[_Word], i: int, lemma: str) -> bool:
    """Is open word `i` (which can be a verb) used as one here?"""
    word, pos = words[i], _lemmas(words[i].low).keys()
    prev = words[i - 1] if i else None
    if _after_be(words, i):
        # progressive or passive (was offered); else an adjective (was tired, are you married)
        return _is_form(word.low, lemma, "VBG") or ("ADJ" not in pos and _is_form(word.low, lemma, "VBN"))
    if prev and (prev.kind in ("modal", "future", "neg", "to", "aux") or prev.low in lex.SUBJECTS | {"you", "it"}):
        return True
    if pos <= {"VERB", "AUX"}:
        return True
    if prev and prev.kind in ("name", "noun") and "ADJ" not in pos:  # "John lives", "my friend lives"
        tags = ("VBZ", "VBD") if prev.kind == "name" else ("VBZ",)
        if (prev.kind == "name" or "NOUN" in _lemmas(prev.low)) and _is_form(word.low, lemma, *tags):
            return True
    return pos.isdisjoint({"NOUN", "ADJ"}) and _is_form(word.low, lemma, "VBD", "VBN", "VBG", "VBZ")


def _noun_sign(word: _Word, state: _Sentence) -> str:
    """A noun or other open word: plural lemmatised (seeded), +AGENT and DCL:"..." in annotated style."""
    nouns = _lemmas(word.low).get("NOUN")
    lemma = nouns[0].lower() if nouns else word.low
    word.lemma = lemma
    if state.annotated and lemma in lex.AGENT_NOUNS:
        return f"{lex.AGENT_NOUNS[lemma]}+AGENT"
    if state.annotated and word.low in lex.SIZE_CLASSIFIERS and state.chance(state.style.classifier):
        return f'DCL:"{lex.SIZE_CLASSIFIERS[word.low]}"'
    plural = lemma != word.low and (word.low.endswith("s") or word.low in _IRREGULAR_PLURALS)
    if plural and state.chance(state.style.lemmatise_plurals):
        return lemma.upper()
    return word.text.upper()


def _open_sign(words: list[_Word], i: int, state: _Sentence) -> None:
    """Gloss an open-class word: name (fs-), verb (lemma, tense noted) or noun/adjective/adverb."""
    word = words[i]
    if _is_name(word, i == 0 or words[i - 1].kind in ("comma", "intj")):
        word.kind, word.gloss = "name", "fs-" + word.text.upper()
        return
    lemma = _verb_lemma(word.low)
    if lemma and _verb_context(words, i, lemma):
        word.kind, word.lemma, word.gloss = "verb", lemma, lemma.upper()
        state.past |= _is_form(word.low, lemma, "VBD") and not (i and words[i - 1].kind in ("modal", "future"))
    else:
        word.kind, word.gloss = "noun", _noun_sign(word, state)


def _closed_sign(word: _Word, state: _Sentence) -> str:
    """The sign of a closed-class word, "" when it is dropped."""
    kind, low = word.kind, word.low
    if kind == "conj" and low in lex.WH_WORDS:
        return lex.WH_WORDS[low]
    if kind in ("pron", "poss", "self"):
        return _pronoun_sign(word, state)
    if kind == "place":
        return ("ns-" if state.annotated else "fs-") + word.gloss
    if kind == "intj":
        plain, annotated = lex.INTERJECTIONS[low]
        return annotated if state.annotated else plain
    simple = {"wh": lex.WH_WORDS, "neg": lex.NEGATIONS, "modal": lex.MODALS}
    if kind in simple and low in simple[kind]:
        return simple[kind][low]
    if kind in ("conj", "prep", "det", "num"):
        return "NONE" if low == "no" else (word.gloss or word.text.upper())
    return word.gloss if kind in ("time", "fixed", "verb", "modal", "wh") else ""


def _gloss_words(words: list[_Word], state: _Sentence) -> None:
    """Give every word its sign (or "" to drop it)."""
    for i, word in enumerate(words):
        if word.kind == "open":
            _open_sign(words, i, state)
        else:
            word.gloss = _closed_sign(word, state)


# --- step 4-6: reorder -----------------------------------------------------------------------------------

def _phrase_end(signs: list[_Word], start: int) -> int:
    """Where the phrase that begins at `start` ends (insertion index): at a clause boundary or the end."""
    j = start + 1
    while j < len(signs) and signs[j].kind not in _BOUNDARIES and signs[j].low not in lex.SUBJECTS:
        j += 1
    return j


def _first(signs: list[_Word], kinds: tuple[str, ...], start: int = 0) -> int | None:
    return next((i for i in range(start, len(signs)) if signs[i].kind in kinds), None)


def _place_none(signs: list[_Word]) -> None:
    """ "no money" -> MONEY NONE: the quantifier follows its noun."""
    for i in range(len(signs) - 2, -1, -1):
        if signs[i].gloss == "NONE" and signs[i + 1].kind in ("noun", "name"):
            signs[i], signs[i + 1] = signs[i + 1], signs[i]


def _place_negation(signs: list[_Word], state: _Sentence) -> None:
    """NOT/NEVER stays before the verb or (seeded) moves after the verb phrase; perfect + NOT -> NOT-YET."""
    i = _first(signs, ("neg",))
    if i is None:
        return
    if state.perfect and signs[i].gloss == "NOT":
        signs[i].gloss, state.perfect = "NOT-YET", False
    if i + 1 < len(signs) and signs[i + 1].kind not in _BOUNDARIES and state.chance(state.style.neg_after):
        end = _phrase_end(signs, i + 1)
        signs.insert(end - 1, signs.pop(i))


def _topicalise(signs: list[_Word], state: _Sentence, question: bool) -> None:
    """SUBJECT VERB OBJECT -> OBJECT, SUBJECT VERB (seeded, statements whose object ends the sentence)."""
    v = _first(signs, ("verb",))
    if question or v is None or not state.chance(state.style.topicalise):
        return
    head, obj = signs[:v], signs[v + 1:]
    simple_head = bool(head) and head[0].kind == "pron" and all(s.kind in ("modal", "neg") for s in head[1:])
    if simple_head and 1 <= len(obj) <= 3 and all(s.kind in _OBJECT_KINDS for s in obj):
        obj[-1].gloss += ","
        signs[:] = obj + signs[:v + 1]


def _mark_tense(signs: list[_Word], state: _Sentence, has_time: bool) -> list[str]:
    """FINISH for perfect/past, WILL/FUTURE for future (unless a time word says it); returns time signs to add.

    Past without FINISH (by chance, or when negated, or without a verb) gets BEFORE or PAST in front.
    """
    v = _first(signs, ("verb",))
    for s in signs:
        if s.kind == "future":
            s.gloss = "" if has_time else ("WILL" if state.chance(state.style.future_will) else "FUTURE")
    past = state.perfect or (state.past and not has_time and not state.future)
    if not past:
        return []
    if v is not None and signs[v].lemma == "finish":
        return []  # "I finished it": the verb already says it
    negated = any(s.kind == "neg" for s in signs)  # "did not go": NOT ... FINISH would contradict itself
    if v is not None and (state.perfect or (not negated and state.chance(state.style.finish_past))):
        finish = _Word("finish", "marker", "FINISH")
        signs.insert(v if state.chance(state.style.finish_before) else _phrase_end(signs, v), finish)
        return []
    return [] if state.perfect else [state.rng.choice(("BEFORE", "PAST"))]


def _move_wh(signs: list[_Word], state: _Sentence) -> None:
    """A question's WH-sign near its start moves to the end (seeded: also stays at the start)."""
    start = next((i for i, s in enumerate(signs) if s.kind not in ("intj", "conj", "time", "comma")), None)
    i = _first(signs, ("wh",), start or 0)
    if i is None or start is None or i > start + 1 or i == len(signs) - 1:
        return
    if signs[i].gloss == "HOW" and signs[i + 1].kind == "noun" and "ADJ" in _lemmas(signs[i + 1].low):
        return  # "how big is it" stays HOW BIG IX-3
    wh = signs.pop(i)
    signs.append(wh)
    if state.chance(state.style.wh_double):
        signs.insert(start, _Word(wh.text, "wh", wh.gloss))


# --- step 7: annotation-tool conventions ---------------------------------------------------------------

def _decorate_sign(gloss: str, state: _Sentence) -> str:
    """#LOAN, (1h)/(2h), -wg or _2 on one sign (at most one of them)."""
    style = state.style
    if gloss in lex.LOAN_SIGNS and state.chance(style.loan_sign):
        return "#" + gloss
    if gloss in lex.TWO_HANDED and state.chance(style.hand_marker):
        return "(1h)" + gloss
    if gloss in lex.DOUBLED and state.chance(style.hand_marker):
        return "(2h)" + gloss
    if gloss in lex.WIGGLE and state.chance(style.variant):
        return gloss + "-wg"
    if gloss in lex.VARIANTS and state.chance(style.variant):
        return gloss + "_2"
    return gloss


def _decorate(signs: list[_Word], state: _Sentence) -> None:
    """Annotation-tool style: loans, hand markers, variants, and SCL:3"..." after a vehicle's motion verb."""
    for s in signs:
        s.gloss = _decorate_sign(s.gloss, state)
    n = next((i for i, s in enumerate(signs) if s.kind == "noun" and s.lemma in lex.VEHICLES), None)
    v = next((i for i, s in enumerate(signs) if s.kind == "verb" and s.lemma in lex.VEHICLE_MOTION), None)
    if n is not None and v is not None and state.chance(state.style.classifier):
        motion = lex.VEHICLE_MOTION[signs[v].lemma]
        signs.insert(max(n, v) + 1, _Word("cl", "marker", f'SCL:3"{motion}"'))  # after vehicle and verb


# --- putting it together ----------------------------------------------------------------------------------

def _end_mark(sentence: str, state: _Sentence, last: bool) -> str:
    """? always; . or ! kept inside a text, and at its end with probability keep_period."""
    end = sentence.rstrip()[-1:] if sentence.rstrip()[-1:] in ".!?" else ""
    if end in ".!" and last and not state.chance(state.style.keep_period):
        return ""
    return end


def _gloss_one(sentence: str, rng: random.Random, style: GlossStyle, last: bool) -> str:
    """Run the rules on one sentence (steps 1-7 of the module docstring, in that order)."""
    state = _Sentence(rng, style, annotated=rng.random() < style.annotated)
    words = _split_words(sentence)
    _resolve_aux(words, state)
    _gloss_words(words, state)
    signs = [w for w in words if w.gloss or w.kind in ("comma", "future")]
    times = [s for s in signs if s.kind == "time"]
    signs = [s for s in signs if s.kind != "time"]
    question = sentence.rstrip().endswith("?")
    _place_none(signs)
    _place_negation(signs, state)
    _topicalise(signs, state, question)
    # YESTERDAY or TOMORROW carry the tense; TODAY or NOW do not ("TODAY ME EAT FINISH")
    time_signs = [t.gloss for t in times] + _mark_tense(signs, state, any(t.tense for t in times))
    if question:
        _move_wh(signs, state)
    if state.annotated:
        _decorate(signs, state)
    body = " ".join(time_signs + [s.gloss for s in signs if s.gloss])
    if not body:  # every word was dropped ("The."): keep them rather than emit an empty gloss
        body = " ".join(w.upper() for w in _tokenize(sentence) if w != ",")
    if not body:
        raise ValueError(f"no words to gloss in {sentence!r}")
    return body + _end_mark(sentence, state, last)


def gloss_sentence(sentence: str, rng: random.Random, style: GlossStyle) -> str:
    """One English sentence -> one gloss sentence (its . or ! kept with probability keep_period)."""
    return _gloss_one(sentence, rng, style, last=True)


def gloss_text(text: str, rng: random.Random, style: GlossStyle = GlossStyle()) -> str:
    """English text -> gloss with as many sentences: only the last may lose its final . or !."""
    sentences = split_sentences(text.strip())
    if not sentences:
        raise ValueError(f"no sentence to gloss in {text!r}")
    return " ".join(_gloss_one(s, rng, style, last=i == len(sentences) - 1) for i, s in enumerate(sentences))


# --- the rules, documented by running them ----------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """One rule of the synthesizer with an English example and the style under which the example shows it."""

    name: str
    description: str
    english: str
    style: GlossStyle
    shows: str  # a piece of the example's gloss that is the rule at work (checked by the tests)


_PLAIN, _ANNOTATED = GlossStyle.plain(), GlossStyle.annotated_only()
RULES: list[Rule] = [
    Rule("contractions", "Contractions are expanded first: I'm -> I am, don't -> do not, can't -> CAN'T.",
         "I'm sure you can't swim.", _PLAIN, "ME SURE YOU CAN'T SWIM"),
    Rule("articles", "Articles (a, an, the) are dropped.", "The dog found a ball.", _PLAIN, "DOG FIND BALL"),
    Rule("copula", "Forms of be are dropped: the adjective or noun follows the subject.", "She is tired.",
         _PLAIN, "IX-3 TIRED"),
    Rule("do-support", "Auxiliary do is dropped; a yes/no question keeps its sign order.", "Do you like pizza?",
         _PLAIN, "YOU LIKE PIZZA?"),
    Rule("lemmas", "Verbs are lemmatised (lemminflect): watches -> WATCH, went -> GO.",
         "He watches movies and plays games.", _PLAIN, "IX-3 WATCH MOVIE PLAY GAME"),
    Rule("plurals", "Plural nouns are lemmatised (seeded rate lemmatise_plurals).", "I have two dogs.", _PLAIN,
         "TWO DOG"),
    Rule("past-finish", "Past without a time word: FINISH after the verb phrase (or before the verb).",
         "We ate pizza.", _PLAIN, "WE EAT PIZZA FINISH"),
    Rule("past-time-word", "Past without a time word, other convention: BEFORE or PAST in front.",
         "She called me.", GlossStyle.plain(finish_past=0.0), "IX-3 CALL ME"),
    Rule("perfect", "Perfect have + participle: have dropped, FINISH marks completion.", "I have seen that movie.",
         _PLAIN, "ME SEE THAT MOVIE FINISH"),
    Rule("not-yet", "Negated perfect becomes NOT-YET.", "I haven't eaten.", _PLAIN, "ME NOT-YET EAT"),
    Rule("future", "Future will / going to: WILL (or FUTURE, seeded) where the auxiliary was.",
         "We are going to travel.", GlossStyle.plain(future_will=0.0), "WE FUTURE TRAVEL"),
    Rule("time-first", "Time expressions move to the front and carry the tense.",
         "I went to the store yesterday.", _PLAIN, "YESTERDAY ME GO STORE"),
    Rule("wh-end", "A question's WH-sign moves to the end.", "What is your name?", _PLAIN, "YOUR NAME WHAT?"),
    Rule("wh-double", "The WH-sign can also stay at the start (seeded rate wh_double).", "Where do you live?",
         GlossStyle.plain(wh_double=1.0), "WHERE YOU LIVE WHERE?"),
    Rule("negation", "not / n't -> NOT before the verb.", "I don't like coffee.", _PLAIN, "ME NOT LIKE COFFEE"),
    Rule("negation-after", "NOT after the verb phrase (seeded rate neg_after).", "I don't like coffee.",
         GlossStyle.plain(neg_after=1.0), "ME LIKE COFFEE NOT"),
    Rule("none", "no + noun -> noun NONE.", "I have no money.", _PLAIN, "MONEY NONE"),
    Rule("existential", "there is / there are -> HAVE.", "There is a dog outside.", _PLAIN, "HAVE DOG OUTSIDE"),
    Rule("have-to", "have to -> MUST.", "I have to work tonight.", _PLAIN, "TONIGHT ME MUST WORK"),
    Rule("pronouns", "I/me -> ME, you -> YOU, he/she/it/they -> IX-3, his/her/their -> POSS-3, myself -> SELF-1.",
         "He told me about their trip himself.", _PLAIN, "IX-3 TELL ME ABOUT POSS-3 TRIP SELF-3"),
    Rule("topic", "Topicalisation: the object is fronted as a topic (seeded rate topicalise).", "I like coffee.",
         GlossStyle.plain(topicalise=1.0), "COFFEE, ME LIKE"),
    Rule("names", "Names and places are fingerspelled: fs-NAME.", "My friend John lives in Boston.", _PLAIN,
         "fs-JOHN LIVE IN fs-BOSTON"),
    Rule("interjections", "Interjections stay as signs; most punctuation is dropped.", "Wow, that is great!",
         _PLAIN, "WOW THAT GREAT!"),
    Rule("period", "The final period is kept or dropped (seeded rate keep_period); ? always stays.",
         "I am hungry.", GlossStyle.plain(keep_period=0.0), "ME HUNGRY"),
    Rule("sentences", "One gloss sentence per English sentence.", "I am tired. I am going home.", _PLAIN,
         "ME TIRED. ME GO HOME."),
    Rule("loci", "Annotated style: IX-1p, IX-2p, POSS-1p; third persons get loci in order: IX-3p:i, IX-3p:j.",
         "He gave her my book.", _ANNOTATED, "IX-3p:i GIVE IX-3p:j POSS-1p BOOK"),
    Rule("reflexive", "Annotated style: reflexives as SELF with person and locus.", "She did it herself.",
         _ANNOTATED, "SELF-3p:i"),
    Rule("name-signs", "Annotated style: people fingerspelled fs-, places as name signs ns-.",
         "Sarah moved to Chicago.", _ANNOTATED, "fs-SARAH MOVE ns-CHICAGO"),
    Rule("loan-signs", "Annotated style: lexicalised fingerspellings with #.", "The bank is open.", _ANNOTATED,
         "#BANK OPEN"),
    Rule("agent", "Annotated style: agent nouns as verb + AGENT.", "My brother is a teacher.", _ANNOTATED,
         "TEACH+AGENT"),
    Rule("classifiers", 'Annotated style: DCL:"..." for sizes, SCL:3"..." after a vehicle\'s motion verb.',
         "I drove my big truck to work.", _ANNOTATED, 'DRIVE POSS-1p DCL:"big" TRUCK SCL:3"vehicle moving"'),
    Rule("gestures", 'Annotated style: interjections as gestures with a handshape: 5"wow", G"well".',
         "Well, I do not know.", _ANNOTATED, 'G"well" IX-1p NOT KNOW'),
    Rule("hand-markers", "Annotated style: (1h) for a one-handed form of a two-handed sign, (2h) for doubling.",
         "I want to go home.", GlossStyle.annotated_only(hand_marker=1.0), "(1h)WANT (2h)GO"),
    Rule("variants", "Annotated style: lexical variants _2 and wiggled signs -wg.", "Wait, I like that color.",
         GlossStyle.annotated_only(variant=1.0), "WAIT-wg IX-1p LIKE_2 THAT COLOR-wg"),
]


def rule_examples() -> list[dict[str, str]]:
    """Each rule's example run through the synthesizer (seed 0): rule, description, english, gloss."""
    return [{"rule": r.name, "description": r.description, "english": r.english,
             "gloss": gloss_text(r.english, random.Random(0), r.style)} for r in RULES]


# --- pairs ----------------------------------------------------------------------------------------------

def _is_transformed(gloss: str, text: str) -> bool:
    """False when the gloss is just the English in capitals (nothing for a model to learn)."""
    return re.findall(r"[A-Z0-9']+", gloss.upper()) != re.findall(r"[A-Z0-9']+", text.upper())


def _pair(text: str, seed: int, style: GlossStyle) -> dict[str, str]:
    """One checked pair; its rng depends on the seed and the text only, so a pair never depends on order."""
    row = {"gloss": gloss_text(text, random.Random(f"{seed}:{text}"), style), "text": text}
    checked = check_row(row, "gloss", "text")
    if isinstance(checked, str):
        raise ValueError(f"synthesized pair for {text!r} is unusable: {checked}")
    return checked


def synthesize_pairs(texts: list[str], seed: int, style: GlossStyle = GlossStyle()) -> list[dict[str, str]]:
    """One ``{"gloss", "text"}`` pair per English text, in order; a text without words is an error."""
    pairs = []
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not re.search(r"[A-Za-z0-9]", text):
            raise ValueError(f"texts[{i}] has no words to gloss: {text!r}")
        pairs.append(_pair(text, seed, style))
    return pairs


def synthesize_chitchat(n: int | None, seed: int, style: GlossStyle = GlossStyle()) -> list[dict[str, str]]:
    """Up to `n` pairs (None = all) from a seeded shuffle of `chitchat_utterances()`.

    Utterances whose gloss would only be the English in capitals are skipped. The same seed gives the
    same pairs, and a smaller `n` gives a prefix of a larger one.
    """
    if n is not None and n < 0:
        raise ValueError(f"n must be >= 0 or None, got {n}")
    texts = chitchat_utterances()
    random.Random(seed).shuffle(texts)
    pairs = []
    for text in texts:
        if n is not None and len(pairs) >= n:
            break
        pair = _pair(text, seed, style)
        if _is_transformed(pair["gloss"], text):
            pairs.append(pair)
    return pairs
