"""Sentence-count truncation, measured: does cutting each answer to the gloss's sentence count still help?

The card cuts every answer to as many sentences as the gloss has (``generate.truncate_sentences``). That
assumes gloss and English sentence boundaries match; in annotated signing they need not (one gloss
sentence may be two English ones, or the reverse). This script postprocesses a finished run's raw outputs
again (``predictions.jsonl``'s ``raw_output``: nothing is generated) with and without the cut, and scores
both on the same examples with `paired_comparison`: BLEU-4, ROUGE-L, chrF and BERTScore F1, each with the
paired bootstrap 95% interval of *truncated − untruncated*. An interval above 0 says the cut helps on this
test set, below 0 that it hurts, one that includes 0 that the test set cannot tell.

    .venv/bin/python benchmarks/truncation.py --run runs/mix_cpu --source annotated

Prints the table and appends it, with the machine and command, to ``docs/benchmarks.md``; ``--out``
also writes the comparison as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys

from _common import append_to_log, command_line, describe_machine, markdown_table, run_main

from glossa_utils import (PAIRED_METRICS, count_gloss_sentences, count_sentences, filter_source, load_run_params,
                          paired_comparison, read_system_predictions, repostprocess, resolve_path, show_path, write_json)
from glossa_utils.config import EvalConfig


def measure(records: list[dict], cfg: EvalConfig, n_resamples: int, seed: int) -> tuple[dict, list[dict]]:
    """The paired comparison (A untruncated, B truncated) and its table rows, one per metric."""
    uncut, cut = repostprocess(records, truncate=False), repostprocess(records, truncate=True)
    report = paired_comparison(uncut, cut, cfg, n_resamples, seed)
    report["changed_by_truncation"] = sum(a["prediction"] != b["prediction"] for a, b in zip(uncut, cut))
    report["sentence_counts_differ"] = sum(count_gloss_sentences(r["gloss"]) != count_sentences(r["reference"])
                                           for r in records)
    report["reproduces_stored"] = {"truncated": sum(r["prediction"] == c["prediction"] for r, c in zip(records, cut)),
                                   "untruncated": sum(r["prediction"] == u["prediction"] for r, u in zip(records, uncut))}
    rows = [{"metric": PAIRED_METRICS[key], "untruncated": round(part["A"], 4), "truncated": round(part["B"], 4),
             "truncated − untruncated": f"{part['B - A']:+.4f}",
             "95% CI": f"[{part['ci95'][0]:+.4f}, {part['ci95'][1]:+.4f}]",
             "excludes 0": "yes" if part["excludes_0"] else "no"} for key, part in report["metrics"].items()]
    return report, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", required=True, help="a finished run or `glossa evaluate` output folder")
    parser.add_argument("--source", help="only this test source's examples, e.g. annotated")
    parser.add_argument("--system", default="fine-tuned", help="whose raw outputs (default: %(default)s)")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (default: %(default)s)")
    parser.add_argument("--out", help="also write the comparison as JSON here")
    parser.add_argument("--no-log", action="store_true", help="do not append to docs/benchmarks.md")
    args = parser.parse_args()

    folder = resolve_path(args.run)
    try:
        if not (folder / "metrics.json").is_file():
            raise FileNotFoundError(f"{args.run}: no metrics.json (not a finished run or `glossa evaluate` output)")
        systems = read_system_predictions(folder)
        if args.system not in systems:
            raise ValueError(f"{args.run}: no system {args.system!r} (it has: {', '.join(systems)})")
        records = systems[args.system]
        records = filter_source(records, args.source, args.run) if args.source else records
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        params = next((p for p in (folder / "params.yaml", folder.parent.parent / "params.yaml") if p.is_file()), None)
        cfg = load_run_params(params) if params else None
        report, rows = measure(records, EvalConfig(bertscore_model=metrics.get("bertscore_model", "builtin:minilm")),
                               args.resamples, cfg.seed if cfg else 0)
    except (OSError, ValueError) as err:
        print(f"truncation: {err}", file=sys.stderr)
        return 2
    note = ""
    if cfg and cfg.generate.stop_at_sentences:
        note = "\n- note: this run decoded with generate.stop_at_sentences, so its raw outputs are cut already\n"
    where = f", source {args.source}" if args.source else ""
    stored = report["reproduces_stored"]
    summary = (f"{report['examples']} examples; truncation changed {report['changed_by_truncation']}; gloss and "
               f"reference sentence counts differ on {report['sentence_counts_differ']}; the stored predictions are "
               f"reproduced by the truncated postprocessing on {stored['truncated']}, the untruncated on "
               f"{stored['untruncated']}")
    table = markdown_table(rows)
    if args.out:
        write_json({"run": show_path(folder), "source": args.source, "system": args.system, **report},
                   resolve_path(args.out))
    if not args.no_log:
        append_to_log(f"\n## Sentence-count truncation — {show_path(folder)}{where} ({args.system})\n\n"
                      f"- machine: {describe_machine()}\n- command: `{command_line()}`\n- {summary}\n{note}"
                      f"- paired bootstrap ({args.resamples} resamples) of truncated − untruncated; "
                      f"BERTScore: {report['bertscore_model']}\n\n{table}\n")
    print(f"{show_path(folder)}{where} ({args.system}): {summary}\n{note}")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
