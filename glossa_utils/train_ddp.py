"""Train a params file's LoRA adapter without the notebooks, on one process or several (DDP).

    python -m glossa_utils.train_ddp params/smoke.yaml --out runs/smoke-train
    torchrun --nproc_per_node 2 -m glossa_utils.train_ddp params/smoke.yaml --out runs/smoke-ddp
    accelerate launch --num_processes 2 -m glossa_utils.train_ddp params/default.yaml --out runs/default-ddp

Training is `train_lora`, exactly as in notebook 02; under torchrun or accelerate the Trainer shards
each step's batches over the processes and averages the gradients. Every process builds the same
splits from the params and seed (or reads ``<run>/data/`` when notebook 01 wrote it) and the same LoRA
initialisation, and `plan_batches` splits the params' ``batch_size × grad_accum`` examples per step
over the processes, so the run learns what a single process would. Only rank 0 writes
``<run>/adapter/``, ``<run>/train_log.json`` and ``<run>/train_summary.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys

from .config import ParamsError, RunConfig, load_params, show_path
from .data import Pair, load_splits, write_json
from .recipe import load_recipe


def prepare_splits(cfg: RunConfig) -> dict[str, list[Pair]]:
    """The run's splits: ``<run>/data/`` if notebook 01 wrote them, else rebuilt as it would (deterministic)."""
    if (cfg.run_dir / "data" / "train.jsonl").is_file():
        return load_splits(cfg.run_dir / "data")
    return load_recipe(cfg.data, cfg.seed).splits


def digest(pairs: list[Pair]) -> str:
    """Short hash of a split, printed by every process so a run shows they all trained on the same data."""
    return hashlib.sha256(json.dumps(pairs, sort_keys=True).encode()).hexdigest()[:12]


def train_adapter(cfg: RunConfig) -> dict:
    """Prepare data, train LoRA with `train_lora`, and (rank 0) save the adapter; returns a summary."""
    from transformers import set_seed

    from .finetune import (PadCollator, add_lora, encode_pairs, load_template, save_adapter, train_lora,
                           validation_loss)
    from .models import load_model, load_tokenizer, pick_precision, resolve_model_path

    splits = prepare_splits(cfg)
    base_path = resolve_model_path(cfg.model.base)
    tokenizer = load_tokenizer(base_path)
    template = load_template(cfg)
    train = encode_pairs(tokenizer, splits["train"], template, cfg.train.max_length)
    validation = encode_pairs(tokenizer, splits["validation"], template, cfg.train.max_length)
    set_seed(cfg.seed)
    model = add_lora(load_model(base_path, device="cpu"), cfg)  # the Trainer moves it to this process's device
    trainer = train_lora(cfg, model, tokenizer, train, validation)
    args = trainer.args
    summary = {"rank": args.process_index, "world_size": args.world_size, "steps": trainer.state.global_step,
               "train_digest": digest(splits["train"]),
               "examples_per_step": args.per_device_train_batch_size * args.gradient_accumulation_steps * args.world_size,
               "train_losses": [e["loss"] for e in trainer.state.log_history if "loss" in e],
               "eval_losses": [e["eval_loss"] for e in trainer.state.log_history if "eval_loss" in e]}
    print(f"rank {summary['rank']}/{summary['world_size']}: trained {summary['steps']} steps "
          f"on train split {summary['train_digest']}", flush=True)
    if trainer.is_world_process_zero():
        summary["validation_loss"] = validation_loss(model, validation, PadCollator(tokenizer.pad_token_id))
        save_adapter(model, cfg.run_dir / "adapter", cfg.model.base, pick_precision(cfg.train.precision))
        write_json(trainer.state.log_history, cfg.run_dir / "train_log.json")
        write_json(summary, cfg.run_dir / "train_summary.json")
        print(f"adapter: {show_path(cfg.run_dir / 'adapter')}; validation loss "
              f"{summary['validation_loss']:.4f} per answer token", flush=True)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m glossa_utils.train_ddp", description=__doc__.splitlines()[0])
    parser.add_argument("params", help="params YAML file, e.g. params/smoke.yaml")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override one param, e.g. --set train.max_steps=10 (repeatable)")
    parser.add_argument("--out", help="run folder (default: runs/<name>/)")
    args = parser.parse_args(argv)
    try:
        cfg = load_params(args.params, args.overrides)
    except ParamsError as err:
        print(f"train_ddp: invalid params: {err}", file=sys.stderr)
        return 2
    train_adapter(dataclasses.replace(cfg, out_dir=args.out) if args.out else cfg)
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
