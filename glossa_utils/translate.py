"""Translate glosses with a trained run: the Python API and the input checks behind ``glossa translate``.

``Translator.load("runs/default")`` loads the merged model of a run (or base + adapter when the run was
not merged, or any plain model directory) with the run's prompt template and decoding params;
``.translate(["YOU WANT GO DRINK AFTER DINNER?"])`` returns one `Translation` per input, in order.
``Translator.load(path, backend="ct2")`` decodes with CTranslate2 instead of torch, ``backend="llamacpp"``
with llama.cpp on the run's GGUF export (see `backends`).

Bad input never crashes a batch and never comes back as its own answer: an empty gloss or one the
params refuse gets an empty translation and a warning; control characters are removed; a gloss longer
than the input window is cut (or refused, by ``generate.on_long_input``); input that reads like
ordinary English rather than gloss is translated with a warning (out of scope per the model card).
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .backends import BACKENDS, TorchBackend, load_backend
from .config import GenerateConfig, load_params, load_run_params, resolve_path
from .data import DataError, Pair, sample_per_source
from .finetune import build_prompt, load_template
from .generate import postprocess
from .models import ModelError, check_checkpoint, load_model, load_tokenizer, resolve_model_path
from .notation import count_gloss_sentences, looks_like_gloss

ENGLISH_FUNCTION_WORDS = {"the", "a", "an", "is", "are", "was", "were", "am", "to", "of", "and", "do", "does",
                          "did", "have", "has", "been", "will", "would", "it's", "i'm", "that", "this"}
DEFAULT_TEMPLATE = "[INST] {gloss} [/INST] {text}"


@dataclass
class Translation:
    """One translated gloss, with what the checks had to say about its input."""

    gloss: str
    translation: str
    warnings: list[str] = field(default_factory=list)
    raw_output: str = ""

    def to_dict(self) -> dict:
        return {"gloss": self.gloss, "translation": self.translation, "warnings": self.warnings,
                "raw_output": self.raw_output}


def strip_control_characters(text: str) -> tuple[str, bool]:
    """Replace control and format characters (other than spaces) by spaces; report whether any were found."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cf") else c for c in text)
    return " ".join(cleaned.split()), cleaned != text


def decode_gloss_lines(data: bytes, source: str) -> list[str]:
    """The lines of a gloss file or stream; `DataError` naming `source`, the line and the byte if not UTF-8."""
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise DataError(f"{source}:{line}: not UTF-8 text (byte 0x{data[err.start]:02x}); glosses must be "
                        "UTF-8 text, one per line") from None
    return text.splitlines()


def looks_like_english(text: str) -> bool:
    """Heuristic: mostly lower-case words, or at least two English function words (gloss has neither).

    Text that `looks_like_gloss` (upper-case signs or any annotation such as ``IX-1p`` or a classifier's
    lower-case quoted description) is never taken for English.
    """
    if looks_like_gloss(text):
        return False
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
    if len(words) < 3:
        return False
    lower = sum(w.islower() for w in words) / len(words)
    function_words = sum(w.lower() in ENGLISH_FUNCTION_WORDS for w in words)
    return lower >= 0.6 or function_words >= 2 and lower >= 0.3


def check_gloss(gloss: str, tokenizer, max_input_tokens: int, on_long_input: str) -> tuple[str | None, list[str]]:
    """Clean one gloss for translation: (gloss to translate or None to skip, warnings)."""
    if not isinstance(gloss, str):
        return None, [f"not a string: {gloss!r}"]
    try:
        gloss.encode("utf-8")
    except UnicodeEncodeError as err:  # lone surrogates, e.g. undecodable bytes read with surrogateescape
        return None, [f"not valid text: {gloss[err.start]!r} at position {err.start + 1} is not a character"]
    text, had_control = strip_control_characters(gloss)
    notes = ["control characters removed"] if had_control else []
    if not text:
        return None, notes + ["empty gloss: nothing to translate"]
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if len(ids) > max_input_tokens:
        if on_long_input == "refuse":
            return None, notes + [f"gloss of {len(ids)} tokens exceeds generate.max_input_tokens={max_input_tokens}; refused"]
        text = tokenizer.decode(ids[:max_input_tokens]).strip()
        notes.append(f"gloss of {len(ids)} tokens cut to generate.max_input_tokens={max_input_tokens}")
    if looks_like_english(text):
        notes.append("input looks like English rather than gloss (out of scope for this model)")
    return text, notes


