"""Inference backends for `Translator`: the same prompts and post-processing, a different decoder.

``torch`` runs the merged model through transformers' ``generate`` (the reference). ``ct2`` runs it through
CTranslate2, a C++ inference engine for Transformer models: the merged checkpoint is converted once into
``<run>/export/ct2-<quant>/`` (``glossa export RUN --format ct2``, or on first use) and decoded with
float32 weights by default: on the default run int8 weights changed 59 % of the greedy translations and
lowered BLEU-4 (docs/benchmarks.md), float32 reproduced all of them. Both backends see the same token ids
and return the decoded continuation of each prompt; `Translator` does the input checks and the card's
post-processing for either.

``llamacpp`` runs the run's GGUF export (``<run>/export/gguf/model-<quant>.gguf``, written on first use and
after the run is trained again, like the ct2 conversion) through llama.cpp (llama-cpp-python), fed the same
token ids as torch, with flash attention on: on the default run (2-core AMD EPYC, f16 weights, batches of 44)
it raised batches from 10.3 to 14.9–15.4 sentences/s and one gloss's median from 150 to 122–129 ms, with the
same translations (docs/benchmarks.md). The default weights are bf16 on a CPU that multiplies bf16 natively
(`models.cpu_has_bf16`; llama.cpp's bf16 matrix products can then do up to twice the work per cycle of f16's,
which it widens to f32) and f16 elsewhere. Both are 16 bits a weight, so one gloss reads as many bytes with
either. There bf16 decoded batches of 44 at 16.6–26.0 sentences/s and took 98.7–117 ms for one gloss
(depending on the VM's hour), keeping torch's greedy translation for all 44 test glosses in batches (f16: 43)
and 42 one at a time; q8_0 took 84–123 ms and changed 5 of 44 translations.

llama.cpp's extra weight buffers (AMX, repacking) are turned off: on a CPU that reports AMX-INT8 inside a VM,
llama.cpp's AMX matrix product for q8_0 faulted (SIGSEGV on ``ldtilecfg``) on the first decode — with our
q8_0 file and with llama.cpp's own quantisation.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
import threading
import weakref
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .config import GenerateConfig, resolve_path
from .export import export_gguf, export_is_current, write_source_stamp
from .generate import answer_complete, generate_raw
from .models import ModelError, cpu_has_bf16

BACKENDS = ("torch", "ct2", "llamacpp")
"""Backends `Translator.load` accepts."""

CT2_QUANTS = ("float32", "int8_float32", "int8")
"""CTranslate2 weight types: float32 (the default), int8 weights with float32 or with int8 matrix products."""

DEFAULT_CT2_QUANT = "float32"

LLAMACPP_QUANTS = ("f32", "f16", "bf16", "q8_0")
"""GGUF weight types the llamacpp backend decodes (those `export.export_gguf` writes)."""


def default_llamacpp_quant() -> str:
    """The llamacpp backend's default GGUF weights: bf16 where the CPU computes it natively, else f16 (see
    the module docstring). A function, so that importing the package reads no /proc/cpuinfo."""
    return "bf16" if cpu_has_bf16() else "f16"


def default_threads() -> int:
    """CPU threads for llama.cpp: the physical cores among the CPUs this process may run on.

    Linux: the CPUs of ``os.sched_getaffinity`` counted once per (package, core) in sysfs, so
    hyper-threads of one core count once; elsewhere, or without sysfs, ``os.cpu_count()``.
    """
    try:
        cpus = os.sched_getaffinity(0)
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
    cores = set()
    for cpu in cpus:
        topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            cores.add(tuple((topology / f).read_text().strip() for f in ("physical_package_id", "core_id")))
        except OSError:
            return max(1, len(cpus))
    return max(1, len(cores))


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
    write_source_stamp(out_dir, merged)
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
            return answer_complete(self.tokenizer.decode(ids, skip_special_tokens=True), sentences[step.batch_id])

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


def export_note(target: Path, merged: Path, run_dir: Path, what: str) -> str | None:
    """None if `target` is a complete, current export of `merged` (`export.export_is_current`; a CTranslate2
    folder also needs its ``model.bin``), else the note to print before exporting it (again)."""
    complete = target.is_file() or (target / "model.bin").is_file()
    if complete and export_is_current(target, merged):
        return None
    where = target.relative_to(run_dir.parent)
    if complete:
        return (f"note: {where} was not made from the run's current {merged.name}/ (trained again since?); "
                f"{what} again")
    return f"note: {what} into {where}"


def ct2_model_dir(run_dir: Path, merged: Path, quant: str) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    """The converted model of a run (``<run>/export/ct2-<quant>``, converted on first use and again when
    ``merged/`` changed); for a bare model directory, a temporary conversion kept as long as the backend lives."""
    if merged == run_dir:  # a bare model directory: do not write into it
        keep = tempfile.TemporaryDirectory(prefix="glossa-ct2-")
        return convert_to_ct2(merged, Path(keep.name) / "model", quant), keep
    target = run_dir / "export" / f"ct2-{quant}"
    note = export_note(target, merged, run_dir, f"converting {merged.name}/ for CTranslate2 ({quant})")
    if note:
        print(note)
        convert_to_ct2(merged, target, quant)
    return target, None


def require_llama_cpp():
    """Import ``llama_cpp`` (llama-cpp-python) or fail with the command that installs it."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise ModelError("the llamacpp backend needs llama-cpp-python: pip install -c constraints-cpu.txt -e "
                         "'.[llamacpp]' (it compiles llama.cpp from source: several minutes on 2 cores)")
    import llama_cpp

    return llama_cpp


