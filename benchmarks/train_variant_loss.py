"""Validation loss of the default's training in one speed variant, at equal steps: is a faster setting no worse?

Trains exactly as notebook 02 does (`train_lora`, the params' epochs, evaluation every epoch) on a run's
train split, with ``train.precision`` and ``lora.dropout`` overridden, then scores the adapter again in
fp32 (a fresh base model, token-weighted `validation_loss`), so every variant is judged the same way.

    python benchmarks/train_variant_loss.py --data runs/default/data --precision bf16 --dropout 0.05
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace

from _common import run_main
from peft import get_peft_model_state_dict, set_peft_model_state_dict
from transformers import set_seed

from glossa_utils import (PadCollator, add_lora, encode_pairs, load_model, load_params, load_template, load_tokenizer,
                          read_jsonl, resolve_model_path, resolve_path, train_lora, validation_loss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params/default.yaml")
    parser.add_argument("--data", default="runs/default/data", help="a run's data folder (train/validation.jsonl)")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--dropout", type=float, default=None, help="lora.dropout (default: the params')")
    args = parser.parse_args()
    if args.dropout is not None and not 0 <= args.dropout < 1:
        parser.error(f"--dropout must be at least 0 and below 1, got {args.dropout}")
    cfg = load_params(args.params)
    path = resolve_model_path(cfg.model.base)
    tokenizer = load_tokenizer(path)
    template = load_template(cfg)
    train, val = (encode_pairs(tokenizer, read_jsonl(resolve_path(args.data) / f"{split}.jsonl"), template,
                               cfg.train.max_length) for split in ("train", "validation"))
    dropout = cfg.lora.dropout if args.dropout is None else args.dropout
    with tempfile.TemporaryDirectory() as out:
        cfg = replace(cfg, out_dir=out, lora=replace(cfg.lora, dropout=dropout),
                      train=replace(cfg.train, precision=args.precision, save_steps=10**6))
        set_seed(cfg.seed)
        model = add_lora(load_model(path, device="cpu"), cfg)
        start = time.perf_counter()
        trainer = train_lora(cfg, model, tokenizer, train, val)
        seconds = time.perf_counter() - start
    fresh = add_lora(load_model(path, device="cpu"), cfg)
    set_peft_model_state_dict(fresh, get_peft_model_state_dict(model))
    print(json.dumps({"precision": args.precision, "dropout": dropout,
                      "eval_loss_by_step": [(e["step"], round(e["eval_loss"], 5))
                                            for e in trainer.state.log_history if "eval_loss" in e],
                      "val_loss_fp32": round(validation_loss(fresh, val, PadCollator(tokenizer.pad_token_id)), 5),
                      "train_seconds": round(seconds, 1)}))


if __name__ == "__main__":
    run_main(main)
