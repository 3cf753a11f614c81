from pathlib import Path

import pytest

from glossa_utils import ParamsError, load_params
from glossa_utils.config import REPO_ROOT


@pytest.mark.parametrize("name", ["default", "smoke", "seed_llama32_1b"])
def test_every_params_file_loads(name):
    cfg = load_params(f"params/{name}.yaml")
    assert cfg.name == name


def test_seed_params_are_the_model_cards_recipe():
    cfg = load_params("params/seed_llama32_1b.yaml")
    assert cfg.model.base == "meta-llama/Llama-3.2-1B-Instruct"
    assert (cfg.lora.r, cfg.lora.alpha, cfg.lora.dropout) == (8, 16, 0.1)
    t = cfg.train
    assert (t.epochs, t.lr, t.batch_size, t.grad_accum, t.warmup_steps, t.precision, t.max_length) == \
        (3.0, 2e-4, 3, 4, 100, "fp16", 512)
    g = cfg.generate
    assert (g.do_sample, g.temperature, g.top_p, g.repetition_penalty, g.max_new_tokens) == (True, 0.6, 0.8, 1.5, 100)


@pytest.mark.parametrize("name", ["default", "smoke", "seed_llama32_1b"])
def test_speed_options_default_to_the_old_behaviour(name):
    t = load_params(f"params/{name}.yaml").train
    assert (t.packing, t.group_by_length, t.tokens_per_batch, t.attention, t.gradient_checkpointing) == \
        (False, False, None, "sdpa", False)


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
    ("train:\n  packing: yes please\n", "train.packing: expected bool"),
    ("train:\n  pack_length: 256\n", "train.pack_length must be >= train.max_length"),
    ("train:\n  tokens_per_batch: 100\n", "train.tokens_per_batch must be >= train.max_length"),
    ("train:\n  attention: flash\n", "train.attention must be sdpa or eager"),
    ("train:\n  optim: sgd\n", "train.optim must be auto, adamw_torch or adamw_torch_fused"),
    ("train:\n  liger: maybe\n", "train.liger must be auto, true or false"),
])
def test_bad_params_name_the_key(tmp_path, text, message):
    with pytest.raises(ParamsError, match=message.replace(".", r"\.")):
        load_params(write(tmp_path, text))


def test_missing_params_file():
    with pytest.raises(ParamsError, match="params file not found"):
        load_params("params/missing.yaml")


def test_run_dir_defaults_to_runs_name():
    assert load_params("params/smoke.yaml").run_dir == REPO_ROOT / "runs" / "smoke"
