"""benchmarks/_common.py and latency.py's backend specs: bad arguments end in one line, not a traceback;
the machine line names the CPU model; latency.py keeps one-gloss and batch outputs apart; lora_step_ab.py
pairs its variants and notebook_ab.py its commits' runs."""

from __future__ import annotations

import argparse
import sys

import pytest

from glossa_utils import REPO_ROOT, ModelError

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from _common import cpu_model, describe_machine, finished_run, positive_int, run_main  # noqa: E402
from latency import measure, parse_backend  # noqa: E402


def test_positive_int():
    assert positive_int("3") == 3
    for bad in ("0", "-2", "x", "1.5"):
        with pytest.raises(argparse.ArgumentTypeError, match="whole number >= 1"):
            positive_int(bad)


def test_finished_run_needs_params_and_a_test_split(tmp_path):
    with pytest.raises(SystemExit, match="is not a run folder"):
        finished_run(str(tmp_path))
    (tmp_path / "data").mkdir()
    (tmp_path / "params.yaml").write_text("name: x\n")
    (tmp_path / "data" / "test.jsonl").write_text("")
    assert finished_run(str(tmp_path)) == tmp_path


def test_run_main_turns_project_errors_into_one_line():
    assert run_main(lambda: 7) == 7

    def broken():
        raise ModelError("unknown backend 'foo'")

    with pytest.raises(SystemExit, match=r"^\S+: unknown backend 'foo'$"):
        run_main(broken)
    with pytest.raises(ZeroDivisionError):  # a bug in the script itself still shows its traceback
        run_main(lambda: 1 / 0)


def test_backend_specs_are_checked_before_anything_runs():
    assert parse_backend("torch") == ("torch", None, 0)
    assert parse_backend("llamacpp:q8_0@2") == ("llamacpp", "q8_0", 2)
    assert parse_backend("ct2:int8") == ("ct2", "int8", 0)
    for bad, message in [("foo", "unknown backend 'foo'"), ("llamacpp:q4_0", "unknown weight type 'q4_0'"),
                         ("torch:f16", "torch has no weight types"), ("ct2@x", "bad thread count")]:
        with pytest.raises(SystemExit, match=message):
            parse_backend(bad)


def test_cpu_model_reads_the_first_model_name(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD  EPYC 9R14\n\n"
                       "processor\t: 1\nmodel name\t: another\n")
    assert cpu_model(cpuinfo) == "AMD EPYC 9R14"
    cpuinfo.write_text("processor\t: 0\nmodel name\t:\n")  # no name given: fall back, never crash
    assert cpu_model(cpuinfo) != ""
    assert cpu_model(tmp_path / "missing") != ""


def test_describe_machine_names_the_cpu_model():
    assert cpu_model() in describe_machine()


def test_lora_step_ab_profiles_a_variant(tiny_model_path):
    import contextlib

    import torch

    from glossa_utils import load_model, load_params
    from lora_step_ab import build_variant, profile_steps

    base = load_model(tiny_model_path, device="cpu").requires_grad_(False)
    model, optimizer = build_variant(base, load_params("params/default.yaml"), "fp32", contextlib.ExitStack())
    ids = torch.randint(0, base.config.vocab_size, (2, 12))
    before = [p.detach().clone() for p in model.parameters() if p.requires_grad]
    table = profile_steps(model, optimizer, [{"input_ids": ids, "labels": ids}] * 2, "fp32", rows=5)
    assert "aten::" in table and "Self CPU" in table
    after = [p for p in model.parameters() if p.requires_grad]
    assert any(not torch.equal(a, b) for a, b in zip(after, before))  # the profiled steps really trained


def test_lora_step_ab_places_adapters_on_q_and_v_or_nowhere(tiny_model_path):
    import contextlib

    import torch

    from glossa_utils import load_model, load_params
    from lora_step_ab import build_variant, time_step

    base = load_model(tiny_model_path, device="cpu").requires_grad_(False)
    cfg, held = load_params("params/default.yaml"), contextlib.ExitStack()
    ids = torch.randint(0, base.config.vocab_size, (2, 12))
    adapted = {}
    for variant in ("fp32", "qv", "nolora"):
        model, optimizer = build_variant(base, cfg, variant, held)
        adapted[variant] = {name.split(".lora_A")[0].rsplit(".", 1)[-1]
                            for name, _ in model.named_parameters() if ".lora_A" in name}
        assert (optimizer is None) == (variant == "nolora")
        wall, cpu = time_step(model, optimizer, {"input_ids": ids, "labels": ids}, variant)
        assert wall > 0 and cpu > 0
    assert adapted["fp32"] == set(cfg.lora.target_modules)
    assert adapted["qv"] == {"q_proj", "v_proj"}
    assert adapted["nolora"] == set() and not any(p.requires_grad for p in base.parameters())


def test_lora_step_ab_turns_the_order_and_pairs_the_ratios_by_repeat():
    from lora_step_ab import paired_ratios, rotated, summary_table

    variants = ["fp32", "amp", "amp-head"]
    orders = [rotated(variants, r) for r in range(3)]
    assert orders[0] == variants and all(sorted(o) == sorted(variants) for o in orders)
    assert [o[0] for o in orders] == variants  # each variant runs first once in three repeats
    assert rotated(variants, 3) == variants
    # the rates move from repeat to repeat (another batch, another minute) but amp is 2x fp32 in each one
    wall = {"fp32": [100.0, 200.0, 150.0], "amp": [200.0, 400.0, 300.0], "amp-head": [100.0, 100.0, 600.0]}
    ratios = paired_ratios(wall, "fp32")
    assert ratios["amp"] == [2.0, 2.0, 2.0] and ratios["fp32"] == [1.0, 1.0, 1.0]
    assert ratios["amp-head"] == [1.0, 0.5, 4.0]
    table = summary_table(wall, {v: [x / 2 for x in r] for v, r in wall.items()}, "fp32")
    assert "| amp | 300.0 [200.0–400.0] | 2.00 [2.00–2.00] | 150.0 [100.0–200.0] | 2.00 [2.00–2.00] |" in table
    assert "| amp-head | 100.0 [100.0–600.0] | 1.00 [0.50–4.00] |" in table


