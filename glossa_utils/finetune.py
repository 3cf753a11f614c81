"""Stage 2, LoRA fine-tuning: prompts, label masks, the peft model and the Trainer run.

The model card's prompt is ``[INST] {gloss} [/INST] {english}`` with EOS appended. Only the answer
and its EOS are supervised: the prompt and the padding get label -100. The mask is built from the
attention mask and the prompt length, never from the pad id — with pad = EOS, masking by pad id
would also hide the EOS that ends the answer and teach the model never to stop.
"""

from __future__ import annotations

import json
import math
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch

from .config import RunConfig, TrainConfig, prompt_template_path
from .data import Pair, atomic_directory
from .models import pick_liger, pick_optimizer, pick_precision, set_attention


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
    """Pads a batch of `encode_pair` outputs to its longest member (dynamic padding) and masks labels.

    `pad_to` pads every batch to at least that many tokens instead (the model card padded to 512);
    the loss is the same either way, only the compute wasted on padding grows.
    """

    pad_token_id: int
    pad_to: int | None = None

    def __call__(self, features: list[dict]) -> dict[str, torch.Tensor]:
        width = max([len(f["input_ids"]) for f in features] + [self.pad_to or 0])
        input_ids = torch.full((len(features), width), self.pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(features), width), dtype=torch.long)
        for row, f in enumerate(features):
            input_ids[row, : len(f["input_ids"])] = torch.tensor(f["input_ids"])
            attention_mask[row, : len(f["input_ids"])] = 1
        prompt_lengths = torch.tensor([f["prompt_length"] for f in features])
        labels = mask_labels(input_ids, attention_mask, prompt_lengths)
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


def fill_rows(lengths: list[int], capacity: int) -> list[list[int]]:
    """Indices grouped into as few rows of at most `capacity` tokens as first-fit finds, lengths balanced.

    Rows are padded to the longest, so balanced rows waste the least: examples go longest first to the
    emptiest of k rows, k starting at the count first-fit-decreasing needs (deterministic).
    """
    too_long = [n for n in lengths if n > capacity]
    if too_long:
        raise ValueError(f"an example of {too_long[0]} tokens does not fit a packed row of {capacity}")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    for k in range(len(first_fit(lengths, order, capacity)), len(lengths) + 1):
        rows: list[list[int]] = [[] for _ in range(k)]
        load = [0] * k
        for i in order:
            row = min(range(k), key=lambda r: (load[r], r))
            rows[row].append(i)
            load[row] += lengths[i]
        if max(load) <= capacity:
            return rows
    return [[i] for i in order]  # not reached: one example per row always fits


def first_fit(lengths: list[int], order: list[int], capacity: int) -> list[list[int]]:
    """Classic first-fit bin packing of `order` into rows of `capacity` tokens."""
    rows: list[list[int]] = []
    room: list[int] = []
    for i in order:
        row = next((r for r, free in enumerate(room) if free >= lengths[i]), None)
        if row is None:
            rows.append([])
            room.append(capacity)
            row = len(rows) - 1
        rows[row].append(i)
        room[row] -= lengths[i]
    return rows


