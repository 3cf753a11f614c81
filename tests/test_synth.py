"""Tests for the rule-based English -> gloss synthesizer and its chitchat-dataset source."""

from __future__ import annotations

import random
import re

import pytest

from glossa_utils import ParamsError, check_row
from glossa_utils.generate import count_sentences
from glossa_utils.synth import (RULES, GlossStyle, chitchat_utterances, gloss_sentence, gloss_text, rule_examples,
                                synthesize_chitchat, synthesize_pairs)

PLAIN = GlossStyle.plain()
ANNOTATED = GlossStyle.annotated_only()
# Lowercase is allowed only inside these conventions: "quoted" classifier text, fs-/ns-, IX-1p:i, (2h), -wg.
_CONVENTIONS = re.compile(r'"[^"]*"|\b(?:fs|ns)-|(?<=\d)p(?::[ijkl])?\b|\((?:1h|2h)\)|-wg\b')


def plain(text: str, **changes: float) -> str:
    return gloss_text(text, random.Random(0), GlossStyle.plain(**changes))


def annotated(text: str, **changes: float) -> str:
    return gloss_text(text, random.Random(0), GlossStyle.annotated_only(**changes))


def lowercase_outside_conventions(gloss: str) -> str:
    return "".join(c for c in _CONVENTIONS.sub("", gloss) if c.islower())


def test_time_word_goes_first_and_carries_the_past():
    gloss = plain("I went to the store yesterday.")
    assert gloss == "YESTERDAY ME GO STORE."
    assert "THE" not in gloss.split() and "FINISH" not in gloss and "WENT" not in gloss
    assert plain("Last week we visited my grandparents.") == "LAST-WEEK WE VISIT MY GRANDPARENT."
    assert plain("I will call you tomorrow.") == "TOMORROW ME CALL YOU."
    assert plain("Today I ate pizza.") == "TODAY ME EAT PIZZA FINISH."  # TODAY says no tense


def test_past_without_a_time_word_gets_finish_or_a_time_sign():
    assert plain("We ate pizza.") == "WE EAT PIZZA FINISH."
    assert plain("We ate pizza.", finish_before=1.0) == "WE FINISH EAT PIZZA."
    assert plain("We ate pizza.", finish_past=0.0) in ("BEFORE WE EAT PIZZA.", "PAST WE EAT PIZZA.")
    assert plain("I have seen that movie.") == "ME SEE THAT MOVIE FINISH."  # perfect
    assert plain("I used to play soccer.") == "BEFORE ME PLAY SOCCER."


def test_future_is_will_or_future():
    assert plain("I will call you.") == "ME WILL CALL YOU."
    assert plain("We are going to travel.", future_will=0.0) == "WE FUTURE TRAVEL."
    assert plain("I am going to the store.") == "ME GO STORE."  # "going to" + a noun is movement, not future


def test_articles_copulas_and_do_support_are_dropped():
    assert plain("She is tired.") == "IX-3 TIRED."
    assert plain("Do you like pizza?") == "YOU LIKE PIZZA?"
    assert plain("The dog found a ball.") == "DOG FIND BALL FINISH."
    assert plain("What do you do?") == "YOU DO WHAT?"  # main-verb do stays
    assert plain("There is a dog outside.") == "HAVE DOG OUTSIDE."
    assert plain("I have to work.") == "ME MUST WORK."


def test_wh_sign_moves_to_the_end_of_questions_only():
    assert plain("What is your name?") == "YOUR NAME WHAT?"
    assert plain("Where do you live?") == "YOU LIVE WHERE?"
    assert plain("Where do you live?", wh_double=1.0) == "WHERE YOU LIVE WHERE?"
    assert plain("How many kids do you have?") == "KID YOU HAVE HOW-MANY?"
    assert plain("I know what you mean.") == "ME KNOW WHAT YOU MEAN."


def test_negation_before_or_after_the_verb():
    assert plain("I don't like coffee.") == "ME NOT LIKE COFFEE."
    assert plain("I don't like coffee.", neg_after=1.0) == "ME LIKE COFFEE NOT."
    assert plain("He never drinks coffee.") == "IX-3 NEVER DRINK COFFEE."
    assert plain("I have no money.") == "ME HAVE MONEY NONE."
    assert plain("I haven't eaten.") == "ME NOT-YET EAT."


