"""Inference backends for `Translator`: the same prompts and post-processing, a different decoder.

``torch`` runs the merged model through transformers' ``generate`` (the reference). ``ct2`` runs it through
CTranslate2, a C++ inference engine for Transformer models: the merged checkpoint is converted once into
``<run>/export/ct2-<quant>/`` (``glossa export RUN --format ct2``, or on first use) and decoded with
float32 weights by default: on the default run int8 weights changed 59 % of the greedy translations and
lowered BLEU-4 (docs/benchmarks.md), float32 reproduced all of them. Both backends see the same token ids
and return the decoded continuation of each prompt; `Translator` does the input checks and the card's
post-processing for either.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

from .config import GenerateConfig, resolve_path
from .generate import extract_answer, finished_sentences, generate_raw
from .models import ModelError

BACKENDS = ("torch", "ct2")
"""Backends `Translator.load` accepts."""

CT2_QUANTS = ("float32", "int8_float32", "int8")
"""CTranslate2 weight types: float32 (the default), int8 weights with float32 or with int8 matrix products."""

DEFAULT_CT2_QUANT = "float32"


class TorchBackend:
    """transformers' ``generate`` on a loaded model (batched, left-padded; see `generate_raw`)."""

    name = "torch"

    def __init__(self, model, tokenizer):
        self.model, self.tokenizer = model, tokenizer

    def generate(self, prompts: list[str], cfg: GenerateConfig, seed: int, sentences: list[int]) -> list[str]:
        return generate_raw(self.model, self.tokenizer, prompts, cfg, seed, sentences)


def require_ctranslate2():
    """Import ``ctranslate2`` or fail with the command that installs it."""
    if importlib.util.find_spec("ctranslate2") is None:
        raise ModelError("the ct2 backend needs CTranslate2: pip install -c constraints-cpu.txt -e '.[fast]'")
    import ctranslate2

    return ctranslate2


def convert_to_ct2(merged: Path, out_dir: Path, quant: str = DEFAULT_CT2_QUANT) -> Path:
    """Convert a merged Hugging Face checkpoint into a CTranslate2 model directory with `quant` weights."""
    if quant not in CT2_QUANTS:
        raise ModelError(f"unknown CTranslate2 quantisation {quant!r} (have {', '.join(CT2_QUANTS)})")
    ctranslate2 = require_ctranslate2()
    converter = ctranslate2.converters.TransformersConverter(str(merged), low_cpu_mem_usage=True)
    converter.convert(str(out_dir), quantization=quant, force=True)
    return out_dir


class CT2Backend:
    """CTranslate2's ``Generator``: the run's decoding params mapped onto ``generate_batch``.

    Greedy is ``sampling_topk=1``; sampling keeps top-p and temperature; beams map to ``beam_size``. With
    ``generate.stop_at_sentences`` a per-token callback stops each row once it has its sentences.
    """

    name = "ct2"

    def __init__(self, model_dir: Path, tokenizer, quant: str = DEFAULT_CT2_QUANT, threads: int = 0,
                 keep: tempfile.TemporaryDirectory | None = None):
        ctranslate2 = require_ctranslate2()
        self.tokenizer, self.quant, self._keep, self.ctranslate2 = tokenizer, quant, keep, ctranslate2
        self.generator = ctranslate2.Generator(str(model_dir), device="cpu", compute_type=quant, intra_threads=threads)

    def options(self, cfg: GenerateConfig) -> dict:
        """Keyword arguments for ``generate_batch`` from the generate params."""
        options = {"max_length": cfg.max_new_tokens, "max_batch_size": cfg.batch_size, "beam_size": cfg.num_beams,
                   "repetition_penalty": cfg.repetition_penalty, "include_prompt_in_result": False,
                   "end_token": self.tokenizer.eos_token}
        if cfg.do_sample:
            options.update(sampling_topk=0, sampling_topp=cfg.top_p, sampling_temperature=cfg.temperature)
        else:
            options.update(sampling_topk=1)
        return options

    def sentence_callback(self, sentences: list[int]):
        """A step callback that ends a row once its answer holds `sentences[row]` finished sentences."""
        generated: dict[int, list[int]] = {}

        def stop(step) -> bool:
            ids = generated.setdefault(step.batch_id, [])
            ids.append(step.token_id)
            text = self.tokenizer.decode(ids, skip_special_tokens=True)
            return finished_sentences(extract_answer(text)) >= sentences[step.batch_id]

        return stop

    def generate(self, prompts: list[str], cfg: GenerateConfig, seed: int, sentences: list[int]) -> list[str]:
        tokens = [self.tokenizer.convert_ids_to_tokens(self.tokenizer(p)["input_ids"]) for p in prompts]
        options = self.options(cfg)
        if cfg.do_sample:
            self.ctranslate2.set_random_seed(seed)
        if cfg.stop_at_sentences and cfg.num_beams == 1:
            options.update(callback=self.sentence_callback(sentences), max_batch_size=0)
        results = self.generator.generate_batch(tokens, **options)
        return [self.tokenizer.decode(r.sequences_ids[0], skip_special_tokens=True) for r in results]


def ct2_model_dir(run_dir: Path, merged: Path, quant: str) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    """The converted model of a run (``<run>/export/ct2-<quant>``, converted on first use); for a bare
    model directory, a temporary conversion kept as long as the backend lives."""
    if merged == run_dir:  # a bare model directory: do not write into it
        keep = tempfile.TemporaryDirectory(prefix="glossa-ct2-")
        return convert_to_ct2(merged, Path(keep.name) / "model", quant), keep
    target = run_dir / "export" / f"ct2-{quant}"
    if not (target / "model.bin").is_file():
        print(f"note: converting {merged.name}/ for CTranslate2 ({quant}) into {target.relative_to(run_dir.parent)}/")
        convert_to_ct2(merged, target, quant)
    return target, None


def load_backend(name: str, run_dir: str | Path, merged: Path, tokenizer, quant: str | None = None):
    """Build backend `name` for a run folder or model directory whose merged checkpoint is `merged`."""
    if name not in BACKENDS:
        raise ModelError(f"unknown backend {name!r} (have {', '.join(BACKENDS)})")
    if name == "torch":
        from .models import load_model

        return TorchBackend(load_model(str(merged)), tokenizer)
    quant = quant or DEFAULT_CT2_QUANT
    if quant not in CT2_QUANTS:
        raise ModelError(f"unknown CTranslate2 quantisation {quant!r} (have {', '.join(CT2_QUANTS)})")
    require_ctranslate2()
    model_dir, keep = ct2_model_dir(resolve_path(run_dir), merged, quant)
    return CT2Backend(model_dir, tokenizer, quant, keep=keep)
