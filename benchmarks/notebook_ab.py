"""Notebooks 01 and 02 of two commits, run in turn: how much faster does the new code fine-tune the default?

Issue 12 asks that notebook 02 on the default take half the time it took before. This 2-core VM's speed
drifts by 10–30 % from one hour to the next, so a new run is only comparable with an old run made in the
same minutes. Each side here is a git worktree of its commit (``git worktree add --detach``, removed
afterwards) that runs its own notebooks through its own ``glossa_utils.runner.execute_notebook`` and its
own params file, in this Python environment. The runs alternate new, old, old, new, … so that a drift
counts against neither side, and each speed-up is old / new within one adjacent pair of runs. With
``--cache empty`` (the default) every run gets an empty model cache (``GLOSSA_CACHE``), so 02 converts
the base model as on a fresh machine, which is how the issue measured it.

Per run it reports each notebook's seconds, the Trainer's (``train_runtime`` in ``train_log.json``), the
validation passes within it (``eval_runtime`` summed, and their count), and the Trainer without them.

    python benchmarks/notebook_ab.py --old edb0dbf --new HEAD --pairs 2

``edb0dbf`` is the last commit before issue 12's training changes. Uncommitted changes are not measured:
each side is a commit. Results: ``runs/benchmarks/notebook_ab.json`` (``--json``); the table goes to
docs/benchmarks.md unless ``--no-log``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import command_line, describe_machine, markdown_table, positive_int, publish, run_main

from glossa_utils import REPO_ROOT, resolve_path, summarize_training, write_json

# Runs in a worktree, with that worktree first on PYTHONPATH: only what both old and new code offer.
DRIVER = """
import json, sys
import glossa_utils
from glossa_utils.config import load_params, save_params
from glossa_utils.runner import clear_outputs, execute_notebook, git_commit
try:
    cfg = load_params(sys.argv[1])
    run_dir = cfg.run_dir
    clear_outputs(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    save_params(cfg, run_dir / "params.yaml")
    seconds = {name: execute_notebook(name, run_dir, run_dir / "params.yaml") for name in json.loads(sys.argv[2])}
except Exception as err:  # the one line notebook_ab.py shows, not a traceback
    sys.exit(f"{type(err).__name__}: {err}")
print(json.dumps({"package": glossa_utils.__file__, "commit": git_commit(), "run_dir": str(run_dir),
                  "seconds": seconds}))
"""


def run_order(pairs: int) -> list[str]:
    """The sides in the order they run: new, old, old, new, new, old, … (`pairs` adjacent pairs)."""
    return [side for i in range(pairs) for side in (("new", "old") if i % 2 == 0 else ("old", "new"))]


def trainer_seconds(log_history: list[dict]) -> dict:
    """The Trainer's seconds in all (`summarize_training`'s runtime), of its validation passes (and their
    count), and without them."""
    total = summarize_training(log_history)["runtime_s"]
    if total is None:
        raise ValueError("train_log.json holds no train_runtime: did 02 finish?")
    passes = [e["eval_runtime"] for e in log_history if "eval_runtime" in e]
    return {"Trainer s": round(total, 1), "validation s": round(sum(passes), 1), "passes": len(passes),
            "Trainer without validation s": round(total - sum(passes), 1)}


def pair_ratios(rows: list[dict], key: str) -> list[float]:
    """old / new of `key` within each adjacent pair of rows (rows in `run_order`)."""
    ratios = []
    for first, second in zip(rows[::2], rows[1::2]):
        side = {first["code"]: first, second["code"]: second}
        ratios.append(round(side["old"][key] / side["new"][key], 2))
    return ratios


def resolve_commit(rev: str) -> str:
    """The full hash of `rev`, or a one-line exit naming it."""
    result = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=REPO_ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"notebook_ab.py: {rev!r} is not a commit of {REPO_ROOT} (git rev-parse failed)")
    return result.stdout.strip()


def run_side(worktree: Path, commit: str, params: str, notebooks: list[str], cache: Path | None) -> dict:
    """Run `notebooks` of the checkout `worktree` (at `commit`) on its `params`; seconds per notebook and the
    Trainer's."""
    env = dict(os.environ, PYTHONPATH=str(worktree), TQDM_DISABLE="1", HF_HUB_DISABLE_PROGRESS_BARS="1")
    if cache is not None:
        env["GLOSSA_CACHE"] = str(cache)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", DRIVER, params, json.dumps(notebooks)], cwd=worktree, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise SystemExit(f"notebook_ab.py: the {params} run of {commit[:7]} failed: {last}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if not Path(report["package"]).resolve().is_relative_to(worktree.resolve()):
        raise SystemExit(f"notebook_ab.py: {worktree} imported glossa_utils from {report['package']}")
    if report["commit"] != commit:
        raise SystemExit(f"notebook_ab.py: {worktree} ran at {report['commit']}, not {commit}")
    log = json.loads((worktree / report["run_dir"] / "train_log.json").read_text(encoding="utf-8"))
    row = {f"{name[:2]} s": round(seconds, 1) for name, seconds in report["seconds"].items()}
    row.update(trainer_seconds(log))
    row["wall s"] = round(time.perf_counter() - start, 1)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="edb0dbf", help="the commit to compare against (default: the last "
                        "commit before issue 12's training changes)")
    parser.add_argument("--new", default="HEAD", help="the commit measured (default HEAD)")
    parser.add_argument("--pairs", type=positive_int, default=2, help="adjacent new/old pairs (order ABBA…)")
    parser.add_argument("--params", default="params/default.yaml", help="each side's own file at this path")
    parser.add_argument("--cache", choices=["empty", "shared"], default="empty",
                        help="empty: a new model cache every run, as on a fresh machine; shared: yours")
    parser.add_argument("--json", default="runs/benchmarks/notebook_ab.json", help="where the results go")
    parser.add_argument("--no-log", action="store_true", help="print only; do not append to docs/benchmarks.md")
    args = parser.parse_args()
    commits = {"new": resolve_commit(args.new), "old": resolve_commit(args.old)}
    out = resolve_path(args.json)
    try:  # before the runs, not after: a path that cannot be written would lose them all
        out.parent.mkdir(parents=True, exist_ok=True)
        out.touch()
    except OSError as err:
        parser.error(f"--json {args.json}: cannot write there ({err.strerror})")
    notebooks = ["01_data_prep", "02_lora_finetune"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="notebook-ab-") as tmp:
        trees = {side: Path(tmp) / side for side in commits}
        try:
            for side, tree in trees.items():
                subprocess.run(["git", "worktree", "add", "--detach", str(tree), commits[side]], cwd=REPO_ROOT,
                               check=True, capture_output=True)
                if not (tree / args.params).is_file():
                    raise SystemExit(f"notebook_ab.py: {args.params} does not exist at {side} commit "
                                     f"{commits[side][:7]}")
            for i, side in enumerate(run_order(args.pairs)):
                cache = Path(tmp) / f"cache-{i}" if args.cache == "empty" else None
                row = {"run": i + 1, "code": side, "commit": commits[side][:7]}
                row.update(run_side(trees[side], commits[side], args.params, notebooks, cache))
                print(markdown_table([row]).splitlines()[-1], flush=True)
                rows.append(row)
        finally:
            for tree in trees.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO_ROOT, capture_output=True)
            subprocess.run(["git", "worktree", "prune"], cwd=REPO_ROOT, capture_output=True)
    ratios = {key: pair_ratios(rows, key) for key in ("02 s", "Trainer without validation s")}
    write_json({"commits": commits, "params": args.params, "cache": args.cache, "rows": rows, "ratios": ratios}, out)
    readings = "\n".join(f"- old / new, {key}, per pair: {', '.join(f'{r:.2f}' for r in values)} "
                         f"(median {statistics.median(values):.2f})" for key, values in ratios.items())
    publish(f"notebooks 01–02, {commits['new'][:7]} against {commits['old'][:7]} in turn",
            [f"Machine: {describe_machine()}; load average {os.getloadavg()[0]:.2f} at the end",
             f"Command: `{command_line()}`",
             f"Each side a worktree of its commit with its own {args.params}; model cache: {args.cache}; "
             f"order {', '.join(run_order(args.pairs))}; results: `{args.json}`"],
            f"{markdown_table(rows)}\n\n{readings}\n", log=not args.no_log)


if __name__ == "__main__":
    run_main(main)
