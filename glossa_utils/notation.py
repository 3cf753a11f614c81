"""One parser for the repo's gloss notation: plain and annotated (SignStream / ASLLRP style) gloss.

Every stage that has to understand a gloss goes through this module: the phenomenon tags of the error
analysis (`tag_phenomena`), the rule baseline (`rule_translate`), the translation input check
(`looks_like_gloss`), the sentence count used to truncate a translation (`count_gloss_sentences`) and the
synthesizer's tests (`parse_gloss`, `lexical_words`).

The notation, written linearly on one line (conventions of Neidle, Kegl, MacLaughlin, Bahan & Lee 2000,
*The Syntax of American Sign Language*, MIT Press; Valli & Lucas, *Linguistics of American Sign Language*,
Gallaudet University Press; and the ASLLRP / SignStream annotation conventions of Neidle et al.):

=====================  ===========================================  ==========================================
convention             form                                         Token
=====================  ===========================================  ==========================================
index (pointing)       ``IX-1p IX-2p IX-3p:i IX-1p-pl IX-loc:i``     kind index, person, plural, locus
                       plain ``ME I YOU WE IX-3``
possessive             ``POSS-1p POSS-3p:i POSS-1p-pl``, ``MY YOUR``  kind possessive
reflexive              ``SELF-1p SELF-3p:i``                         kind reflexive
agreeing verb          ``1p-GIVE-2p GIVE-1p 3p:i-ASK-1p``            kind agreeing, person = subject, obj
indefinite particle    ``part:indef``                                kind indefinite
fingerspelling         ``fs-MARY``                                   kind fingerspelling, base MARY
name sign              ``ns-BOSTON``                                 kind name_sign
loan sign              ``#BANK``                                     kind loan, base BANK (``#25``: number)
one / two hands        ``(1h)FINISH (2h)FINISH (2h)alt.GIVE``        hands "1h" / "2h"
repetition             ``LOOK+ SLOW+++``                             repetition = number of ``+``
compound               ``THINK^SAME``                                parts ("THINK", "SAME")
classifier             ``DCL:B"flat surface" BCL"put on glasses"``   kind classifier, family, handshape,
                       families DCL SCL LCL BCL BPCL ICL PCL (CL)    base = the quoted description
gesture                ``5"well" (1h)5"wave no" g"what can you do"``  kind gesture, handshape (None for g)
non-manual span        ``[neg NOT KNOW] [y/n YOU HUNGRY] [t BOOK]``  nmm labels on every token inside
numbers                ``TWO #25 5 3.50``                            kind number
punctuation            ``. ? !`` end a sentence; ``,`` topic/list   kinds punct and comma
=====================  ===========================================  ==========================================

ASLG-PC12's markers (``X-WE``, ``DESC-MANY``) are stripped to the sign they mark. Sentences end at ``.``,
``?`` or ``!`` outside quoted descriptions and bracket spans. Odd input (empty, only punctuation, an
unbalanced ``[`` or ``"``) never raises: an unpaired bracket is ignored, an unpaired quote is a character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

KINDS = ("sign", "index", "possessive", "reflexive", "agreeing", "indefinite", "fingerspelling", "name_sign", "loan",
         "classifier", "gesture", "number", "punct", "comma")
NMM_LABELS = ("t", "neg", "whq", "y/n", "rhq", "cond", "hn", "hs", "mm", "cs", "th", "puff", "q")
CLASSIFIER_FAMILIES = ("DCL", "SCL", "LCL", "BCL", "BPCL", "ICL", "PCL", "CL")
WH_SIGNS = frozenset({"WHO", "WHAT", "WHERE", "WHEN", "WHY", "HOW", "WHICH", "HOW-MANY", "HOW-MUCH", "WHAT-FOR",
                      "FOR-FOR", "HOW-OLD", "WHAT-TIME"})
NEGATION_SIGNS = frozenset({"NOT", "NONE", "NEVER", "NOT-YET", "CAN'T", "CANNOT", "WON'T", "NO", "NOTHING",
                            "DON'T", "DOESN'T", "DIDN'T", "NOT-HAVE", "NO-ONE", "NOBODY"})
TIME_SIGNS = frozenset({"YESTERDAY", "TOMORROW", "TODAY", "NOW", "TONIGHT", "MORNING", "AFTERNOON", "EVENING",
                        "NIGHT", "NOON", "WEEKEND", "RECENT", "RECENTLY", "LATER", "SOON", "PAST", "FUTURE",
                        "BEFORE", "LONG-AGO", "ONE-MONTH-AGO", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY",
                        "FRIDAY", "SATURDAY", "SUNDAY", "WINTER", "SPRING", "SUMMER", "FALL", "ALWAYS",
                        "EVERYDAY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY", "LAST-NIGHT", "UNTIL-NOW"})
NUMBER_WORDS = frozenset({"ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN",
                          "ELEVEN", "TWELVE", "TWENTY", "THIRTY", "HUNDRED", "THOUSAND", "MILLION"})
PLAIN_INDEX = {"ME": ("1", False), "I": ("1", False), "YOU": ("2", False), "WE": ("1", True)}
PLAIN_POSSESSIVE = {"MY": ("1", False), "YOUR": ("2", False), "OUR": ("1", True)}
POSSESSIVE_WORDS = {("1", False): "my", ("2", False): "your", ("3", False): "his", ("1", True): "our",
                    ("2", True): "your", ("3", True): "their"}
REFLEXIVE_WORDS = {("1", False): "myself", ("2", False): "yourself", ("3", False): "himself", ("1", True): "ourselves",
                   ("2", True): "yourselves", ("3", True): "themselves"}

PHENOMENA: dict[str, str] = {
    "negation": "a negative sign (NOT, NONE, NEVER, NOT-YET, CAN'T, WON'T, NO, DON'T-…) or a [neg …]/[hs …] span",
    "wh_question": "a WH-sign (WHO WHAT WHERE WHEN WHY HOW WHICH HOW-MANY HOW-MUCH) in a sentence ending in ? "
                   "or under [whq …] (not under [rhq …])",
    "yn_question": "a sentence ending in ? without a WH-sign, or a [y/n …] span",
    "rhetorical_question": "an [rhq …] span: a question the signer answers",
    "time_first": "the gloss or one of its sentences starts with a time sign (YESTERDAY, TOMORROW, NOW, LAST-WEEK, "
                  "MORNING, a weekday, …)",
    "finish": "the completive sign FINISH (any hand marker)",
    "pointing": "an IX-… index sign (IX-1p, IX-3p:i, IX-loc:i, plain IX-3); plain ME/YOU do not count",
    "locus": "a token with an indexed locus :i/:j/:k (IX-3p:i, POSS-3p:j, 3p:i-ASK-1p)",
    "possessive": "a possessive: POSS-1p/POSS-3p:i or plain MY/YOUR/OUR",
    "reflexive": "a reflexive SELF-1p/SELF-3p:i",
    "agreeing_verb": "a directional verb with person marks (1p-GIVE-2p, GIVE-1p, 3p:i-ASK-1p)",
    "fingerspelling": "a fingerspelled word fs-MARY",
    "name_sign": "a name sign ns-BOSTON",
    "loan_sign": "a lexicalised fingerspelling #BANK",
    "classifier": "a classifier predicate DCL/SCL/LCL/BCL/BPCL/ICL/PCL with its quoted description",
    "gesture": "a gesture: handshape or g with a quoted gloss (5\"well\", g\"what can you do\")",
    "repetition": "a sign repeated with + (LOOK+, SLOW+++)",
    "compound": "a compound joined by ^ (THINK^SAME)",
    "nmm": "any non-manual marker span [label …]",
    "topic": "a [t …] span, or a comma (plain style marks a topic or list item with it)",
    "several_sentences": "more than one sentence (count_gloss_sentences > 1)",
    "no_end_punct": "the gloss does not end in . ? or !",
    "indefinite": "the indefinite particle part:indef",
    "two_hands": "a sign marked (2h)",
}
"""Phenomenon name -> the documented rule `tag_phenomena` applies (the error analysis buckets by these)."""


@dataclass(frozen=True)
class Token:
    """One token of a gloss: the text as written and what the notation says about it (see the module table)."""

    text: str
    kind: str = "sign"
    base: str = ""
    person: str | None = None
    obj: str | None = None
    plural: bool = False
    locus: str | None = None
    hands: str | None = None
    repetition: int = 0
    parts: tuple[str, ...] = ()
    family: str | None = None
    handshape: str | None = None
    nmm: tuple[str, ...] = ()
    sentence: int = 0
    start: int = field(default=0, compare=False, repr=False)
    end: int = field(default=0, compare=False, repr=False)


_LEX = re.compile(r'(?P<open>\[)|(?P<close>\])|(?P<comma>,)|(?P<word>(?:[^\s\[\]",]|"[^"]*"|")+)')
_TRAILING_PUNCT = re.compile(r'^(?P<word>.*?)(?P<punct>[.?!]+)$', re.S)
_LABEL = re.compile(r"^[a-z][a-z/]*$")
_HANDS = re.compile(r"^\((?P<hands>[12]h)\)(?:alt\.)?")
_QUOTED = re.compile(r'^(?P<head>[^"]*)"(?P<desc>[^"]*)"$')
_CLASSIFIER = re.compile(r"^(?P<family>" + "|".join(CLASSIFIER_FAMILIES) + r")(?::(?P<handshape>[^\s\"]+))?$")
_HANDSHAPE = re.compile(r"^(?:g|[0-9A-Z][A-Za-z0-9-]{0,7})$")
_PERSON = r"(?:(?P<{n}>[123])p?|(?P<{n}loc>loc))(?P<{n}pl>-pl)?(?:-arc)?(?::(?P<{n}locus>[a-z]))?"
_INDEX = re.compile(r"^IX(?:-" + _PERSON.format(n="p") + r")?$")
_POSSESSIVE = re.compile(r"^POSS-" + _PERSON.format(n="p") + r"$")
_REFLEXIVE = re.compile(r"^SELF-" + _PERSON.format(n="p") + r"$")
_AGREE_PERSON = r"(?:(?P<{n}>[123])p|(?P<{n}loc>loc))(?P<{n}pl>-pl)?(?::(?P<{n}locus>[a-z]))?"
_AGREEING = re.compile(r"^(?:" + _AGREE_PERSON.format(n="s") + r"-)?(?P<verb>[A-Z][A-Z0-9'^-]*?)(?:-"
                       + _AGREE_PERSON.format(n="o") + r")?$")
_NUMBER = re.compile(r"^\d+(?:[.,:]\d+)*$")


def _person(match: re.Match, n: str) -> tuple[str | None, bool, str | None]:
    """(person, plural, locus) of one person slot named `n` in a match."""
    person = match.group(n) or ("loc" if match.group(n + "loc") else None)
    return person, bool(match.group(n + "pl")), match.group(n + "locus")


def _classify_quoted(word: str, common: dict) -> dict | None:
    """Classifier or gesture fields for a word with a quoted description, else None."""
    quoted = _QUOTED.match(word)
    head = quoted.group("head") if quoted else word
    classifier = _CLASSIFIER.match(head)
    if classifier:
        return dict(common, kind="classifier", base=quoted.group("desc") if quoted else "",
                    family=classifier.group("family"), handshape=classifier.group("handshape"))
    if quoted and (head == "" or _HANDSHAPE.match(head)):
        return dict(common, kind="gesture", base=quoted.group("desc"), handshape=head if head not in ("", "g") else None)
    return None


def _classify_person(word: str, common: dict) -> dict | None:
    """Index, possessive, reflexive or agreeing-verb fields for `word` (plain pronouns included), else None."""
    for kind, pattern, base in (("index", _INDEX, "IX"), ("possessive", _POSSESSIVE, "POSS"),
                                ("reflexive", _REFLEXIVE, "SELF")):
        match = pattern.match(word)
        if match:
            person, plural, locus = _person(match, "p")
            return dict(common, kind=kind, base=base, person=person or ("3" if kind == "index" else None),
                        plural=plural, locus=locus)
    if word in PLAIN_INDEX or word in PLAIN_POSSESSIVE:
        kind = "index" if word in PLAIN_INDEX else "possessive"
        person, plural = (PLAIN_INDEX if kind == "index" else PLAIN_POSSESSIVE)[word]
        return dict(common, kind=kind, base=word, person=person, plural=plural)
    if word.startswith("IX-"):  # another pointing shape (IX-HERE): an index whose referent is unknown
        return dict(common, kind="index", base="IX")
    match = _AGREEING.match(word)
    if match and (match.group("s") or match.group("sloc") or match.group("o") or match.group("oloc")):
        subject, s_plural, s_locus = _person(match, "s")
        obj, o_plural, o_locus = _person(match, "o")
        return dict(common, kind="agreeing", base=match.group("verb"), person=subject, obj=obj,
                    plural=s_plural or o_plural, locus=s_locus or o_locus)
    return None


def _classify_prefixed(word: str, common: dict) -> dict:
    """Fingerspelling, name sign, loan, number, indefinite or plain sign fields for `word`."""
    lower = word.lower()
    if lower == "part:indef":
        return dict(common, kind="indefinite", base="part:indef")
    if lower.startswith(("fs-", "ns-")) and len(word) > 3:
        return dict(common, kind="fingerspelling" if lower.startswith("fs-") else "name_sign", base=word[3:])
    if word.startswith("#") and len(word) > 1:
        rest = word[1:]
        if _NUMBER.match(rest):
            return dict(common, kind="number", base=rest)
        if rest[0].isupper():
            return dict(common, kind="loan", base=rest)
    if _NUMBER.match(word) or word in NUMBER_WORDS:
        return dict(common, kind="number", base=word)
    base = re.sub(r"^(?:X-|DESC-)(?=\S)", "", word)  # ASLG-PC12's pronoun and adjective markers
    parts = tuple(p for p in base.split("^") if p)
    return dict(common, kind="sign", base=base, parts=parts if len(parts) > 1 else ())


def _classify(word: str) -> dict:
    """Token fields (all but text, nmm and sentence) for one written word without trailing punctuation."""
    hands = _HANDS.match(word)
    core = word[hands.end():] if hands else word
    stripped = core.rstrip("+")
    repetition = len(core) - len(stripped) if stripped else 0
    core = stripped or core
    common = {"hands": hands.group("hands") if hands else None, "repetition": repetition}
    return _classify_quoted(core, common) or _classify_person(core, common) or _classify_prefixed(core, common)


def _lex(text: str) -> list[tuple[str, str, int, int]]:
    """(type, text, start, end) pieces: open, close, comma, word, punct; unpaired "[" become stray, "]" dropped."""
    pieces = []
    for m in _LEX.finditer(text):
        kind = m.lastgroup
        if kind != "word":
            pieces.append((kind, m.group(), m.start(), m.end()))
            continue
        split = _TRAILING_PUNCT.match(m.group())
        if split:
            word = split.group("word")
            if word:
                pieces.append(("word", word, m.start(), m.start() + len(word)))
            pieces.append(("punct", split.group("punct"), m.start() + len(word), m.end()))
        else:
            pieces.append(("word", m.group(), m.start(), m.end()))
    stack, paired = [], set()
    for i, piece in enumerate(pieces):
        if piece[0] == "open":
            stack.append(i)
        elif piece[0] == "close" and stack:
            paired.update((stack.pop(), i))
    return [p if p[0] not in ("open", "close") or i in paired else ("stray", *p[1:]) for i, p in enumerate(pieces)
            if p[0] == "open" or p[0] != "close" or i in paired]


def _walk(text: str) -> tuple[list[Token], list[int]]:
    """Tokens of `text` and the character offsets where its sentences end."""
    tokens, cuts, labels, sentence = [], [], [], 0
    pieces = _lex(text if isinstance(text, str) else "")
    expect_label = stray_label = False
    for kind, word, start, end in pieces:
        if kind == "stray":  # an unpaired "[": ignored, and so is an NMM label right after it
            stray_label = True
            continue
        if stray_label and kind == "word" and word in NMM_LABELS + ("yn",):
            stray_label = False
            continue
        stray_label = False
        if kind == "open":
            labels.append("")
            expect_label = True
            continue
        if expect_label and kind == "word" and _LABEL.match(word):
            labels[-1] = "y/n" if word == "yn" else word
            expect_label = False
            continue
        expect_label = False
        if kind == "close":
            labels.pop()
            continue
        nmm = tuple(dict.fromkeys(label for label in labels if label))
        if kind in ("punct", "comma"):
            tokens.append(Token(word, "punct" if kind == "punct" else "comma", "", nmm=nmm, sentence=sentence,
                                start=start, end=end))
            if kind == "punct" and not labels:
                cuts.append(end)
                sentence += 1
            continue
        tokens.append(Token(word, nmm=nmm, sentence=sentence, start=start, end=end, **_classify(word)))
    return tokens, cuts


def parse_gloss(text: str) -> list[Token]:
    """The tokens of a gloss, plain or annotated, in order; never raises (unknown shapes are "sign" tokens).

    Sentence indices count the ends seen so far, so tokens after the last end share the next index.
    """
    return _walk(text)[0]


def gloss_sentences(text: str) -> list[str]:
    """The sentences of a gloss: split after ``.``/``?``/``!`` outside quotes and brackets.

    A piece holding only punctuation (a stray ``.`` after the last end) is joined to the sentence before it.
    """
    if not isinstance(text, str):
        return []
    spans: list[list[int]] = []
    start = 0
    for cut in _walk(text)[1] + [len(text)]:
        piece = text[start:cut]
        if piece.strip():
            if spans and not re.search(r"[^\s.?!]", piece):
                spans[-1][1] = cut
            else:
                spans.append([start, cut])
        start = cut
    return [text[a:b].strip() for a, b in spans]


def count_gloss_sentences(text: str) -> int:
    """Number of sentences of a gloss, at least 1 (an unterminated gloss is one sentence)."""
    return max(1, len(gloss_sentences(text)))


def _words(tokens: list[Token]) -> list[Token]:
    return [t for t in tokens if t.kind not in ("punct", "comma")]


def _is_time_sign(tokens: list[Token]) -> bool:
    """Whether the sign tokens `tokens` start with a time sign (EVERY MORNING and LAST-WEEK included)."""
    if not tokens or tokens[0].kind not in ("sign", "number"):
        return False
    base = tokens[0].base.upper()
    if base in TIME_SIGNS or re.match(r"^(?:LAST|NEXT|THIS|EVERY|PAST)-[A-Z]", base) or base.endswith("-AGO"):
        return True
    return base in ("EVERY", "THIS", "LAST", "NEXT") and _is_time_sign(tokens[1:2])


def _sentence_groups(tokens: list[Token]) -> list[list[Token]]:
    groups: dict[int, list[Token]] = {}
    for t in tokens:
        groups.setdefault(t.sentence, []).append(t)
    return list(groups.values())


def _question_tags(tokens: list[Token]) -> set[str]:
    """wh_question / yn_question / rhetorical_question tags from end marks and NMM spans."""
    tags = set()
    for group in _sentence_groups(tokens):
        wh = any(t.base.upper() in WH_SIGNS and "rhq" not in t.nmm for t in _words(group))
        ends_in_question = group[-1].kind == "punct" and "?" in group[-1].text and not group[-1].nmm
        if ends_in_question:
            tags.add("wh_question" if wh else "yn_question")
    labels = {label for t in tokens for label in t.nmm}
    if "whq" in labels and any(t.base.upper() in WH_SIGNS for t in tokens if "whq" in t.nmm):
        tags.add("wh_question")
    if "y/n" in labels:
        tags.add("yn_question")
    if "rhq" in labels:
        tags.add("rhetorical_question")
    return tags


def _is_negation(t: Token) -> bool:
    base = t.base.upper()
    return (t.kind == "sign" and (base in NEGATION_SIGNS or re.match(r"^(?:DON'T|DOESN'T|DIDN'T|CAN'T|WON'T)-", base)
                                  is not None)) or "neg" in t.nmm or "hs" in t.nmm


def tag_phenomena(gloss: str) -> list[str]:
    """The PHENOMENA of one gloss, in PHENOMENA order (each rule is documented there)."""
    tokens = parse_gloss(gloss)
    words = _words(tokens)
    if not words:
        return []
    labels = {label for t in tokens for label in t.nmm}
    found = _question_tags(tokens)
    found |= {name for name, hit in {
        "negation": any(_is_negation(t) for t in words),
        "time_first": any(_is_time_sign(_words(g)) for g in _sentence_groups(tokens)),
        "finish": any(t.kind == "sign" and t.base.upper() == "FINISH" for t in words),
        "pointing": any(t.kind == "index" and _HANDS.sub("", t.text).upper().startswith("IX") for t in words),
        "locus": any(t.locus for t in words),
        "possessive": any(t.kind == "possessive" for t in words),
        "reflexive": any(t.kind == "reflexive" for t in words),
        "agreeing_verb": any(t.kind == "agreeing" for t in words),
        "fingerspelling": any(t.kind == "fingerspelling" for t in words),
        "name_sign": any(t.kind == "name_sign" for t in words),
        "loan_sign": any(t.kind == "loan" for t in words),
        "classifier": any(t.kind == "classifier" for t in words),
        "gesture": any(t.kind == "gesture" for t in words),
        "repetition": any(t.repetition for t in words),
        "compound": any(t.parts for t in words),
        "nmm": bool(labels),
        "topic": "t" in labels or any(t.kind == "comma" for t in tokens),
        "several_sentences": count_gloss_sentences(gloss) > 1,
        "no_end_punct": not (tokens[-1].kind == "punct" and not tokens[-1].nmm),
        "indefinite": any(t.kind == "indefinite" for t in words),
        "two_hands": any(t.hands == "2h" for t in words),
    }.items() if hit}
    return [name for name in PHENOMENA if name in found]


def _english_word(t: Token) -> str:
    """The rule baseline's English for one word token ("" to drop it)."""
    if t.kind == "index":
        return {"1": "we" if t.plural else "I", "2": "you"}.get(t.person or "", "")
    if t.kind == "possessive":
        return POSSESSIVE_WORDS.get((t.person or "3", t.plural), "")
    if t.kind == "reflexive":
        return REFLEXIVE_WORDS.get((t.person or "3", t.plural), "")
    if t.kind == "indefinite":
        return ""
    if t.kind in ("classifier", "gesture"):
        return t.base.strip()
    if t.kind in ("fingerspelling", "name_sign"):
        return " ".join(w.capitalize() for w in re.split(r"[-^]", t.base) if w)
    word = re.sub(r"(?<=\w)-(?=\w)", " ", t.base.replace("^", " ")).lower()
    return "I" if word == "i" else word


