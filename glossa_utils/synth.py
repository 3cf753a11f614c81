"""Synthetic conversational glosses: English -> ASL-style gloss by linguistic rules (issues 3 and 14).

ASLG-PC12 was made by rewriting English with rules; this module does the same for *conversation*
(chitchat-dataset utterances by default) with seeded variation between conventions, so a model trained
on it meets more than one gloss style. A gloss is written in ONE style, plain or annotated, drawn once
per gloss; third-person loci are kept across its sentences. The rules, in order:

1. sentences regrouped (a long one split at and/but + subject, two short ones joined; seeded);
2. contractions expanded, words, fixed phrases, time phrases (with their preposition), titles, places found;
3. articles, copulas, do-support, auxiliaries dropped, tense/perfect/progressive remembered, got to -> MUST;
4. verbs lemmatised (``lemminflect``), plurals lemmatised, -ly adverbs -> adjectives, pronouns -> ME/IX-3p:i,
   English-only function words (for, that, in/on, particles) dropped or joined (WAKE-UP);
5. negation NOT/NEVER before the verb or after its phrase, "no X" -> X NONE, negated perfect -> NOT-YET;
6. topicalisation, FINISH only for completed events (BEFORE/PAST otherwise), WILL/FUTURE, WH-sign last,
   time signs first;
7. annotated style: agreeing verbs (1p-GIVE-2p), #loans, (1h)/(2h), classifiers of every family with a
   handshape and a description, VERB+++ / NOUN++ repetition, compounds (^), part:indef, gestures, and
   non-manual spans [neg], [whq], [y/n], [t], [cond], [rhq WHY].

Every choice draws from the `random.Random` it is given, so a seed fixes the output. The tests
(tests/test_synth.py) state each rule with its source; `RULES` runs one example per rule.
"""

from __future__ import annotations

import dataclasses
import functools
import random
import re
import unicodedata
from dataclasses import dataclass

import contractions
from lemminflect import getAllInflections, getAllLemmas, getLemma

from . import synth_lexicon as lex
from .chitchat import chitchat_utterances
from .config import ParamsError
from .data import check_row
from .generate import count_sentences, split_sentences
from .notation import count_gloss_sentences


@dataclass(frozen=True)
class GlossStyle:
    """Probabilities (each in [0, 1]) of the conventions the synthesizer varies between.

    The style of a gloss (plain or annotated) is drawn once per gloss, never per sentence, so a gloss
    never mixes the two; every other choice is drawn where the rule applies.
    """

    annotated: float = 0.3  # share of glosses in annotators' notation (IX-1p, POSS-3p:i, 1p-GIVE-2p, [neg ...])
    finish_past: float = 0.6  # completed past event without a time word: FINISH (else BEFORE or PAST in front)
    finish_before: float = 0.3  # FINISH before the verb (else after the verb phrase)
    future_will: float = 0.6  # future without a time word: WILL (else FUTURE)
    neg_after: float = 0.4  # NOT/NEVER after the verb phrase (else before the verb, as in English)
    wh_double: float = 0.15  # a question's WH-sign at both ends (else at the end only)
    topicalise: float = 0.1  # object fronted as a topic: "COFFEE, ME LIKE" / "[t COFFEE] IX-1p LIKE"
    keep_period: float = 0.7  # keep the final . or ! of a gloss (sentence-internal ones are always kept)
    lemmatise_plurals: float = 0.97  # plural noun -> its singular (PHONES -> PHONE)
    join_short: float = 0.1  # two short English statements glossed as one sentence
    split_long: float = 0.3  # a sentence whose second clause starts with and/but + a subject: two sentences
    loan_sign: float = 0.8  # annotated: lexicalised fingerspellings as #JOB, #OK
    hand_marker: float = 0.3  # annotated: (1h)/(2h) on signs with a one- and a two-handed form
    classifier: float = 0.6  # annotated: a classifier where the lexicon has one for the verb/noun or size
    agreement: float = 0.8  # annotated: agreeing verbs inflect for subject and object (1p-GIVE-2p)
    compound: float = 0.8  # annotated: compounds THINK^SAME, MOTHER^FATHER
    repetition: float = 0.5  # annotated: ongoing action VERB+++, plural without a number NOUN++
    nmm: float = 0.6  # annotated: non-manual spans [neg ...], [whq ...], [y/n ...], [t ...], [cond ...]
    nmm_only: float = 0.3  # annotated: the span alone carries it: NOT or a final ? left out
    rhetorical: float = 0.6  # annotated: "because" as a rhetorical question [rhq WHY]
    name_locus: float = 0.5  # annotated: a named person is pointed at a locus after the name (fs-JOHN IX-3p:i)

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
                    wh_double=0.0, topicalise=0.0, keep_period=1.0, lemmatise_plurals=1.0, join_short=0.0,
                    split_long=0.0)
        return dataclasses.replace(fixed, **changes)

    @classmethod
    def annotated_only(cls, **changes: float) -> GlossStyle:
        """Annotated glosses only: loans, classifiers, agreement, compounds always; the optional marks off."""
        fixed = {"annotated": 1.0, "loan_sign": 1.0, "classifier": 1.0, "hand_marker": 0.0, "agreement": 1.0,
                 "compound": 1.0, "repetition": 0.0, "nmm": 0.0, "nmm_only": 0.0, "rhetorical": 0.0,
                 "name_locus": 0.0}
        return cls.plain(**{**fixed, **changes})


