"""One LoRA optimiser step on the CPU in several variants, interleaved: which precision trains fastest.

Each variant is a copy of the base model with its own adapter and AdamW; every repeat times one step
(forward, backward, AdamW) of each variant on the same packed batch of the default's train split (rows of
``--pack-length`` tokens), after a 2048² matmul probe (fp32 and bf16 GFLOP/s: a contention check).
Alternating the variants inside one process makes them share whatever else the CPU is doing; per step it
reports real tokens per second of wall time and per second of this process's CPU time (robust to other
users of a shared CPU). The order of the variants turns by one place each repeat (no variant always runs
first), and a variant's speed-up is the median of its per-repeat ratios to the first variant on the same
batch, so that neither the batch's size nor a slow minute counts against one variant only. Three copies
of one variant (``amp-frozen-head-eager-x1,...-x2,...-x3``: tags it does not know are ignored) show the
noise: on the 2-core EPYC, before both changes, their medians of 6 repeats differed by 13 %; after, the
paired ratios had medians of 1.02 and 1.06, single repeats 0.81–1.29. Small differences need many repeats.

    python benchmarks/lora_step_ab.py --data runs/default/data --lora default --threads 1 \
        --variants fp32,amp,w16amp,w16amp-eager,w16amp-nodrop --repeats 3

Variants (combine with ``-``): ``fp32``; ``amp`` bf16 autocast (what ``train.precision: bf16`` does);
``frozen`` the frozen linear weights held in bf16 as training does (`frozen_weights_in_bf16`: the tied LM
head as its own bf16 copy); ``w16`` the whole base model cast to bf16 (embeddings and norms included,
adapters fp32); ``head`` the LM head only at supervised positions (`supervised_loss`, what
``train.supervised_head`` does); ``eager`` attention instead of sdpa; ``nodrop`` LoRA dropout 0 instead
of the params' value; ``qv`` adapters on q_proj and v_proj only (the params' rank); ``nolora`` no adapters
at all, only the frozen model's forward and its backward down to the embeddings' output, which any LoRA
step also runs (the step's floor: what the adapters cost is the rest); ``compile`` `torch.compile`
(inductor, dynamic shapes; its compile time is in the untimed first step, printed).

``--profile N`` then runs N more steps of each variant under `torch.profiler` and prints where their CPU
time went, operator by operator (what a step spends on matrix products and what on everything else).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import os
import statistics
import time
from dataclasses import replace

import torch
from _common import run_main

from glossa_utils import (PackCollator, add_lora, encode_pairs, load_model, load_params, load_template, load_tokenizer,
                          read_jsonl, resolve_model_path, resolve_path)
from glossa_utils.cli import at_least
from glossa_utils.finetune import frozen_weights_in_bf16, supervised_loss

from train_throughput import CARD_LORA, matmul_gflops  # the same recipe and peak probe as the training benchmark


def build_variant(base, cfg, variant: str, held: contextlib.ExitStack):
    """(model, AdamW or None) for one variant; `held` keeps a ``frozen`` variant's bf16 weights for the whole run."""
    torch.manual_seed(0)
    model = copy.deepcopy(base)
    if "w16" in variant:
        model = model.to(torch.bfloat16)
    if "eager" in variant:
        model.set_attn_implementation("eager")
    lora = replace(cfg.lora, dropout=0.0) if "nodrop" in variant else cfg.lora
    if "qv" in variant:
        lora = replace(lora, target_modules=["q_proj", "v_proj"])
    if "nolora" in variant:
        model.train().enable_input_require_grads()  # backward still runs down to the embeddings' output
    else:
        model = add_lora(model, replace(cfg, lora=lora)).train()
    if "frozen" in variant:
        held.enter_context(frozen_weights_in_bf16(model))
    if "compile" in variant:
        model = torch.compile(model, dynamic=True)
    trainable = [p for p in model.parameters() if p.requires_grad]
    return model, torch.optim.AdamW(trainable, lr=cfg.train.lr) if trainable else None


