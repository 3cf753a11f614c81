"""benchmarks/train_throughput.py: end to end with --quick (the tiny random Llama), and its written-out model configs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from glossa_utils import REPO_ROOT
from glossa_utils.models import cpu_has_bf16


@pytest.mark.slow  # 13 s on an idle 2-core CPU, 30-70 s when it is shared: six recipes in a subprocess
def test_quick_benchmark_prints_every_recipe_last():
    env = {**os.environ, "TQDM_DISABLE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1", "PYTHONPATH": str(REPO_ROOT)}
    log_before = (REPO_ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    result = subprocess.run([sys.executable, "benchmarks/train_throughput.py", "--quick", "--no-log"], cwd=REPO_ROOT,
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = result.stdout.strip().splitlines()[-8:]  # the table is printed last: header, rule, six recipes
    assert table[0].startswith("| model") and "real tokens/s" in table[0] and "speed-up" in table[0]
    assert table[0].rstrip(" |").endswith("× before")
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table[2:]]
    assert [r[1].split(":")[0] for r in rows] == ["card"] + ["project"] * 5
    assert "before issue 12" in rows[2][1]
    assert float(rows[0][-2]) == 1.0                              # speed-up is relative to the card
    assert float(rows[2][-1]) == 1.0                              # × before: relative to the path issue 12 found
    assert [r[4] for r in rows[:5]] == ["3 × 4"] + ["12 × 1"] * 4  # same 12 examples per step, one micro-batch
    assert float(rows[3][6]) < 5 < float(rows[1][6]) < float(rows[0][6])  # padding: packed < grouped < card
    native = "bf16" if cpu_has_bf16() else "fp32"  # train.precision auto on a CPU
    assert [r[2] for r in rows] == ["fp32", native, "fp32", native, "fp32", native]
    assert all(float(r[5]) > 0 and float(r[7]) > 0 for r in rows)  # real tokens per second and per CPU-second
    assert all(r[9].endswith("%") for r in rows)  # MFU: a share of the peak measured on this CPU
    assert "CPU peak = the best 2048² matmul" in result.stdout
    assert (REPO_ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8") == log_before  # --no-log


def load_benchmark():
    import importlib.util

    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))  # for its `_common` import
    spec = importlib.util.spec_from_file_location("train_throughput", REPO_ROOT / "benchmarks" / "train_throughput.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name, parameters", [("LLAMA32_1B", 1_235_814_400), ("SMOLLM2_135M", 134_515_008)])
def test_written_out_configs_have_the_real_models_sizes(name, parameters):
    """The random-weight stand-ins must have the published parameter counts (built on the meta device: no memory)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    with torch.device("meta"):
        model = LlamaForCausalLM(LlamaConfig(**getattr(load_benchmark(), name)))
    assert model.num_parameters() == parameters