@dataclass
class _Word:
    """One English token (or fixed phrase) on its way to a sign."""

    text: str  # as written, case kept
    kind: str = "open"  # its role: open, verb, noun, pron, poss, wh, neg, time, drop, future, ...
    gloss: str = ""  # the sign(s); "" = dropped
    tense: str | None = None  # past/future implied by a time phrase
    lemma: str = ""  # verbs and nouns: the lemma
    participle: bool = False  # a past participle after perfect have (a verb even where it looks like an adjective)
    person: str = ""  # pronouns, annotated: the person code an agreeing verb takes (1p, 2p, 3p:i)
    topic: bool = False  # fronted as a topic (a comma, or a [t ...] span in annotated style)

    @property
    def low(self) -> str:
        return self.text.lower()


@dataclass
class _Sentence:
    """What the rules learn about one sentence while they rewrite it (`loci` is shared by a gloss's sentences)."""

    rng: random.Random
    style: GlossStyle
    annotated: bool
    past: bool = False
    perfect: bool = False
    progressive: bool = False  # be + -ing (also have been + -ing): an ongoing action
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
_PHRASE_KINDS = {"HOW-MANY": "wh", "HOW-MUCH": "wh", "CAN'T": "modal", "WANT": "verb"}
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
    if "VBN" in tags and "VBN" not in forms:
        tags += ("VBD",)  # lemminflect lists a regular participle (tried) only as the past tense
    return word != lemma and any(word in forms.get(tag, ()) for tag in tags)


@functools.lru_cache(maxsize=16384)
def _verb_lemma(word: str) -> str | None:
    """The verb lemma; for a word outside the lexicon in -ed/-ing (texted), lemminflect's out-of-vocabulary rules."""
    lemmas = _lemmas(word).get("VERB")
    if lemmas:
        return lemmas[0]
    if not _lemmas(word) and len(word) > 4 and word.endswith(("ed", "ing")):
        guess = getLemma(word, upos="VERB", lemmatize_oov=True)
        return guess[0] if guess and guess[0] != word else None
    return None


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
            return _Word(text, _PHRASE_KINDS.get(gloss, "fixed"), gloss, lemma=gloss.lower()), size
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
             (lex.INDEFINITES, "indef"),
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


def _attach_time_preposition(words: list[_Word], time: _Word) -> None:
    """A preposition before a time phrase goes wherever the phrase goes (SINCE MONDAY), or is dropped ("on")."""
    if words and words[-1].low in lex.TIME_PREPOSITIONS and words[-1].kind not in ("time", "name"):
        sign = lex.TIME_PREPOSITIONS[words.pop().low]
        time.gloss = f"{sign} {time.gloss}" if sign else time.gloss


def _title_name(tokens: list[str], i: int) -> tuple[_Word, int] | None:
    """ "Mr. Smith" -> fs-MR fs-SMITH: after a title the surname is fingerspelled even if it is a word (smith)."""
    title = lex.TITLES.get(tokens[i].lower())
    if title and i + 1 < len(tokens) and tokens[i + 1][:1].isupper() and tokens[i + 1].isalpha():
        return _Word(f"{tokens[i]} {tokens[i + 1]}", "name", f"{title} fs-{tokens[i + 1].upper()}"), 2
    return None


def _split_words(sentence: str) -> list[_Word]:
    """The sentence as `_Word`s: contractions expanded, phrases matched, closed classes tagged."""
    tokens, words, i = _tokenize(_expand_contractions(sentence)), [], 0
    while i < len(tokens):
        word, size = _title_name(tokens, i) or _match_phrase(tokens, i)
        if word.kind == "open":
            word.kind = _closed_kind(word.low, not words or words[-1].kind in ("comma", "intj"))
        if word.kind == "time":
            _attach_time_preposition(words, word)
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
        if j + 1 < len(words) and words[j + 1].kind == "to":
            word.kind = "aux"  # "have got to go": MUST, from got (below)
        else:
            word.kind, word.gloss, word.lemma = "verb", "HAVE", "have"
            nxt.kind = "drop"
    elif nxt and (nxt.low in ("been", "had") or (lemma and _is_form(nxt.low, lemma, "VBN"))):
        word.kind, state.perfect, nxt.participle = "aux", True, True
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
        elif word.low == "got" and nxt and nxt.kind == "to" and i + 2 < len(words) and _is_base_verb(words[i + 2]):
            word.kind, word.gloss = "modal", "MUST"  # "gotta" / "got to go": obligation, not the past of get
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

def _locus(state: _Sentence, group: str) -> str:
    """The locus letter of a third-person referent, kept for the whole gloss: first referent i, then j, ...

    A he/she not yet placed takes the locus of the last named person no pronoun has claimed (fs-JOHN
    IX-3p:i ... IX-3p:i), so a name and the pronoun that picks it up point at the same place.
    """
    if group not in state.loci:
        taken = {state.loci[g] for g in ("he", "she") if g in state.loci}
        named = [locus for g, locus in state.loci.items() if g.startswith("name:") and locus not in taken]
        if group in ("he", "she") and named:
            state.loci[group] = named[-1]
        else:
            used = len(set(state.loci.values()))
            state.loci[group] = lex.LOCI[min(used, len(lex.LOCI) - 1)]
    return state.loci[group]


def _pronoun_sign(word: _Word, state: _Sentence) -> str:
    """ME/YOU/IX-3/THEY/MY/POSS-3/SELF-1 (plain) or IX-1p/IX-3p-pl:i/POSS-3p:i/SELF-3p:j (annotated)."""
    table = {"pron": lex.PRONOUNS, "poss": lex.POSSESSIVES, "self": lex.REFLEXIVES}[word.kind]
    plain, annotated, group = table[word.low]
    if not state.annotated:
        return plain
    sign = f"{annotated}:{_locus(state, group)}" if group else annotated
    if word.kind == "pron" and "-pl" not in sign:
        word.person = sign.removeprefix("IX-")  # 1p, 2p, 3p:i: what an agreeing verb shows
    return sign


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


