"""Stage 2, LoRA fine-tuning: prompts, label masks, the peft model and the Trainer run.

The model card's prompt is ``[INST] {gloss} [/INST] {english}`` with EOS appended. Only the answer
and its EOS are supervised: the prompt and the padding get label -100. The mask is built from the
attention mask and the prompt length, never from the pad id — with pad = EOS, masking by pad id
would also hide the EOS that ends the answer and teach the model never to stop.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch

from .config import RunConfig, prompt_template_path
from .data import Pair, atomic_directory
from .models import pick_precision


def load_template(cfg: RunConfig) -> str:
    """The prompt template named in params, e.g. ``[INST] {gloss} [/INST] {text}``."""
    return prompt_template_path(cfg).read_text(encoding="utf-8").strip()


def build_prompt(gloss: str, template: str) -> str:
    """The part of the template before the answer: ``[INST] GLOSS [/INST]``."""
    return template.split("{text}")[0].rstrip().format(gloss=gloss)


def build_answer(text: str, template: str) -> str:
    """The answer as it follows the prompt (the template's separator, then the English)."""
    before = template.split("{text}")[0]
    separator = before[len(before.rstrip()):]
    return separator + text


def encode_pair(tokenizer, pair: Pair, template: str, max_length: int) -> dict:
    """Token ids of prompt + answer + EOS, and how many of them belong to the prompt.

    Prompt and answer are tokenised separately so the boundary is exact; an answer that does not
    fit in `max_length` is cut and then loses its EOS (a cut answer must not teach stopping).
    """
    prompt_ids = tokenizer(build_prompt(pair["gloss"], template))["input_ids"]
    answer_ids = tokenizer(build_answer(pair["text"], template), add_special_tokens=False)["input_ids"]
    if len(prompt_ids) >= max_length:
        raise ValueError(f"prompt of {len(prompt_ids)} tokens does not fit train.max_length={max_length}: "
                         f"{pair['gloss'][:60]!r}")
    ids = prompt_ids + answer_ids + [tokenizer.eos_token_id]
    truncated = len(ids) > max_length
    return {"input_ids": ids[:max_length], "prompt_length": len(prompt_ids), "truncated": truncated}


def encode_pairs(tokenizer, pairs: list[Pair], template: str, max_length: int) -> list[dict]:
    """`encode_pair` over a list of pairs."""
    return [encode_pair(tokenizer, pair, template, max_length) for pair in pairs]


def mask_labels(input_ids: torch.Tensor, attention_mask: torch.Tensor, prompt_lengths: torch.Tensor) -> torch.Tensor:
    """Labels = input ids, with -100 on the prompt and on padding (attention mask 0)."""
    labels = input_ids.clone()
    positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
    labels[positions < prompt_lengths.unsqueeze(1)] = -100
    labels[attention_mask == 0] = -100
    return labels


@dataclass
class PadCollator:
    """Pads a batch of `encode_pair` outputs to its longest member (dynamic padding) and masks labels."""

    pad_token_id: int

    def __call__(self, features: list[dict]) -> dict[str, torch.Tensor]:
        width = max(len(f["input_ids"]) for f in features)
        input_ids = torch.full((len(features), width), self.pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(features), width), dtype=torch.long)
        for row, f in enumerate(features):
            input_ids[row, : len(f["input_ids"])] = torch.tensor(f["input_ids"])
            attention_mask[row, : len(f["input_ids"])] = 1
        prompt_lengths = torch.tensor([f["prompt_length"] for f in features])
        labels = mask_labels(input_ids, attention_mask, prompt_lengths)
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


def show_masked_example(tokenizer, encoded: dict) -> list[tuple[str, str]]:
    """(token, label) pairs of one encoded example, labels shown as ``-100`` or the token again."""
    batch = PadCollator(tokenizer.pad_token_id)([encoded])
    tokens = tokenizer.convert_ids_to_tokens(batch["input_ids"][0])
    return [(tok, "-100" if label == -100 else tok) for tok, label in zip(tokens, batch["labels"][0].tolist())]


