"""Decoding, chosen on validation data: the card's sampling against greedy, beam search and others.

Every setting in `DECODING_VARIANTS` translates the same split of a finished run with its merged model,
in one process. Each output is scored twice — as generated (the answer up to EOS or a new ``[INST]``)
and cut to the gloss's sentence count (the card's post-processing) — with BLEU-4 and ROUGE-L and their
bootstrap 95% intervals, beside the wall time and the mean answer length. The last column is a *paired*
bootstrap interval of each row's BLEU-4 minus the best row's: where it includes 0, this split cannot
tell the two apart, and the cheaper setting is as good a choice. Choose on ``validation``; report on
``test`` only once the choice is made.

    .venv/bin/python benchmarks/compare_decoding.py --run runs/default --split validation

Prints a table last, writes ``<run>/benchmarks/decoding_<split>.json`` and appends the table, machine
and command to ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

from _common import append_to_log, command_line, describe_machine, markdown_table, run_main

from glossa_utils import (BLEU4, DECODING_VARIANTS, ROUGE_L, bootstrap_ci, build_prompt, load_model, load_params,
                          load_splits, load_template, load_tokenizer, paired_bootstrap_ci, postprocess, resolve_path,
                          show_path, write_json)
from glossa_utils.generate import generate_raw


def score(predictions: list[str], references: list[str], seed: int) -> dict:
    """BLEU-4 and ROUGE-L with their 95% bootstrap intervals, and the mean answer length in words."""
    row = {}
    for name, metric in (("BLEU-4", BLEU4), ("ROUGE-L", ROUGE_L)):
        low, high = bootstrap_ci(predictions, references, metric, 1000, seed)
        row[name] = round(metric(predictions, references), 4)
        row[f"{name} 95% CI"] = f"{low:.3f}–{high:.3f}"
    row["words"] = round(sum(len(p.split()) for p in predictions) / len(predictions), 1)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", default="runs/default", help="a finished run folder (merged model and splits)")
    parser.add_argument("--split", default="validation", choices=["validation", "test"])
    parser.add_argument("--limit", type=int, help="only the first N pairs of the split")
    parser.add_argument("--no-log", action="store_true", help="do not append to docs/benchmarks.md")
    args = parser.parse_args()

    run_dir = resolve_path(args.run)
    cfg = load_params(run_dir / "params.yaml")
    pairs = load_splits(run_dir / "data")[args.split][: args.limit]
    glosses, references = [p["gloss"] for p in pairs], [p["text"] for p in pairs]
    tokenizer = load_tokenizer(str(run_dir / "merged"))
    model = load_model(str(run_dir / "merged")).eval()
    prompts = [build_prompt(g, load_template(cfg)) for g in glosses]

    rows, outputs = [], []
    for name, overrides in DECODING_VARIANTS.items():
        generate = dataclasses.replace(cfg.generate, **overrides, stop_at_sentences=False)
        start = time.perf_counter()
        raw = generate_raw(model, tokenizer, prompts, generate, cfg.seed)
        seconds = round(time.perf_counter() - start, 1)
        for truncate in (False, True):
            predictions = [postprocess(r, g, truncate) for r, g in zip(raw, glosses)]
            rows.append({"decoding": name, "truncated": "yes" if truncate else "no", "seconds": seconds,
                         **score(predictions, references, cfg.seed)})
            outputs.append(predictions)
        print(f"{name}: {seconds} s", flush=True)

    best = max(range(len(rows)), key=lambda i: (rows[i]["BLEU-4"], rows[i]["ROUGE-L"]))
    for row, predictions in zip(rows, outputs):
        low, high = paired_bootstrap_ci(predictions, outputs[best], references, BLEU4, 1000, cfg.seed)
        row["Δ BLEU-4 vs best, 95% CI"] = f"{low:+.3f} to {high:+.3f}"
    best = rows[best]
    out = run_dir / "benchmarks" / f"decoding_{args.split}.json"
    out.parent.mkdir(exist_ok=True)
    write_json({"run": show_path(run_dir), "split": args.split, "pairs": len(pairs), "rows": rows, "best": best}, out)
    table = markdown_table(rows)
    if not args.no_log:
        append_to_log(f"\n## Decoding comparison — {show_path(run_dir)}, {args.split} split ({len(pairs)} pairs)\n\n"
                      f"- machine: {describe_machine()}\n- command: `{command_line()}`\n"
                      f"- best by BLEU-4: {best['decoding']}, truncated {best['truncated']}\n\n{table}\n")
    print(f"\n{len(pairs)} {args.split} pairs of {show_path(run_dir)}; best by BLEU-4: {best['decoding']} "
          f"(truncated: {best['truncated']})\n")
    print(table)


if __name__ == "__main__":
    run_main(main)