_DEMONSTRATIVES = frozenset({"this", "that", "these", "those"})
_MODIFIERS = frozenset({"very", "so", "really", "too", "more", "most", "pretty", "quite"})


def _verb_context(words: list[_Word], i: int, lemma: str) -> bool:
    """Is open word `i` (which can be a verb) used as one here?"""
    word, pos = words[i], _lemmas(words[i].low).keys()
    prev = words[i - 1] if i else None
    if word.participle or not pos:
        return True  # "have you ever tried": a participle after perfect have; "texted": only a verb guess
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
    if pos <= {"VERB", "ADJ"} and _is_form(word.low, lemma, "VBD") and not (
            prev and (prev.kind in ("det", "poss") or prev.low in _MODIFIERS | lex.ARTICLES)):
        return True  # "wanted", "tried": a past verb, unless an article or "very" makes it an adjective
    return pos.isdisjoint({"NOUN", "ADJ"}) and _is_form(word.low, lemma, "VBD", "VBN", "VBG", "VBZ")


def _adverb_sign(low: str) -> str | None:
    """An -ly adverb's sign: its own (REALLY -> TRUE) or its adjective's (QUICKLY -> QUICK, HAPPILY -> HAPPY)."""
    if low in lex.ADVERB_SIGNS:
        return lex.ADVERB_SIGNS[low]
    pos = _lemmas(low).keys()
    if not low.endswith("ly") or "ADV" not in pos or pos & {"NOUN", "VERB"}:
        return None
    for stem in (low[:-2], low[:-3] + "y", low[:-1] + "e", low[:-2] + "e", low[:-4] + "le"):
        if "ADJ" in _lemmas(stem):
            return stem.upper()
    return None


def _noun_sign(word: _Word, state: _Sentence, counted: bool) -> str:
    """A noun, adjective or adverb: plural lemmatised (seeded; NOUN++ in annotated style when nothing counts it),
    -ly adverbs as adjectives, and in annotated style compounds, TEACH^AGENT and DCL:5"..." for sizes."""
    nouns = _lemmas(word.low).get("NOUN")
    lemma = nouns[0].lower() if nouns else word.low
    word.lemma = lemma
    adverb = None if nouns else _adverb_sign(word.low)
    if adverb:
        return adverb
    if state.annotated and lemma in lex.AGENT_NOUNS:
        return f"{lex.AGENT_NOUNS[lemma]}^AGENT"
    if state.annotated and lemma in lex.COMPOUNDS and state.chance(state.style.compound):
        return lex.COMPOUNDS[lemma]
    if state.annotated and word.low in lex.SIZE_CLASSIFIERS and state.chance(state.style.classifier):
        return 'DCL:{}"{}"'.format(*lex.SIZE_CLASSIFIERS[word.low])
    plural = lemma != word.low and (word.low.endswith("s") or word.low in _IRREGULAR_PLURALS)
    if plural and state.chance(state.style.lemmatise_plurals):
        repeat = state.annotated and not counted and state.chance(state.style.repetition)
        return lemma.upper() + ("++" if repeat else "")
    return word.text.upper()


def _name_sign(word: _Word, state: _Sentence) -> str:
    """fs-NAME; in annotated style the person may be given a locus right away (fs-JOHN IX-3p:i)."""
    sign = "fs-" + word.text.upper()
    if state.annotated and state.chance(state.style.name_locus):
        sign += f" IX-3p:{_locus(state, 'name:' + word.text.upper())}"
    return sign


def _open_sign(words: list[_Word], i: int, state: _Sentence) -> None:
    """Gloss an open-class word: name (fs-), verb (lemma, tense and aspect noted) or noun/adjective/adverb."""
    word, prev = words[i], words[i - 1] if i else None
    if _is_name(word, i == 0 or words[i - 1].kind in ("comma", "intj")):
        word.kind, word.gloss = "name", _name_sign(word, state)
        return
    lemma = _verb_lemma(word.low)
    if lemma and _verb_context(words, i, lemma):
        word.kind, word.lemma, word.gloss = "verb", lemma, lemma.upper()
        if state.annotated and lemma in lex.COMPOUNDS and state.chance(state.style.compound):
            word.gloss = lex.COMPOUNDS[lemma]
        state.past |= _is_form(word.low, lemma, "VBD") and not (prev and prev.kind in ("modal", "future"))
        state.progressive |= _after_be(words, i) and word.low.endswith("ing")
    else:
        counted = bool(prev) and (prev.kind in ("num", "det") or prev.gloss in ("MANY", "FEW", "A-LOT"))
        word.kind, word.gloss = "noun", _noun_sign(word, state, counted)


def _place_sign(word: _Word, state: _Sentence) -> str:
    """fs-PLACE (plain) or ns-PLACE (annotated), which may be given a locus (ns-BOSTON IX-loc:i)."""
    if not state.annotated:
        return "fs-" + word.gloss
    sign = "ns-" + word.gloss
    if state.chance(state.style.name_locus):
        sign += f" IX-loc:{_locus(state, 'place:' + word.gloss)}"
    return sign


def _there_sign(state: _Sentence) -> str:
    """Locative "there": THERE (plain) or IX-loc at the last place's locus (annotated)."""
    if not state.annotated:
        return "THERE"
    places = [g for g in state.loci if g.startswith("place:")]
    return f"IX-loc:{_locus(state, places[-1] if places else 'place:there')}"


