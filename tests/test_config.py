import re
from pathlib import Path

import pytest

from glossa_utils import ParamsError, echo_config, load_params, save_params
from glossa_utils.config import REPO_ROOT, SourceSpec

from .conftest import SHARED_ASLG


@pytest.mark.parametrize("name", ["default", "smoke", "seed_llama32_1b", "aslg_pc12_hub"])
def test_every_params_file_loads(name):
    cfg = load_params(f"params/{name}.yaml")
    assert cfg.name == name


@pytest.mark.parametrize("name", ["aslg_pc12", "mix"])
def test_local_aslg_params_load_or_name_the_missing_path(name):
    if not SHARED_ASLG.is_dir():
        with pytest.raises(ParamsError, match=r"data\.sources\[0\]\.path: no such file or folder"):
            load_params(f"params/{name}.yaml")
        return
    cfg = load_params(f"params/{name}.yaml")
    assert cfg.name == name and cfg.data.sources[0] == SourceSpec(name="aslg_pc12", kind="aslg_pc12",
                                                                  path="../shared/data/aslg_pc12")


def test_aslg_params_are_the_issues_probe_recipe(tmp_path):
    cfg = load_params("params/aslg_pc12_hub.yaml")
    assert cfg.data.sources == [SourceSpec(name="aslg_pc12", kind="aslg_pc12", hub_id="achrafothman/aslg_pc12")]
    assert cfg.model.base == "builtin:smollm2-135m-instruct"
    assert cfg.lora.r == 64 and len(cfg.lora.target_modules) == 7
    assert (cfg.train.lr, cfg.train.epochs, cfg.train.batch_size * cfg.train.grad_accum) == (1e-3, 2.0, 128)
    assert cfg.generate.do_sample is False and cfg.generate.repetition_penalty == 1.0
    mix = (REPO_ROOT / "params" / "mix.yaml").read_text()
    local = write(tmp_path, mix.replace("../shared/data/aslg_pc12", str(tmp_path)))  # any existing folder
    chat, curated = load_params(local).data.sources[1:]
    assert (chat.kind, chat.cap, chat.annotated, chat.train_only) == ("chitchat_synth", 30000, 0.3, True)
    assert (curated.kind, curated.test_only) == ("conversational", True)


def test_a_recipe_round_trips_through_save_params_and_indexed_overrides(tmp_path):
    cfg = load_params("params/aslg_pc12_hub.yaml", ["data.sources[0].cap=500", "generate.max_examples={aslg_pc12: 9}"])
    assert cfg.data.sources[0].cap == 500 and cfg.generate.max_examples == {"aslg_pc12": 9}
    save_params(cfg, tmp_path / "resolved.yaml")
    assert load_params(tmp_path / "resolved.yaml") == cfg
    echo = echo_config(cfg)
    assert "  sources[0] name=aslg_pc12  kind=aslg_pc12" in echo
    assert "source=" not in echo.splitlines()[1]  # the single-source keys are not echoed for a recipe


def test_seed_params_are_the_model_cards_recipe():
    cfg = load_params("params/seed_llama32_1b.yaml")
    assert cfg.model.base == "meta-llama/Llama-3.2-1B-Instruct"
    assert (cfg.lora.r, cfg.lora.alpha, cfg.lora.dropout) == (8, 16, 0.1)
    t = cfg.train
    assert (t.epochs, t.lr, t.batch_size, t.grad_accum, t.warmup_steps, t.precision, t.max_length) == \
        (3.0, 2e-4, 3, 4, 100, "fp16", 512)
    g = cfg.generate
    assert (g.do_sample, g.temperature, g.top_p, g.repetition_penalty, g.max_new_tokens) == (True, 0.6, 0.8, 1.5, 100)


@pytest.mark.parametrize("name, packing", [("default", True), ("smoke", False), ("seed_llama32_1b", False)])
def test_speed_options_keep_each_recipe(name, packing):
    """Only packing (measured: the same validation loss) is on by default; the card's recipe stays as it was.

    Attention is ``auto`` everywhere (sdpa on CUDA, eager on the CPU) and the LM head is applied at supervised
    positions only: both give the same loss as before, faster.
    """
    t = load_params(f"params/{name}.yaml").train
    assert (t.packing, t.group_by_length, t.tokens_per_batch, t.attention, t.gradient_checkpointing,
            t.supervised_head) == (packing, False, None, "auto", False, True)