def time_step(model, optimizer, batch: dict, variant: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one forward, backward and AdamW step (no AdamW without adapters)."""
    cpu, wall = time.process_time(), time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled="amp" in variant):
        loss = supervised_loss(model, batch)[0] if "head" in variant else model(**batch).loss
    loss.backward()
    if optimizer is not None:
        optimizer.step()
        optimizer.zero_grad()
    return time.perf_counter() - wall, time.process_time() - cpu


def rotated(variants: list[str], repeat: int) -> list[str]:
    """The variants in the order of one repeat: turned by `repeat` places, so each takes every position."""
    shift = repeat % len(variants)
    return variants[shift:] + variants[:shift]


def paired_ratios(rates: dict[str, list[float]], reference: str) -> dict[str, list[float]]:
    """Per repeat, each variant's rate over the reference's on the same batch (the repeats' own ratios)."""
    return {v: [x / y for x, y in zip(rates[v], rates[reference])] for v in rates}


def summary_table(wall: dict[str, list[float]], cpu: dict[str, list[float]], reference: str) -> str:
    """Markdown: median [min–max] tokens/s and tokens/CPU-s, and the median of the paired ratios."""
    ratios, cpu_ratios = paired_ratios(wall, reference), paired_ratios(cpu, reference)
    lines = ["| variant | tokens/s | × first | tokens/CPU-s | × first |", "|:--|--:|--:|--:|--:|"]
    for v in wall:
        r, c = ratios[v], cpu_ratios[v]
        lines.append(f"| {v} | {statistics.median(wall[v]):.1f} [{min(wall[v]):.1f}–{max(wall[v]):.1f}] | "
                     f"{statistics.median(r):.2f} [{min(r):.2f}–{max(r):.2f}] | "
                     f"{statistics.median(cpu[v]):.1f} [{min(cpu[v]):.1f}–{max(cpu[v]):.1f}] | "
                     f"{statistics.median(c):.2f} [{min(c):.2f}–{max(c):.2f}] |")
    return "\n".join(lines)


def profile_steps(model, optimizer, batches: list[dict], variant: str, rows: int = 15) -> str:
    """`torch.profiler`'s table of the `rows` operators with the most self CPU time over these steps."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for batch in batches:
            time_step(model, optimizer, batch, variant)
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="runs/default/data", help="a run's data folder (train.jsonl)")
    parser.add_argument("--lora", choices=["card", "default"], default="default")
    parser.add_argument("--variants", default="fp32,amp,w16amp")
    parser.add_argument("--repeats", type=at_least(1), default=3)
    parser.add_argument("--batch", type=at_least(1), default=8,
                        help="examples per step (packed into rows of --pack-length tokens)")
    parser.add_argument("--threads", type=at_least(1), default=torch.get_num_threads())
    parser.add_argument("--pack-length", type=at_least(1), default=512,
                        help="tokens per packed row (train.pack_length)")
    parser.add_argument("--profile", type=at_least(0, " (0: off)"), default=0, metavar="N",
                        help="afterwards, profile N steps of each variant and print the top operators")
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",")]
    if not all(variants) or len(set(variants)) < len(variants):
        parser.error(f"--variants must name each variant once, separated by commas, got {args.variants!r}")
    train_file = resolve_path(args.data) / "train.jsonl"
    if not train_file.is_file():
        parser.error(f"{train_file} does not exist: run `make run` first, or pass --data <run>/data")
    torch.set_num_threads(args.threads)
    cfg = load_params("params/default.yaml")
    cfg = replace(cfg, lora=CARD_LORA) if args.lora == "card" else cfg
    path = resolve_model_path(cfg.model.base)
    tokenizer = load_tokenizer(path)
    base = load_model(path, device="cpu").requires_grad_(False)
    base.config.use_cache = False  # packed position ids need it off (see PackCollator)
    examples = encode_pairs(tokenizer, read_jsonl(train_file), load_template(cfg), 512)
    if len(examples) < args.batch * (args.repeats + 1):
        parser.error(f"{train_file} holds {len(examples)} pairs; --batch {args.batch} with --repeats {args.repeats} "
                     f"needs {args.batch * (args.repeats + 1)} (one batch per repeat and one untimed)")
    collate = PackCollator(tokenizer.pad_token_id, args.pack_length)
    chunks = [examples[i:i + args.batch] for i in range(0, args.batch * (args.repeats + 1), args.batch)]
    batches, tokens = [collate(c) for c in chunks], [sum(len(e["input_ids"]) for e in c) for c in chunks]
    held = contextlib.ExitStack()
    built = {v: build_variant(base, cfg, v, held) for v in variants}
    for v in variants:  # untimed first step: one-off kernel set-up (and compilation)
        print(f"first step {v}: {time_step(*built[v], batches[0], v)[0]:.1f} s", flush=True)
    wall = {v: [] for v in variants}
    cpu = {v: [] for v in variants}
    for r in range(1, args.repeats + 1):
        for v in rotated(variants, r - 1):
            probe = (matmul_gflops(torch.float32), matmul_gflops(torch.bfloat16))
            w, c = time_step(*built[v], batches[r], v)
            wall[v].append(tokens[r] / w)
            cpu[v].append(tokens[r] / c)
            print(f"repeat {r} {v:14s} {tokens[r] / w:7.1f} tokens/s, {tokens[r] / c:7.1f} tokens/CPU-s; "
                  f"probe fp32 {probe[0]:.0f}, bf16 {probe[1]:.0f} GFLOP/s; load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"\nLoRA {args.lora}, {args.batch} examples per step, {args.threads} thread(s); median [min–max] of "
          f"{args.repeats}; × first: ratios to {variants[0]} on the same batch, median [min–max] over the repeats"
          f"\n\n{summary_table(wall, cpu, variants[0])}")
    for v in variants if args.profile > 0 else []:
        print(f"\n{v}: {args.profile} step(s) under torch.profiler, operators by their own CPU time")
        print(profile_steps(*built[v], [batches[1 + i % args.repeats] for i in range(args.profile)], v))


if __name__ == "__main__":
    run_main(main)