def _closed_sign(word: _Word, state: _Sentence) -> str:
    """The sign of a closed-class word, "" when it is dropped."""
    kind, low = word.kind, word.low
    if kind == "conj" and low in lex.WH_WORDS:
        return lex.WH_WORDS[low]
    if kind in ("pron", "poss", "self"):
        return _pronoun_sign(word, state)
    if kind == "indef":
        return "part:indef" if state.annotated else lex.INDEFINITES[low]
    if kind == "place":
        return _place_sign(word, state)
    if kind == "intj":
        plain, annotated = lex.INTERJECTIONS[low]
        return annotated if state.annotated else plain
    if low == "because" and state.annotated and state.chance(state.style.rhetorical):
        return "[rhq WHY]"  # "stay home because sick" -> STAY HOME [rhq WHY] SICK
    simple = {"wh": lex.WH_WORDS, "neg": lex.NEGATIONS, "modal": lex.MODALS}
    if kind in simple and low in simple[kind]:
        return simple[kind][low]
    if kind == "det" and low in _DEMONSTRATIVES and state.annotated:
        plural = "-pl" if low in ("these", "those") else ""
        return f"IX-3p{plural}:{_locus(state, 'that:' + low)}"  # demonstratives are pointing signs
    if kind in ("conj", "prep", "det", "num"):
        return "NONE" if low == "no" else (word.gloss or word.text.upper())
    if kind == "fixed" and word.gloss == "THERE":
        return _there_sign(state)
    return word.gloss if kind in ("time", "fixed", "verb", "modal", "wh", "name") else ""


def _unsigned(words: list[_Word], i: int) -> bool:
    """English-only function words ASL leaves out (Valli & Lucas): "for" after look/wait/pay or before an
    amount; "that" introducing a clause ("I think that he", "the car that we"); "in"/"on" except for
    containment or a surface (LIVE fs-BOSTON, but IN BOX, ON TABLE); a final "though"."""
    word, prev = words[i], words[i - 1] if i else None
    nxt = words[i + 1] if i + 1 < len(words) else None
    after = next((w for w in words[i + 1:] if w.kind not in ("drop", "poss", "det")), None)
    if word.low == "for" and word.kind == "prep":
        return bool(prev and prev.kind == "verb" and prev.lemma in lex.FOR_VERBS) or bool(
            nxt and (nxt.kind == "num" or nxt.low in lex.AGO_UNITS or nxt.low in ("while", "ages", "long")))
    if word.low == "that" and word.kind == "det":
        return bool(prev and prev.kind in ("verb", "noun") and nxt and nxt.kind in ("pron", "drop", "name"))
    if word.low in ("in", "on") and word.kind == "prep":
        place = lex.CONTAINERS if word.low == "in" else lex.SURFACES
        return not (after and after.low.rstrip("s") in place)
    if word.low == "so" and after and after.kind == "open" and "ADJ" in _lemmas(after.low):
        return True  # intensifier "so good": the sign's own intensity, not a word
    return word.low in ("though", "although") and not after


def _join_particles(words: list[_Word]) -> None:
    """Verb + particle that are one sign: WAKE-UP, FIND-OUT, GIVE-UP (the particle is not signed apart)."""
    for i, word in enumerate(words[:-1]):
        sign = lex.PHRASAL.get((word.lemma, words[i + 1].low)) if word.kind == "verb" else None
        if sign:
            word.gloss, words[i + 1].gloss, words[i + 1].kind = sign, "", "drop"


def _gloss_words(words: list[_Word], state: _Sentence) -> None:
    """Give every word its sign (or "" to drop it)."""
    for i, word in enumerate(words):
        if word.kind == "open":
            _open_sign(words, i, state)
        else:
            word.gloss = "" if _unsigned(words, i) else _closed_sign(word, state)
    _join_particles(words)


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
        for s in obj:
            s.topic = True
        signs[:] = obj + signs[:v + 1]


def _mark_tense(signs: list[_Word], state: _Sentence, has_time: bool) -> list[str]:
    """FINISH for a completed past event, WILL/FUTURE for future (unless a time word says it); returns time signs.

    FINISH is completive aspect, not tense (Valli & Lucas, Linguistics of ASL; Fischer & Gough 1999): an
    ongoing action (was reading, have been working), a state (wanted, knew) or a copula (was late) gets
    none, context carries its past. A completed past without FINISH (by chance, or negated) gets BEFORE or
    PAST in front.
    """
    v = _first(signs, ("verb",))
    for s in signs:
        if s.kind == "future":
            s.gloss = "" if has_time else ("WILL" if state.chance(state.style.future_will) else "FUTURE")
    past = state.perfect or (state.past and not has_time and not state.future)
    if not past or v is None or state.progressive:
        return []
    if signs[v].lemma == "finish" or signs[v].lemma in lex.STATIVE_VERBS:
        return []  # "I finished it": the verb already says it; "I wanted to": a state
    negated = any(s.kind == "neg" for s in signs)  # "did not go": NOT ... FINISH would contradict itself
    if state.perfect or (not negated and state.chance(state.style.finish_past)):
        finish = _Word("finish", "marker", "FINISH")
        signs.insert(v if state.chance(state.style.finish_before) else _phrase_end(signs, v), finish)
        return []
    return [] if state.perfect else [state.rng.choice(("BEFORE", "PAST"))]


def _mark_aspect(signs: list[_Word], state: _Sentence) -> None:
    """Annotated style: an ongoing action is continuative aspect, its verb repeated: WORK+++ (Klima & Bellugi 1979)."""
    v = _first(signs, ("verb",))
    if state.annotated and state.progressive and v is not None and state.chance(state.style.repetition):
        signs[v].gloss += "+++"


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


# --- step 7: annotators' conventions ---------------------------------------------------------------------