def test_contractions_are_expanded_first():
    assert plain("I'm sure you can't swim.") == "ME SURE YOU CAN'T SWIM."
    assert plain("It's raining.") == "IX-3 RAIN."
    assert plain("I won't go.") == "ME WILL NOT GO."
    assert plain("John's car is red.") == "fs-JOHN CAR RED."  # possessive 's is not "is"
    assert plain("Let's go to the park.") == "WE GO PARK."
    assert plain("The shell is pretty.") == "SHELL PRETTY."  # no slang expansion: shell is not "she will"


def test_pronouns_plain_and_annotated():
    assert plain("He gave her my book.") == "IX-3 GIVE IX-3 MY BOOK FINISH."
    assert annotated("He gave her my book.") == "IX-3p:i GIVE IX-3p:j POSS-1p BOOK FINISH."
    assert plain("Their house is big.") == "POSS-3 HOUSE BIG."
    assert plain("I made it myself.") == "ME MAKE IX-3 SELF-1 FINISH."
    assert annotated("She said she was tired.").count("IX-3p:i") == 2  # one referent keeps its locus
    assert "SELF-3p:i" in annotated("She did it herself.")


def test_names_are_fingerspelled_and_places_name_signed():
    assert plain("My friend John lives in Boston.") == "MY FRIEND fs-JOHN LIVE IN fs-BOSTON."
    assert annotated("My friend John lives in Boston.") == "POSS-1p FRIEND fs-JOHN LIVE IN ns-BOSTON."
    assert plain("i talked to sarah.") == "ME TALK fs-SARAH FINISH."
    assert plain("We watched Netflix.") == "WE WATCH fs-NETFLIX FINISH."
    assert plain("We moved to New York.") == "WE MOVE fs-NEW-YORK FINISH."
    assert plain("Will you come?") == "WILL YOU COME?"  # a sentence-initial word in the lexicon is no name


def test_topicalisation_plurals_interjections_and_periods():
    assert plain("I like coffee.", topicalise=1.0) == "COFFEE, ME LIKE."
    assert plain("Do you like coffee?", topicalise=1.0) == "YOU LIKE COFFEE?"  # questions keep their order
    assert plain("I have two dogs.") == "ME HAVE TWO DOG."
    assert plain("I have two dogs.", lemmatise_plurals=0.0) == "ME HAVE TWO DOGS."
    assert plain("Wow, that is great!") == "WOW THAT GREAT!"
    assert plain("I am hungry.", keep_period=0.0) == "ME HUNGRY"


def test_sentence_count_is_kept_and_only_the_last_period_may_go():
    text = "I am tired. I am going home! Are you coming?"
    assert plain(text) == "ME TIRED. ME GO HOME! YOU COME?"
    assert plain("I am tired. I am going home.", keep_period=0.0) == "ME TIRED. ME GO HOME"
    for seed in range(30):
        gloss = gloss_text(text + " See you.", random.Random(seed))
        assert count_sentences(gloss) == 4, gloss


def test_annotation_conventions():
    assert annotated("Sarah moved to Chicago.") == "fs-SARAH MOVE ns-CHICAGO FINISH."
    assert annotated("The bank is open.") == "#BANK OPEN."
    assert annotated("My brother is a teacher.") == "POSS-1p BROTHER TEACH+AGENT."
    assert plain("My brother is a teacher.") == "MY BROTHER TEACHER."
    assert annotated("Wow, that is great!") == '5"wow" THAT GREAT!'
    assert annotated("I drove my big truck to work.") == \
        'IX-1p DRIVE POSS-1p DCL:"big" TRUCK SCL:3"vehicle moving" WORK FINISH.'
    assert annotated("I want to go home.", hand_marker=1.0) == "IX-1p (1h)WANT (2h)GO HOME."
    assert annotated("Wait, I like that color.", variant=1.0) == "WAIT-wg IX-1p LIKE_2 THAT COLOR-wg."


def test_annotated_style_appears_at_its_rates():
    """Default style: 30% of sentences annotated; loans 80%, hand markers 30%, classifiers 60% of those."""
    style, n = GlossStyle(), 400
    glosses = [gloss_sentence("I told my friend John about my job in Boston.", random.Random(s), style)
               for s in range(n)]
    rate = {form: sum(form in g for g in glosses) / n for form in ("IX-1p", "POSS-1p", "ns-BOSTON", "#JOB")}
    assert 0.2 < rate["IX-1p"] < 0.4 and 0.2 < rate["ns-BOSTON"] < 0.4, rate
    assert all(("IX-1p" in g) == ("POSS-1p" in g) == ("ns-" in g) for g in glosses)  # one style per sentence
    assert 0.14 < rate["#JOB"] < 0.34, rate
    assert all("fs-JOHN" in g for g in glosses)
    hands = [gloss_sentence("I want to go home.", random.Random(s), style) for s in range(n)]
    assert 0.03 < sum("(1h)WANT" in g for g in hands) / n < 0.17
    assert 0.03 < sum("(2h)GO" in g for g in hands) / n < 0.17
    trucks = [gloss_sentence("I drove my big truck to work.", random.Random(s), style) for s in range(n)]
    assert 0.1 < sum('SCL:3"' in g for g in trucks) / n < 0.28
    assert 0.1 < sum('DCL:"big"' in g for g in trucks) / n < 0.28