_LOAD_LOCK = threading.Lock()


def open_llama(gguf_path: Path, threads: int, n_ctx: int):
    """A ``llama_cpp.Llama`` on `gguf_path`, CPU only, quiet, flash attention on, llama.cpp's extra weight
    buffers off.

    ``Llama`` does not expose ``use_extra_bufts``, so its model-params factory is wrapped while it loads
    (under a lock). The extra buffers are where llama.cpp's AMX kernels live; see the module docstring.
    """
    llama_cpp = require_llama_cpp()
    module = llama_cpp.llama_cpp
    with _LOAD_LOCK:
        default = module.llama_model_default_params

        def without_extra_buffers():
            params = default()
            params.use_extra_bufts = False
            return params

        module.llama_model_default_params = without_extra_buffers
        try:
            return llama_cpp.Llama(model_path=str(gguf_path), n_ctx=n_ctx, n_batch=min(512, n_ctx), n_threads=threads,
                                   n_threads_batch=threads, n_gpu_layers=0, last_n_tokens_size=n_ctx, flash_attn=True,
                                   verbose=False)
        finally:
            module.llama_model_default_params = default


class LlamaCppBackend:
    """llama.cpp through llama-cpp-python: the run's GGUF export, the HF tokenizer's ids.

    Greedy is llama.cpp's greedy sampler (``temp=0``); sampling maps to temperature and top-p (no top-k or
    min-p cut) seeded with the run's seed; ``repetition_penalty`` to ``repeat_penalty`` over the whole
    context. Decoding stops at EOS, at ``max_new_tokens`` or, with ``generate.stop_at_sentences``, once the
    answer holds the gloss's sentence count. One prompt is decoded by ``Llama.generate``, which reuses
    the KV cache of the prompt template's head (``[INST]``, `use_template`), evaluated on its own once, and
    evaluates the rest of the prompt: the same work for a gloss whatever was translated before (reusing
    all it shares with the previous prompt, as ``Llama.generate`` would, changes the shape of that work,
    and with it a translation now and then). Several prompts under greedy decoding
    without a repetition penalty are decoded together, ``generate.batch_size`` at a time, by
    `LlamaCppBatch`: one llama.cpp call per step for all of them. On the default run (bf16, two threads of
    an AMD EPYC) batches of 44 ran 16.6–26.0 sentences/s and batches of 16 15.1 (docs/benchmarks.md); batched
    and one-by-one matrix products round a little differently (bf16 differed from torch on none of the 44
    test translations in batches and on 2 one by one; f16 on 1 either way).
    Sampling and penalties stay on ``Llama.generate``. Beam search is not offered.
    """

    name = "llamacpp"

    def __init__(self, gguf_path: Path, tokenizer, quant: str = "f16", threads: int = 0,
                 n_ctx: int = 1024, keep: tempfile.TemporaryDirectory | None = None):
        self.gguf_path, self.tokenizer, self.quant, self._keep = Path(gguf_path), tokenizer, quant, keep
        self.threads = threads or default_threads()
        self.n_ctx, self.llm, self.batched, self.head = n_ctx, None, None, []
        self.open(n_ctx)
        self.eos = {tokenizer.eos_token_id, self.llm.token_eos()} - {None}

    def open(self, n_ctx: int) -> None:
        """(Re)open the model with a context of `n_ctx` tokens; it is closed with the backend or at exit
        (llama-cpp-python's own ``__del__`` fails when it runs during interpreter shutdown)."""
        if self.llm is not None:
            self._close()
        self.n_ctx, self.llm, self.batched = n_ctx, open_llama(self.gguf_path, self.threads, n_ctx), None
        self._resources = [self.llm]  # closed last to first: a batch context before the model it uses
        self._close = weakref.finalize(self, close_all, self._resources)

    def batch_decoder(self, sequences: int, tokens: int) -> "LlamaCppBatch":
        """A `LlamaCppBatch` for `sequences` prompts holding `tokens` tokens in all, reused while it fits."""
        if self.batched is None or not self.batched.fits(sequences, tokens):
            if self.batched is not None:
                self._resources.remove(self.batched)
                self.batched.close()
            self.batched = LlamaCppBatch(self.llm, max(sequences, 1), -(-tokens // 1024) * 1024)
            self._resources.append(self.batched)
        return self.batched

    def ensure_context(self, tokens: int) -> None:
        """Reopen the model with a larger context if `tokens` (prompt + new tokens) do not fit."""
        if tokens > self.n_ctx:
            self.open(-(-tokens // 256) * 256)

    def sampling(self, cfg: GenerateConfig) -> dict:
        """Keyword arguments for ``Llama.generate`` from the generate params."""
        if cfg.num_beams > 1:
            raise ModelError(f"the llamacpp backend has no beam search (generate.num_beams={cfg.num_beams}); "
                             "use num_beams: 1 or --backend torch / ct2")
        options = {"repeat_penalty": cfg.repetition_penalty, "min_p": 0.0, "typical_p": 1.0,
                   "frequency_penalty": 0.0, "presence_penalty": 0.0}
        if cfg.do_sample:
            options.update(temp=cfg.temperature, top_p=cfg.top_p, top_k=0)
        else:
            options.update(temp=0.0, top_p=1.0, top_k=1)
        return options

    def use_template(self, template: str) -> None:
        """Take the token ids every prompt of `template` starts with (those two prompts with different
        glosses share) as the prompt head whose KV cache one-prompt decoding keeps."""
        from .finetune import build_prompt

        first, second = (self.tokenizer(build_prompt(g, template))["input_ids"] for g in ("A", "B"))
        self.head = first[:common_prefix(first, second)]

    def start_from_head(self, ids: list[int]) -> None:
        """Leave exactly the part of the prompt head that `ids` start with in the KV cache (evaluated on its
        own if it is not there), so that ``Llama.generate`` evaluates the rest of `ids` and nothing else."""
        keep = min(common_prefix(ids, self.head), len(ids) - 1)
        llm = self.llm
        if keep > 0 and (llm.n_tokens < keep or llm.input_ids[:keep].tolist() != ids[:keep]):
            llm.reset()
            llm.eval(ids[:keep])
        llm.n_tokens = max(keep, 0)

    def decode_one(self, ids: list[int], cfg: GenerateConfig, options: dict, sentences: int | None) -> str:
        """The decoded continuation of one prompt's token ids."""
        new: list[int] = []
        stop = self.sentence_stop(sentences)
        self.start_from_head(ids)
        for token in self.llm.generate(ids, reset=True, **options):
            if token in self.eos:
                break
            new.append(token)
            if len(new) >= cfg.max_new_tokens or stop(new):
                break
        return self.tokenizer.decode(new, skip_special_tokens=True)

    def sentence_stop(self, sentences: int | None) -> Callable[[list[int]], bool]:
        """Whether generated ids hold `sentences` finished sentences (never, for None)."""
        if sentences is None:
            return lambda ids: False

        def stop(ids: list[int]) -> bool:
            return answer_complete(self.tokenizer.decode(ids, skip_special_tokens=True), sentences)

        return stop

    def decode_batch(self, encoded: list[list[int]], cfg: GenerateConfig, sentences: list[int] | None) -> list[str]:
        """Greedy continuations of several prompts' ids, ``cfg.batch_size`` prompts decoded together."""
        size, texts = max(1, cfg.batch_size), []
        for start in range(0, len(encoded), size):
            group = encoded[start:start + size]
            decoder = self.batch_decoder(len(group), sum(map(len, group)) + len(group) * cfg.max_new_tokens)
            stops = [self.sentence_stop(None if sentences is None else sentences[start + i]) for i in range(len(group))]
            outputs = decoder.greedy(group, cfg.max_new_tokens, self.eos, stops)
            texts += [self.tokenizer.decode(ids, skip_special_tokens=True) for ids in outputs]
        return texts

    def generate(self, prompts: list[str], cfg: GenerateConfig, seed: int, sentences: list[int]) -> list[str]:
        options = self.sampling(cfg)
        encoded = [self.tokenizer(p)["input_ids"] for p in prompts]
        stop = cfg.stop_at_sentences and sentences is not None
        if len(encoded) > 1 and not cfg.do_sample and cfg.repetition_penalty == 1.0:
            return self.decode_batch(encoded, cfg, sentences if stop else None)
        self.ensure_context(max(len(ids) for ids in encoded) + cfg.max_new_tokens if encoded else 0)
        self.llm.set_seed(seed)
        return [self.decode_one(ids, cfg, options, sentences[i] if stop else None) for i, ids in enumerate(encoded)]


def common_prefix(a: list[int], b: list[int]) -> int:
    """How many leading token ids `a` and `b` share."""
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def close_all(resources: list) -> None:
    """Close `resources` last to first."""
    for resource in reversed(resources):
        resource.close()


class LlamaCppBatch:
    """Greedy decoding of several prompts at once on a llama.cpp context of its own beside ``Llama``'s.

    ``Llama`` holds one sequence; this context holds `sequences` of them in a KV cache of `n_ctx` tokens
    shared between them (llama.cpp's unified cache), with ``Llama``'s own context settings otherwise
    (threads, attention, cache types). Every step evaluates the tokens each unfinished prompt still
    needs — at first its whole prompt, then its last token — in calls of at most ``n_batch`` tokens, and
    takes the arg-max of each prompt's last logits: one matrix product for all prompts per layer instead
    of one per prompt. It uses llama-cpp-python's low-level API (the version the extra pins).
    """

    def __init__(self, llm, sequences: int, n_ctx: int):
        llama_cpp = require_llama_cpp()
        self.llama_cpp, self.sequences, self.n_ctx, self.n_vocab = llama_cpp, sequences, n_ctx, llm.n_vocab()
        params = type(llm.context_params).from_buffer_copy(llm.context_params)
        params.n_ctx, params.n_seq_max, params.kv_unified = n_ctx, sequences, True
        self.n_batch = params.n_batch
        self.ctx = llama_cpp.llama_init_from_model(llm.model, params)
        if not self.ctx:
            raise ModelError(f"llama.cpp could not make a context of {n_ctx} tokens for {sequences} prompts")
        self.batch = llama_cpp.llama_batch_init(self.n_batch, 0, 1)

    def fits(self, sequences: int, tokens: int) -> bool:
        """Whether `sequences` prompts of `tokens` tokens in all (prompts and answers) fit this context."""
        return sequences <= self.sequences and tokens <= self.n_ctx

    def close(self) -> None:
        if self.ctx:
            self.llama_cpp.llama_batch_free(self.batch)
            self.llama_cpp.llama_free(self.ctx)
            self.ctx = None

    def evaluate(self, items: list[tuple[int, int, int, bool]]) -> dict[int, int]:
        """Evaluate (token, position, sequence, wants logits) items; the arg-max next token of each sequence
        whose item wanted logits."""
        chosen: dict[int, int] = {}
        for start in range(0, len(items), self.n_batch):
            chunk, batch = items[start:start + self.n_batch], self.batch
            batch.n_tokens = len(chunk)
            for j, (token, position, sequence, logits) in enumerate(chunk):
                batch.token[j], batch.pos[j], batch.n_seq_id[j], batch.logits[j] = token, position, 1, logits
                batch.seq_id[j][0] = sequence
            if self.llama_cpp.llama_decode(self.ctx, batch) != 0:
                raise ModelError(f"llama.cpp failed to decode {len(chunk)} tokens of {self.sequences} prompts")
            for j, (_, _, sequence, logits) in enumerate(chunk):
                if logits:  # read now: the next call overwrites them
                    row = self.llama_cpp.llama_get_logits_ith(self.ctx, j)
                    chosen[sequence] = int(np.ctypeslib.as_array(row, shape=(self.n_vocab,)).argmax())
        return chosen

    def greedy(self, prompts: list[list[int]], max_new_tokens: int, eos: set[int],
               stops: list[Callable[[list[int]], bool]]) -> list[list[int]]:
        """The greedy continuation ids of each prompt (without EOS): each ends at EOS, at `max_new_tokens`
        or when its `stops` entry says so."""
        if not self.fits(len(prompts), sum(map(len, prompts)) + len(prompts) * max_new_tokens):
            raise ModelError("LlamaCppBatch: more prompts or tokens than its context holds")
        self.llama_cpp.llama_memory_clear(self.llama_cpp.llama_get_memory(self.ctx), True)
        outputs: list[list[int]] = [[] for _ in prompts]
        pending = {i: list(ids) for i, ids in enumerate(prompts) if max_new_tokens > 0}
        positions = [0] * len(prompts)
        while pending:
            items = [(token, positions[i] + k, i, k == len(ids) - 1)
                     for i, ids in pending.items() for k, token in enumerate(ids)]
            for i, ids in pending.items():
                positions[i] += len(ids)
            pending = {}
            for i, token in self.evaluate(items).items():
                if token in eos:
                    continue
                outputs[i].append(token)
                if len(outputs[i]) < max_new_tokens and not stops[i](outputs[i]):
                    pending[i] = [token]
        return outputs


def llamacpp_gguf(run_dir: Path, merged: Path, quant: str) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    """The GGUF export of a run (``<run>/export/gguf/model-<quant>.gguf``, exported on first use and again
    when ``merged/`` changed); for a bare model directory, a temporary export kept as long as the backend lives."""
    if merged == run_dir:  # a bare model directory: do not write into it
        keep = tempfile.TemporaryDirectory(prefix="glossa-gguf-")
        return export_gguf(merged, quant, Path(keep.name)), keep
    target = run_dir / "export" / "gguf" / f"model-{quant}.gguf"
    note = export_note(target, merged, run_dir, f"exporting {merged.name}/ for llama.cpp ({quant})")
    if note:
        print(note)
        export_gguf(run_dir, quant)
    return target, None


def load_backend(name: str, run_dir: str | Path, merged: Path, tokenizer, quant: str | None = None,
                 threads: int = 0):
    """Build backend `name` for a run folder or model directory whose merged checkpoint is `merged`.

    `threads` sets the CPU threads of ct2 and llamacpp (0: their default)."""
    if name not in BACKENDS:
        raise ModelError(f"unknown backend {name!r} (have {', '.join(BACKENDS)})")
    if name == "torch":
        from .models import load_model

        return TorchBackend(load_model(str(merged)), tokenizer)
    quants, default, kind, require, locate, backend = FAST_BACKENDS[name]
    quant = quant or default()
    if quant not in quants:
        raise ModelError(f"unknown {kind} {quant!r} for {name} (have {', '.join(quants)})")
    require()
    path, keep = locate(resolve_path(run_dir), merged, quant)
    return backend(path, tokenizer, quant, threads, keep=keep)


FAST_BACKENDS = {
    "ct2": (CT2_QUANTS, lambda: DEFAULT_CT2_QUANT, "CTranslate2 quantisation", require_ctranslate2, ct2_model_dir,
            CT2Backend),
    "llamacpp": (LLAMACPP_QUANTS, default_llamacpp_quant, "GGUF quantisation", require_llama_cpp, llamacpp_gguf,
                 LlamaCppBackend),
}
"""Backends other than torch: (weight types, () -> default weight type, what a weight type is called,
import check, (run, merged, quant) -> (model path, temporary folder to keep or None), backend class)."""
