"""Inference latency per backend: one gloss at a time (p50 / p95) and batches, with output agreement.

Every backend translates the run's test glosses through `Translator` (same checks, same post-processing,
the run's greedy decoding). Speed is printed beside agreement with the torch reference — the share of
identical translations in the batch passes and the paired bootstrap interval of their BLEU-4 difference,
and the share of identical translations one gloss at a time (a backend may decode one prompt differently
from a batch) — so a faster backend cannot hide different answers.

    .venv/bin/python benchmarks/latency.py --run runs/default --backends torch ct2:int8 ct2:int8_float32
    .venv/bin/python benchmarks/latency.py --backends torch llamacpp:f16@1 llamacpp:f16@2 llamacpp:q8_0@1
    .venv/bin/python benchmarks/latency.py --backends torch llamacpp --stop-at-sentences

``--stop-at-sentences`` measures length-aware decoding (``generate.stop_at_sentences``) on every backend:
each answer ends once it holds the gloss's sentence count, which the run's post-processing cuts it to
anyway, so one gloss skips the step that would only have produced EOS.

A backend is ``name[:quant][@threads]``: ``llamacpp:q8_0@1`` is llama.cpp on the q8_0 GGUF export with one
thread; without ``@`` ct2 and llamacpp pick their own thread count (llamacpp: the physical cores).

Writes ``<run>/benchmarks/latency.json`` and appends the table, machine, load and command to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import warnings
from dataclasses import replace

from _common import (command_line, describe_machine, finished_run, markdown_table, positive_int, publish, run_main,
                     timed)

from glossa_utils import BLEU4, Translator, load_params, load_splits, paired_bootstrap_ci, show_path
from glossa_utils.backends import BACKENDS, FAST_BACKENDS


def measure(translator: Translator, glosses: list[str], repeats: int, batch_size: int) -> dict:
    """p50/p95 of one-gloss calls over `repeats` passes, and the best batch pass; also the outputs of the first
    batch pass and of the first one-gloss pass."""
    translator.translate(glosses[:1])  # warm-up
    calls = [timed(lambda g=g: translator.translate([g])) for _ in range(repeats) for g in glosses]
    single = [seconds * 1000 for _, seconds in calls]
    translator.generate = replace(translator.generate, batch_size=batch_size)
    passes = [timed(lambda: translator.translate(glosses)) for _ in range(repeats)]
    best = min(seconds for _, seconds in passes)
    return {"p50 ms": round(statistics.median(single), 1), "p95 ms": round(statistics.quantiles(single, n=20)[18], 1),
            "batch sentences/s": round(len(glosses) / best, 2),
            "outputs": [r.translation for r in passes[0][0]],
            "one-gloss outputs": [results[0].translation for results, _ in calls[:len(glosses)]]}


def parse_backend(spec: str) -> tuple[str, str | None, int]:
    """``name[:quant][@threads]`` -> (name, quant or None, threads, 0 for the backend's default)."""
    rest, _, threads = spec.partition("@")
    backend, _, quant = rest.partition(":")
    if threads and not threads.isdigit():
        raise SystemExit(f"latency.py: bad thread count in {spec!r} (name[:quant][@threads])")
    if backend not in BACKENDS:
        raise SystemExit(f"latency.py: unknown backend {backend!r} in {spec!r} (have {', '.join(BACKENDS)})")
    if quant and (backend == "torch" or quant not in FAST_BACKENDS[backend][0]):
        have = ", ".join(FAST_BACKENDS[backend][0]) if backend != "torch" else "none: torch has no weight types"
        raise SystemExit(f"latency.py: unknown weight type {quant!r} in {spec!r} (have {have})")
    return backend, quant or None, int(threads or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default="runs/default", help="a finished run folder (merged model + test split)")
    parser.add_argument("--backends", nargs="+", default=["torch", "ct2:int8"],
                        help="backend[:quant][@threads] each; the first is the reference (default: %(default)s)")
    parser.add_argument("--repeats", type=positive_int, default=3, help="passes over the test glosses per measurement")
    parser.add_argument("--batch-size", type=positive_int, default=16, help="batch size of the throughput passes")
    parser.add_argument("--limit", type=positive_int, default=None, help="use the first N test glosses only")
    parser.add_argument("--stop-at-sentences", action="store_true",
                        help="every backend stops each answer at the gloss's sentence count (generate.stop_at_sentences)")
    parser.add_argument("--no-log", action="store_true", help="do not append to docs/benchmarks.md")
    args = parser.parse_args()

    run_dir = finished_run(args.run)
    cfg = load_params(run_dir / "params.yaml")
    test = load_splits(run_dir / "data")["test"][: args.limit]
    glosses, references = [p["gloss"] for p in test], [p["text"] for p in test]
    specs = [parse_backend(spec) for spec in args.backends]  # every spec checked before anything runs
    load_before = os.getloadavg()[0]
    machine = describe_machine()  # before any backend: torch's thread count as the torch backend uses it
    rows, outputs, singles = [], {}, {}
    warnings.simplefilter("ignore")  # input warnings are the same for every backend
    for spec, (backend, quant, threads) in zip(args.backends, specs):
        translator, load_seconds = timed(lambda: Translator.load(run_dir, backend=backend, quant=quant, threads=threads))
        if args.stop_at_sentences:
            translator.generate = replace(translator.generate, stop_at_sentences=True)
        result = measure(translator, glosses, args.repeats, args.batch_size)
        outputs[spec], singles[spec] = result.pop("outputs"), result.pop("one-gloss outputs")
        reference = outputs[args.backends[0]]
        low, high = paired_bootstrap_ci(outputs[spec], reference, references, BLEU4, seed=cfg.seed)
        rows.append({"backend": spec, "load s": round(load_seconds, 2), **result,
                     "BLEU-4": round(BLEU4(outputs[spec], references), 4),
                     f"same output as {args.backends[0]}": round(sum(a == b for a, b in zip(outputs[spec], reference)) / len(test), 3),
                     "same, one gloss at a time": round(sum(a == b for a, b in zip(singles[spec], singles[args.backends[0]]))
                                                        / len(test), 3),
                     "ΔBLEU-4 95% CI": f"[{low:+.4f}, {high:+.4f}]"})
    base = rows[0]["batch sentences/s"]
    for row in rows:
        row["batch speed-up"] = round(row["batch sentences/s"] / base, 1)

    command = command_line()
    stopped = ", stopped at the gloss sentence count (generate.stop_at_sentences)" if args.stop_at_sentences else ""
    load = f"load average {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end (2 cores)"
    out = run_dir / "benchmarks" / "latency.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": machine, "load": load, "command": command, "test_glosses": len(test),
                               "rows": rows, "outputs": outputs, "one-gloss outputs": singles},
                              indent=2, ensure_ascii=False) + "\n")
    publish(f"inference latency per backend ({show_path(run_dir)})",
            [f"Machine: {machine}; {load}", f"Command: `{command}`",
             f"{len(test)} test glosses, the run's greedy decoding{stopped}; one gloss at a time ({args.repeats} passes, "
             f"warm) and batches of {args.batch_size} (best of {args.repeats}); results: `{show_path(out)}`"],
            markdown_table(rows), log=not args.no_log)


if __name__ == "__main__":
    run_main(main)