def _agree(signs: list[_Word], state: _Sentence) -> None:
    """Agreeing verbs move from subject to object: IX-1p 1p-GIVE-2p, MOTHER GIVE-1p (object pronoun absorbed).

    Padden (1988); Neidle et al., The Syntax of ASL (2000), ch. 3. Only singular pronoun arguments next to
    the verb (modals, negation and FINISH may stand between subject and verb).
    """
    for v, verb in enumerate(signs):
        if verb.kind != "verb" or verb.lemma not in lex.AGREEING_VERBS or v + 1 >= len(signs):
            continue
        obj = signs[v + 1]
        if not obj.person or not state.chance(state.style.agreement):
            continue
        k = v - 1
        while k >= 0 and signs[k].kind in ("modal", "neg", "future", "marker", "aux"):
            k -= 1
        subject = signs[k].person if k >= 0 and signs[k].kind == "pron" else ""
        if subject == obj.person:
            continue
        verb.gloss = f"{subject + '-' if subject else ''}{verb.gloss}-{obj.person}"
        obj.gloss = ""


def _decorate_sign(gloss: str, state: _Sentence) -> str:
    """#LOAN, (1h) or (2h) on one sign (at most one of them)."""
    style = state.style
    if gloss in lex.LOAN_SIGNS and state.chance(style.loan_sign):
        return "#" + gloss
    if gloss in lex.TWO_HANDED and state.chance(style.hand_marker):
        return "(1h)" + gloss
    if gloss in lex.DOUBLED and state.chance(style.hand_marker):
        return "(2h)" + gloss
    return gloss


def _classifier(signs: list[_Word]) -> tuple[int, str] | None:
    """The first classifier the lexicon has for a verb of the sentence (and its noun), and where it goes:
    right after that noun when the lexicon names one (TRUCK SCL:3"..."), else right after the verb."""
    nouns = {s.lemma: i for i, s in enumerate(signs) if s.kind == "noun"}
    for v, sign in enumerate(signs):
        if sign.kind != "verb":
            continue
        for verbs, objects, family, handshape, description in lex.CLASSIFIERS:
            matched = [nouns[n] for n in objects if n in nouns]
            if sign.lemma in verbs and (matched or not objects):
                where = max(matched) + 1 if matched else v + 1
                return where, f'{family}{":" + handshape if handshape else ""}"{description}"'
    return None


def _decorate(signs: list[_Word], state: _Sentence) -> None:
    """Annotated style: loans and hand markers, and a classifier after the phrase of a verb that has one."""
    for s in signs:
        s.gloss = _decorate_sign(s.gloss, state)
    found = _classifier(signs)
    if found and state.chance(state.style.classifier):
        where, token = found
        signs.insert(where, _Word("cl", "marker", token))


def _span(signs: list[_Word], start: int, end: int, label: str) -> None:
    """Wrap the signs in [start, end) in a non-manual marker span: [label SIGN ... SIGN]."""
    inside = [s for s in signs[start:end] if s.gloss]
    if inside:
        inside[0].gloss = f"[{label} {inside[0].gloss}"
        inside[-1].gloss += "]"


def _mark_negation(signs: list[_Word], state: _Sentence) -> None:
    """[neg ...] over the negated verb phrase; at rate nmm_only the headshake alone negates (NOT left out)."""
    i = _first(signs, ("neg",))
    if i is None or not signs[i].gloss or not state.chance(state.style.nmm):
        return
    verb = _first(signs, ("verb",))
    start = verb if verb is not None and verb < i and i == _phrase_end(signs, verb) - 1 else i  # NOT after the VP
    end = _phrase_end(signs, i) if start == i else i + 1
    if signs[i].gloss == "NOT" and end - start > 1 and state.chance(state.style.nmm_only):
        signs[i].gloss = ""
    _span(signs, start, end, "neg")


def _mark_nmm(signs: list[_Word], state: _Sentence, question: bool) -> bool:
    """Annotated style: non-manual marker spans (Neidle et al., The Syntax of ASL; ASLLRP conventions).

    Topics [t ...] (else the plain comma), conditionals [cond ...], negation [neg ...], WH-questions
    [whq ...] (the WH-sign, or the whole question, even odds), yes/no questions [y/n ...]. Returns True when the
    span alone marks a yes/no question, so the final ? may go.
    """
    topic = [i for i, s in enumerate(signs) if s.topic]
    if topic and state.annotated and state.chance(state.style.nmm):
        _span(signs, topic[0], topic[-1] + 1, "t")
    elif topic:
        next(s for s in reversed(signs[:topic[-1] + 1]) if s.gloss).gloss += ","
    if not state.annotated or not signs:
        return False
    start = next((i for i, s in enumerate(signs) if s.kind not in ("intj", "comma") and s.gloss), 0)
    comma = _first(signs, ("comma",), start)
    if signs and signs[start].low == "if" and comma and state.chance(state.style.nmm):
        _span(signs, start, comma, "cond")
    _mark_negation(signs, state)
    if not question or not state.chance(state.style.nmm):
        return False
    if signs[-1].kind == "wh":
        _span(signs, start if state.rng.random() < 0.5 else len(signs) - 1, len(signs), "whq")
        return False
    if any(s.kind == "wh" for s in signs):
        return False  # a WH-sign left in place: no span
    _span(signs, start, len(signs), "y/n")
    return state.chance(state.style.nmm_only)


# --- putting it together ----------------------------------------------------------------------------------

_SPLIT_AT = re.compile(r",?\s+(and|but|so)\s+(?=(?:I|you|he|she|we|they|it|my|the|there)\b)")


def _end_mark(sentence: str, state: _Sentence, last: bool, span_asks: bool) -> str:
    """? always (unless a [y/n] span asks it, last sentence); . or ! kept inside a text, at its end at keep_period."""
    end = sentence.rstrip()[-1:] if sentence.rstrip()[-1:] in ".!?" else ""
    if end in ".!" and last and not state.chance(state.style.keep_period):
        return ""
    if end == "?" and last and span_asks:
        return ""
    return end