def test_liger_accepts_auto_true_and_false():
    assert [load_params("params/smoke.yaml", [f"train.liger={v}"]).train.liger for v in ("auto", "true", "false")] == \
        ["auto", True, False]


def test_overrides_are_parsed_as_yaml():
    cfg = load_params("params/default.yaml", ["train.epochs=1", "train.lr=5e-4", "lora.target_modules=[q_proj]"])
    assert cfg.train.epochs == 1.0 and cfg.train.lr == 5e-4 and cfg.lora.target_modules == ["q_proj"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, message", [
    ("train:\n  epochz: 3\n", "unknown key train.epochz"),
    ("bogus: 1\n", "unknown key bogus"),
    ("train:\n  lr: fast\n", "train.lr: expected float"),
    ("train:\n  lr: -0.1\n", "train.lr must be > 0"),
    ("train:\n  batch_size: 2.5\n", "train.batch_size: expected int"),
    ("generate:\n  do_sample: maybe\n", "generate.do_sample: expected bool"),
    ("lora: 8\n", "lora: expected a mapping"),
    ("data:\n  path: nowhere.jsonl\n", "data.path: file not found"),
    ("model:\n  prompt_template: nope\n", "model.prompt_template"),
    ("model:\n  base: ./no/such/model\n", "model.base: model directory not found"),
    ("data:\n  source: missing.csv\n", "data.source: no such file"),
    ("data:\n  on_bad_rows: ignore\n", "data.on_bad_rows must be error or skip"),
    ("train:\n  max_length: 4\n", "train.max_length must be >= 16"),
    ("generate:\n  on_long_input: shorten\n", "generate.on_long_input must be truncate or refuse"),
    ("data:\n  test_fraction: 0.7\n", "data.test_fraction must be in"),
    ("data:\n  sources: {kind: file}\n", "data.sources: expected a list"),
    ("data:\n  sources: [conversational]\n", "data.sources[0]: expected a mapping"),
    ("data:\n  sources: [{kind: conversational}, {kind: conversational, capp: 3}]\n",
     "unknown key data.sources[1].capp"),
    ("data:\n  sources: [{kind: conversational}, {kind: conversational, name: b, cap: many}]\n",
     "data.sources[1].cap: expected int | None"),
    ("data:\n  sources: [{kind: zip}]\n", "data.sources[0].kind must be one of"),
    ("data:\n  sources: [{kind: file}]\n", "data.sources[0].path: a file source needs a path"),
    ("data:\n  sources: [{kind: file, path: nowhere.jsonl}]\n", "data.sources[0].path: no such file or folder"),
    ("data:\n  sources: [{kind: conversational, cap: 0}]\n", "data.sources[0].cap must be >= 1"),
    ("data:\n  sources: [{kind: conversational, path: data}]\n", "data.sources[0].path/hub_id: a conversational"),
    ("data:\n  sources: [{kind: aslg_pc12, path: data, hub_id: a/b}]\n", "data.sources[0].hub_id: give a path"),
    ("data:\n  sources: [{kind: conversational, weight: -1}]\n", "data.sources[0].weight must be >= 0"),
    ("data:\n  sources: [{kind: conversational, splits: mine}]\n", "data.sources[0].splits must be auto or resplit"),
    ("data:\n  sources: [{kind: conversational, annotated: 0.5}]\n", "data.sources[0].annotated must be in"),
    ("data:\n  sources: [{kind: chitchat_synth, annotated: 1.5}]\n", "data.sources[0].annotated must be in"),
    ("data:\n  sources: [{kind: conversational, test_only: true, train_only: true}]\n",
     "data.sources[0].test_only and train_only exclude each other"),
    ("data:\n  sources: [{kind: conversational}, {kind: conversational}]\n",
     "data.sources[1].name: 'conversational' is used twice"),
    ("data:\n  sources: [{kind: conversational, test_only: true}]\n", "data.sources: no source feeds training"),
    ("data:\n  sources: [{kind: conversational, train_only: true}]\n", "every source is train_only"),
    ("data:\n  max_pairs: 50\n  sources: [{kind: conversational}]\n", "data.max_pairs: set either data.sources"),
    ("data:\n  sources: [{kind: conversational}]\ngenerate:\n  max_examples: {aslg: 5}\n",
     "generate.max_examples: no source named 'aslg'"),
    ("generate:\n  max_examples: {aslg: 0}\n", "generate.max_examples must be >= 1"),
    ("eval:\n  bootstrap_resamples: -1\n", "eval.bootstrap_resamples must be >= 0"),
    ("eval:\n  k_shot: -2\n", "eval.k_shot must be >= 0"),
    ("eval:\n  k_shot: 2.5\n", "eval.k_shot: expected int"),
    ("eval:\n  k_shot_selection: bm25\n", "eval.k_shot_selection must be nearest or random"),
    ("eval:\n  zero_shot_chat: maybe\n", "eval.zero_shot_chat: expected bool"),
    ("train:\n  packing: yes please\n", "train.packing: expected bool"),
    ("train:\n  pack_length: 8\n", "train.pack_length must be >= 16 tokens or null"),
    ("train:\n  tokens_per_batch: 100\n", "train.tokens_per_batch must be >= train.max_length"),
    ("train:\n  attention: flash\n", "train.attention must be auto, sdpa or eager"),
    ("train:\n  optim: sgd\n", "train.optim must be auto, adamw_torch or adamw_torch_fused"),
    ("train:\n  liger: maybe\n", "train.liger must be auto, true or false"),
])
def test_bad_params_name_the_key(tmp_path, text, message):
    with pytest.raises(ParamsError, match=re.escape(message)):
        load_params(write(tmp_path, text))


