import pytest

from glossa_utils import (card_count_sentences, count_sentences, extract_answer, load_model, load_tokenizer,
                          postprocess, repostprocess, split_sentences, translate_pairs, truncate_sentences)
from glossa_utils.config import GenerateConfig, ParamsError


@pytest.mark.parametrize("text, expected", [
    ("ME HUNGRY", 1),                       # no end punctuation: the card's helper says 0
    ("ME TIRED. ME GO HOME.", 2),
    ("WAIT... ME THINK!", 2),               # "..." is one sentence end, not three
    ("YOU WANT GO?!", 1),
    ("Mr. Smith is here. Hi", 2),           # "Mr." is not a sentence end; the tail counts
    ("TODAY , X-WE NEED TO KNOW DESC-MANY THING .", 1),  # ASLG-PC12's spaced full stop
    ("PRICE 3.50 DOLLAR.", 1),              # a decimal point is not a sentence end
    ("", 1),
])
def test_count_sentences(text, expected):
    assert count_sentences(text) == expected


def test_card_helper_is_reproduced_for_comparison():
    assert card_count_sentences("ME HUNGRY") == 0 and card_count_sentences("WAIT... ME THINK!") == 4


def test_split_and_truncate():
    assert split_sentences("I'm tired. I'm going home! Are you?") == ["I'm tired.", "I'm going home!", "Are you?"]
    assert truncate_sentences("I'm tired. I'm going home! Are you?", 2) == "I'm tired. I'm going home!"
    assert truncate_sentences("No end punctuation here", 1) == "No end punctuation here"


def test_extract_answer_keeps_text_after_inst_and_stops_at_a_new_turn():
    assert extract_answer("[INST] ME GO. [/INST] I'm going. [INST] more") == "I'm going."
    assert extract_answer(" I'm going.") == "I'm going."
    assert extract_answer(" I'm going. [INST] ME EAT. [/INST] I eat.") == "I'm going."
    # a continuation that echoes the gloss and then [/INST] keeps the echo, not the empty tail
    assert extract_answer("\n\nThe answer is: BUS GO DOWNTOWN WHICH? [/INST]") == "The answer is: BUS GO DOWNTOWN WHICH?"


def test_postprocess_never_empties_an_unpunctuated_gloss():
    assert postprocess(" I'm hungry. Let's eat. Now.", "ME HUNGRY", truncate=True) == "I'm hungry."
    assert postprocess(" I'm hungry. Let's eat.", "ME HUNGRY", truncate=False) == "I'm hungry. Let's eat."


def test_repostprocess_recomputes_predictions_from_raw_outputs():
    rows = [{"gloss": "ME TIRED.", "reference": "I'm tired.", "raw_output": " I'm tired. I go home. [INST] x",
             "prediction": "I'm tired."}]
    assert repostprocess(rows, truncate=False)[0]["prediction"] == "I'm tired. I go home."
    assert repostprocess(rows, truncate=True) == rows and rows[0]["prediction"] == "I'm tired."  # input untouched
    with pytest.raises(ValueError, match="1 of 2 prediction records have no raw_output"):
        repostprocess([*rows, {"gloss": "A.", "reference": "a", "prediction": "a"}], truncate=True)


def test_postprocess_counts_gloss_sentences_outside_quotes_and_brackets():
    gloss = 'IX-1p SEE DCL:B"flat. surface" [y/n YOU HUNGRY?]'  # one sentence: its "." and "?" are inside
    assert postprocess(" I see a flat surface. Are you hungry?", gloss, truncate=True) == "I see a flat surface."
    assert postprocess(" I'm tired. I'm going home. Bye.", "ME TIRED. ME GO HOME.", truncate=True) == \
        "I'm tired. I'm going home."


def test_translate_pairs_decodes_only_new_tokens(tiny_model_path):
    tokenizer = load_tokenizer(tiny_model_path)
    model = load_model(tiny_model_path, device="cpu").eval()
    pairs = [{"gloss": "ME GO.", "text": "I'm going."}, {"gloss": "YOU WANT GO DRINK AFTER DINNER?", "text": "x"}]
    cfg = GenerateConfig(do_sample=False, max_new_tokens=5, batch_size=2)
    records = translate_pairs(model, tokenizer, pairs, "[INST] {gloss} [/INST] {text}", cfg, seed=0)
    assert [r["gloss"] for r in records] == [p["gloss"] for p in pairs]
    assert all("[INST]" not in r["raw_output"] for r in records)
    assert tokenizer.padding_side == "right"  # left padding is for generation only; the caller's setting is restored
    # Batched left-padded greedy decoding matches one-at-a-time decoding.
    single = [translate_pairs(model, tokenizer, [p], "[INST] {gloss} [/INST] {text}", cfg, seed=0)[0] for p in pairs]
    assert [r["raw_output"] for r in records] == [r["raw_output"] for r in single]


