"""glossa_utils: the small package behind the Glossa-llama notebooks (one module per stage).

Importing it does no work: no model is loaded, no folder made, no logging configured.
"""

from .analysis import per_example_scores, plot_analysis, repeated_ngram_rate, scores_by_length, verbosity_summary, worst_examples
from .config import REPO_ROOT, ParamsError, RunConfig, echo_config, load_params, resolve_path, save_params, show_path
from .data import (BadRows, DataError, atomic_directory, build_data_card, check_row, clean_pairs, find_leaks, load_pairs,
                   load_splits, plot_lengths, read_jsonl, read_records, sample_pairs, split_pairs, write_json, write_jsonl,
                   write_splits)
from .finetune import (PackCollator, PadCollator, add_lora, build_answer, build_prompt, build_trainer, count_parameters,
                       describe_training, directory_size, encode_pair, encode_pairs, fill_rows, load_template, mask_labels,
                       plan_batches, plot_loss, save_adapter, show_masked_example, summed_loss, train_lora, validation_loss)
from .generate import card_count_sentences, count_sentences, extract_answer, postprocess, split_sentences, truncate_sentences
from .merge import LOGIT_TOLERANCE, check_adapter, compare_logits, load_with_adapter, prompt_logits, save_merged
from .metrics import compare_runs, compute_scores, load_all_metrics, load_metric, metrics_table, rule_translate
from .models import (ModelError, check_checkpoint, load_model, load_tokenizer, pick_device, pick_liger, pick_optimizer,
                     pick_precision, resolve_model_path, set_attention)
from .runner import NOTEBOOKS, PipelineError, read_status, resume_pipeline, run_pipeline, store_outputs
from .translate import Translation, Translator, check_gloss, translate_pairs
from .train_ddp import prepare_splits, train_adapter

__all__ = [
    # config
    "REPO_ROOT", "ParamsError", "RunConfig", "echo_config", "load_params", "resolve_path", "save_params", "show_path",
    # data (01)
    "BadRows", "DataError", "atomic_directory", "build_data_card", "check_row", "clean_pairs", "find_leaks",
    "load_pairs", "load_splits", "plot_lengths", "read_jsonl", "read_records", "sample_pairs", "split_pairs",
    "write_json", "write_jsonl", "write_splits",
    # models
    "ModelError", "check_checkpoint", "load_model", "load_tokenizer", "pick_device", "pick_liger", "pick_optimizer",
    "pick_precision", "resolve_model_path", "set_attention",
    # finetune (02)
    "PackCollator", "PadCollator", "add_lora", "build_answer", "build_prompt", "build_trainer", "count_parameters",
    "describe_training", "directory_size", "encode_pair", "encode_pairs", "fill_rows", "load_template", "mask_labels",
    "plan_batches", "plot_loss", "save_adapter", "show_masked_example", "summed_loss", "train_lora", "validation_loss",
    # merge (03)
    "LOGIT_TOLERANCE", "check_adapter", "compare_logits", "load_with_adapter", "prompt_logits", "save_merged",
    # generate (04)
    "card_count_sentences", "count_sentences", "extract_answer", "postprocess", "split_sentences",
    "truncate_sentences",
    # translate (04 and downstream apps)
    "Translation", "Translator", "check_gloss", "translate_pairs",
    # metrics (05)
    "compare_runs", "compute_scores", "load_all_metrics", "load_metric", "metrics_table", "rule_translate",
    # analysis (06)
    "per_example_scores", "plot_analysis", "repeated_ngram_rate", "scores_by_length", "verbosity_summary",
    "worst_examples",
    # train_ddp (training without the notebooks, on one process or several)
    "prepare_splits", "train_adapter",
    # runner
    "NOTEBOOKS", "PipelineError", "read_status", "resume_pipeline", "run_pipeline", "store_outputs",
]