@dataclass
class PackCollator:
    """Packs a batch of `encode_pair` outputs into rows of up to `pack_length` tokens, examples kept apart.

    A row grows to the batch's longest example where that is longer than `pack_length`. Shorter rows cost
    some padding but less attention, which a packed row pays over its whole length squared (the
    block-diagonal mask hides the scores between examples; it does not skip computing them).

    Each row is flattened by transformers' `DataCollatorWithFlattening`: ``position_ids`` restart at 0
    for every example and the first label of each example is -100, so no token is trained to predict
    the next example. There is no attention mask: given position ids that restart, transformers builds
    a block-diagonal causal mask (``find_packed_sequence_indices``) for sdpa and eager attention alike,
    so each token sees only its own example. Rows are padded to the longest with pad tokens that form
    a separate sequence at the end of the row and carry label -100.

    The model must run with ``use_cache=False`` (`build_trainer` sets it): transformers skips the
    packed-sequence check whenever a KV cache exists, and with ``config.use_cache`` on (the default)
    a forward pass makes one even in training — the examples would then silently attend to each other.

    Packing happens inside the batch, so the optimiser sees exactly the same examples per step as with
    `PadCollator`, and the batch loss (mean over supervised tokens) is the same up to float rounding;
    only the padding is gone.
    """

    pad_token_id: int
    pack_length: int

    def __call__(self, features: list[dict]) -> dict[str, torch.Tensor]:
        from transformers import DataCollatorWithFlattening

        flatten = DataCollatorWithFlattening(return_tensors="pt")
        labelled = [{"input_ids": list(f["input_ids"]), "labels": answer_labels(f)} for f in features]
        lengths = [len(f["input_ids"]) for f in features]
        rows = [flatten([labelled[i] for i in row]) for row in fill_rows(lengths, max(self.pack_length, *lengths))]
        width = max(r["input_ids"].shape[1] for r in rows)
        batch = {"input_ids": torch.full((len(rows), width), self.pad_token_id, dtype=torch.long),
                 "labels": torch.full((len(rows), width), -100, dtype=torch.long),
                 "position_ids": torch.arange(width).repeat(len(rows), 1)}
        for i, row in enumerate(rows):
            n = row["input_ids"].shape[1]
            for key in batch:
                batch[key][i, :n] = row[key][0]
            batch["position_ids"][i, n:] = torch.arange(width - n)  # padding: its own sequence, after the real ones
        return batch


def answer_labels(feature: dict) -> list[int]:
    """Labels of one unpadded `encode_pair` output: -100 on the prompt, the answer and EOS kept."""
    ids = list(feature["input_ids"])
    n = min(feature["prompt_length"], len(ids))
    return [-100] * n + ids[n:]


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


