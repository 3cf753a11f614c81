"""The ``glossa`` command line.

- ``glossa run PARAMS [--set key=value ...] [--out DIR]``: run the pipeline into ``runs/<name>/``;
- ``glossa resume RUN_DIR``: continue a failed or killed run where it stopped;
- ``glossa translate [GLOSS ...] [--run RUN_DIR] [--file FILE] [--out FILE] [--backend torch|ct2|llamacpp]
  [--batch-size N] [--stop-at-sentences]``: translate;
- ``glossa export RUN_DIR [--format gguf|ct2] [--quant Q] [--out DIR]``: write the merged model for local inference;
- ``glossa compare RUN_DIR ...``: the metrics of finished runs side by side, as a markdown table;
- ``glossa evaluate RUN_DIR --source SPEC [--out DIR]``: score a finished run and its baselines on another test set;
- ``glossa paired A B [--source NAME] [--out FILE]``: two systems on the same examples, with paired 95% intervals;
- ``glossa sweep SWEEP.yaml [--out DIR]``: a grid of runs, in parallel or through Slurm, with a summary;
- ``glossa push RUN_DIR --repo-id ID [--merged] [--public] [--card-only]``: share a run on the Hub;
- ``glossa colab-cells NOTEBOOK ...``: add or refresh each notebook's Colab badge and set-up cell;
- ``glossa store-outputs RUN_DIR``: refresh the committed notebooks from a finished run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import warnings
from collections.abc import Callable

from .backends import BACKENDS, CT2_QUANTS, DEFAULT_CT2_QUANT, LLAMACPP_QUANTS, default_llamacpp_quant
from .config import ParamsError, resolve_path, show_path
from .export import GGUF_QUANTS


def at_least(minimum: int, note: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number >= `minimum` (`note` says what the smallest means)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}{note}, got {text!r}")
        return value

    return parse


thread_count = at_least(0, " (0: the backend's default)")
"""``--threads``: 0 is the backend's own choice."""
batch_size = at_least(1)
"""``--batch-size``."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glossa", description="Gloss→English LoRA research pipeline.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a params file through all notebooks with papermill")
    run.add_argument("params", help="params YAML file, e.g. params/default.yaml")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override one param, e.g. --set train.epochs=1 (repeatable)")
    run.add_argument("--out", help="run folder (default: runs/<name>/)")
    run.add_argument("--log-output", action="store_true", help="stream notebook output to the terminal")
    resume = commands.add_parser("resume", help="continue a failed or killed run where it stopped")
    resume.add_argument("run_dir", help="the run folder, e.g. runs/default")
    resume.add_argument("--log-output", action="store_true", help="stream notebook output to the terminal")
    translate = commands.add_parser("translate", help="translate glosses with a trained run (JSONL out)")
    translate.add_argument("glosses", nargs="*", help="glosses to translate (none: read --file or stdin)")
    translate.add_argument("--run", default="runs/default", help="run folder or model directory (default: %(default)s)")
    translate.add_argument("--file", help="read glosses from a file, one per line ('-' for stdin)")
    translate.add_argument("--out", help="write JSONL here instead of stdout")
    translate.add_argument("--backend", default="torch", choices=BACKENDS,
                           help="decoder: torch (reference), ct2 (CTranslate2) or llamacpp (llama.cpp on the GGUF "
                           "export); ct2 and llamacpp need merged/ (default: %(default)s)")
    translate.add_argument("--quant", help=f"ct2 weight type: {', '.join(CT2_QUANTS)} (default: {DEFAULT_CT2_QUANT}); "
                           f"llamacpp: {', '.join(LLAMACPP_QUANTS)} (default on this CPU: {default_llamacpp_quant()})")
    translate.add_argument("--threads", type=thread_count, default=0,
                           help="CPU threads of ct2 / llamacpp (default 0: the backend's own choice)")
    translate.add_argument("--batch-size", type=batch_size,
                           help="glosses decoded together (default: the run's generate.batch_size; llamacpp decoded "
                           "batches of 44 faster than of 16)")
    translate.add_argument("--stop-at-sentences", action="store_true",
                           help="end each answer once it holds the gloss's sentence count (generate.stop_at_sentences: "
                           "skips the step that only writes EOS; the run's post-processing cuts answers there anyway)")
    export = commands.add_parser("export", help="export a run's merged model as GGUF (+ Ollama Modelfile) or for CTranslate2")
    export.add_argument("run_dir", help="a run folder with merged/, e.g. runs/default")
    export.add_argument("--format", default="gguf", choices=("gguf", "ct2"), help="default: %(default)s")
    export.add_argument("--quant", help=f"gguf: {', '.join(GGUF_QUANTS)} (default q8_0); ct2: {', '.join(CT2_QUANTS)} (default {DEFAULT_CT2_QUANT})")
    export.add_argument("--out", help="output folder (default: <run>/export/gguf or <run>/export/ct2-<quant>)")
    export.add_argument("--no-check", action="store_true", help="skip the GGUF round-trip check (loading it back)")
    compare = commands.add_parser("compare", help="print the metrics of finished runs side by side (markdown)")
    compare.add_argument("run_dirs", nargs="+", help="run folders, e.g. runs/default runs/default-greedy")
    evaluate = commands.add_parser("evaluate", help="score a finished run and its baselines on a source's test pairs")
    evaluate.add_argument("run_dir", help="a finished run folder, e.g. runs/default")
    evaluate.add_argument("--source", required=True,
                          help="a source of the run's recipe by name, KIND (conversational), KIND:PATH (file:x.jsonl, "
                               "aslg_pc12:DIR), hub:ID, or a YAML mapping of source fields ('{kind: file, path: x.jsonl}')")
    evaluate.add_argument("--out", help="output folder (default: RUN_DIR/eval/<source name>/)")
    paired = commands.add_parser("paired", help="compare two systems on the same examples (paired bootstrap intervals)")
    for name in ("a", "b"):
        paired.add_argument(name, metavar=f"{name.upper()}", help="RUN_DIR[:SYSTEM]: a run or `glossa evaluate` output "
                            "folder and a system in it (default: fine-tuned), e.g. 'runs/default:rule baseline'")
    paired.add_argument("--source", help="keep only this test source's examples, e.g. annotated")
    paired.add_argument("--out", help="also write the comparison as JSON here")
    paired.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (default: %(default)s)")
    paired.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: %(default)s)")
    sweep = commands.add_parser("sweep", help="run a grid of params (local workers or Slurm) and summarise it")
    sweep.add_argument("sweep_file", help="sweep YAML, e.g. params/sweeps/lora_rank_lr.yaml")
    sweep.add_argument("--out", help="sweep folder (default: runs/<sweep name>/)")
    push = commands.add_parser("push", help="upload a run's adapter (and merged model) with a model card to the Hub")
    push.add_argument("run_dir", help="a finished run folder, e.g. runs/default")
    push.add_argument("--repo-id", required=True, help="Hub repository, e.g. your-name/glossa-adapter")
    push.add_argument("--merged", action="store_true", help="also upload the merged model (under merged/)")
    push.add_argument("--public", action="store_true", help="make the repository public (default: private)")
    push.add_argument("--card-only", action="store_true", help="only write <run>/README.md, upload nothing")
    colab = commands.add_parser("colab-cells", help="add or refresh the Colab badge and set-up cell of notebooks")
    colab.add_argument("notebooks", nargs="+", help="notebook files, e.g. notebooks/*.ipynb")
    store = commands.add_parser("store-outputs", help="copy a run's executed notebooks into notebooks/")
    store.add_argument("run_dir", help="a finished run folder, e.g. runs/default")
    return parser


def read_glosses(args: argparse.Namespace) -> list[str]:
    """Glosses from the command line, a file, or standard input (one per line, blank lines ignored).

    Files and stdin are read as bytes and decoded as UTF-8 here, so binary input stops with a
    message naming the line and the byte instead of reaching the tokenizer.
    """
    from .translate import decode_gloss_lines

    if args.glosses:
        return args.glosses
    if args.file and args.file != "-":
        lines = decode_gloss_lines(resolve_path(args.file).read_bytes(), args.file)
    else:
        lines = decode_gloss_lines(sys.stdin.buffer.read(), "stdin")
    return [line for line in lines if line.strip()]


def translate_command(args: argparse.Namespace) -> int:
    from .data import write_jsonl
    from .translate import Translator

    glosses = read_glosses(args)
    if not glosses:
        print("glossa translate: no glosses given (arguments, --file or stdin)", file=sys.stderr)
        return 2
    translator = Translator.load(args.run, backend=args.backend, quant=args.quant, threads=args.threads)
    if args.stop_at_sentences:
        translator.generate = dataclasses.replace(translator.generate, stop_at_sentences=True)
    if args.batch_size:
        translator.generate = dataclasses.replace(translator.generate, batch_size=args.batch_size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # each result carries its warnings in the JSONL
        results = [r.to_dict() for r in translator.translate(glosses)]
    for r in results:
        for note in r["warnings"]:
            print(f"warning: {r['gloss'][:50]!r}: {note}", file=sys.stderr)
    if args.out:
        write_jsonl(results, resolve_path(args.out))
    else:
        for r in results:
            print(json.dumps(r, ensure_ascii=False))
    return 0


def export_command(args: argparse.Namespace) -> int:
    from .backends import convert_to_ct2
    from .export import check_gguf_round_trip, export_gguf, find_merged

    run_dir = resolve_path(args.run_dir)
    if args.format == "ct2":
        merged = find_merged(run_dir)
        quant = args.quant or DEFAULT_CT2_QUANT
        out = convert_to_ct2(merged, resolve_path(args.out) if args.out else run_dir / "export" / f"ct2-{quant}", quant)
        print(f"wrote {show_path(out)}/ (glossa translate --run {show_path(run_dir)} --backend ct2 --quant {quant})")
        return 0
    quant = args.quant or "q8_0"
    path = export_gguf(run_dir, quant, resolve_path(args.out) if args.out else None)
    print(f"wrote {show_path(path)} ({path.stat().st_size / 1e6:.1f} MB) and {show_path(path.parent / 'Modelfile')}")
    if args.no_check:
        return 0
    check = check_gguf_round_trip(path, run_dir, quant)
    (path.parent / f"round_trip-{quant}.json").write_text(json.dumps(check, indent=2) + "\n", encoding="utf-8")
    print(f"round trip (transformers' GGUF loader vs merged/, {check['prompts']} prompts): max |logit diff| "
          f"{check['max_abs_diff']:.4g} (tolerance {check['tolerance']}), top-1 agreement {check['top1_agreement']:.4f} "
          f"(min {check['min_top1_agreement']}), same token ids: {check['same_token_ids']}")
    if not check["passed"]:
        print("glossa export: the GGUF file does not reproduce the merged model within tolerance", file=sys.stderr)
        return 1
    return 0


def push_command(args: argparse.Namespace) -> int:
    from .hub import push_to_hub, write_model_card

    run_dir = resolve_path(args.run_dir)
    if args.card_only:
        print(f"wrote {show_path(write_model_card(run_dir, args.repo_id, args.merged))}")
        return 0
    uploaded = push_to_hub(run_dir, args.repo_id, private=not args.public, merged=args.merged)
    print(f"pushed {', '.join(uploaded)} to https://huggingface.co/{args.repo_id}")
    return 0


def evaluate_command(args: argparse.Namespace) -> int:
    from .evaluation import evaluate_run, paired_table
    from .metrics import metrics_table

    path = evaluate_run(args.run_dir, args.source, args.out)
    report = json.loads(path.read_text(encoding="utf-8"))
    print(metrics_table(report["systems"], ci=report.get("ci95")).to_markdown())
    if report.get("paired"):
        print("\n" + paired_table(report).to_markdown(index=False))
    dropped = report["dropped_seen_in_training"]
    print(f"\n{report['test_examples']} test pairs" + (f" ({dropped} dropped: seen in training)" if dropped else ""))
    print(f"wrote {show_path(path)}, metrics.md and the predictions of each system")
    return 0


def paired_command(args: argparse.Namespace) -> int:
    from .data import write_json
    from .evaluation import compare_systems, paired_comparison_table

    if args.resamples < 1:
        raise ValueError(f"--resamples must be >= 1, got {args.resamples}")
    report = compare_systems(args.a, args.b, args.source, args.resamples, args.seed)
    where = f" of source {args.source!r}" if args.source else ""
    print(f"A: {args.a}\nB: {args.b}\n{report['examples']} shared examples{where}; paired bootstrap over "
          f"{args.resamples} resamples; BERTScore: {report['bertscore_model']}\n")
    print(paired_comparison_table(report).to_markdown(index=False, disable_numparse=True))
    ratio = report["bleu4_ratio"]
    print(f"\nBLEU-4 ratio B/A: {ratio:.2f}" if ratio is not None else "\nBLEU-4 ratio B/A: undefined (A's BLEU-4 is 0)")
    if args.out:
        write_json(report, resolve_path(args.out))
        print(f"wrote {show_path(resolve_path(args.out))}")
    return 0


def sweep_command(args: argparse.Namespace) -> int:
    from .sweep import run_sweep

    summary_file, summary = run_sweep(args.sweep_file, args.out)
    columns = [c for c in summary.columns if c not in ("error", "seconds")]
    print(summary[columns].to_markdown(index=False, floatfmt=".4f"))
    failed = summary[summary["state"] == "failed"]
    for _, row in failed.iterrows():
        print(f"glossa sweep: run {row['run']} failed: {row['error']}", file=sys.stderr)
    print(f"summary: {show_path(summary_file)} and summary.png")
    return 1 if len(failed) else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .data import DataError
    from .models import ModelError
    from .runner import PipelineError, resume_pipeline, run_pipeline, store_outputs

    try:
        if args.command == "store-outputs":
            for path in store_outputs(resolve_path(args.run_dir)):
                print(f"stored {show_path(path)}")
            return 0
        if args.command == "translate":
            return translate_command(args)
        if args.command == "compare":
            from .metrics import compare_runs

            print(compare_runs([resolve_path(d) for d in args.run_dirs]).to_markdown(index=False))
            return 0
        if args.command == "colab-cells":
            from .colab import add_colab_cells

            for notebook in args.notebooks:
                print(f"{notebook}: {'updated' if add_colab_cells(notebook) else 'up to date'}")
            return 0
        if args.command == "export":
            return export_command(args)
        if args.command == "push":
            return push_command(args)
        if args.command == "sweep":
            return sweep_command(args)
        if args.command == "evaluate":
            return evaluate_command(args)
        if args.command == "paired":
            return paired_command(args)
        if args.command == "resume":
            run_dir = resume_pipeline(args.run_dir, log_output=args.log_output)
        else:
            run_dir = run_pipeline(args.params, args.overrides, args.out, log_output=args.log_output)
    except ParamsError as err:
        print(f"glossa: invalid params: {err}", file=sys.stderr)
        return 2
    except (ModelError, DataError, OSError, ValueError) as err:
        print(f"glossa: {err}", file=sys.stderr)
        return 2
    except PipelineError as err:
        print(f"glossa: {err}", file=sys.stderr)
        return 1
    print(f"run finished: {show_path(run_dir)}/metrics.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
