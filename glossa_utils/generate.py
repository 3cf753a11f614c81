"""Stage 4, generation: batched decoding and the model card's post-processing.

The card keeps the text after ``[/INST]`` and truncates it to as many sentences as the gloss has.
Its helper counted ``.``, ``!`` and ``?`` characters, so a gloss without end punctuation got zero
sentences (an empty translation) and ``...`` or ``Mr.`` counted extra. `count_sentences` counts
sentence *ends* instead — a run of terminators followed by a space or the end, not after a known
abbreviation — and any unterminated tail as one more, so every non-empty gloss has at least one.
A gloss is counted by `notation.count_gloss_sentences`, which also skips quoted descriptions and brackets.
"""

from __future__ import annotations

import re

import torch
from tqdm import tqdm
from transformers import StoppingCriteria, StoppingCriteriaList

from .config import GenerateConfig
from .notation import count_gloss_sentences

ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "vs", "e.g", "i.e", "a.m", "p.m"}
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences at ``.``/``!``/``?`` runs followed by whitespace or the end."""
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        words = text[start:match.start()].split()
        if match.group() == "." and words and words[-1].lower().lstrip("(\"'") in ABBREVIATIONS:
            continue  # "Mr." or "e.g." does not end a sentence
        if text[start:match.end()].strip(" .!?"):
            sentences.append(text[start:match.end()].strip())
            start = match.end()
    tail = text[start:].strip()
    if tail.strip(".!? "):
        sentences.append(tail)
    elif tail and sentences:
        sentences[-1] += tail  # stray terminators after the last sentence
    return sentences


def card_count_sentences(text: str) -> int:
    """The model card's helper, kept for comparison: it counts ``.``, ``!`` and ``?`` characters."""
    return sum(text.count(c) for c in ".!?")


def count_sentences(text: str) -> int:
    """Number of sentences, at least 1 (a gloss without end punctuation is one sentence)."""
    return max(1, len(split_sentences(text)))


def truncate_sentences(text: str, n: int) -> str:
    """The first `n` sentences of `text`."""
    return " ".join(split_sentences(text)[:n])


def extract_answer(raw: str) -> str:
    """The card's post-processing: the text after the prompt's ``[/INST]``, up to any new marker.

    `raw` may be the full decoded sequence or (as here) only the continuation; either way the answer
    ends where the model starts a new ``[INST]`` turn or echoes ``[/INST]`` again.
    """
    answer = raw.split("[/INST]", 1)[1] if raw.lstrip().startswith("[INST]") else raw
    return re.split(r"\[/?INST\]", answer, maxsplit=1)[0].strip()


def decoding_kwargs(cfg: GenerateConfig, tokenizer) -> dict:
    """Keyword arguments for ``model.generate`` from the generate params (sampling, greedy or beam search)."""
    kwargs = {"max_new_tokens": cfg.max_new_tokens, "do_sample": cfg.do_sample,
              "repetition_penalty": cfg.repetition_penalty, "num_beams": cfg.num_beams,
              "pad_token_id": tokenizer.pad_token_id, "eos_token_id": tokenizer.eos_token_id}
    if cfg.do_sample:
        kwargs.update(temperature=cfg.temperature, top_p=cfg.top_p)
    else:
        kwargs.update(temperature=None, top_p=None, top_k=None)
    return kwargs


def finished_sentences(text: str) -> int:
    """Sentences in `text` that already end in ``.``, ``!`` or ``?`` (an unterminated tail does not count)."""
    return sum(1 for s in split_sentences(text) if s.rstrip().endswith((".", "!", "?")))


def answer_complete(continuation: str, sentences: int) -> bool:
    """Whether the answer in a decoded `continuation` already holds `sentences` finished sentences: the
    stop test every backend's length-aware decoding uses (`SentenceStopper`, CTranslate2, llama.cpp)."""
    return finished_sentences(extract_answer(continuation)) >= sentences


class SentenceStopper(StoppingCriteria):
    """Length-aware decoding: a row stops once its continuation holds as many finished sentences as its gloss.

    This replaces most of the card's post-hoc truncation: the model no longer spends up to
    ``max_new_tokens`` writing text that is cut away afterwards.
    """

    def __init__(self, tokenizer, prompt_length: int, sentences: list[int]):
        self.tokenizer, self.prompt_length, self.sentences = tokenizer, prompt_length, sentences

    def __call__(self, input_ids: torch.LongTensor, scores, **kwargs) -> torch.BoolTensor:
        texts = self.tokenizer.batch_decode(input_ids[:, self.prompt_length:], skip_special_tokens=True)
        done = [answer_complete(t, n) for t, n in zip(texts, self.sentences)]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