def _gloss_body(sentence: str, state: _Sentence) -> tuple[str, bool]:
    """The signs of one sentence (steps 1-7 of the module docstring) and whether a [y/n] span asks it."""
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
    _mark_aspect(signs, state)
    if question:
        _move_wh(signs, state)
    if state.annotated:
        _agree(signs, state)
        _decorate(signs, state)
    span_asks = _mark_nmm(signs, state, question)
    lead = next((i for i, s in enumerate(signs) if s.gloss and s.kind not in ("conj", "intj", "comma")), len(signs))
    glosses = [s.gloss for s in signs[:lead] if s.gloss] + time_signs + [s.gloss for s in signs[lead:] if s.gloss]
    body = " ".join(glosses)  # time signs after a leading BUT or WOW: BUT YESTERDAY ...
    if not body:  # every word was dropped ("The."): keep them rather than emit an empty gloss
        body = " ".join(w.upper() for w in _tokenize(sentence) if w != ",")
    if not body:
        raise ValueError(f"no words to gloss in {sentence!r}")
    return body, span_asks


def _regroup(sentences: list[str], rng: random.Random, style: GlossStyle) -> list[list[str]]:
    """English sentences -> groups glossed as one sentence each: a long one split at and/but/so + a new
    subject (seeded split_long), two short statements joined (seeded join_short). Annotators segment by
    prosody and non-manuals, not by English punctuation (ASLLRP conventions; Neidle et al. 2000)."""
    groups: list[list[str]] = []
    for sentence in sentences:
        match = _SPLIT_AT.search(sentence)
        if match and not sentence.endswith("?") and len(sentence.split()) >= 7 and rng.random() < style.split_long:
            rest = sentence[match.end():]
            rest = (match.group(1) + " " + rest) if match.group(1) != "and" else rest
            groups += [[sentence[:match.start()].rstrip(",;") + "."], [rest[0].upper() + rest[1:]]]
            continue
        previous = groups[-1] if groups else None
        short = len(sentence.split()) <= 4 and sentence.endswith(".")
        if previous and len(previous) == 1 and short and len(previous[0].split()) <= 4 \
                and previous[0].endswith(".") and rng.random() < style.join_short:
            previous.append(sentence)
        else:
            groups.append([sentence])
    return groups


def gloss_sentence(sentence: str, rng: random.Random, style: GlossStyle) -> str:
    """One English sentence -> one gloss sentence (its . or ! kept with probability keep_period)."""
    return gloss_text(sentence, rng, dataclasses.replace(style, split_long=0.0))


def gloss_text(text: str, rng: random.Random, style: GlossStyle = GlossStyle()) -> str:
    """English text -> gloss: one style for the whole gloss, loci kept across its sentences; only the last
    gloss sentence may lose its final . or ! (or ?, to a [y/n] span)."""
    sentences = split_sentences(text.strip())
    if not sentences:
        raise ValueError(f"no sentence to gloss in {text!r}")
    annotated, loci = rng.random() < style.annotated, {}
    groups = _regroup(sentences, rng, style)
    out = []
    for g, group in enumerate(groups):
        state = None
        bodies = []
        for sentence in group:
            state = _Sentence(rng, style, annotated, loci=loci)
            body, span_asks = _gloss_body(sentence, state)
            bodies.append(body)
        out.append(" ".join(bodies) + _end_mark(group[-1], state, g == len(groups) - 1, span_asks))
    return " ".join(out)


# --- the rules, documented by running them ----------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """One rule of the synthesizer: an English example, the style that shows it, and where the rule comes from."""

    name: str
    description: str
    english: str
    style: GlossStyle
    shows: str  # a piece of the example's gloss that is the rule at work (checked by the tests)
    source: str  # the linguistic description the rule follows


