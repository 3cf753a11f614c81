"""Stage 3, merge: fold the LoRA update into the base weights and prove nothing changed.

``merge_and_unload`` replaces every ``W x + B A x`` by ``(W + B A) x``. Mathematically identical, it
differs only by floating-point rounding; `compare_logits` measures that difference on real prompts
so the merged model can be trusted in place of base + adapter.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

LOGIT_TOLERANCE = 1e-3
"""Largest absolute logit difference accepted between adapter and merged model (fp32)."""


def load_with_adapter(base_model, adapter_dir: Path):
    """Attach a saved LoRA adapter to `base_model` (inference mode)."""
    from peft import PeftModel

    return PeftModel.from_pretrained(base_model, str(adapter_dir)).eval()


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


def save_merged(model, tokenizer, out_dir: Path) -> Path:
    """Save the merged model (safetensors) and tokenizer; written to a temp folder, then renamed."""
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return out_dir