class Translator:
    """A loaded model plus the prompt template and decoding params it was trained and evaluated with."""

    def __init__(self, model, tokenizer, template: str = DEFAULT_TEMPLATE, generate: GenerateConfig | None = None,
                 seed: int = 0, backend=None):
        """`backend` decodes the prompts (default: `TorchBackend` on `model`); `model` may be None with a backend."""
        self.model, self.tokenizer, self.template = model.eval() if model is not None else None, tokenizer, template
        self.backend = backend or TorchBackend(self.model, tokenizer)
        if hasattr(self.backend, "use_template"):  # llamacpp keeps the prompt head's KV cache between glosses
            self.backend.use_template(template)
        self.generate = generate or GenerateConfig()
        self.seed = seed

    @classmethod
    def load(cls, path: str | Path, generate: GenerateConfig | None = None, device: str | None = None,
             backend: str = "torch", quant: str | None = None, threads: int = 0) -> "Translator":
        """Load from a run folder (merged model, else base + adapter) or from a model directory.

        A merged model decodes with the params it carries (`save_merged`), or, saved before it carried
        them, with those of the run folder around it; any other model directory with the default params.
        `backend` picks the decoder (`BACKENDS`: ``torch``, ``ct2`` or ``llamacpp``; the last two need a
        merged model and take `quant`, one of `CT2_QUANTS` or `LLAMACPP_QUANTS`, and `threads`, their CPU
        threads, 0 for their default). Checks and post-processing are the same for every backend.
        """
        folder = resolve_path(path)
        if not folder.exists():
            raise ModelError(f"no run folder or model directory at {path}")
        if backend not in BACKENDS:
            raise ModelError(f"unknown backend {backend!r} (have {', '.join(BACKENDS)})")
        if backend != "torch":
            return cls.load_fast(folder, path, generate, backend, quant, threads)
        if not (folder / "params.yaml").is_file():  # a model directory
            return cls.load_model_dir(folder, generate, device)
        cfg = load_params(folder / "params.yaml")
        generate = generate or cfg.generate
        if (folder / "merged" / "config.json").is_file():
            check_checkpoint(folder / "merged")
            model, tokenizer = load_model(str(folder / "merged"), device=device), load_tokenizer(str(folder / "merged"))
        elif (folder / "adapter" / "adapter_config.json").is_file():
            from .merge import load_with_adapter

            base = resolve_model_path(cfg.model.base)
            model = load_with_adapter(load_model(base, device=device), folder / "adapter", cfg.model.base)
            tokenizer = load_tokenizer(base)
        else:
            raise ModelError(f"{path}: the run folder holds neither merged/ nor adapter/ (did training finish?)")
        return cls(model, tokenizer, load_template(cfg), generate, cfg.seed)

    @classmethod
    def load_fast(cls, folder: Path, path: str | Path, generate: GenerateConfig | None, backend: str,
                  quant: str | None, threads: int = 0) -> "Translator":
        """`load` for a backend other than torch: it decodes the merged model (no adapter, no base)."""
        from .export import find_merged, read_run_settings

        merged = find_merged(path)
        template, run_generate = read_run_settings(path)
        seed = load_params(folder / "params.yaml").seed if (folder / "params.yaml").is_file() else 0
        tokenizer = load_tokenizer(str(merged))
        fast = load_backend(backend, folder, merged, tokenizer, quant, threads)
        return cls(None, tokenizer, template, generate or run_generate, seed, backend=fast)

    @classmethod
    def load_model_dir(cls, folder: Path, generate: GenerateConfig | None = None,
                       device: str | None = None) -> "Translator":
        """Load a model directory with the run params it carries (``glossa_params.yaml``), if any."""
        from .merge import MODEL_PARAMS, MODEL_TEMPLATE

        check_checkpoint(folder)
        model, tokenizer = load_model(str(folder), device=device), load_tokenizer(str(folder))
        params = next((p for p in (folder / MODEL_PARAMS, folder.parent / "params.yaml") if p.is_file()), None)
        if params is None:
            return cls(model, tokenizer, generate=generate)
        cfg = load_run_params(params)
        template_file = folder / MODEL_TEMPLATE
        template = template_file.read_text(encoding="utf-8").strip() if template_file.is_file() else load_template(cfg)
        return cls(model, tokenizer, template, generate or cfg.generate, cfg.seed)

    def translate(self, glosses: list[str]) -> list[Translation]:
        """Translate a batch of glosses; every input gets a `Translation`, in input order."""
        if isinstance(glosses, str):
            glosses = [glosses]
        g = self.generate
        checked = [check_gloss(x, self.tokenizer, g.max_input_tokens, g.on_long_input) for x in glosses]
        todo = [i for i, (text, _) in enumerate(checked) if text is not None]
        prompts = [build_prompt(checked[i][0], self.template) for i in todo]
        sentences = [count_gloss_sentences(checked[i][0]) for i in todo]
        raws = self.backend.generate(prompts, g, self.seed, sentences) if prompts else []
        results = [Translation(str(x), "", notes) for x, (_, notes) in zip(glosses, checked)]
        for i, raw in zip(todo, raws):
            results[i].raw_output = raw
            results[i].translation = postprocess(raw, checked[i][0], g.truncate_sentences)
        for r in results:
            for note in r.warnings:
                warnings.warn(f"{r.gloss[:40]!r}: {note}", stacklevel=2)
        return results


def translate_pairs(model, tokenizer, pairs: list[Pair], template: str, cfg: GenerateConfig, seed: int) -> list[dict]:
    """Prediction records (gloss, reference, raw output, prediction, warnings, and the pair's source if any).

    ``generate.max_examples`` caps each source separately (a seeded sample, original order kept).
    """
    pairs = sample_per_source(pairs, cfg.max_examples, seed)
    results = Translator(model, tokenizer, template, cfg, seed).translate([p["gloss"] for p in pairs])
    return [{"gloss": p["gloss"], "reference": p["text"], "raw_output": r.raw_output, "prediction": r.translation,
             "warnings": r.warnings, **({"source": p["source"]} if "source" in p else {})}
            for p, r in zip(pairs, results)]