def test_finished_sentences_ignores_an_unterminated_tail():
    from glossa_utils.generate import finished_sentences

    assert finished_sentences("I'm tired. I'm go") == 1
    assert finished_sentences("I'm tired. I'm going home!") == 2
    assert finished_sentences("Mr. Smith") == 0


def test_answer_complete_counts_finished_sentences_of_the_answer_only():
    from glossa_utils.generate import answer_complete

    assert answer_complete("I'm tired. I'm going home.", 2)
    assert not answer_complete("I'm tired. I'm go", 2)  # the tail is not finished yet
    assert answer_complete("I'm tired. I'm go", 1)
    assert not answer_complete("Mr. Smith", 1)  # an abbreviation ends no sentence
    assert not answer_complete(" [/INST] Hello", 1)  # only the answer counts, never the echoed prompt
    assert answer_complete("Hello. [INST] More. Text.", 1) and not answer_complete("Hello. [INST] More. Text.", 2)


def test_length_aware_decoding_stops_each_row_at_its_sentence_count(tiny_model_path):
    from glossa_utils.generate import SentenceStopper

    tokenizer = load_tokenizer(tiny_model_path)
    ids = tokenizer(["[INST] X [/INST] Hi. Bye. More", "[INST] X [/INST] Hi. Bye"], return_tensors="pt",
                    padding=True)["input_ids"]
    prompt_length = len(tokenizer("[INST] X [/INST]")["input_ids"])
    assert SentenceStopper(tokenizer, prompt_length, [2, 2])(ids, None).tolist() == [True, False]
    assert SentenceStopper(tokenizer, prompt_length, [1, 1])(ids, None).tolist() == [True, True]


def test_stop_at_sentences_never_lengthens_the_output(tiny_model_path):
    tokenizer = load_tokenizer(tiny_model_path)
    model = load_model(tiny_model_path, device="cpu").eval()
    pairs = [{"gloss": "ME GO.", "text": "x"}, {"gloss": "ME TIRED. ME GO HOME.", "text": "y"}]
    template = "[INST] {gloss} [/INST] {text}"
    plain = translate_pairs(model, tokenizer, pairs, template, GenerateConfig(do_sample=False, max_new_tokens=30), 0)
    stopped = translate_pairs(model, tokenizer, pairs, template,
                              GenerateConfig(do_sample=False, max_new_tokens=30, stop_at_sentences=True), 0)
    for a, b in zip(plain, stopped):
        assert a["raw_output"].startswith(b["raw_output"])  # same greedy path, cut earlier (or equal)


def test_decode_variants_runs_every_setting_on_the_same_glosses(tiny_model_path):
    from glossa_utils.generate import DECODING_VARIANTS, decode_variants

    tokenizer = load_tokenizer(tiny_model_path)
    model = load_model(tiny_model_path, device="cpu").eval()
    glosses = ["ME GO.", "YOU WANT GO DRINK AFTER DINNER?"]
    template = "[INST] {gloss} [/INST] {text}"
    base = GenerateConfig(max_new_tokens=8, batch_size=2)
    outputs = decode_variants(model, tokenizer, glosses, template, base, seed=0)
    assert list(outputs) == list(DECODING_VARIANTS) and all(len(o) == 2 for o in outputs.values())
    pairs = [{"gloss": g, "text": ""} for g in glosses]
    greedy = translate_pairs(model, tokenizer, pairs, template,
                             GenerateConfig(do_sample=False, repetition_penalty=1.0, max_new_tokens=8), 0)
    assert outputs["greedy"] == [r["prediction"] for r in greedy]  # the same decoding as the pipeline's
    # Beam search keeps 4 candidates: its output is the most likely of them, so it may differ from greedy.
    beam = decode_variants(model, tokenizer, glosses, template, base, 0, {"beam": {"do_sample": False, "num_beams": 4}})
    assert len(beam["beam"]) == 2


def test_beam_search_and_length_aware_stopping_do_not_mix():
    with pytest.raises(ParamsError, match="num_beams: 1"):
        GenerateConfig(num_beams=4, stop_at_sentences=True)
    with pytest.raises(ParamsError, match="num_beams must be >= 1"):
        GenerateConfig(num_beams=0)