@torch.no_grad()
def generate_raw(model, tokenizer, prompts: list[str], cfg: GenerateConfig, seed: int,
                 sentences: list[int] | None = None) -> list[str]:
    """Decode the continuation of each prompt, in batches of similar length, left-padded.

    Only the newly generated tokens are decoded, so the prompt can never come back as the answer.
    With ``generate.stop_at_sentences`` and `sentences` (the target count per prompt), each row stops
    as soon as it has written that many sentences.
    """
    side, tokenizer.padding_side = tokenizer.padding_side, "left"  # a decoder continues from the last position
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    outputs: dict[int, str] = {}
    torch.manual_seed(seed)
    kwargs = decoding_kwargs(cfg, tokenizer)
    try:
        for start in tqdm(range(0, len(order), cfg.batch_size), desc="generate", unit="batch"):
            idx = order[start:start + cfg.batch_size]
            batch = tokenizer([prompts[i] for i in idx], return_tensors="pt", padding=True).to(model.device)
            if cfg.stop_at_sentences and sentences is not None:
                stopper = SentenceStopper(tokenizer, batch["input_ids"].shape[1], [sentences[i] for i in idx])
                kwargs["stopping_criteria"] = StoppingCriteriaList([stopper])
            new_tokens = model.generate(**batch, **kwargs)[:, batch["input_ids"].shape[1]:]
            for i, text in zip(idx, tokenizer.batch_decode(new_tokens, skip_special_tokens=True)):
                outputs[i] = text
    finally:
        tokenizer.padding_side = side
    return [outputs[i] for i in range(len(prompts))]


def postprocess(raw: str, gloss: str, truncate: bool) -> str:
    """Extract the answer and, if asked, cut it to the gloss's sentence count.

    The gloss is counted by `count_gloss_sentences` (a ``.`` or ``?`` inside a classifier's quoted
    description or an NMM bracket ends no sentence); the English answer is split by `split_sentences`.
    """
    answer = extract_answer(raw)
    return truncate_sentences(answer, count_gloss_sentences(gloss)) if truncate else answer


def repostprocess(records: list[dict], truncate: bool) -> list[dict]:
    """Prediction records with ``prediction`` recomputed from their ``raw_output`` by `postprocess`, cut to
    the gloss's sentence count or not: measures what the truncation does without generating again.

    A run that decoded with ``generate.stop_at_sentences`` stopped at the count already, so its raw
    outputs cannot show what an uncut answer would have been.
    """
    missing = sum("raw_output" not in r for r in records)
    if missing:
        raise ValueError(f"{missing} of {len(records)} prediction records have no raw_output to postprocess again")
    return [{**r, "prediction": postprocess(r["raw_output"], r["gloss"], truncate)} for r in records]


DECODING_VARIANTS: dict[str, dict] = {
    "greedy": {"do_sample": False, "repetition_penalty": 1.0},
    "card: sampling T=0.6, p=0.8, rep 1.5": {"do_sample": True, "temperature": 0.6, "top_p": 0.8,
                                             "repetition_penalty": 1.5},
    "sampling T=1.0": {"do_sample": True, "temperature": 1.0, "top_p": 1.0, "repetition_penalty": 1.0},
    "greedy + rep 1.5": {"do_sample": False, "repetition_penalty": 1.5},
    "beam 4": {"do_sample": False, "repetition_penalty": 1.0, "num_beams": 4},
}
"""Decoding settings compared side by side in 04_generate and by benchmarks/compare_decoding.py."""


def decode_variants(model, tokenizer, glosses: list[str], template: str, base: GenerateConfig, seed: int,
                    variants: dict[str, dict] = DECODING_VARIANTS) -> dict[str, list[str]]:
    """Translate the same glosses under each decoding variant (fields of `base` overridden); name -> outputs."""
    import dataclasses

    from .finetune import build_prompt

    prompts = [build_prompt(g, template) for g in glosses]
    outputs = {}
    for name, overrides in variants.items():
        cfg = dataclasses.replace(base, **overrides)
        raw = generate_raw(model, tokenizer, prompts, cfg, seed)
        outputs[name] = [postprocess(r, g, cfg.truncate_sentences) for r, g in zip(raw, glosses)]
    return outputs
