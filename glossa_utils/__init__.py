"""glossa_utils: the small package behind the Glossa-llama notebooks (one module per stage).

Importing it does no work: no model is loaded, no folder made, no logging configured.
"""

from .analysis import (FREQUENCY_BUCKETS, best_baseline, count_train_words, english_forms, example_table,
                       frequency_bucket, mark_unseen, ngram_differences, per_example_scores, phenomenon_report,
                       phenomenon_table, plot_analysis, prediction_lists, read_system_predictions, repeated_ngram_rate,
                       salient_examples, scores_by_length, sentence_scores, share_with_unseen, show_table,
                       unseen_words, verbosity_summary, word_accuracy_by_frequency, worst_examples)
from .baselines import (build_messages, clean_chat_answer, generate_baselines, k_shot_examples, load_prompt,
                        pick_examples, prompting_systems, render_chat, rule_records, system_prompts)
from .backends import (BACKENDS, CT2_QUANTS, LLAMACPP_QUANTS, CT2Backend, LlamaCppBackend, TorchBackend, convert_to_ct2,
                       load_backend)
from .colab import check_gpu, describe_device, hub_login, hub_login_if_needed, in_colab, read_hub_token
from .compare import (ExampleComparison, comparable_pair, compare_examples, find_runs, group_by_test_set, learning_curve,
                      loss_curves, params_diff, phenomena_across_runs, plot_learning_curve, plot_runs, run_label,
                      run_phenomena, score_table)
from .config import (REPO_ROOT, ParamsError, RunConfig, SourceSpec, echo_config, load_params, load_run_params,
                     resolve_path, save_params, show_path)
from .data import (BadRows, DataError, atomic_directory, build_data_card, check_row, clean_pairs, find_leaks,
                   find_parallel_files, load_splits, plot_lengths, read_jsonl, read_parallel, read_readme_section,
                   read_records, sample_pairs, sample_per_source, split_pairs, write_json, write_jsonl, write_splits)
from .export import GGUF_QUANTS, ROUND_TRIP_TOLERANCE, build_modelfile, check_gguf_round_trip, export_gguf, find_merged
from .evaluation import (PAIRED_METRICS, best_prompting_baseline, build_metrics, compare_systems, describe_paired,
                         evaluate_run, filter_source, load_base, match_examples, paired_comparison,
                         paired_comparison_table, paired_table, prediction_file, read_outputs, run_systems, write_metrics,
                         write_predictions)
from .finetune import (PackCollator, PadCollator, add_lora, build_answer, build_prompt, build_trainer, count_parameters,
                       count_lora_by_hand, describe_losses, describe_training, directory_size, encode_pair, encode_pairs, fill_rows,
                       frozen_weights_in_bf16, load_template, mask_labels, plan_batches, plot_loss, read_linear_shapes,
                       render_loss_mask, save_adapter, show_masked_example, split_tokens, summarize_training, summed_loss,
                       train_lora, validation_loss)
from .generate import (DECODING_VARIANTS, card_count_sentences, count_sentences, decode_variants, extract_answer, postprocess,
                       repostprocess, split_sentences, truncate_sentences)
from .merge import (LOGIT_TOLERANCE, check_adapter, compare_logits, describe_sizes, format_size, load_with_adapter,
                    prompt_logits, read_training_precision, save_merged, set_generation_config, storage_precision)
from .hub import model_card, push_to_hub, write_model_card
from .metrics import (BLEU4, CHRF, ROUGE_L, AdditiveMetric, bertscore_f1_metric, bootstrap_ci, compare_runs, compute_scores,
                      load_all_metrics, load_metric, metrics_table, paired_bootstrap_ci, paired_interval, rule_translate,
                      score_systems, source_table)
from .models import (ModelError, check_checkpoint, load_model, load_tokenizer, pick_device, pick_liger, pick_optimizer,
                     pick_precision, resolve_model_path, set_attention)
from .notation import (PHENOMENA, Token, count_gloss_sentences, gloss_sentences, lexical_words, looks_like_gloss,
                       notation_share, parse_gloss, tag_phenomena)
from .recipe import Recipe, SourceData, build_recipe_card, load_pairs, load_recipe, recipe_sources
from .readings import (describe_example_changes, describe_frequency, describe_learning_curve, describe_lengths,
                       describe_metrics, describe_ngrams, describe_paired_difference, describe_params_diff,
                       describe_phenomena, describe_run_scores, describe_variants, describe_verbosity, describe_worked_example,
                       describe_worst)
from .runner import NOTEBOOKS, PipelineError, read_status, resume_pipeline, run_pipeline, store_outputs
from .sweep import load_sweep, plan_runs, run_sweep
from .synth import (RULES, GlossStyle, Rule, chitchat_utterances, gloss_sentence, gloss_text, measure_englishness,
                    rule_examples, synthesize_chitchat, synthesize_pairs)
from .translate import Translation, Translator, check_gloss, translate_pairs
from .train_ddp import prepare_splits, train_adapter

