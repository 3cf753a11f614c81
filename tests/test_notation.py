"""The gloss notation, as a specification: every convention of the table parses to the right Token fields,
sentences are counted outside quotes and brackets, each phenomenon tag fires on a positive example and not on
a negative one, and the rule baseline's output is stated exactly."""

import pytest

from glossa_utils.notation import (PHENOMENA, Token, count_gloss_sentences, gloss_sentences, lexical_words,
                                   looks_like_gloss, notation_share, parse_gloss, rule_translate, tag_phenomena)

SAMPLES = ['IX-1p DRIVE SCL:3"car going up steep hill" SLOW+++', '5"well" part:indef IX-1p NOT KNOW',
           'fs-MARY IX-3p:i GIVE-1p BOOK (2h)FINISH']


def only(text: str) -> Token:
    """The single word token of `text`."""
    tokens = [t for t in parse_gloss(text) if t.kind not in ("punct", "comma")]
    assert len(tokens) == 1, tokens
    return tokens[0]


def fields(token: Token, *names: str) -> tuple:
    return tuple(getattr(token, n) for n in names)


@pytest.mark.parametrize("text, kind, base, person, plural, locus", [
    ("IX-1p", "index", "IX", "1", False, None),
    ("IX-2p", "index", "IX", "2", False, None),
    ("IX-3p:i", "index", "IX", "3", False, "i"),
    ("IX-3p:j", "index", "IX", "3", False, "j"),
    ("IX-1p-pl", "index", "IX", "1", True, None),
    ("IX-2p-pl", "index", "IX", "2", True, None),
    ("IX-3p-pl:i", "index", "IX", "3", True, "i"),
    ("IX-loc:i", "index", "IX", "loc", False, "i"),
    ("IX-3p-pl-arc", "index", "IX", "3", True, None),
    ("IX-3", "index", "IX", "3", False, None),         # plain style
    ("ME", "index", "ME", "1", False, None),
    ("I", "index", "I", "1", False, None),
    ("YOU", "index", "YOU", "2", False, None),
    ("WE", "index", "WE", "1", True, None),
    ("POSS-1p", "possessive", "POSS", "1", False, None),
    ("POSS-2p", "possessive", "POSS", "2", False, None),
    ("POSS-3p:j", "possessive", "POSS", "3", False, "j"),
    ("POSS-1p-pl", "possessive", "POSS", "1", True, None),
    ("POSS-3", "possessive", "POSS", "3", False, None),  # plain style
    ("MY", "possessive", "MY", "1", False, None),
    ("YOUR", "possessive", "YOUR", "2", False, None),
    ("SELF-1p", "reflexive", "SELF", "1", False, None),
    ("SELF-3p:i", "reflexive", "SELF", "3", False, "i"),
])
def test_person_signs(text, kind, base, person, plural, locus):
    assert fields(only(text), "kind", "base", "person", "plural", "locus") == (kind, base, person, plural, locus)


@pytest.mark.parametrize("text, base, person, obj, locus", [
    ("1p-GIVE-2p", "GIVE", "1", "2", None),
    ("2p-ASK-1p", "ASK", "2", "1", None),
    ("GIVE-1p", "GIVE", None, "1", None),
    ("3p:i-ASK-1p", "ASK", "3", "1", "i"),
    ("3p:i-INFORM-3p:j", "INFORM", "3", "3", "i"),  # the subject's locus
    ("1p-HELP-3p:i", "HELP", "1", "3", "i"),
])
def test_agreeing_verbs(text, base, person, obj, locus):
    assert fields(only(text), "kind", "base", "person", "obj", "locus") == ("agreeing", base, person, obj, locus)


@pytest.mark.parametrize("text, kind, base", [
    ("part:indef", "indefinite", "part:indef"),
    ("fs-MARY", "fingerspelling", "MARY"),
    ("fs-JOHN", "fingerspelling", "JOHN"),
    ("ns-BOSTON", "name_sign", "BOSTON"),
    ("#BANK", "loan", "BANK"),
    ("#25", "number", "25"),
    ("25", "number", "25"),
    ("TWO", "number", "TWO"),
    ("NOT-YET", "sign", "NOT-YET"),
    ("CAN'T", "sign", "CAN'T"),
    ("DON'T-KNOW", "sign", "DON'T-KNOW"),
    ("TIME-2", "sign", "TIME-2"),          # a number suffix is no person mark
    ("X-WE", "sign", "WE"),                # ASLG-PC12 markers are stripped
    ("DESC-MANY", "sign", "MANY"),
])
def test_prefixed_and_plain_signs(text, kind, base):
    assert fields(only(text), "kind", "base") == (kind, base)