@pytest.mark.parametrize("data, message", [
    (b"name: x\ntrain: [\n", "p.yaml:3:1: not valid YAML (while parsing a flow node: expected the node content"),
    (b"name: x\ntrain:\n  lr: 1e-3\n lr: 2\n", "p.yaml:4:2: not valid YAML"),
    (b"name: caf\xe9\n", "p.yaml:1: not UTF-8 text (byte 0xe9)"),
])
def test_a_params_file_that_is_not_yaml_names_file_line_and_column(tmp_path, data, message):
    path = tmp_path / "p.yaml"
    path.write_bytes(data)
    with pytest.raises(ParamsError, match=re.escape(message)):
        load_params(path)


def test_an_override_that_is_not_yaml_is_a_params_error():
    with pytest.raises(ParamsError, match=re.escape("override 'train.lr=[': the value is not valid YAML")):
        load_params("params/smoke.yaml", ["train.lr=["])


def test_cli_reports_a_yaml_syntax_error_without_a_traceback(tmp_path):
    from .conftest import run_glossa

    path = write(tmp_path, "name: x\ntrain: [\n")
    result = run_glossa("run", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"glossa: invalid params: {path}:3:1: not valid YAML" in result.stderr


def test_missing_params_file():
    with pytest.raises(ParamsError, match="params file not found"):
        load_params("params/missing.yaml")


def test_run_dir_defaults_to_runs_name():
    assert load_params("params/smoke.yaml").run_dir == REPO_ROOT / "runs" / "smoke"


def test_compact_echo_is_one_line_naming_the_run_and_its_key_choices():
    from glossa_utils import echo_config

    line = echo_config(load_params("params/default.yaml"), compact=True)
    assert "\n" not in line and line.startswith("run default | seed 42 | data builtin:conversational")
    assert "lora r=16 alpha=32 | epochs=2 lr=0.001 | greedy" in line
    assert "max_steps=30" in echo_config(load_params("params/smoke.yaml"), compact=True)
    assert echo_config(load_params("params/default.yaml")).count("\n") >= 6  # the full echo: a line per section


def test_default_eval_params_ask_for_the_chat_baselines():
    cfg = load_params("params/default.yaml")
    assert (cfg.eval.zero_shot_chat, cfg.eval.k_shot, cfg.eval.k_shot_selection, cfg.eval.bare_prompt_baseline,
            cfg.eval.rule_baseline) == (True, 5, "nearest", False, True)


def test_runs_saved_with_the_old_zero_shot_key_still_load(tmp_path):
    old = load_params(write(tmp_path, "eval:\n  zero_shot_baseline: true\n"))
    assert old.eval.bare_prompt_baseline is True
    both = load_params(write(tmp_path, "eval:\n  zero_shot_baseline: true\n  bare_prompt_baseline: false\n"))
    assert both.eval.bare_prompt_baseline is False  # the new key wins