def test_seed_fixes_the_gloss_and_seeds_vary_it():
    text = "I don't like the coffee that we bought yesterday. What do you want?"
    assert gloss_text(text, random.Random(5)) == gloss_text(text, random.Random(5))
    assert len({gloss_text(text, random.Random(s)) for s in range(50)}) >= 5


def test_every_rule_example_shows_its_rule():
    examples = rule_examples()
    assert [e["rule"] for e in examples] == [r.name for r in RULES]
    assert len({r.name for r in RULES}) == len(RULES)
    for rule, example in zip(RULES, examples):
        assert set(example) == {"rule", "description", "english", "gloss"}
        assert rule.shows in example["gloss"], (rule.name, example["gloss"])


def test_style_rejects_bad_probabilities_and_unknown_keys():
    with pytest.raises(ParamsError, match="style.annotated"):
        GlossStyle(annotated=1.5)
    with pytest.raises(ParamsError, match="style.keep_period"):
        GlossStyle(keep_period="yes")
    with pytest.raises(ParamsError, match="'annotate'"):
        GlossStyle.from_mapping({"annotate": 0.5})
    assert GlossStyle.from_mapping({"annotated": 0.5}).annotated == 0.5


def test_bad_input_is_an_error_naming_it():
    with pytest.raises(ValueError, match="no sentence"):
        gloss_text("   ", random.Random(0))
    with pytest.raises(ValueError, match=r"texts\[1\]"):
        synthesize_pairs(["Hello there.", "?!"], seed=0, style=PLAIN)
    with pytest.raises(ValueError, match="min_words"):
        chitchat_utterances(min_words=5, max_words=2)


def test_synthesize_pairs_keeps_order_and_is_deterministic():
    texts = ["I am tired.", "Where do you live?", "My sister John's friend is a teacher."]
    pairs = synthesize_pairs(texts, seed=1, style=GlossStyle())
    assert [p["text"] for p in pairs] == texts
    assert pairs == synthesize_pairs(texts, seed=1, style=GlossStyle())
    assert pairs[1]["gloss"].endswith("WHERE?")


@pytest.fixture(scope="module")
def utterances() -> list[str]:
    return chitchat_utterances()


def test_chitchat_utterances_are_clean_and_many(utterances):
    assert len(utterances) > 160_000  # 166,496 with the defaults
    assert len(set(utterances)) == len(utterances)
    assert utterances == chitchat_utterances()  # deterministic order
    for text in utterances:
        words = re.findall(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?", text)
        assert 3 <= len(words) <= 25, text
        assert text.isascii() and not text.lstrip('"')[0].islower() and text[-1] in ".!?", text
        assert count_sentences(text) <= 3, text
        assert not re.search(r"https?:|www\.|@|[<>\[\]{}]|\b(?:lol|idk|u)\b", text, re.IGNORECASE), text
        assert text.upper() != text, text


def test_synthesize_chitchat_gives_valid_transformed_pairs(utterances):
    known = set(utterances)
    pairs = synthesize_chitchat(2000, seed=3)
    assert len(pairs) == 2000 and len({p["text"] for p in pairs}) == 2000
    assert pairs == synthesize_chitchat(2000, seed=3)
    assert pairs[:500] == synthesize_chitchat(500, seed=3)  # a smaller n is a prefix
    assert pairs != synthesize_chitchat(2000, seed=4)
    for pair in pairs:
        assert check_row(pair, "gloss", "text") == pair
        gloss, text = pair["gloss"], pair["text"]
        assert text in known
        assert gloss.strip() and not lowercase_outside_conventions(gloss), gloss
        assert count_sentences(gloss) == count_sentences(text), (gloss, text)
        assert gloss != text.upper() and gloss.rstrip(".!") != text.upper().rstrip(".!"), gloss