__all__ = [
    # config
    "REPO_ROOT", "ParamsError", "RunConfig", "SourceSpec", "echo_config", "load_params", "load_run_params", "resolve_path",
    "save_params", "show_path",
    # data (01)
    "BadRows", "DataError", "atomic_directory", "build_data_card", "check_row", "clean_pairs", "find_leaks",
    "find_parallel_files", "load_pairs", "load_splits", "plot_lengths", "read_jsonl", "read_parallel",
    "read_readme_section", "read_records",
    "sample_pairs", "sample_per_source", "split_pairs", "write_json", "write_jsonl", "write_splits",
    # recipe (01: several sources mixed)
    "Recipe", "SourceData", "build_recipe_card", "load_recipe", "recipe_sources",
    # models
    "ModelError", "check_checkpoint", "load_model", "load_tokenizer", "pick_device", "pick_liger", "pick_optimizer",
    "pick_precision", "resolve_model_path", "set_attention",
    # finetune (02)
    "PackCollator", "PadCollator", "add_lora", "build_answer", "build_prompt", "build_trainer", "count_parameters",
    "describe_training", "directory_size", "encode_pair", "encode_pairs", "fill_rows", "frozen_weights_in_bf16",
    "load_template", "mask_labels",
    "plan_batches", "plot_loss", "save_adapter", "show_masked_example", "summed_loss", "train_lora", "validation_loss",
    "count_lora_by_hand", "describe_losses", "read_linear_shapes", "render_loss_mask", "split_tokens", "summarize_training",
    # merge (03)
    "LOGIT_TOLERANCE", "check_adapter", "compare_logits", "describe_sizes", "format_size", "load_with_adapter",
    "prompt_logits", "read_training_precision", "save_merged", "set_generation_config", "storage_precision",
    # generate (04)
    "DECODING_VARIANTS", "card_count_sentences", "count_sentences", "decode_variants", "extract_answer", "postprocess",
    "repostprocess", "split_sentences",
    "truncate_sentences",
    # translate (04 and downstream apps)
    "Translation", "Translator", "check_gloss", "translate_pairs",
    # backends (translate --backend) and export (glossa export)
    "BACKENDS", "CT2_QUANTS", "LLAMACPP_QUANTS", "CT2Backend", "LlamaCppBackend", "TorchBackend", "convert_to_ct2",
    "load_backend",
    "GGUF_QUANTS", "ROUND_TRIP_TOLERANCE", "build_modelfile", "check_gguf_round_trip", "export_gguf", "find_merged",
    # metrics (05)
    "AdditiveMetric", "BLEU4", "CHRF", "ROUGE_L", "bootstrap_ci", "compare_runs", "compute_scores", "load_all_metrics",
    "load_metric", "metrics_table", "paired_bootstrap_ci", "rule_translate", "score_systems", "source_table",
    "bertscore_f1_metric", "paired_interval",
    # baselines (04: prompting baselines, cached) and evaluation (05, glossa evaluate)
    "build_messages", "clean_chat_answer", "generate_baselines", "k_shot_examples", "load_prompt", "pick_examples",
    "prompting_systems", "render_chat", "rule_records", "system_prompts",
    "best_prompting_baseline", "build_metrics", "describe_paired", "evaluate_run", "load_base", "paired_table",
    "prediction_file", "read_outputs", "run_systems", "write_metrics", "write_predictions",
    "PAIRED_METRICS", "compare_systems", "filter_source", "match_examples", "paired_comparison", "paired_comparison_table",
    # notation (the gloss parser behind 04, 05, 06 and synth)
    "PHENOMENA", "Token", "count_gloss_sentences", "gloss_sentences", "lexical_words", "looks_like_gloss",
    "notation_share", "parse_gloss", "tag_phenomena",  # rule_translate: notation's, re-exported by metrics
    # hub (05)
    "model_card", "push_to_hub", "write_model_card",
    # analysis (06)
    "FREQUENCY_BUCKETS", "best_baseline", "count_train_words", "english_forms", "example_table", "frequency_bucket",
    "mark_unseen", "ngram_differences", "per_example_scores", "phenomenon_report", "phenomenon_table", "plot_analysis",
    "prediction_lists", "read_system_predictions", "repeated_ngram_rate", "salient_examples", "scores_by_length",
    "sentence_scores", "share_with_unseen", "show_table", "unseen_words", "verbosity_summary",
    "word_accuracy_by_frequency", "worst_examples",
    # synth (issue 3: synthetic conversational gloss)
    "RULES", "GlossStyle", "Rule", "chitchat_utterances", "gloss_sentence", "gloss_text", "measure_englishness",
    "rule_examples",
    "synthesize_chitchat", "synthesize_pairs",
    # train_ddp (training without the notebooks, on one process or several)
    "prepare_splits", "train_adapter",
    # runner
    "NOTEBOOKS", "PipelineError", "read_status", "resume_pipeline", "run_pipeline", "store_outputs",
    # colab
    "check_gpu", "describe_device", "hub_login", "hub_login_if_needed", "in_colab", "read_hub_token",
    # compare (07)
    "ExampleComparison", "comparable_pair", "compare_examples", "find_runs", "group_by_test_set", "learning_curve", "loss_curves",
    "params_diff", "phenomena_across_runs", "plot_learning_curve", "plot_runs", "run_label", "run_phenomena",
    "score_table",
    # sweeps (07)
    "load_sweep", "plan_runs", "run_sweep",
    # readings (04-07: the sentences that read a results table, rendered from its values)
    "describe_example_changes", "describe_frequency", "describe_learning_curve", "describe_lengths",
    "describe_metrics", "describe_ngrams", "describe_paired_difference", "describe_params_diff",
    "describe_phenomena", "describe_run_scores", "describe_variants", "describe_verbosity", "describe_worked_example",
    "describe_worst",
]