def plan_batches(t: TrainConfig, lengths: list[int], world_size: int = 1) -> tuple[int, int]:
    """(per-device micro-batch, accumulation steps) that give ``batch_size × grad_accum`` examples per step.

    The params fix what the optimiser sees per step; the device only decides how that is split. With
    ``train.tokens_per_batch`` the micro-batch grows to about that many real tokens (mean example
    length) — a memory budget per device — and with several processes (torchrun) each takes its
    share. The split is always exact: the micro-batch is the largest divisor of the per-process share
    that fits, so the learning recipe is unchanged. Without either, it is (batch_size, grad_accum).
    """
    per_step = t.batch_size * t.grad_accum
    if per_step % world_size:
        raise ValueError(f"train.batch_size × train.grad_accum = {per_step} examples per step cannot be "
                         f"split evenly over {world_size} processes")
    share = per_step // world_size
    cap = t.batch_size
    if t.tokens_per_batch is not None:
        cap = max(1, int(t.tokens_per_batch // max(sum(lengths) / max(len(lengths), 1), 1)))
    micro = max(d for d in range(1, share + 1) if share % d == 0 and d <= cap)
    return micro, share // micro


def world_size() -> int:
    """Number of training processes, as torchrun / accelerate launch announce it (1 when run directly)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def training_arguments(cfg: RunConfig, output_dir: Path, plan: tuple[int, int] | None = None,
                       evaluate: bool = True):
    """The transformers `TrainingArguments` for this run (precision, optimiser and kernels chosen for the device).

    `plan` is (micro-batch, accumulation) from `plan_batches`; None takes the params as they are.
    """
    from transformers import TrainingArguments

    t = cfg.train
    micro, accum = plan or (t.batch_size, t.grad_accum)
    precision = pick_precision(t.precision)
    every_epoch = t.max_steps < 0 and t.eval_steps is None
    return TrainingArguments(
        output_dir=str(output_dir), num_train_epochs=t.epochs, max_steps=t.max_steps,
        learning_rate=t.lr, per_device_train_batch_size=micro, per_device_eval_batch_size=micro,
        gradient_accumulation_steps=accum, warmup_steps=t.warmup_steps, weight_decay=t.weight_decay,
        optim=pick_optimizer(t.optim), bf16=precision == "bf16", fp16=precision == "fp16",
        train_sampling_strategy="group_by_length" if t.group_by_length else "random",
        activation_checkpointing=t.gradient_checkpointing,
        activation_checkpointing_kwargs={"use_reentrant": False} if t.gradient_checkpointing else None,
        use_liger_kernel=pick_liger(t.liger),
        eval_strategy="no" if not evaluate else "epoch" if every_epoch else "steps",
        eval_steps=None if every_epoch or not evaluate else t.eval_steps or t.max_steps,
        save_strategy="steps", save_steps=t.save_steps, save_total_limit=2,
        logging_steps=t.logging_steps, logging_first_step=True,
        report_to="none", seed=cfg.seed, data_seed=cfg.seed, remove_unused_columns=False,
        dataloader_num_workers=0, dataloader_pin_memory=torch.cuda.is_available(),
        # DDP over gloo and bf16 autocast on the CPU: accelerate needs to be told it is the CPU
        use_cpu=not torch.cuda.is_available() and (world_size() > 1 or precision == "bf16"),
        ddp_find_unused_parameters=False,  # every LoRA weight gets a gradient each step
    )


def supervised_positions(labels: torch.Tensor) -> torch.Tensor:
    """Boolean mask, shaped like `labels`: True where the *next* token is supervised.

    Those are the only positions whose logits the next-token loss reads; on the default's training split a
    third of the tokens are supervised (3,901 of 11,478), so projecting only these onto SmolLM2's 49,152-word
    vocabulary saves two thirds of the LM head's work and of the softmax over it.
    """
    keep = torch.zeros_like(labels, dtype=torch.bool)
    keep[:, :-1] = labels[:, 1:] != -100
    return keep


def supervised_loss(model, inputs: dict[str, torch.Tensor],
                    num_items_in_batch: torch.Tensor | int | None = None) -> tuple[torch.Tensor, object]:
    """(loss, outputs): next-token cross-entropy with the LM head applied at supervised positions only.

    The same value as ``model(**inputs).loss`` (transformers' causal-LM loss: a mean over supervised
    tokens, or a sum divided by `num_items_in_batch` when the Trainer counts tokens across gradient
    accumulation), computed from ``logits_to_keep`` = `supervised_positions` instead of every position.
    ``outputs.logits`` then holds one row per supervised token.
    """
    labels = inputs["labels"]
    keep = supervised_positions(labels)
    outputs = model(**{k: v for k, v in inputs.items() if k != "labels"}, logits_to_keep=keep)
    targets = labels[:, 1:][keep[:, :-1]]
    loss = torch.nn.functional.cross_entropy(outputs.logits.float(), targets, reduction="sum")
    if num_items_in_batch is None:
        num_items_in_batch = max(targets.numel(), 1)
    elif isinstance(num_items_in_batch, torch.Tensor):
        num_items_in_batch = num_items_in_batch.to(loss.device)
    return loss / num_items_in_batch, outputs


class SupervisedHeadLoss:
    """`Trainer` mixin: compute the loss with `supervised_loss` (``train.supervised_head``).

    Falls back to the Trainer's own loss where it does something else (label smoothing, a custom loss
    function, Liger's fused kernels, a batch without labels).
    """

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if ("labels" not in inputs or self.label_smoother is not None or self.compute_loss_func is not None
                or self.args.use_liger_kernel):
            return super().compute_loss(model, inputs, return_outputs=return_outputs,
                                        num_items_in_batch=num_items_in_batch)
        loss, outputs = supervised_loss(model, inputs, num_items_in_batch)
        if self.args.average_tokens_across_devices and self.model_accepts_loss_kwargs and num_items_in_batch is not None:
            # as Trainer.compute_loss: DDP averages gradients, so a sum over all ranks' tokens is scaled back up
            scale = self.accelerator.num_processes // self.get_tp_size()
            loss = loss * (scale if self.args.n_gpu <= 1 else self.args.n_gpu)
        return (loss, outputs) if return_outputs else loss


def pick_collator(t: TrainConfig, pad_token_id: int):
    """`PackCollator` with ``train.packing``, else `PadCollator` (dynamic padding)."""
    return PackCollator(pad_token_id, t.pack_length or t.max_length) if t.packing else PadCollator(pad_token_id)


def build_trainer(cfg: RunConfig, model, tokenizer, train: list[dict], validation: list[dict] | None,
                  collator=None, output_dir: Path | None = None, trainer_class=None):
    """A transformers `Trainer` set up from ``params.train``: batch plan, collator, attention, optimiser.

    `collator` and `output_dir` default to the params' choice and ``<run>/checkpoints``;
    `trainer_class` (a `Trainer` subclass, e.g. one that measures) to `Trainer`.
    """
    from transformers import Trainer

    set_attention(model, cfg.train.attention)
    model.config.use_cache = False  # with a KV cache transformers ignores packed position ids (see PackCollator)
    plan = plan_batches(cfg.train, [len(e["input_ids"]) for e in train], world_size())
    args = training_arguments(cfg, output_dir or cfg.run_dir / "checkpoints", plan, evaluate=validation is not None)
    trainer_class = trainer_class or Trainer
    if cfg.train.supervised_head:
        trainer_class = type(trainer_class.__name__, (SupervisedHeadLoss, trainer_class), {})
    trainer = trainer_class(model=model, args=args, train_dataset=train, eval_dataset=validation,
                            data_collator=collator or pick_collator(cfg.train, tokenizer.pad_token_id))
    return keep_rng_through_evaluation(trainer)


def keep_rng_through_evaluation(trainer):
    """Make `trainer.evaluate` leave torch's random state as it found it; returns the trainer.

    Iterating the validation loader draws a seed from torch's global generator, which would shift every
    later dropout mask: with this, ``train.eval_steps`` changes how often we *look*, never what is learned.
    """
    evaluate = trainer.evaluate

    def evaluate_without_drawing(*args, **kwargs):
        devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
        with torch.random.fork_rng(devices=devices):
            return evaluate(*args, **kwargs)

    trainer.evaluate = evaluate_without_drawing
    return trainer


def describe_training(trainer) -> str:
    """One line on how the trainer runs: batch split, processes, precision, attention, optimiser, kernels."""
    a = trainer.args
    micro, accum = a.per_device_train_batch_size, a.gradient_accumulation_steps
    precision = "bf16 autocast" if a.bf16 else "fp16 autocast" if a.fp16 else "fp32"
    extras = [name for name, on in (("gradient checkpointing", a.activation_checkpointing),
                                    ("Liger", a.use_liger_kernel)) if on]
    return (f"{micro} per device × {accum} accumulation × {a.world_size} process(es) = "
            f"{micro * accum * a.world_size} examples per step; {precision}, "
            f"{trainer.model.config._attn_implementation} attention, {getattr(a.optim, 'value', a.optim)}, "
            + ", ".join(extras + [type(trainer.data_collator).__name__]))


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
    use_cache = model.config.use_cache
    trainer = build_trainer(cfg, model, tokenizer, train, validation)
    print(describe_training(trainer))
    checkpoint = last_checkpoint(cfg)
    if checkpoint is not None:
        print(f"resuming from {Path(checkpoint).name}")
    try:
        with frozen_weights_in_bf16(model, trainer.args.bf16 and not torch.cuda.is_available()):
            trainer.train(resume_from_checkpoint=checkpoint)
    finally:
        model.config.use_cache = use_cache
    return trainer


@contextmanager
def frozen_weights_in_bf16(model, enabled: bool = True):
    """Hold the frozen linear weights of `model` in bf16 for the duration (CPU bf16 autocast training).

    Autocast casts a weight that needs no gradient to bf16 anew on every forward pass (it caches only
    casts of trainable ones), so storing the frozen weights in bf16 saves a copy of the whole model per
    step without changing a value the matmuls see. A linear layer tied to an embedding (the LM head) gets
    its own frozen bf16 copy, untied for the duration: the embedding itself stays fp32, because the
    residual stream starts there. The fp32 weights and the tie are put back afterwards, bit for bit.
    """
    if not enabled:
        yield
        return
    tied = {id(m.weight) for m in model.modules() if isinstance(m, torch.nn.Embedding)}
    frozen = [m for m in model.modules() if isinstance(m, torch.nn.Linear) and not m.weight.requires_grad
              and m.weight.dtype == torch.float32]
    saved = [(m.weight, m.weight.data) for m in frozen if id(m.weight) not in tied]
    untied = [(m, m.weight) for m in frozen if id(m.weight) in tied]
    for weight, data in saved:
        weight.data = data.to(torch.bfloat16)
    for module, weight in untied:
        module.weight = torch.nn.Parameter(weight.detach().to(torch.bfloat16), requires_grad=False)
    try:
        yield
    finally:
        for weight, data in saved:
            weight.data = data
        for module, weight in untied:
            module.weight = weight


def summed_loss(model, batch: dict[str, torch.Tensor]) -> tuple[float, int]:
    """Sum of next-token cross-entropy over the supervised tokens of `batch`, and how many there are.

    Unlike the mean the model returns, sums add up across batches of any shape, so a padded, packed
    or one-by-one pass over the same examples must give the same total.
    """
    batch = {k: v.to(model.device) for k, v in batch.items()}
    with torch.no_grad():  # num_items_in_batch=1: the sum itself, from the supervised positions' logits only
        loss, _ = supervised_loss(model, {**batch, "use_cache": False}, num_items_in_batch=1)
    return loss.item(), int((batch["labels"][:, 1:] != -100).sum())


def validation_loss(model, examples: list[dict], collator, batch_size: int = 16) -> float:
    """Mean loss per supervised token over `examples` (dropout off) — independent of how they are batched."""
    training = model.training
    model.eval()
    total, count = 0.0, 0
    for start in range(0, len(examples), batch_size):
        loss, n = summed_loss(model, collator(examples[start:start + batch_size]))
        total, count = total + loss, count + n
    model.train(training)
    return total / max(count, 1)


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


def save_adapter(model, adapter_dir: Path, base: str, precision: str = "fp32") -> Path:
    """Save the LoRA adapter with the ``model.base`` it was trained on (checked when it is loaded again).

    `precision` is the one training ran in (`pick_precision`); 03 saves the merged model in it.
    """
    with atomic_directory(adapter_dir) as tmp:
        model.save_pretrained(tmp)
        meta = {"base": base, "precision": precision}
        (tmp / "glossa.json").write_text(json.dumps(meta) + "\n", encoding="utf-8")
    return adapter_dir


def directory_size(path: Path) -> int:
    """Total size in bytes of the files under `path`."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def read_linear_shapes(config) -> dict[str, tuple[int, int]]:
    """(in, out) features of each Llama linear layer LoRA can target, read from a model config."""
    heads = config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    kv = getattr(config, "num_key_value_heads", None) or heads
    hidden, inner = config.hidden_size, config.intermediate_size
    return {"q_proj": (hidden, heads * head_dim), "k_proj": (hidden, kv * head_dim), "v_proj": (hidden, kv * head_dim),
            "o_proj": (heads * head_dim, hidden), "gate_proj": (hidden, inner), "up_proj": (hidden, inner),
            "down_proj": (inner, hidden)}


def count_lora_by_hand(config, r: int, target_modules: list[str]) -> list[dict]:
    """The adapter's parameters, layer type by layer type: ``r × (in + out) × layers``.

    Each targeted ``W`` (out × in) gets ``A`` (r × in) and ``B`` (out × r); the model has one such layer
    per decoder block. The sum must equal `count_parameters(...)["trainable"]` of the LoRA model.
    """
    shapes = read_linear_shapes(config)
    unknown = [m for m in target_modules if m not in shapes]
    if unknown:
        raise ValueError(f"lora.target_modules {unknown} are not Llama linear layers ({', '.join(shapes)})")
    layers = config.num_hidden_layers
    return [{"module": m, "in": shapes[m][0], "out": shapes[m][1], "r": r, "layers": layers,
             "parameters": r * (shapes[m][0] + shapes[m][1]) * layers} for m in target_modules]


def split_tokens(tokenizer, texts: list[str]) -> list[dict]:
    """How the tokenizer cuts each text: its tokens (``Ġ`` marks a leading space) and their count."""
    rows = []
    for text in texts:
        tokens = tokenizer.tokenize(text)
        rows.append({"text": text, "tokens": " ".join(tokens), "count": len(tokens)})
    return rows


MASK_COLOURS = {"prompt": "#e0e0e0", "answer": "#b7e4c7", "eos": "#ffd166", "padding": "#ffffff"}


def render_loss_mask(tokenizer, encoded: dict) -> str:
    """HTML of one encoded example, every token shown: grey = prompt (label -100), green = answer, gold = EOS.

    Each token is a box with its position, the token and its label (``-100`` or the token id the loss
    expects), wrapping like text, so no column is ever hidden.
    """
    import html

    rows = show_masked_example(tokenizer, encoded)
    ids = PadCollator(tokenizer.pad_token_id)([encoded])["labels"][0].tolist()
    boxes = []
    for i, ((token, _), label) in enumerate(zip(rows, ids)):
        kind = "prompt" if label == -100 else "eos" if i == len(rows) - 1 else "answer"
        boxes.append(f'<span title="{kind}" style="display:inline-block;margin:1px;padding:1px 3px;'
                     f'background:{MASK_COLOURS[kind]};font-family:monospace;font-size:11px;text-align:center">'
                     f"<sub>{i}</sub> {html.escape(token)}<br>{label}</span>")
    masked = sum(label == -100 for label in ids)
    legend = " ".join(f'<span style="background:{MASK_COLOURS[k]};padding:0 4px">{k}</span>'
                      for k in ("prompt", "answer", "eos"))
    return (f"<div>{legend} — {len(ids)} tokens: {masked} masked (label -100), {len(ids) - masked} supervised"
            f"</div><div>{''.join(boxes)}</div>")


def summarize_training(log_history: list[dict]) -> dict:
    """Headline numbers of a run's Trainer log: steps, epochs, losses, the best validation step, time.

    ``overfitting`` is True when the last validation loss is above the lowest one: training went on
    past the point where the model generalised best.
    """
    losses = loss_history(log_history)
    train = [row for row in losses if row["split"] == "train"]
    val = [row for row in losses if row["split"] == "validation"]
    if not train:
        raise ValueError("the Trainer log has no training loss: did training run?")
    final = next((e for e in reversed(log_history) if "train_runtime" in e), {})
    best = min(val, key=lambda row: row["loss"]) if val else None
    return {"steps": max(e.get("step", 0) for e in log_history),
            "epochs": max(e.get("epoch", 0) for e in log_history),
            "first_train_loss": train[0]["loss"], "last_train_loss": train[-1]["loss"],
            "evaluations": len(val), "best_val_loss": best["loss"] if best else None,
            "best_val_step": best["step"] if best else None, "last_val_loss": val[-1]["loss"] if val else None,
            "overfitting": bool(val) and val[-1]["loss"] > best["loss"],
            "runtime_s": final.get("train_runtime")}


def describe_losses(summary: dict) -> str:
    """Markdown that reads a `summarize_training` result: how far each loss fell, and whether it over-fitted."""
    minutes, seconds = divmod(round(summary["runtime_s"] or 0), 60)
    text = (f"Training ran **{summary['steps']} optimiser steps** ({summary['epochs']:g} epochs) in "
            f"{minutes}:{seconds:02d} (min:s). Training loss fell from {summary['first_train_loss']:.3f} to "
            f"{summary['last_train_loss']:.3f}. ")
    if summary["best_val_loss"] is None:
        return text + "No validation loss was computed (no validation split)."
    text += (f"Validation loss, computed {summary['evaluations']} time{'s' * (summary['evaluations'] != 1)}, was lowest at step "
             f"{summary['best_val_step']} ({summary['best_val_loss']:.3f}) and ended at {summary['last_val_loss']:.3f}: ")
    if summary["overfitting"]:
        return text + ("it rose after its lowest point while training loss kept falling — the model began to "
                       "memorise the training pairs, and a shorter run would generalise at least as well.")
    return text + "still its lowest, so no sign of over-fitting yet; more steps might still help."