@pytest.mark.parametrize("text, base, hands, repetition, parts", [
    ("(2h)FINISH", "FINISH", "2h", 0, ()),
    ("(1h)FINISH", "FINISH", "1h", 0, ()),
    ("(2h)alt.GIVE", "GIVE", "2h", 0, ()),
    ("LOOK+", "LOOK", None, 1, ()),
    ("GO++", "GO", None, 2, ()),
    ("SLOW+++", "SLOW", None, 3, ()),
    ("THINK^SAME", "THINK^SAME", None, 0, ("THINK", "SAME")),
    ("BOY^FRIEND", "BOY^FRIEND", None, 0, ("BOY", "FRIEND")),
])
def test_hands_repetition_and_compounds(text, base, hands, repetition, parts):
    assert fields(only(text), "kind", "base", "hands", "repetition", "parts") == ("sign", base, hands, repetition, parts)


@pytest.mark.parametrize("text, family, handshape, base", [
    ('DCL:B"flat surface"', "DCL", "B", "flat surface"),
    ('DCL"flat surface"', "DCL", None, "flat surface"),
    ('SCL:3"car going up a hill"', "SCL", "3", "car going up a hill"),
    ('SCL"car going up a hill"', "SCL", None, "car going up a hill"),
    ('LCL:C"grab cup"', "LCL", "C", "grab cup"),
    ('LCL"grab cup"', "LCL", None, "grab cup"),
    ('BCL:A"put on glasses"', "BCL", "A", "put on glasses"),
    ('BCL"put on glasses"', "BCL", None, "put on glasses"),
    ('BPCL:1"cut on finger"', "BPCL", "1", "cut on finger"),
    ('BPCL"cut on finger"', "BPCL", None, "cut on finger"),
    ('ICL:S"turn key"', "ICL", "S", "turn key"),
    ('ICL"turn key"', "ICL", None, "turn key"),
    ('PCL:3"people walking in line"', "PCL", "3", "people walking in line"),
    ('PCL"people walking in line"', "PCL", None, "people walking in line"),
    ('DCL:B"flat. surface? yes"', "DCL", "B", "flat. surface? yes"),  # periods and ? inside the quotes
])
def test_classifiers(text, family, handshape, base):
    assert fields(only(text), "kind", "family", "handshape", "base") == ("classifier", family, handshape, base)


@pytest.mark.parametrize("text, handshape, hands, base", [
    ('5"well"', "5", None, "well"),
    ('(1h)5"wave no"', "5", "1h", "wave no"),
    ('g"what can you do"', None, None, "what can you do"),
])
def test_gestures(text, handshape, hands, base):
    assert fields(only(text), "kind", "handshape", "hands", "base") == ("gesture", handshape, hands, base)


def test_sample_glosses_of_the_issue():
    drive = parse_gloss(SAMPLES[0])
    assert [t.kind for t in drive] == ["index", "sign", "classifier", "sign"]
    assert drive[2].base == "car going up steep hill" and drive[3].repetition == 3
    well = parse_gloss(SAMPLES[1])
    assert [t.kind for t in well] == ["gesture", "indefinite", "index", "sign", "sign"]
    mary = parse_gloss(SAMPLES[2] + ".")
    assert [(t.kind, t.base) for t in mary] == [("fingerspelling", "MARY"), ("index", "IX"), ("agreeing", "GIVE"),
                                                ("sign", "BOOK"), ("sign", "FINISH"), ("punct", "")]
    assert mary[1].locus == "i" and mary[2].obj == "1" and mary[4].hands == "2h"


def test_nmm_spans_cover_their_signs_including_nested_and_adjacent():
    tokens = parse_gloss("[t BOOK] [neg [y/n YOU] NOT] [hs GO][mm DRIVE] READ")
    assert [(t.text, t.nmm) for t in tokens] == [("BOOK", ("t",)), ("YOU", ("neg", "y/n")), ("NOT", ("neg",)),
                                                 ("GO", ("hs",)), ("DRIVE", ("mm",)), ("READ", ())]
    assert [t.nmm for t in parse_gloss("[yn YOU HUNGRY]")] == [("y/n",), ("y/n",)]
    assert [t.text for t in parse_gloss("[neg NOT KNOW]")] == ["NOT", "KNOW"]  # labels are no tokens


