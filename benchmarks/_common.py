"""Helpers shared by the benchmark scripts: timing, the machine and command lines, the docs log."""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import torch

from glossa_utils import REPO_ROOT
from glossa_utils.cli import at_least
from glossa_utils.models import cpuinfo_field

BENCHMARK_LOG = REPO_ROOT / "docs" / "benchmarks.md"


def timed(fn):
    """(fn(), seconds it took)."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def cpu_model(cpuinfo: str | Path = "/proc/cpuinfo") -> str:
    """The CPU's model name ("AMD EPYC", "Intel(R) Xeon(R) ..."): from `cpuinfo` on Linux, else `platform`.

    The same threads of two CPU models can differ twofold on these benchmarks, so the logs name the model.
    """
    return cpuinfo_field("model name", cpuinfo) or platform.processor() or "unknown CPU"


def describe_machine() -> str:
    """CPU architecture and model, the accelerator (GPU name, or CPU threads) and the torch version."""
    device = "cuda: " + torch.cuda.get_device_name() if torch.cuda.is_available() else f"CPU, {torch.get_num_threads()} threads"
    return f"{platform.machine()} {cpu_model()} ({device}), torch {torch.__version__}"


def command_line() -> str:
    """The command that ran this script, with a repo-relative script path."""
    return "python " + " ".join([Path(sys.argv[0]).as_posix().replace(str(REPO_ROOT) + "/", ""), *sys.argv[1:]])


positive_int = at_least(1)
"""argparse type: a whole number >= 1 (the CLI's own `at_least`)."""


def finished_run(path: str) -> Path:
    """The run folder `path` (resolved from the repo root) or a one-line exit when it is not one."""
    from glossa_utils import resolve_path

    folder = resolve_path(path)
    if not (folder / "params.yaml").is_file() or not (folder / "data" / "test.jsonl").is_file():
        raise SystemExit(f"{Path(sys.argv[0]).name}: {path} is not a run folder (no params.yaml and data/test.jsonl); "
                         "make run writes runs/default")
    return folder


def run_main(main):
    """Run a benchmark's `main`; the project's own errors (params, data, backend, model) end in one line that
    names the script instead of a traceback. Returns what `main` returns."""
    from glossa_utils import ModelError, ParamsError
    from glossa_utils.data import DataError

    try:
        return main()
    except (ParamsError, ModelError, DataError, FileNotFoundError) as err:
        raise SystemExit(f"{Path(sys.argv[0]).name}: {err}") from None


def append_to_log(report: str) -> None:
    """Append a markdown section to docs/benchmarks.md (old entries are never edited)."""
    with open(BENCHMARK_LOG, "a", encoding="utf-8") as f:
        f.write(report)


def publish(title: str, facts: list[str], body: str, log: bool = True) -> str:
    """A dated docs/benchmarks.md section: `title`, one bullet per fact (machine and command first), then
    `body` (tables, readings). Appended to the log when `log`, printed, and returned."""
    bullets = "".join(f"- {fact}\n" for fact in facts)
    report = f"\n## {time.strftime('%Y-%m-%d')} · {title}\n\n{bullets}\n{body}\n"
    if log:
        append_to_log(report)
    print(report)
    return report


def markdown_table(rows: list[dict]) -> str:
    """A GitHub markdown table of `rows` (same keys each), numbers right-aligned; needs neither pandas nor tabulate."""
    keys = list(rows[0])
    cells = [[str(row[k]) for k in keys] for row in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    numeric = [all(isinstance(row[k], (int, float)) for row in rows) for k in keys]

    def line(values: list[str]) -> str:
        return "| " + " | ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" if n else ":" + "-" * (w + 1) for w, n in zip(widths, numeric)) + "|"
    return "\n".join([line(keys), rule, *map(line, cells)])
