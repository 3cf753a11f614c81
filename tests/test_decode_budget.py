"""benchmarks/decode_budget.py: the draft lookup and call count it replays, the FLOP count of its product rates,
and the script on the smoke run."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

from transformers import AutoConfig

from glossa_utils import REPO_ROOT

from .conftest import needs_llama_cpp

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from decode_budget import calls_with_drafts, lookup_draft, projection_weights  # noqa: E402


def test_draft_is_the_continuation_of_the_longest_latest_match():
    source = [5, 1, 2, 7, 8, 2, 9, 1, 2, 3, 4]
    assert lookup_draft(source, [], 3) == [5, 1, 2]  # nothing generated yet: the source's start
    assert lookup_draft(source, [1, 2], 2) == [3, 4]  # the bigram's latest match, not its first
    assert lookup_draft(source, [6, 2], 2) == [3, 4]  # no bigram match: the unigram's latest match
    assert lookup_draft(source, [6, 7], 2) == [8, 2]
    assert lookup_draft(source, [6, 6], 2) == []
    assert lookup_draft([1], [1, 4, 1], 2) == [4]  # generated tokens (all but the last) are searched too


def test_calls_count_the_agreed_draft_and_the_models_own_token():
    target = [10, 11, 12, 13, 14, 15]
    assert calls_with_drafts(target, target, 2) == 2  # [10 11]+12, then [13 14]+15
    assert calls_with_drafts(target, target, 8) == 1
    assert calls_with_drafts(target, [99, 98], 4) == len(target)  # drafts never agree: one token a call
    assert calls_with_drafts(target, [10, 11, 50, 13, 14], 2) == 3  # [10 11]+12; 13's draft misses; [13 14]+15


def test_projection_weights_of_smollm2_and_the_lm_head_make_its_134_5m():
    config = SimpleNamespace(hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
                             num_key_value_heads=3, head_dim=64, vocab_size=49152)
    per_layer = 576 * 576 + 2 * 576 * 192 + 576 * 576 + 3 * 576 * 1536  # q, k and v (3 of 9 heads), o, MLP
    assert projection_weights(config) == 30 * per_layer == 106_168_320
    assert round((projection_weights(config) + 49152 * 576) / 1e6, 1) == 134.5  # train_throughput.py's N
    config.head_dim = None  # read from hidden size / heads
    assert projection_weights(config) == 30 * per_layer


@needs_llama_cpp
def test_script_runs_on_the_smoke_run(smoke_run):
    env = {**os.environ, "TQDM_DISABLE": "1", "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run([sys.executable, "benchmarks/decode_budget.py", "--run", str(smoke_run), "--quants", "f32",
                             "f16", "--draft-tokens", "2", "4", "--no-log"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    cells = [[c.strip() for c in line.split("|")[1:-1]] for line in lines if line.startswith("| f")]
    assert [row[0] for row in cells if len(row) > 5] == ["f32", "f16"]  # the time budget, one row a type
    products = [row for row in cells if len(row) == 5]
    assert [(row[0], int(row[1])) for row in products] == [(q, n) for q in ("f32", "f16") for n in (1, 16, 64, 256)]
    config = AutoConfig.from_pretrained(smoke_run / "merged")
    for _, tokens, ms, rate, share in products:  # the rate is the FLOPs of one eval over its time
        flops = 2 * projection_weights(config) * int(tokens) + 2 * config.vocab_size * config.hidden_size
        assert float(ms) > 0 and share.endswith("%")
        rounding = 0.05 + float(rate) * 0.006 / float(ms)  # rate printed to 0.1, ms to 0.01
        assert abs(float(rate) - flops / float(ms) / 1e6) <= rounding
    speculation = [line.split("|")[1:3] for line in lines if line.startswith("| gloss") or line.startswith("| rule")]
    assert [(a.strip(), int(k)) for a, k in speculation] == [("gloss lower-cased", 2), ("gloss lower-cased", 4),
                                                            ("rule baseline", 2), ("rule baseline", 4)]


def test_script_rejects_prompts_past_the_context_and_names_a_missing_merged_model(smoke_run, tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "benchmarks/decode_budget.py", *args, "--no-log"], cwd=REPO_ROOT,
                              env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, capture_output=True, text=True,
                              timeout=300)

    result = run("--run", str(smoke_run), "--product-tokens", "16", "5000")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--product-tokens: at most 1023 tokens per call, the model's context, got 5000" in result.stderr
    unmerged = tmp_path / "run"
    (unmerged / "data").mkdir(parents=True)
    for name in ("params.yaml", "predictions.jsonl", *(f"data/{s}.jsonl" for s in ("train", "validation", "test"))):
        (unmerged / name).write_bytes((smoke_run / name).read_bytes())
    result = run("--run", str(unmerged))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("no merged model (merged/config.json); run the merge step (03_merge) first")