@pytest.mark.parametrize("script, args, code, message", [
    ("lora_step_ab.py", ["--repeats", "0"], 2, "--repeats: must be a whole number >= 1, got '0'"),
    ("lora_step_ab.py", ["--profile", "-1"], 2, "--profile: must be a whole number >= 0 (0: off), got '-1'"),
    ("lora_step_ab.py", ["--variants", "fp32,amp,fp32"], 2, "--variants must name each variant once"),
    ("lora_step_ab.py", ["--data", "no/such/run"], 2, "no/such/run/train.jsonl does not exist"),
    ("train_variant_loss.py", ["--dropout", "1.5"], 2, "--dropout must be at least 0 and below 1, got 1.5"),
    ("train_variant_loss.py", ["--params", "no/such.yaml"], 1, "train_variant_loss.py: params file not found"),
    ("train_variant_loss.py", ["--data", "no/such/run"], 1, "train_variant_loss.py: [Errno 2] No such file"),
    ("train_throughput.py", ["--steps", "0"], 2, "--steps: must be a whole number >= 1, got '0'"),  # was 10 steps
    ("train_throughput.py", ["--large-batch", "-1"], 2, "--large-batch: must be a whole number >= 1, got '-1'"),
    ("train_throughput.py", ["--peak-tflops", "0"], 2, "--peak-tflops must be above 0, got 0.0"),
    ("notebook_ab.py", ["--pairs", "0"], 2, "--pairs: must be a whole number >= 1, got '0'"),
    ("notebook_ab.py", ["--old", "no-such-commit"], 1, "'no-such-commit' is not a commit of"),
    ("notebook_ab.py", ["--old", "HEAD", "--params", "params/none.yaml"], 1, "params/none.yaml does not exist at"),
    ("notebook_ab.py", ["--json", "/proc/none/ab.json"], 2, "--json /proc/none/ab.json: cannot write there"),
    ("notebook_ab.py", ["--old", "HEAD", "--pairs", "1", "--params", "README.md", "--no-log", "--json", "/dev/null"], 1,
     "the README.md run of"),  # not a params file: the driver's ParamsError in one line
])
def test_training_benchmarks_reject_bad_arguments_in_one_line(script, args, code, message):
    import subprocess

    result = subprocess.run([sys.executable, str(REPO_ROOT / "benchmarks" / script), *args],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == code and message in result.stderr
    assert "Traceback" not in result.stderr


def test_latency_reports_one_gloss_outputs_apart_from_batch_outputs():
    from types import SimpleNamespace

    from glossa_utils.config import GenerateConfig

    class Fake:
        """Translates one gloss to its lower case, a batch to its upper case."""
        generate = GenerateConfig()

        def translate(self, glosses):
            case = str.lower if len(glosses) == 1 else str.upper
            return [SimpleNamespace(translation=case(g)) for g in glosses]

    result = measure(Fake(), ["Ab", "Cd", "Ef"], repeats=2, batch_size=3)
    assert result["one-gloss outputs"] == ["ab", "cd", "ef"] and result["outputs"] == ["AB", "CD", "EF"]
    assert result["p50 ms"] >= 0 and result["batch sentences/s"] > 0


def test_notebook_ab_alternates_the_sides_and_pairs_them():
    from notebook_ab import pair_ratios, run_order, trainer_seconds

    assert run_order(1) == ["new", "old"]
    assert run_order(3) == ["new", "old", "old", "new", "new", "old"]
    log = [{"loss": 1.0, "step": 5}, {"eval_loss": 0.9, "eval_runtime": 2.0, "step": 10},
           {"eval_loss": 0.8, "eval_runtime": 3.0, "step": 20}, {"train_runtime": 50.0, "step": 20}]
    assert trainer_seconds(log) == {"Trainer s": 50.0, "validation s": 5.0, "passes": 2,
                                    "Trainer without validation s": 45.0}
    with pytest.raises(ValueError, match="no train_runtime"):
        trainer_seconds(log[:-1])
    # the VM slows down between the pairs; within each pair old takes twice as long
    rows = [{"code": c, "02 s": s} for c, s in [("new", 100.0), ("old", 200.0), ("old", 300.0), ("new", 150.0)]]
    assert pair_ratios(rows, "02 s") == [2.0, 2.0]


@pytest.mark.slow
def test_notebook_ab_runs_two_worktrees_and_removes_them(tmp_path):
    """The smoke params' notebooks 01 and 02 of HEAD against HEAD, each in its own worktree."""
    import json
    import subprocess

    result = subprocess.run([sys.executable, str(REPO_ROOT / "benchmarks" / "notebook_ab.py"), "--old", "HEAD",
                             "--pairs", "1", "--params", "params/smoke.yaml", "--cache", "shared", "--no-log",
                             "--json", str(tmp_path / "ab.json")],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "ab.json").read_text())
    assert [row["code"] for row in report["rows"]] == ["new", "old"]
    assert report["commits"]["new"] == report["commits"]["old"]
    assert all(row["02 s"] > row["Trainer s"] > 0 and row["passes"] >= 1 for row in report["rows"])
    assert len(report["ratios"]["02 s"]) == 1 and "old / new, 02 s, per pair" in result.stdout
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=REPO_ROOT, capture_output=True, text=True).stdout
    assert "notebook-ab-" not in worktrees
