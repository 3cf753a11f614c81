"""Generation speed: the model card's one-prompt-at-a-time loop against the project's generator.

Both run in one process, on the same merged model and the same test pairs, and BLEU-4 is printed beside
the speed so a faster method cannot hide a worse one. Also measures interactive latency: one gloss at a
time through `Translator` (p50/p95), with model load time reported separately.

    .venv/bin/python benchmarks/generate_throughput.py --run runs/default-greedy

Prints a table last, writes ``<run>/benchmarks/generate_throughput.json`` and appends the table,
machine and command to ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import replace

import pandas as pd
import torch
from _common import command_line, describe_machine, publish, run_main, timed

from glossa_utils import (Translator, card_count_sentences, count_sentences, load_all_metrics, load_params,
                          load_splits, resolve_path, show_path, translate_pairs, truncate_sentences)
from glossa_utils.config import GenerateConfig


def card_generate_response(model, tokenizer, gloss: str) -> tuple[str, int]:
    """The card's loop body, reconstructed from its description: one prompt, sampling, 100 new tokens,
    the full sequence decoded, the text after ``[/INST]`` kept and cut to the card's sentence count.
    Returns the prediction and the number of tokens generated."""
    inputs = tokenizer(f"[INST] {gloss} [/INST]", return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_new_tokens=100, do_sample=True, temperature=0.6, top_p=0.8,
                            repetition_penalty=1.5, pad_token_id=tokenizer.pad_token_id)
    text = tokenizer.decode(output[0], skip_special_tokens=True).split("[/INST]")[-1].strip()
    generated = output.shape[1] - inputs["input_ids"].shape[1]
    return truncate_sentences(text, card_count_sentences(gloss)), generated  # card's count: 0 without end punctuation


def count_tokens(tokenizer, texts: list[str]) -> int:
    return sum(len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default="runs/default", help="a finished run folder (merged model + test split)")
    parser.add_argument("--limit", type=int, default=None, help="use the first N test pairs only")
    parser.add_argument("--batch-size", type=int, default=64, help="the project's generation batch size")
    parser.add_argument("--no-log", action="store_true", help="do not append to docs/benchmarks.md")
    args = parser.parse_args()

    run_dir = resolve_path(args.run)
    cfg = load_params(run_dir / "params.yaml")
    torch.manual_seed(cfg.seed)
    translator, load_seconds = timed(lambda: Translator.load(run_dir))
    model, tokenizer = translator.model, translator.tokenizer
    test = load_splits(run_dir / "data")["test"][: args.limit]
    references = [p["text"] for p in test]
    bleu = load_all_metrics()["bleu"]

    rows = []
    card, seconds = timed(lambda: [card_generate_response(model, tokenizer, p["gloss"]) for p in test])
    rows.append(("card loop (1 prompt, sampling, 100 tokens, cut after)", [c[0] for c in card],
                 sum(c[1] for c in card), seconds))
    ours = GenerateConfig(do_sample=False, repetition_penalty=1.0, max_new_tokens=100, batch_size=args.batch_size,
                          stop_at_sentences=True)
    for name, gen in (("project: batched greedy, length-aware stop", ours),
                      ("project: batched greedy, no early stop", replace(ours, stop_at_sentences=False))):
        records, seconds = timed(lambda gen=gen: translate_pairs(model, tokenizer, test, translator.template, gen, cfg.seed))
        raw_tokens = count_tokens(tokenizer, [r["raw_output"] for r in records]) + len(records)  # + EOS
        rows.append((name, [r["prediction"] for r in records], raw_tokens, seconds))

    table = pd.DataFrame([{
        "method": name, "sentences/s": round(len(test) / seconds, 2),
        "generated tokens/s": round(generated / seconds, 1),
        "BLEU-4": round(bleu.compute(predictions=preds, references=references, max_order=4)["bleu"], 4),
        "seconds": round(seconds, 1)} for name, preds, generated, seconds in rows])
    table["speed-up"] = (table["sentences/s"] / table["sentences/s"].iloc[0]).round(1)

    interactive = replace(ours, batch_size=1)
    single = Translator(model, tokenizer, translator.template, interactive, cfg.seed)
    single.translate([test[0]["gloss"]])  # warm-up
    latencies = [timed(lambda p=p: single.translate([p["gloss"]]))[1] * 1000 for p in test]
    one_sentence = [ms for ms, p in zip(latencies, test) if count_sentences(p["gloss"]) == 1]
    quantiles = statistics.quantiles(latencies, n=20)
    latency = {"model load s": round(load_seconds, 2), "p50 ms": round(statistics.median(latencies), 1),
               "p95 ms": round(quantiles[18], 1), "p50 ms (1-sentence glosses)": round(statistics.median(one_sentence), 1)}

    machine, command = describe_machine(), command_line()
    out = run_dir / "benchmarks" / "generate_throughput.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": machine, "command": command, "test_pairs": len(test),
                               "rows": table.to_dict("records"), "latency": latency}, indent=2) + "\n")
    publish(f"generation throughput ({show_path(run_dir)})",
            [f"Machine: {machine}", f"Command: `{command}`", f"Test pairs: {len(test)}; results: `{show_path(out)}`"],
            f"{table.to_markdown(index=False)}\n\nInteractive latency (one gloss at a time, greedy, length-aware):\n\n"
            f"{pd.DataFrame([latency]).to_markdown(index=False)}", log=not args.no_log)


if __name__ == "__main__":
    run_main(main)
