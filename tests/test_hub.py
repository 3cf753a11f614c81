"""The model card and the Hub upload, offline: the card's text, and the calls a push would make."""

import json

import pytest
import yaml

from glossa_utils import load_params, save_params
from glossa_utils.hub import model_card, push_to_hub

from .conftest import run_glossa

SCORES = {"bleu1": 0.61, "bleu2": 0.52, "bleu3": 0.44, "bleu4": 0.3721, "rouge1": 0.7, "rouge2": 0.5, "rougeL": 0.6543,
          "bertscore_precision": 0.8, "bertscore_recall": 0.81, "bertscore_f1": 0.8052}


def make_run(tmp_path, base="builtin:smollm2-135m-instruct"):
    run = tmp_path / "run"
    (run / "data").mkdir(parents=True)
    (run / "adapter").mkdir()
    save_params(load_params("params/default.yaml", [f"model.base={base}"]), run / "params.yaml")
    (run / "metrics.json").write_text(json.dumps({
        "test_examples": 44, "bertscore_model": "builtin:minilm", "bleu": "nrefs:1|tok:13a|smooth:none",
        "systems": {"fine-tuned": SCORES, "rule baseline": {**SCORES, "bleu4": 0.1287}},
        "ci95": {"fine-tuned": {"bleu4": [0.31, 0.43]}}}))
    (run / "data" / "data_card.json").write_text(json.dumps({
        "sources": [{"source": "conversational", "kind": "conversational"}],
        "splits": {"train": 352, "validation": 44, "test": 44}}))
    (run / "environment.json").write_text(json.dumps({"git_commit": "abc123"}))
    (run / "adapter" / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "/root/.cache/x"}))
    (run / "adapter" / "adapter_model.safetensors").write_bytes(b"weights")
    (run / "adapter" / "README.md").write_text("peft's template")
    return run


def test_card_carries_the_runs_metrics_baselines_and_recipe(tmp_path):
    card = model_card(make_run(tmp_path), "me/glossa")
    front = yaml.safe_load(card.split("---")[1])
    assert front["base_model"] == "HuggingFaceTB/SmolLM2-135M-Instruct" and front["library_name"] == "peft"
    metrics = {m["type"]: m["value"] for m in front["model-index"][0]["results"][0]["metrics"]}
    assert metrics == {"bleu4": 0.3721, "rougeL": 0.6543, "bertscore_f1": 0.8052}
    assert "| BLEU-4       |       0.3721 |          0.1287 |" in card  # model beside its baseline
    assert "44 pairs" in card and "`conversational` (conversational); 352 train, 44 validation, 44 test" in card
    assert "abc123" in card and front["model-index"][0]["results"][0]["dataset"]["name"] == "conversational"
    assert "fine-tuned: BLEU-4 0.310–0.430" in card and "Q4_1 GGUF" in card
    assert "| LoRA rank / alpha / dropout | 16 / 32 / 0.0 |" in card and "{" not in card.split("## Use")[0]


def test_card_shows_the_prompting_baselines_and_the_paired_interval(tmp_path):
    run = make_run(tmp_path)
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["systems"] = {"fine-tuned": SCORES, "zero-shot chat": {**SCORES, "bleu4": 0.02},
                          "5-shot chat": {**SCORES, "bleu4": 0.11}, "rule baseline": {**SCORES, "bleu4": 0.1287}}
    metrics["paired"] = {"fine-tuned vs 5-shot chat": {"bleu4": [0.12, 0.38], "rougeL": [0.05, 0.2]}}
    (run / "metrics.json").write_text(json.dumps(metrics))
    card = model_card(run, "me/glossa")
    assert "zero-shot chat" in card and "5-shot chat" in card and "k-shot chat" in card
    assert "fine-tuned vs 5-shot chat: +0.120 to +0.380 (the test set tells them apart)" in card


def test_card_needs_a_finished_run(tmp_path):
    run = make_run(tmp_path)
    (run / "metrics.json").unlink()
    with pytest.raises(FileNotFoundError, match="finish it first"):
        model_card(run)


class FakeApi:
    def __init__(self):
        self.calls = []

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", repo_id, kwargs))

    def upload_folder(self, *, repo_id, folder_path, **kwargs):
        from pathlib import Path

        files = sorted(p.name for p in Path(folder_path).iterdir())
        config = json.loads((Path(folder_path) / "adapter_config.json").read_text()) if "adapter_config.json" in files else {}
        self.calls.append(("upload_folder", repo_id, files, config.get("base_model_name_or_path"), kwargs.get("path_in_repo")))

    def upload_file(self, *, path_or_fileobj, path_in_repo, repo_id, **kwargs):
        from pathlib import Path

        self.calls.append(("upload_file", repo_id, path_in_repo, Path(path_or_fileobj).read_text()[:3]))


def test_push_uploads_the_adapter_with_a_hub_base_and_the_card(tmp_path):
    api = FakeApi()
    run = make_run(tmp_path)
    assert push_to_hub(run, "me/glossa", api=api) == ["adapter", "README.md"]
    assert api.calls[0] == ("create_repo", "me/glossa", {"private": True, "exist_ok": True})
    assert api.calls[1] == ("upload_folder", "me/glossa", ["adapter_config.json", "adapter_model.safetensors"],
                            "HuggingFaceTB/SmolLM2-135M-Instruct", None)  # not the local cache path, no peft README
    assert api.calls[2] == ("upload_file", "me/glossa", "README.md", "---")
    assert json.loads((run / "adapter" / "adapter_config.json").read_text())["base_model_name_or_path"] == "/root/.cache/x"


def test_an_adapter_on_a_local_base_is_only_pushed_with_the_merged_model(tmp_path):
    from glossa_utils import ModelError

    run = make_run(tmp_path, base="builtin:tiny-random-llama")
    with pytest.raises(ModelError, match="push with merged=True"):
        push_to_hub(run, "me/glossa", api=FakeApi())
    with pytest.raises(FileNotFoundError, match="merged: nothing to push"):
        push_to_hub(run, "me/glossa", merged=True, api=FakeApi())


def test_push_is_off_by_default_and_needs_a_repo_id():
    from glossa_utils import ParamsError

    assert load_params("params/default.yaml").hub.push is False
    with pytest.raises(ParamsError, match="hub.repo_id is required"):
        load_params("params/default.yaml", ["hub.push=true"])


def test_cli_writes_the_card_without_uploading(tmp_path):
    run = make_run(tmp_path)
    result = run_glossa("push", str(run), "--repo-id", "me/glossa", "--card-only")
    assert result.returncode == 0, result.stderr
    assert (run / "README.md").read_text().startswith("---\nbase_model: HuggingFaceTB/SmolLM2-135M-Instruct")
