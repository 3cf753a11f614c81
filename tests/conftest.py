"""Shared fixtures: the SmolLM2 tokenizer, a tiny model, and one smoke run of the whole pipeline."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from glossa_utils import REPO_ROOT

SHARED_ASLG = REPO_ROOT.parent / "shared" / "data" / "aslg_pc12"

needs_llama_cpp = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None and not os.environ.get("GLOSSA_CI"),
    reason="llama-cpp-python (the llamacpp extra, compiled from source) is not installed; CI installs it "
           "and runs these (GLOSSA_CI=1 turns the skip off)")
"""Mark for tests of the llamacpp backend: skipped where the extra is missing, except in CI."""
SMOKE_RUN = REPO_ROOT / "runs" / "_pytest-smoke"


@pytest.fixture(scope="session")
def tokenizer():
    from glossa_utils import load_tokenizer, resolve_model_path

    return load_tokenizer(resolve_model_path("builtin:smollm2-135m-instruct"))


@pytest.fixture(scope="session")
def tiny_model_path() -> str:
    from glossa_utils import resolve_model_path

    return resolve_model_path("builtin:tiny-random-llama")


@pytest.fixture(scope="session")
def aslg_dir() -> Path:
    if not (SHARED_ASLG / "test.jsonl").is_file():
        pytest.skip("../shared/data/aslg_pc12 is not present")
    return SHARED_ASLG


def run_glossa(*args: str, stdin: str | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run the ``glossa`` CLI of this interpreter's environment, progress bars off."""
    env = {**os.environ, "TQDM_DISABLE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
    return subprocess.run([sys.executable, "-m", "glossa_utils.cli", *args], cwd=REPO_ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def smoke_run() -> Path:
    """Run params/smoke.yaml through all six notebooks once per test session."""
    result = run_glossa("run", "params/smoke.yaml", "--out", str(SMOKE_RUN))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return SMOKE_RUN
