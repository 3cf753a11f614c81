"""Where one llama.cpp translation's time goes, the floor memory bandwidth puts under it, and what
prompt-lookup speculative decoding could take off it.

1. Per GGUF weight type, one warm pass over the run's test glosses through the llamacpp backend with
   llama.cpp's ``eval`` timed: the prompt (one batched call; the ``[INST]`` prefix is reused from the
   previous prompt's cache) and each generated token (one call each). Beside it, the floor of a token:
   every token reads all weights (the GGUF file; the tied embedding is read again as the LM head), so
   it cannot take less than the file's bytes over the CPU's read bandwidth (a summed 512 MB tensor on
   the same threads, best of 3).
2. Speculative decoding checks k drafted tokens in one ``eval`` of k + 1 tokens and keeps the prefix the
   model agrees with: identical greedy output, fewer calls. With no small draft model for SmolLM2, the
   drafts here are looked up in the gloss (prompt-lookup decoding): after the last 1–3 generated tokens'
   latest match in the source, its next k tokens. Sources: the gloss lower-cased and the rule baseline's
   translation (`rule_translate`). Replayed on the torch path's greedy tokens (the run's predictions),
   this counts the tokens gained per call, to set against the measured cost of one ``eval`` of k + 1
   tokens (logits at every position, as verification needs) over one of 1 token: speculation pays only
   when tokens per call exceed that ratio.
3. The rate of llama.cpp's matrix products: one ``eval`` of 1, 16, 64 and 256 prompt tokens from an empty
   cache (median of 5), in GFLOP/s of the decoder layers' projections (2 × weights × tokens, plus the LM
   head once: llama.cpp computes only the last position's logits; attention scores left out), beside
   torch's 2048² matmul on the same threads. A prompt's time, and a batch's, follows this rate rather than
   part 1's bandwidth floor.

    python benchmarks/decode_budget.py --run runs/default --quants f16 q8_0 --threads 2

Needs the ``.[llamacpp]`` extra. Prints the tables and appends them, the machine and the command to
docs/benchmarks.md (``--no-log``: print only).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import torch
from transformers import AutoConfig
from _common import command_line, describe_machine, finished_run, markdown_table, positive_int, publish, run_main

from glossa_utils import LLAMACPP_QUANTS, Translator, build_prompt, load_splits, read_linear_shapes, show_path
from glossa_utils.export import find_merged
from glossa_utils.notation import rule_translate

from train_throughput import matmul_gflops  # the training benchmark's peak probe

DRAFT_SOURCES = {"gloss lower-cased": str.lower, "rule baseline": rule_translate}


def read_bandwidth(threads: int, megabytes: int = 512) -> float:
    """GB/s of summing a float32 tensor of `megabytes` on `threads` threads (best of 3)."""
    torch.set_num_threads(threads)
    x = torch.ones(megabytes * 2**20 // 4)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        x.sum()
        best = min(best, time.perf_counter() - start)
    return x.numel() * 4 / best / 1e9


def timed_evals(llm) -> list[tuple[int, float]]:
    """Wrap ``llm.eval`` so that each call appends (tokens, seconds) to the returned list."""
    calls: list[tuple[int, float]] = []
    evaluate = llm.eval

    def timed(tokens):
        start = time.perf_counter()
        evaluate(tokens)
        calls.append((len(tokens), time.perf_counter() - start))

    llm.eval = timed
    return calls


def budget(translator: Translator, glosses: list[str], megabytes: float, bandwidth: float) -> dict:
    """One warm pass over `glosses`: medians of the call, its prompt ``eval`` and its per-token ``eval``."""
    translator.translate(glosses[:1])  # warm-up
    calls = timed_evals(translator.backend.llm)
    whole, prompt_ms, prompt_tokens, generated, token_ms = [], [], [], [], []
    for gloss in glosses:
        calls.clear()
        start = time.perf_counter()
        translator.translate([gloss])
        whole.append((time.perf_counter() - start) * 1000)
        prompt_tokens.append(sum(n for n, _ in calls if n > 1))
        prompt_ms.append(sum(s for n, s in calls if n > 1) * 1000)
        singles = [s * 1000 for n, s in calls if n == 1]
        generated.append(len(singles))
        token_ms += singles
    per_token, floor = statistics.median(token_ms), megabytes / bandwidth
    median_prompt, median_tokens = statistics.median(prompt_ms), statistics.median(generated)
    return {"weights MB": round(megabytes), "floor ms/token": round(floor, 1), "ms/token": round(per_token, 1),
            "prompt tokens": statistics.median(prompt_tokens), "prompt ms": round(median_prompt, 1),
            "tokens generated": median_tokens, "p50 ms": round(statistics.median(whole), 1),
            "prompt + tokens × ms/token": round(median_prompt + median_tokens * per_token),
            "prompt + tokens × floor": round(median_prompt + median_tokens * floor)}


def projection_weights(config) -> int:
    """Weights of a Llama config's decoder projections (q, k, v, o, gate, up, down over all layers)."""
    return config.num_hidden_layers * sum(i * o for i, o in read_linear_shapes(config).values())