_PLAIN, _ANNOTATED = GlossStyle.plain(), GlossStyle.annotated_only()
_VL = "Valli & Lucas, Linguistics of American Sign Language"
_NEIDLE = "Neidle et al., The Syntax of American Sign Language (2000)"
_ASLLRP = "ASLLRP annotation conventions (Neidle, SignStream)"
_KB = "Klima & Bellugi, The Signs of Language (1979)"
RULES: list[Rule] = [
    Rule("contractions", "Contractions are expanded first: I'm -> I am, don't -> do not, can't -> CAN'T.",
         "I'm sure you can't swim.", _PLAIN, "ME SURE YOU CAN'T SWIM", "English preprocessing"),
    Rule("articles", "Articles (a, an, the) are dropped: ASL has none.", "The dog found a ball.", _PLAIN,
         "DOG FIND BALL", _VL),
    Rule("copula", "Forms of be are dropped: the adjective or noun follows the subject.", "She is tired.",
         _PLAIN, "IX-3 TIRED", _VL),
    Rule("do-support", "Auxiliary do is dropped; a yes/no question keeps its sign order.", "Do you like pizza?",
         _PLAIN, "YOU LIKE PIZZA?", _NEIDLE),
    Rule("lemmas", "Every verb is its lemma (lemminflect): watches -> WATCH, tried -> TRY.",
         "Have you tried the games he watches?", _PLAIN, "YOU TRY GAME FINISH IX-3 WATCH", _VL),
    Rule("plurals", "Plural nouns are lemmatised: a number or quantifier shows the plural.", "I have two phones.",
         _PLAIN, "TWO PHONE", _VL),
    Rule("adverbs", "An -ly adverb is signed by its adjective: quickly -> QUICK.", "He ran quickly.", _PLAIN,
         "IX-3 RUN QUICK", _VL),
    Rule("past-finish", "A completed past event without a time word: FINISH after the verb phrase (or before).",
         "We ate pizza.", _PLAIN, "WE EAT PIZZA FINISH", _VL),
    Rule("past-time-word", "A completed past event, other convention: BEFORE or PAST in front.",
         "She called me.", GlossStyle.plain(finish_past=0.0), "IX-3 CALL ME", _VL),
    Rule("no-finish-ongoing", "An ongoing action in the past takes no FINISH: context carries the tense.",
         "She was reading a book.", _PLAIN, "IX-3 READ BOOK.", _VL),
    Rule("no-finish-state", "A past state (wanted, knew) takes no FINISH.", "I wanted to ask you.", _PLAIN,
         "ME WANT ASK YOU.", _VL),
    Rule("perfect", "Perfect have + participle: have dropped, FINISH marks completion.", "I have seen that movie.",
         _PLAIN, "ME SEE THAT MOVIE FINISH", _VL),
    Rule("not-yet", "Negated perfect becomes NOT-YET.", "I haven't eaten.", _PLAIN, "ME NOT-YET EAT", _VL),
    Rule("must", "have to / got to / gotta -> MUST (obligation, not the past of get).", "You gotta fight him.",
         _PLAIN, "YOU MUST FIGHT IX-3", _VL),
    Rule("future", "Future will / going to: WILL (or FUTURE, seeded) where the auxiliary was.",
         "We are going to travel.", GlossStyle.plain(future_will=0.0), "WE FUTURE TRAVEL", _VL),
    Rule("time-first", "Time expressions move to the front, with their preposition, and carry the tense.",
         "I have not seen him since Monday.", _PLAIN, "SINCE MONDAY ME NOT-YET SEE IX-3", _VL),
    Rule("wh-end", "A question's WH-sign moves to the end.", "What is your name?", _PLAIN, "YOUR NAME WHAT?",
         _NEIDLE),
    Rule("wh-double", "The WH-sign can also stay at the start (seeded rate wh_double).", "Where do you live?",
         GlossStyle.plain(wh_double=1.0), "WHERE YOU LIVE WHERE?", _NEIDLE),
    Rule("negation", "not / n't -> NOT before the verb.", "I don't like coffee.", _PLAIN, "ME NOT LIKE COFFEE",
         _NEIDLE),
    Rule("negation-after", "NOT after the verb phrase (seeded rate neg_after).", "I don't like coffee.",
         GlossStyle.plain(neg_after=1.0), "ME LIKE COFFEE NOT", _NEIDLE),
    Rule("none", "no + noun -> noun NONE.", "I have no money.", _PLAIN, "MONEY NONE", _VL),
    Rule("existential", "there is / there are -> HAVE.", "There is a dog outside.", _PLAIN, "HAVE DOG OUTSIDE", _VL),
    Rule("pronouns", "I/me -> ME, you -> YOU, he/she/it -> IX-3, they -> THEY, his -> POSS-3, myself -> SELF-1.",
         "He told them about his trip himself.", _PLAIN, "IX-3 TELL THEY ABOUT POSS-3 TRIP SELF-3", _VL),
    Rule("topic", "Topicalisation: the object is fronted as a topic (seeded rate topicalise).", "I like coffee.",
         GlossStyle.plain(topicalise=1.0), "COFFEE, ME LIKE", _NEIDLE),
    Rule("names", "Names and places are fingerspelled: fs-NAME, after a title too.", "I met Mr. Smith in Boston.",
         _PLAIN, "fs-MR fs-SMITH fs-BOSTON", _VL),
    Rule("function-words", "English-only words are left out: to, of, at, for after look/wait/pay.",
         "I am looking for my keys.", _PLAIN, "ME LOOK MY KEY", _VL),
    Rule("interjections", "Interjections stay as signs; most punctuation is dropped.", "Wow, that is great!",
         _PLAIN, "WOW THAT GREAT!", _VL),
    Rule("period", "The final period is kept or dropped (seeded rate keep_period); ? always stays.",
         "I am hungry.", GlossStyle.plain(keep_period=0.0), "ME HUNGRY", "project convention"),
    Rule("sentences", "Sentences follow the English by default.", "I am tired. I am going home.", _PLAIN,
         "ME TIRED. ME GO HOME.", "project convention"),
    Rule("split", "A long sentence may split at and/but + a new subject (seeded rate split_long).",
         "I went home early and I slept all day.", GlossStyle.plain(split_long=1.0), "FINISH. ME SLEEP", _ASLLRP),
    Rule("join", "Two short statements may be one gloss sentence (seeded rate join_short).",
         "I am tired. I am going home.", GlossStyle.plain(join_short=1.0), "ME TIRED ME GO HOME.", _ASLLRP),
    Rule("loci", "Annotated: IX-1p, IX-2p, POSS-1p; third persons get loci in order (IX-3p:i, IX-3p:j), kept "
         "across the sentences of a gloss.", "He saw her. He liked her.", _ANNOTATED,
         "IX-3p:i SEE IX-3p:j FINISH. IX-3p:i LIKE IX-3p:j", _NEIDLE),
    Rule("plural-index", "Annotated: we -> IX-1p-pl, they -> IX-3p-pl:i, our -> POSS-1p-pl.",
         "They visited our house.", _ANNOTATED, "IX-3p-pl:i VISIT POSS-1p-pl HOUSE", _NEIDLE),
    Rule("reflexive", "Annotated: reflexives as SELF with person and locus.", "She did it herself.",
         _ANNOTATED, "SELF-3p:i", _NEIDLE),
    Rule("agreement", "Annotated: agreeing verbs move from subject to object: 1p-GIVE-2p, GIVE-1p.",
         "I will give you my book.", _ANNOTATED, "IX-1p WILL 1p-GIVE-2p POSS-1p BOOK", _NEIDLE),
    Rule("indefinite", "Annotated: someone/something -> the indefinite particle part:indef.",
         "Someone called me.", _ANNOTATED, "part:indef CALL", _ASLLRP),
    Rule("name-signs", "Annotated: people fingerspelled fs-, places as name signs ns-, pointed at loci.",
         "Sarah moved to Chicago.", GlossStyle.annotated_only(name_locus=1.0),
         "fs-SARAH IX-3p:i MOVE ns-CHICAGO IX-loc:j", _ASLLRP),
    Rule("loan-signs", "Annotated: lexicalised fingerspellings with #.", "The bank is open.", _ANNOTATED,
         "#BANK OPEN", _VL),
    Rule("compounds", "Annotated: compounds joined by ^: parents -> MOTHER^FATHER, agree -> THINK^SAME.",
         "My parents agree.", _ANNOTATED, "POSS-1p MOTHER^FATHER THINK^SAME", _KB),
    Rule("agent", "Annotated: agent nouns as verb ^ AGENT.", "My brother is a teacher.", _ANNOTATED,
         "TEACH^AGENT", _VL),
    Rule("aspect", "Annotated: an ongoing action repeats the verb (continuative aspect): WORK+++.",
         "I have been working all day.", GlossStyle.annotated_only(repetition=1.0), "WORK+++", _KB),
    Rule("plural-repetition", "Annotated: a plural noun without a number may be repeated: TREE++.",
         "I planted trees.", GlossStyle.annotated_only(repetition=1.0), "TREE++", _KB),
    Rule("classifiers", "Annotated: classifiers (DCL, SCL, LCL, BCL, BPCL, ICL, PCL) with a handshape and a "
         "description in the annotator's words.", "I drove my big truck to work.", _ANNOTATED,
         'POSS-1p DCL:5"bulky mass" TRUCK SCL:3"vehicle moves along"', _VL),
    Rule("gestures", 'Annotated: interjections as gestures with a handshape: 5"well", (1h)5"wave no".',
         "Nah, I do not know.", _ANNOTATED, '(1h)5"wave no" IX-1p NOT KNOW', _ASLLRP),
    Rule("hand-markers", "Annotated: (1h) for a one-handed form of a two-handed sign, (2h) for doubling.",
         "I want to go home.", GlossStyle.annotated_only(hand_marker=1.0), "(1h)WANT (2h)GO", _ASLLRP),
    Rule("nmm-neg", "Annotated: a headshake span [neg ...] over the negated phrase; NOT may be left out.",
         "I don't like coffee.", GlossStyle.annotated_only(nmm=1.0), "IX-1p [neg NOT LIKE COFFEE]", _NEIDLE),
    Rule("nmm-questions", "Annotated: [whq ...] and [y/n ...] spans over questions.", "Do you like pizza?",
         GlossStyle.annotated_only(nmm=1.0), "[y/n IX-2p LIKE PIZZA]", _NEIDLE),
    Rule("nmm-topic", "Annotated: a topic is marked by a [t ...] span instead of a comma.", "I like coffee.",
         GlossStyle.annotated_only(nmm=1.0, topicalise=1.0), "[t COFFEE] IX-1p LIKE", _NEIDLE),
    Rule("rhetorical", "Annotated: because -> a rhetorical question [rhq WHY] the signer answers.",
         "I stayed home because I was sick.", GlossStyle.annotated_only(rhetorical=1.0),
         "IX-1p STAY HOME [rhq WHY] IX-1p SICK", _NEIDLE),
]