def rule_translate(gloss: str) -> str:
    """The rule baseline, case-fair: the gloss's lexical words in order, notation stripped, English casing.

    1p/2p indexes (and plain ME/YOU) become I/you (we for 1p-pl); 3rd-person and locative indexes and
    part:indef are dropped (their referent is unknown); POSS-/SELF- become my/your/his/our/their and
    myself/...; agreeing verbs their verb; classifiers and gestures their quoted description; fs-/ns- names
    are capitalised; repetition, hand markers, ``^``, ``#``, ``X-``/``DESC-`` and NMM brackets are stripped.
    Sentence-initial words get a capital, the rest is lower case; the gloss's own punctuation is kept as is.
    """
    out: list[str] = []
    sentence_start = True
    for t in parse_gloss(gloss):
        if t.kind in ("punct", "comma"):
            if out:
                out[-1] += t.text
                sentence_start = sentence_start or (t.kind == "punct" and not t.nmm)
            continue
        word = _english_word(t)
        if not word:
            continue
        out.append(word[0].upper() + word[1:] if sentence_start else word)
        sentence_start = False
    return " ".join(out)


def _is_notation(t: Token) -> bool:
    """Whether a token is written in annotation notation (not plain gloss)."""
    written = _HANDS.sub("", t.text)
    return (t.hands is not None or t.repetition > 0 or bool(t.nmm)
            or t.kind in ("agreeing", "classifier", "fingerspelling", "name_sign", "loan", "indefinite", "reflexive")
            or t.kind == "gesture" and t.handshape is not None or t.kind == "gesture" and written.startswith("g\"")
            or t.kind == "index" and written.startswith("IX")
            or t.kind == "possessive" and written.startswith("POSS"))