def add_lora(model, cfg: RunConfig):
    """Wrap `model` with LoRA adapters from ``params.lora``; only the adapters are trainable."""
    from peft import LoraConfig, get_peft_model

    lora = LoraConfig(r=cfg.lora.r, lora_alpha=cfg.lora.alpha, lora_dropout=cfg.lora.dropout,
                      target_modules=list(cfg.lora.target_modules), task_type="CAUSAL_LM")
    return get_peft_model(model, lora)


def count_parameters(model) -> dict[str, int]:
    """Trainable and total parameter counts."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"trainable": trainable, "total": total}


def training_arguments(cfg: RunConfig, output_dir: Path):
    """The transformers `TrainingArguments` for this run (precision chosen for the device)."""
    from transformers import TrainingArguments

    precision = pick_precision(cfg.train.precision)
    t = cfg.train
    return TrainingArguments(
        output_dir=str(output_dir), num_train_epochs=t.epochs, max_steps=t.max_steps,
        learning_rate=t.lr, per_device_train_batch_size=t.batch_size, per_device_eval_batch_size=t.batch_size,
        gradient_accumulation_steps=t.grad_accum, warmup_steps=t.warmup_steps, weight_decay=t.weight_decay,
        optim="adamw_torch", bf16=precision == "bf16", fp16=precision == "fp16",
        eval_strategy="epoch" if t.max_steps < 0 else "steps", eval_steps=None if t.max_steps < 0 else t.max_steps,
        save_strategy="steps", save_steps=t.save_steps, save_total_limit=2,
        logging_steps=t.logging_steps, logging_first_step=True,
        report_to="none", seed=cfg.seed, data_seed=cfg.seed, remove_unused_columns=False,
        dataloader_num_workers=0, dataloader_pin_memory=torch.cuda.is_available(),
    )


def last_checkpoint(cfg: RunConfig) -> str | None:
    """The newest *complete* checkpoint in ``<run>/checkpoints`` if ``train.resume`` is set, else None.

    The Trainer writes ``trainer_state.json`` last, so a checkpoint cut short by a kill lacks it and
    is passed over.
    """
    folder = cfg.run_dir / "checkpoints"
    if not cfg.train.resume or not folder.is_dir():
        return None
    complete = [d for d in folder.glob("checkpoint-*") if (d / "trainer_state.json").is_file()]
    return str(max(complete, key=lambda d: int(d.name.split("-")[-1]))) if complete else None


def train_lora(cfg: RunConfig, model, tokenizer, train: list[dict], validation: list[dict]):
    """Fine-tune the LoRA model with the transformers Trainer; returns the trainer (with its log).

    Checkpoints go to ``<run>/checkpoints`` every ``train.save_steps`` steps; with ``train.resume``
    training continues from the newest one (weights, optimiser, scheduler and RNG state).
    """
    from transformers import Trainer

    args = training_arguments(cfg, cfg.run_dir / "checkpoints")
    trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=validation,
                      data_collator=PadCollator(tokenizer.pad_token_id))
    checkpoint = last_checkpoint(cfg)
    if checkpoint is not None:
        print(f"resuming from {Path(checkpoint).name}")
    trainer.train(resume_from_checkpoint=checkpoint)
    return trainer


def loss_history(log_history: list[dict]) -> list[dict]:
    """Train and validation losses by step, from the Trainer's log history."""
    rows = []
    for entry in log_history:
        for key, split in (("loss", "train"), ("eval_loss", "validation")):
            if key in entry and math.isfinite(entry[key]):
                rows.append({"step": entry["step"], "split": split, "loss": entry[key]})
    return rows


def plot_loss(log_history: list[dict]):
    """Seaborn line plot of train and validation loss against optimiser step."""
    import pandas as pd
    import seaborn as sns
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    sns.lineplot(pd.DataFrame(loss_history(log_history)), x="step", y="loss", hue="split", marker="o", ax=ax)
    ax.set_title("LoRA fine-tuning loss")
    fig.tight_layout()
    return fig


def save_adapter(model, adapter_dir: Path, base: str) -> Path:
    """Save the LoRA adapter and the ``model.base`` it was trained on (checked when it is loaded again)."""
    with atomic_directory(adapter_dir) as tmp:
        model.save_pretrained(tmp)
        (tmp / "glossa.json").write_text(json.dumps({"base": base}) + "\n", encoding="utf-8")
    return adapter_dir


def directory_size(path: Path) -> int:
    """Total size in bytes of the files under `path`."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
