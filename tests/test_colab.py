"""Colab: every notebook's badge and set-up cell, what the set-up cell does on Colab, Hub login, the T4 recipe."""

import sys
import types

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from glossa_utils import REPO_ROOT, load_params
from glossa_utils.colab import GITHUB_REPO, SETUP_TAG, needs_hub_login, setup_cell_source

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_has_its_badge_and_the_current_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    url = f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/main/notebooks/{path.name}"
    assert f"]({url})" in nb.cells[0].source, "badge missing or pointing elsewhere: glossa colab-cells notebooks/*.ipynb"
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    position = next(i for i, t in enumerate(tags) if "parameters" in t)
    assert SETUP_TAG in tags[position + 1], "the set-up cell must follow the parameters cell"
    switch = "params_path" in nb.cells[position].source
    assert nb.cells[position + 1].source == setup_cell_source(switch), \
        "stale set-up cell: glossa colab-cells notebooks/*.ipynb"


class FakeShell:
    def __init__(self):
        self.calls = []

    def run_line_magic(self, name, line):
        self.calls.append((name, line))

    def system(self, command):
        self.calls.append(("!", command))


def run_setup_cell(monkeypatch, on_colab: bool, params_path="params/default.yaml"):
    shell, mounted = FakeShell(), []
    if on_colab:
        colab = types.ModuleType("google.colab")
        colab.drive = types.SimpleNamespace(mount=mounted.append)
        monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.delenv("HF_HOME", raising=False)
    scope = {"get_ipython": lambda: shell, "params_path": params_path}
    exec(TransformerManager().transform_cell(setup_cell_source()), scope)
    return shell.calls, mounted, scope["params_path"]


def test_setup_cell_does_nothing_off_colab(monkeypatch):
    assert run_setup_cell(monkeypatch, on_colab=False) == ([], [], "params/default.yaml")


def test_setup_cell_on_colab_mounts_clones_installs_and_picks_the_gpu_recipe(monkeypatch):
    import os

    calls, mounted, params_path = run_setup_cell(monkeypatch, on_colab=True)
    assert mounted == ["/content/drive"] and os.environ["HF_HOME"].startswith("/content/drive/")
    assert calls == [("cd", "/content/drive/MyDrive"),
                     ("!", f"test -d glossa-llama || git clone -q https://github.com/{GITHUB_REPO} glossa-llama"),
                     ("cd", "glossa-llama"), ("pip", "install -q -e .")]
    assert params_path == "params/colab_llama32_1b.yaml"
    assert run_setup_cell(monkeypatch, True, "params/smoke.yaml")[2] == "params/smoke.yaml"  # a chosen file stays


def test_only_hub_models_without_a_token_need_a_login(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # no stored token here
    monkeypatch.delenv("HF_TOKEN", raising=False)
    assert not needs_hub_login("builtin:smollm2-135m-instruct") and not needs_hub_login("/models/llama")
    assert needs_hub_login("meta-llama/Llama-3.2-1B-Instruct")
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    assert not needs_hub_login("meta-llama/Llama-3.2-1B-Instruct")


def test_colab_recipe_is_the_cards_lora_recipe():
    cfg = load_params("params/colab_llama32_1b.yaml")
    assert cfg.model.base == "meta-llama/Llama-3.2-1B-Instruct"
    assert (cfg.lora.r, cfg.lora.alpha, cfg.lora.dropout, cfg.lora.target_modules) == (8, 16, 0.1, ["q_proj", "v_proj"])
    assert (cfg.train.epochs, cfg.train.lr, cfg.train.warmup_steps) == (3, 2e-4, 100)
    assert cfg.train.batch_size * cfg.train.grad_accum == 3 * 4 and cfg.train.max_length == 512
