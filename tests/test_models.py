import pytest

from glossa_utils import ModelError, load_model, pick_precision, resolve_model_path
from glossa_utils.models import cache_dir, find_smollm2_gguf


def test_builtin_smollm2_is_the_packaged_gguf_as_a_llama():
    assert find_smollm2_gguf().name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    path = resolve_model_path("builtin:smollm2-135m-instruct")
    assert path == str(cache_dir() / "smollm2-135m-instruct")
    model = load_model(path, device="cpu")
    assert type(model).__name__ == "LlamaForCausalLM"
    assert model.num_parameters() == 134_515_008
    assert getattr(model.config, "quantization_config", None) is None


def test_builtin_tiny_model_is_cached_and_deterministic(tiny_model_path):
    first = load_model(tiny_model_path, device="cpu")
    again = load_model(resolve_model_path("builtin:tiny-random-llama"), device="cpu")
    assert first.config.num_hidden_layers == 2
    assert all((a == b).all() for a, b in zip(first.parameters(), again.parameters()))


def test_unknown_builtin_and_missing_directory_are_clear_errors(tmp_path):
    with pytest.raises(ModelError, match="unknown builtin model"):
        resolve_model_path("builtin:gpt-5")
    with pytest.raises(ModelError, match="model directory not found"):
        resolve_model_path("./no/such/model")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="without config.json"):
        resolve_model_path(str(tmp_path / "empty"))


def test_hub_ids_pass_through():
    assert resolve_model_path("meta-llama/Llama-3.2-1B-Instruct") == "meta-llama/Llama-3.2-1B-Instruct"


def test_precision_on_cpu_is_fp32():
    assert pick_precision("auto") == "fp32"
    with pytest.warns(UserWarning, match="needs a CUDA GPU"):
        assert pick_precision("fp16") == "fp32"


def test_missing_or_corrupt_checkpoint_is_caught_before_use(tiny_model_path, tmp_path):
    import shutil

    broken = tmp_path / "model"
    shutil.copytree(tiny_model_path, broken)
    (broken / "model.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ModelError, match="corrupt or truncated"):
        load_model(str(broken), device="cpu")
    (broken / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="no weights"):
        load_model(str(broken), device="cpu")
    (broken / "config.json").write_text("{not json")
    with pytest.raises(ModelError, match="config.json is corrupt"):
        load_model(str(broken), device="cpu")


def test_optimizer_is_fused_adamw_only_on_cuda(monkeypatch):
    from glossa_utils import pick_optimizer

    assert pick_optimizer("auto") == "adamw_torch"
    with pytest.warns(UserWarning, match="adamw_torch_fused needs a CUDA GPU"):
        assert pick_optimizer("adamw_torch_fused") == "adamw_torch"
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    assert pick_optimizer("auto") == "adamw_torch_fused"
    assert pick_optimizer("adamw_torch") == "adamw_torch"


@pytest.mark.parametrize("cuda, installed, requested, expected", [
    (False, False, "auto", False), (True, False, "auto", False), (False, True, "auto", False),
    (True, True, "auto", True), (True, True, False, False), (True, True, True, True),
])
def test_liger_is_used_only_with_cuda_and_the_package(monkeypatch, capsys, cuda, installed, requested, expected):
    import importlib.util

    from glossa_utils import pick_liger

    find_spec = importlib.util.find_spec
    monkeypatch.setattr("torch.cuda.is_available", lambda: cuda)
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: (object() if installed else None) if name == "liger_kernel" else find_spec(name, *a))
    assert pick_liger(requested) is expected
    if requested == "auto" and not expected:
        assert "note: Liger kernels off" in capsys.readouterr().out


def test_liger_true_without_cuda_is_a_clear_error():
    from glossa_utils import pick_liger

    with pytest.raises(ModelError, match="train.liger=true but no CUDA GPU"):
        pick_liger(True)


def test_attention_can_be_switched_and_loaded(tiny_model_path):
    from glossa_utils import set_attention

    model = load_model(tiny_model_path, device="cpu", attention="eager")
    assert model.config._attn_implementation == "eager"
    assert set_attention(model, "sdpa") == "sdpa"