def product_rates(llm, config, token_counts: list[int], reference: float, repeats: int = 5) -> list[dict]:
    """Per prompt length: the median ms of one ``eval`` from an empty cache and its GFLOP/s (see the module
    docstring), also as a share of `reference` (torch's bf16 2048² matmul, GFLOP/s)."""
    flops_per_token, head = 2 * projection_weights(config), 2 * config.vocab_size * config.hidden_size
    rows = []
    for n in token_counts:
        ids = [i % llm.n_vocab() for i in range(n)]  # which ids does not change the work
        seconds = []
        for _ in range(repeats):
            llm.reset()
            start = time.perf_counter()
            llm.eval(ids)
            seconds.append(time.perf_counter() - start)
        median = statistics.median(seconds)
        rate = (flops_per_token * n + head) / median / 1e9
        rows.append({"tokens per call": n, "ms": round(median * 1000, 2), "GFLOP/s": round(rate, 1),
                     "share of torch's bf16 matmul": f"{rate / reference:.0%}"})
    return rows


def lookup_draft(source: list[int], generated: list[int], k: int, max_ngram: int = 3) -> list[int]:
    """The k tokens after the latest match of `generated`'s last 1–`max_ngram` tokens (longest first) in
    `source` followed by the generated tokens before the last; with nothing generated, source's first k."""
    if not generated:
        return source[:k]
    hay = source + generated[:-1]
    for n in range(min(max_ngram, len(generated)), 0, -1):
        tail = generated[-n:]
        for start in range(len(hay) - n, -1, -1):
            if hay[start:start + n] == tail and start + n < len(hay):
                return hay[start + n:start + n + k]
    return []


def calls_with_drafts(target: list[int], source: list[int], k: int) -> int:
    """``eval`` calls greedy decoding of `target` needs when each call also checks a k-token draft."""
    generated: list[int] = []
    calls = 0
    while len(generated) < len(target):
        draft = lookup_draft(source, generated, k)
        agreed = 0
        position = len(generated)
        while agreed < len(draft) and position + agreed < len(target) and draft[agreed] == target[position + agreed]:
            agreed += 1
        generated = target[:position + agreed + 1]  # the agreed draft and the model's own next token
        calls += 1
    return calls


def eval_cost_ratio(llm, prompt: list[int], tokens: list[int], repeats: int = 15) -> float:
    """Median time of one ``eval`` of `tokens` with logits at every position over one of a single token,
    each decoded after `prompt` (its cache kept, the rest removed before every call)."""
    llm.reset()
    llm.eval(prompt)
    past = llm.n_tokens

    def one(ids: list[int]) -> float:
        llm._ctx.kv_cache_seq_rm(-1, past, -1)
        llm._batch.set_batch(batch=ids, n_past=past, logits_all=True)
        start = time.perf_counter()
        llm._ctx.decode(llm._batch)
        return time.perf_counter() - start

    single = statistics.median(one(tokens[:1]) for _ in range(repeats))
    return statistics.median(one(tokens) for _ in range(repeats)) / single