def notation_share(text: str) -> float:
    """Share of word tokens written in annotation notation (IX-, POSS-, SELF-, agreeing verbs, classifiers,
    gestures, fs-/ns-/#, part:indef, NMM spans, (1h)/(2h), + repetition); 0.0 for no words."""
    words = _words(parse_gloss(text))
    return sum(_is_notation(t) for t in words) / len(words) if words else 0.0


def looks_like_gloss(text: str) -> bool:
    """True for mostly upper-case sign words (at least half) or any annotation notation; False for English."""
    words = _words(parse_gloss(text))
    if not words:
        return False
    if any(_is_notation(t) for t in words):
        return True
    upper = [t for t in words if re.search(r"[A-Za-z]", t.text) and t.text == t.text.upper()]
    return len(upper) / len(words) >= 0.5 and not (len(words) > 2 and all(t.text in ("I", "A") for t in upper))


def lexical_words(gloss: str) -> list[str]:
    """The base words (upper case) of sign-like tokens, in order: signs, indexes (IX, ME…), possessives,
    reflexives, agreeing verbs, names, loans and numbers; classifiers, gestures and part:indef are left out."""
    keep = ("sign", "index", "possessive", "reflexive", "agreeing", "fingerspelling", "name_sign", "loan", "number")
    return [t.base.upper() for t in parse_gloss(gloss) if t.kind in keep and t.base]
