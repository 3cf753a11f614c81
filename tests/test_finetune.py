import torch

from glossa_utils import PadCollator, build_answer, build_prompt, encode_pair, mask_labels

TEMPLATE = "[INST] {gloss} [/INST] {text}"
PAIR = {"gloss": "YOU WANT GO DRINK AFTER DINNER?", "text": "Do you want to go for a drink after dinner?"}


def test_prompt_is_exactly_the_cards_format():
    assert build_prompt(PAIR["gloss"], TEMPLATE) == "[INST] YOU WANT GO DRINK AFTER DINNER? [/INST]"
    assert build_prompt(PAIR["gloss"], TEMPLATE) + build_answer(PAIR["text"], TEMPLATE) == \
        "[INST] YOU WANT GO DRINK AFTER DINNER? [/INST] Do you want to go for a drink after dinner?"


def test_encoded_pair_is_prompt_then_answer_then_eos(tokenizer):
    enc = encode_pair(tokenizer, PAIR, TEMPLATE, 512)
    ids = enc["input_ids"]
    assert ids[-1] == tokenizer.eos_token_id and not enc["truncated"]
    assert tokenizer.decode(ids[: enc["prompt_length"]]) == build_prompt(PAIR["gloss"], TEMPLATE)
    assert tokenizer.decode(ids[enc["prompt_length"]:-1]) == " " + PAIR["text"]


def test_pad_token_is_set_explicitly_to_eos(tokenizer):
    assert tokenizer.pad_token == tokenizer.eos_token and tokenizer.pad_token_id is not None


def test_label_mask_token_by_token_keeps_eos_with_pad_equal_to_eos():
    eos = 2
    input_ids = torch.tensor([[10, 11, 12, 20, 21, eos, eos, eos],   # padded: pad id == EOS id
                              [10, 11, 20, 21, 22, 23, 24, eos]])
    attention = torch.tensor([[1, 1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1]])
    labels = mask_labels(input_ids, attention, torch.tensor([3, 2]))
    assert labels.tolist() == [[-100, -100, -100, 20, 21, eos, -100, -100],
                               [-100, -100, 20, 21, 22, 23, 24, eos]]


def test_collator_pads_dynamically_and_masks(tokenizer):
    short = encode_pair(tokenizer, {"gloss": "ME HUNGRY", "text": "I'm hungry."}, TEMPLATE, 512)
    long = encode_pair(tokenizer, PAIR, TEMPLATE, 512)
    batch = PadCollator(tokenizer.pad_token_id)([short, long])
    width = len(long["input_ids"])
    assert batch["input_ids"].shape == (2, width)  # padded to the longest, not to 512
    n = len(short["input_ids"])
    row = batch["labels"][0].tolist()
    assert row[: short["prompt_length"]] == [-100] * short["prompt_length"]
    assert row[n - 1] == tokenizer.eos_token_id  # the answer's EOS is supervised
    assert row[n:] == [-100] * (width - n)       # padding (also EOS ids) is not
    assert batch["attention_mask"][0].tolist() == [1] * n + [0] * (width - n)


def test_truncated_answer_loses_its_eos(tokenizer):
    enc = encode_pair(tokenizer, PAIR, TEMPLATE, 20)
    assert enc["truncated"] and len(enc["input_ids"]) == 20 and enc["input_ids"][-1] != tokenizer.eos_token_id


def test_prompt_longer_than_max_length_is_refused(tokenizer):
    import pytest

    with pytest.raises(ValueError, match="does not fit train.max_length"):
        encode_pair(tokenizer, {"gloss": "WORD " * 40, "text": "x"}, TEMPLATE, 16)