def test_punctuation_and_topic_comma():
    tokens = parse_gloss("COFFEE, ME LIKE. YOU?")
    assert [(t.text, t.kind, t.sentence) for t in tokens] == [
        ("COFFEE", "sign", 0), (",", "comma", 0), ("ME", "index", 0), ("LIKE", "sign", 0), (".", "punct", 0),
        ("YOU", "index", 1), ("?", "punct", 1)]
    assert [t.kind for t in parse_gloss("TODAY , X-WE NEED .")] == ["sign", "comma", "sign", "sign", "punct"]


@pytest.mark.parametrize("text, sentences", [
    ("ME TIRED. ME GO HOME.", ["ME TIRED.", "ME GO HOME."]),
    ('IX-1p SEE DCL:B"flat. surface?" THERE. YOU?', ['IX-1p SEE DCL:B"flat. surface?" THERE.', "YOU?"]),
    ("[y/n YOU HUNGRY? ] ME GO.", ["[y/n YOU HUNGRY? ] ME GO."]),
    ("WAIT... ME THINK!", ["WAIT...", "ME THINK!"]),
    ("PRICE 3.50 DOLLAR.", ["PRICE 3.50 DOLLAR."]),
    ("(2h)alt.GIVE BOOK", ["(2h)alt.GIVE BOOK"]),
    ("ME HUNGRY", ["ME HUNGRY"]),
    ("ME GO . .", ["ME GO . ."]),
    ("", []),
])
def test_gloss_sentences_ignore_quotes_and_brackets(text, sentences):
    assert gloss_sentences(text) == sentences
    assert count_gloss_sentences(text) == max(1, len(sentences))


@pytest.mark.parametrize("text", ["", "   ", "...", "?!", ",", "[", "]", "[neg NOT", "ME ] GO", '5"well ME GO.',
                                  '"', "[[]]", "[ ]", "(2h)", "+++", "#", "fs-", "IX-", "1p--2p", None])
def test_odd_input_never_raises(text):
    tokens = parse_gloss(text)
    assert all(isinstance(t, Token) for t in tokens)
    assert count_gloss_sentences(text) >= 1
    assert isinstance(rule_translate(text), str) and isinstance(tag_phenomena(text), list)
    assert 0.0 <= notation_share(text) <= 1.0 and looks_like_gloss(text) in (True, False)
    assert isinstance(lexical_words(text), list)


def test_unpaired_bracket_is_ignored_with_its_label():
    assert [(t.text, t.nmm) for t in parse_gloss("[neg NOT KNOW")] == [("NOT", ()), ("KNOW", ())]
    assert count_gloss_sentences("[neg ME GO. YOU STAY.") == 2


PHENOMENON_EXAMPLES = {
    "negation": (["ME NOT-YET EAT.", "[neg ME GO]", "ME CAN'T.", "ME DON'T-KNOW", "[hs GO]", "SUGAR NONE."],
                 ["ME GO.", "ME KNOW."]),
    "wh_question": (["YOUR NAME WHAT?", "[whq WHERE] YOU LIVE", "HOW YOU?"],
                    ["WHAT ME DO.", "IX-1p LATE [rhq WHY] CAR BREAK-DOWN?", "YOU HUNGRY?"]),
    "yn_question": (["YOU WANT GO DRINK AFTER DINNER?", "[y/n YOU HUNGRY]"], ["YOUR NAME WHAT?", "ME HUNGRY."]),
    "rhetorical_question": (["IX-1p LATE [rhq WHY] CAR BREAK-DOWN."], ["WHY YOU LATE?"]),
    "time_first": (["YESTERDAY ME GO STORE.", "ME TIRED. TOMORROW ME WORK.", "LAST-WEEK ME SICK.", "EVERY MORNING ME RUN."],
                   ["ME GO STORE YESTERDAY.", "ME TIRED."]),
    "finish": (["ME EAT FINISH.", "(2h)FINISH"], ["ME EAT."]),
    "pointing": (["IX-3 NURSE.", "IX-3p:i TALL"], ["ME NURSE.", "YOU TALL"]),
    "locus": (["IX-3p:i TALL", "3p:i-ASK-1p"], ["IX-3p TALL"]),
    "possessive": (["POSS-3p:i CAR", "MY SISTER"], ["SISTER CAR"]),
    "reflexive": (["SELF-1p DO"], ["ME DO"]),
    "agreeing_verb": (["1p-GIVE-2p BOOK", "GIVE-1p"], ["GIVE BOOK", "TIME-2"]),
    "fingerspelling": (["fs-MARY"], ["ns-MARY"]),
    "name_sign": (["ns-BOSTON"], ["fs-BOSTON"]),
    "loan_sign": (["#BANK"], ["BANK", "#25"]),
    "classifier": (['DCL:B"flat surface"'], ['5"well"']),
    "gesture": (['5"well"', 'g"what can you do"'], ['DCL:B"flat surface"']),
    "repetition": (["SLOW+++"], ["SLOW"]),
    "compound": (["THINK^SAME"], ["THINK SAME"]),
    "nmm": (["[t BOOK] ME READ"], ["BOOK ME READ"]),
    "topic": (["COFFEE, ME LIKE.", "[t BOOK] ME READ"], ["ME LIKE COFFEE."]),
    "several_sentences": (["ME TIRED. ME GO HOME."], ['ME SEE DCL:B"flat. surface"', "ME TIRED."]),
    "no_end_punct": (["ME HUNGRY", "[y/n YOU HUNGRY?]"], ["ME HUNGRY.", "YOU HUNGRY?"]),
    "indefinite": (["part:indef CALL"], ["SOMEONE CALL"]),
    "two_hands": (["(2h)FINISH"], ["(1h)FINISH", "FINISH"]),
}


