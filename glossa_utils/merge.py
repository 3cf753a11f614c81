"""Stage 3, merge: fold the LoRA update into the base weights and prove nothing changed.

``merge_and_unload`` replaces every ``W x + B A x`` by ``(W + B A) x``. Mathematically identical, it
differs only by floating-point rounding; `compare_logits` measures that difference on real prompts
so the merged model can be trusted in place of base + adapter.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from .config import GenerateConfig, RunConfig, load_run_params, save_params, show_path
from .data import atomic_directory
from .finetune import directory_size, load_template
from .generate import decoding_kwargs
from .models import ModelError, check_weights

LOGIT_TOLERANCE = 1e-3
"""Largest absolute logit difference accepted between adapter and merged model (fp32)."""
DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
"""The torch dtype of each precision name (``train.precision`` after `pick_precision`)."""
MODEL_PARAMS = "glossa_params.yaml"
"""The run's params, saved inside a merged model so it decodes as the run was evaluated."""
MODEL_TEMPLATE = "prompt_template.txt"
"""The run's prompt template, saved inside a merged model."""


def check_adapter(adapter_dir: Path, base: str) -> None:
    """Raise `ModelError` unless `adapter_dir` holds an intact adapter trained on base model `base`.

    `base` is the ``model.base`` param (``builtin:…``, a Hub id or a directory); the adapter records the
    one it was trained on in ``glossa.json`` when saved by `save_adapter`.
    """
    adapter_dir = Path(adapter_dir)
    config_file = adapter_dir / "adapter_config.json"
    if not config_file.is_file():
        raise ModelError(f"{adapter_dir}: no adapter_config.json (missing adapter, or its save was interrupted)")
    try:
        json.loads(config_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelError(f"{config_file} is corrupt: {err}") from None
    check_weights(adapter_dir, ("adapter_model.safetensors", "adapter_model.bin"))
    meta = adapter_dir / "glossa.json"
    if meta.is_file():
        trained_on = json.loads(meta.read_text(encoding="utf-8"))["base"]
        if trained_on != base:
            raise ModelError(f"{adapter_dir} was trained on base model {trained_on!r}, but the base loaded is "
                             f"{base!r}; load the matching base (model.base) or retrain")


def load_with_adapter(base_model, adapter_dir: Path, base: str):
    """Attach a saved LoRA adapter to `base_model` (inference mode), after `check_adapter`."""
    from peft import PeftModel

    check_adapter(adapter_dir, base)
    try:
        return PeftModel.from_pretrained(base_model, str(adapter_dir)).eval()
    except (RuntimeError, ValueError, KeyError) as err:  # shape mismatches, missing modules
        raise ModelError(f"{adapter_dir} does not fit the loaded base model {base!r}: {err}") from None


@torch.no_grad()
def prompt_logits(model, tokenizer, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits of `model` on a right-padded batch of prompts, and the attention mask."""
    batch = tokenizer(prompts, return_tensors="pt", padding=True).to(model.device)
    return model(**batch).logits.float().cpu(), batch["attention_mask"].cpu()


def compare_logits(before: torch.Tensor, after: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, float]:
    """Max absolute logit difference and next-token agreement over the real (unpadded) positions."""
    real = attention_mask.bool()
    diff = (before - after).abs()[real]
    agree = (before.argmax(-1) == after.argmax(-1))[real]
    return {"max_abs_diff": diff.max().item(), "mean_abs_diff": diff.mean().item(),
            "top1_agreement": agree.float().mean().item()}


def read_training_precision(adapter_dir: Path) -> str:
    """The precision the adapter was trained in, from its ``glossa.json`` (fp32 where it is not recorded)."""
    meta = Path(adapter_dir) / "glossa.json"
    precision = json.loads(meta.read_text(encoding="utf-8")).get("precision", "fp32") if meta.is_file() else "fp32"
    if precision not in DTYPES:
        raise ModelError(f"{meta}: unknown precision {precision!r} (expected one of {sorted(DTYPES)})")
    return precision


def storage_precision(training_precision: str) -> str:
    """The precision to store a merged model in: the training precision after GPU training (half the size
    in fp16/bf16), fp32 after CPU training, since CPU generation runs in fp32 (`models.load_model`) and
    bf16-rounded weights would only change its outputs, not its speed."""
    return training_precision if torch.cuda.is_available() else "fp32"


def save_merged(model, tokenizer, out_dir: Path, precision: str = "fp32", cfg: RunConfig | None = None) -> Path:
    """Save the merged model (safetensors, in `precision`) and tokenizer; written to a temp folder, then renamed.

    Check the merge in fp32 first (`compare_logits`), then save in the precision training ran in: a run
    trained in fp16 or bf16 on a GPU gets a merged model half the size of fp32 (Llama-3.2-1B: 2.5 GB, not 5).
    The model also carries the decoding its run is evaluated with: ``generation_config.json`` (what plain
    ``model.generate`` uses) and the run's params as ``glossa_params.yaml`` plus its prompt template as
    ``prompt_template.txt`` (what `Translator.load` reads). `cfg` defaults to the run folder's
    ``params.yaml`` next to `out_dir`, where there is one.
    """
    if precision not in DTYPES:
        raise ModelError(f"unknown precision {precision!r} (expected one of {sorted(DTYPES)})")
    out_dir = Path(out_dir)
    if cfg is None and (out_dir.parent / "params.yaml").is_file():
        cfg = load_run_params(out_dir.parent / "params.yaml")
    if cfg is not None:
        set_generation_config(model, tokenizer, cfg.generate)
    with atomic_directory(out_dir) as tmp:
        model.to(DTYPES[precision]).save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        if cfg is not None:
            save_params(cfg, tmp / MODEL_PARAMS)
            (tmp / MODEL_TEMPLATE).write_text(load_template(cfg) + "\n", encoding="utf-8")
    return out_dir


def format_size(n_bytes: int) -> str:
    """A byte count for people: 3.4 MB, 2.47 GB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.3g} {unit}"
    return f"{n_bytes} B"


def describe_sizes(run_dir: Path) -> str:
    """One line per large artefact of a run (adapter, checkpoints, merged model) with its size on disk."""
    found = [Path(run_dir) / name for name in ("adapter", "checkpoints", "merged") if (Path(run_dir) / name).is_dir()]
    return "\n".join(f"{show_path(d)}/: {format_size(directory_size(d))}" for d in found)


def set_generation_config(model, tokenizer, generate: GenerateConfig) -> None:
    """Make `model.generation_config` the decoding of `generate` (greedy, sampling or beam search)."""
    from transformers import GenerationConfig

    model.generation_config = GenerationConfig(bos_token_id=tokenizer.bos_token_id,
                                               **decoding_kwargs(generate, tokenizer))