def speculation(translator: Translator, pairs: list[dict], predictions: list[dict], ks: list[int]) -> list[dict]:
    """Per draft source and k: tokens per ``eval`` call replayed on the torch outputs, the measured cost of
    a k + 1-token call, and their ratio (the decoding speed-up speculation would give; < 1 is a slow-down)."""
    tokenizer, llm = translator.tokenizer, translator.backend.llm
    targets = [tokenizer(p["raw_output"], add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
               for p in predictions]
    prompt = tokenizer(build_prompt(pairs[0]["gloss"], translator.template))["input_ids"]
    costs = {k: eval_cost_ratio(llm, prompt, (targets[0] * (k + 1))[:k + 1]) for k in ks}
    rows = []
    for name, draft_text in DRAFT_SOURCES.items():
        sources = [tokenizer(" " + draft_text(p["gloss"]), add_special_tokens=False)["input_ids"] for p in pairs]
        for k in ks:
            calls = sum(calls_with_drafts(t, s, k) for t, s in zip(targets, sources))
            per_call = sum(map(len, targets)) / calls
            rows.append({"draft source": name, "k": k, "tokens per call": round(per_call, 2),
                         "cost of a k+1-token call": round(costs[k], 2),
                         "decoding speed-up": round(per_call / costs[k], 2)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default="runs/default", help="a finished run folder (merged model, predictions)")
    parser.add_argument("--quants", nargs="+", default=["f16", "q8_0"], choices=LLAMACPP_QUANTS,
                        help="GGUF weight types to measure")
    parser.add_argument("--threads", type=positive_int, default=2,
                        help="CPU threads of llama.cpp and the bandwidth probe")
    parser.add_argument("--draft-tokens", type=positive_int, nargs="+", default=[2, 4, 8],
                        help="k of the speculation table")
    parser.add_argument("--product-tokens", type=positive_int, nargs="+", default=[1, 16, 64, 256],
                        help="prompt lengths of the matrix-product table")
    parser.add_argument("--no-log", action="store_true", help="do not append to docs/benchmarks.md")
    args = parser.parse_args()

    run_dir = finished_run(args.run)
    test = load_splits(run_dir / "data")["test"]
    predictions = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines()]
    if [p["gloss"] for p in predictions] != [p["gloss"] for p in test]:
        raise SystemExit(f"decode_budget.py: {show_path(run_dir)}/predictions.jsonl is not the test split's; rerun 04")
    glosses = [p["gloss"] for p in test]
    config = AutoConfig.from_pretrained(find_merged(run_dir))  # ModelError, in one line, without a merged model
    if max(args.product_tokens) >= config.max_position_embeddings:
        parser.error(f"--product-tokens: at most {config.max_position_embeddings - 1} tokens per call, the model's "
                     f"context, got {max(args.product_tokens)}")
    load_before = os.getloadavg()[0]
    bandwidth = read_bandwidth(args.threads)
    probes = {dtype: matmul_gflops(dtype) for dtype in (torch.float32, torch.bfloat16)}
    rows, spec_rows, product_rows = [], [], []
    for quant in args.quants:
        translator = Translator.load(run_dir, backend="llamacpp", quant=quant, threads=args.threads)
        megabytes = translator.backend.gguf_path.stat().st_size / 1e6
        rows.append({"GGUF": quant, **budget(translator, glosses, megabytes, bandwidth)})
        translator.backend.ensure_context(max(args.product_tokens) + 1)
        product_rows += [{"GGUF": quant, **row} for row in
                         product_rates(translator.backend.llm, config, args.product_tokens, probes[torch.bfloat16])]
        if not spec_rows:  # the first weight type's call costs
            spec_rows = speculation(translator, test, predictions, args.draft_tokens)

    load = f"load average {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    publish(f"where a llama.cpp translation's time goes ({show_path(run_dir)})",
            [f"Machine: {describe_machine()}; llama.cpp on {args.threads} thread(s); {load}",
             f"Command: `{command_line()}`",
             f"Read bandwidth {bandwidth:.1f} GB/s (a summed 512 MB float32 tensor, {args.threads} thread(s), best "
             f"of 3); {len(glosses)} test glosses, one warm pass each; medians per gloss"],
            f"{markdown_table(rows)}\n\n"
            f"Prompt-lookup speculation ({args.quants[0]}), replayed on the torch path's greedy tokens "
            f"({show_path(run_dir)}/predictions.jsonl); a call's cost is the median of 15 timed evals "
            f"of k + 1 tokens with logits at every position, over one of 1 token:\n\n"
            f"{markdown_table(spec_rows)}\n\n"
            f"Matrix products: one eval of n prompt tokens from an empty cache (median of 5); GFLOP/s of the "
            f"decoder's projections ({projection_weights(config) / 1e6:.1f}M weights, 2 FLOP each per token) and "
            f"the LM head once; torch's 2048² matmul on {args.threads} thread(s): fp32 "
            f"{probes[torch.float32]:.0f}, bf16 {probes[torch.bfloat16]:.0f} GFLOP/s:\n\n"
            f"{markdown_table(product_rows)}", log=not args.no_log)


if __name__ == "__main__":
    run_main(main)