def test_every_phenomenon_has_examples_and_a_documented_rule():
    assert set(PHENOMENON_EXAMPLES) == set(PHENOMENA) and all(PHENOMENA.values())


@pytest.mark.parametrize("name", sorted(PHENOMENA))
def test_phenomenon_tags(name):
    positives, negatives = PHENOMENON_EXAMPLES[name]
    for gloss in positives:
        assert name in tag_phenomena(gloss), gloss
    for gloss in negatives:
        assert name not in tag_phenomena(gloss), gloss


def test_tags_come_in_phenomena_order():
    tags = tag_phenomena("YESTERDAY ME NOT GO. YOUR NAME WHAT?")
    assert tags == [n for n in PHENOMENA if n in tags] == ["negation", "wh_question", "time_first", "possessive",
                                                             "several_sentences"]
    assert tag_phenomena("") == [] and tag_phenomena("?") == []


@pytest.mark.parametrize("gloss, expected", [
    ("fs-MARY IX-3p:i GIVE-1p BOOK (2h)FINISH.", "Mary give book finish."),
    ("ME HUNGRY", "I hungry"),
    ("YOUR NAME WHAT?", "Your name what?"),
    ("IX-3 MY FRIEND fs-JOHN.", "My friend John."),
    ("ME LIKE ICE-CREAM", "I like ice cream"),
    ("TODAY , X-WE NEED TO KNOW DESC-MANY THING .", "Today, we need to know many thing."),
    ('IX-1p DRIVE SCL:3"car going up steep hill" SLOW+++', "I drive car going up steep hill slow"),
    ('5"well" part:indef IX-1p NOT KNOW', "Well I not know"),
    ("IX-1p-pl 1p-GIVE-2p POSS-3p:i #BANK THINK^SAME.", "We give his bank think same."),
    ("SELF-1p DO. POSS-1p-pl ns-NEW-YORK [neg NOT] NICE?", "Myself do. Our New York not nice?"),
    ("COFFEE, ME LIKE. ME NOT-YET EAT! YOU?", "Coffee, I like. I not yet eat! You?"),
    ("IX-3 .", ""),
    ("", ""),
])
def test_rule_translate(gloss, expected):
    assert rule_translate(gloss) == expected


def test_looks_like_gloss():
    for gloss in SAMPLES + ["ME HUNGRY", "IX-3 MY FRIEND fs-JOHN", "TODAY , X-WE NEED TO KNOW DESC-MANY THING ."]:
        assert looks_like_gloss(gloss), gloss
    for english in ["I would like to go to the store with my sister.", "where is the nearest bus stop",
                    'He said "hello" to me.', "I am tired. I go home.", ""]:
        assert not looks_like_gloss(english), english


def test_notation_share():
    assert notation_share("ME GO STORE.") == 0.0
    assert notation_share('IX-1p DRIVE SCL:3"car going up steep hill" SLOW+++') == pytest.approx(3 / 4)
    assert notation_share("[neg NOT KNOW]") == 1.0


def test_lexical_words():
    assert lexical_words("fs-MARY IX-3p:i GIVE-1p BOOK (2h)FINISH.") == ["MARY", "IX", "GIVE", "BOOK", "FINISH"]
    assert lexical_words('5"well" part:indef ME not-yet KNOW') == ["ME", "NOT-YET", "KNOW"]
