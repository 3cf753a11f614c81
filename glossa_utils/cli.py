"""The ``glossa`` command line.

``glossa run PARAMS [--set key=value ...] [--out DIR]`` runs the pipeline;
``glossa store-outputs RUN_DIR`` refreshes the committed notebooks from a finished run.
"""

from __future__ import annotations

import argparse
import sys

from .config import ParamsError, resolve_path, show_path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glossa", description="Gloss→English LoRA research pipeline.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a params file through all notebooks with papermill")
    run.add_argument("params", help="params YAML file, e.g. params/default.yaml")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override one param, e.g. --set train.epochs=1 (repeatable)")
    run.add_argument("--out", help="run folder (default: runs/<name>/)")
    run.add_argument("--log-output", action="store_true", help="stream notebook output to the terminal")
    store = commands.add_parser("store-outputs", help="copy a run's executed notebooks into notebooks/")
    store.add_argument("run_dir", help="a finished run folder, e.g. runs/default")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .runner import PipelineError, run_pipeline, store_outputs

    if args.command == "store-outputs":
        for path in store_outputs(resolve_path(args.run_dir)):
            print(f"stored {show_path(path)}")
        return 0

    try:
        run_dir = run_pipeline(args.params, args.overrides, args.out, log_output=args.log_output)
    except ParamsError as err:
        print(f"glossa: invalid params: {err}", file=sys.stderr)
        return 2
    except PipelineError as err:
        print(f"glossa: {err}", file=sys.stderr)
        return 1
    print(f"run finished: {show_path(run_dir)}/metrics.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