def rule_examples() -> list[dict[str, str]]:
    """Each rule's example run through the synthesizer (seed 0): rule, description, english, gloss, source."""
    return [{"rule": r.name, "description": r.description, "english": r.english,
             "gloss": gloss_text(r.english, random.Random(0), r.style), "source": r.source} for r in RULES]


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


# --- how close to English the pairs are --------------------------------------------------------------------

_GLOSS_TOKEN = re.compile(r'\S*"[^"]*"|[^\s\[\]]+')  # a quoted classifier/gesture stays one token
_NMM_LABELS = frozenset({"t", "neg", "whq", "y/n", "yn", "rhq", "cond", "hn", "hs", "mm", "cs", "th", "puff", "q"})
_ENGLISH_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")


def _english_plurals(text: str) -> list[str]:
    """Plural nouns of `text` (lemminflect: a noun, not also a verb, whose lemma differs), lower case."""
    plurals = []
    for word in _ENGLISH_WORD.findall(text.lower()):
        lemmas = _lemmas(word)
        nouns = lemmas.get("NOUN")
        if nouns and "VERB" not in lemmas and nouns[0] != word and (word.endswith("s") or word in _IRREGULAR_PLURALS):
            plurals.append(word)
    return plurals


def measure_englishness(pairs: list[dict[str, str]]) -> dict[str, float]:
    """How much of the English shows through the glosses of `pairs` (the issue 14 measures), as shares in [0, 1].

    ``verbatim``: gloss tokens (NMM brackets and end marks stripped; a quoted description is one token)
    that occur as a word of the English, case-insensitive. ``plurals_kept``: English plural nouns whose
    plural form is a gloss token. ``sentence_count_differs``: pairs whose gloss and English have a
    different number of sentences.
    """
    tokens = verbatim = plurals = kept = differ = 0
    for pair in pairs:
        english = {w.lower() for w in _ENGLISH_WORD.findall(pair["text"])}
        signs = [t.strip(".,?!").lower() for t in _GLOSS_TOKEN.findall(pair["gloss"])]
        signs = [s for s in signs if s and not (pair["gloss"].count("[" + s) and s in _NMM_LABELS)]
        tokens += len(signs)
        verbatim += sum(s in english for s in signs)
        found = _english_plurals(pair["text"])
        plurals += len(found)
        kept += sum(p in signs for p in found)
        differ += count_gloss_sentences(pair["gloss"]) != count_sentences(pair["text"])  # Mr. is no end
    return {"verbatim": verbatim / max(tokens, 1), "plurals_kept": kept / max(plurals, 1),
            "sentence_count_differs": differ / max(len(pairs), 1)}
