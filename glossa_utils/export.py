"""Export a trained run for local inference: a GGUF file (llama.cpp, Ollama, LM Studio) and an Ollama Modelfile.

`export_gguf` writes the merged model of a run with the ``gguf`` package — the same format the offline base
model ships in — with its tokenizer (byte-level BPE: tokens, merges, token types, special ids), the run's
prompt template as the chat template, and f32, f16, bf16 or q8_0 weights. llama.cpp stores the query and key
projections of Llama attention with the rotary halves interleaved, so those two are permuted on the way
out (`permute_qk`), exactly as llama.cpp's own converter does; transformers' GGUF loader undoes it.

Every export records the merged checkpoint it was made from (`write_source_stamp`: a SHA-256 of its config
and weights, beside or inside the export), so a backend that finds an export in a run folder uses it only
while it matches ``merged/`` (`export_is_current`) and exports again after the run was trained anew.

`check_gguf_round_trip` loads the file back with transformers' GGUF loader and compares next-token logits
with the merged model on real prompts, against a tolerance per weight type (`ROUND_TRIP_TOLERANCE`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from .config import GenerateConfig, resolve_path
from .models import ModelError, check_checkpoint, file_sha256, find_smollm2_gguf

GGUF_QUANTS = ("f32", "f16", "bf16", "q8_0")
"""Weight types `export_gguf` writes: bf16 is f32's exponent with 8 significant bits (the size of f16, and what
CPUs with AVX512-BF16 multiply natively); q8_0 is 8-bit blocks of 32 with one f16 scale (about half of f16)."""

ROUND_TRIP_TOLERANCE = {"f32": 1e-3, "f16": 0.1, "bf16": 0.8, "q8_0": 3.0}
"""Largest absolute next-token logit difference accepted between the GGUF file and the merged model.

f32 stores the weights unchanged (only summation order differs); f16 rounds each weight to 11 significant
bits; bf16 to 8 (a step 8 times f16's, hence 8 times its tolerance); q8_0 to 8 bits per block of 32. Measured
on the default run (largest differences f16 0.046, bf16 0.36): see docs/benchmarks.md.
"""

TOP1_AGREEMENT = {"f32": 1.0, "f16": 0.99, "bf16": 0.97, "q8_0": 0.95}
"""Smallest share of prompt positions where the GGUF file and the merged model pick the same next token."""


def permute_qk(weights: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's row order for a query or key projection: each head's two rotary halves interleaved."""
    rows = weights.shape[0]
    return (weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def find_merged(run_dir: str | Path) -> Path:
    """The merged checkpoint of a run (``<run>/merged``) or `run_dir` itself if it is a model directory."""
    folder = resolve_path(run_dir)
    if not folder.is_dir():
        raise ModelError(f"no run folder or model directory at {run_dir}")
    merged = folder / "merged" if (folder / "params.yaml").is_file() else folder
    if not (merged / "config.json").is_file():
        raise ModelError(f"{run_dir}: no merged model (merged/config.json); run the merge step (03_merge) first")
    check_checkpoint(merged)
    return merged


def checkpoint_files(merged: Path) -> list[Path]:
    """The files an export is made from: the checkpoint's ``config.json`` and weight files."""
    return sorted([merged / "config.json", *merged.glob("*.safetensors"), *merged.glob("*.bin")])


def file_signature(file: Path) -> list[int]:
    """[size, modification time in ns]: unchanged while a file is not rewritten."""
    stat = file.stat()
    return [stat.st_size, stat.st_mtime_ns]


def merged_fingerprint(merged: Path) -> str:
    """SHA-256 over a checkpoint's `checkpoint_files` (names and contents): what an export is made from."""
    digest = hashlib.sha256()
    for file in checkpoint_files(merged):
        digest.update(f"{file.name}:{file_sha256(file)}\n".encode())
    return digest.hexdigest()


def source_stamp(export: Path) -> Path:
    """Where the source of `export` is recorded: beside a GGUF file (``model-bf16.gguf`` ->
    ``model-bf16.source.json``), inside a CTranslate2 folder (``glossa_source.json``)."""
    if export.suffix == ".gguf":
        return export.with_suffix(".source.json")
    return export / "glossa_source.json"


def write_source_stamp(export: Path, merged: Path) -> None:
    """Record that `export` was made from the checkpoint in `merged`: its `merged_fingerprint`, and each
    file's size and modification time, which spare `export_is_current` the hashing while they hold."""
    stamp = {"merged": str(merged), "merged_sha256": merged_fingerprint(merged),
             "files": {f.name: file_signature(f) for f in checkpoint_files(merged)}}
    source_stamp(export).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")


def export_is_current(export: Path, merged: Path) -> bool:
    """Whether `export` exists and was made from the checkpoint now in `merged`: the stamp's files have the
    same sizes and modification times, or else (a copied run folder) the same SHA-256, in which case the
    stamp takes the new times, so that the next check needs no hashing."""
    stamp_file = source_stamp(export)
    if not export.exists() or not stamp_file.is_file():
        return False
    try:
        stamp = json.loads(stamp_file.read_text(encoding="utf-8"))
        recorded, files = stamp["merged_sha256"], stamp.get("files")
    except (ValueError, KeyError, TypeError):  # a damaged stamp: export again
        return False
    if files == {f.name: file_signature(f) for f in checkpoint_files(merged)}:
        return True
    if recorded != merged_fingerprint(merged):
        return False
    try:
        write_source_stamp(export, merged)
    except OSError:  # a read-only export: it is still current, only checked by hash next time too
        pass
    return True


def read_run_settings(run_dir: str | Path) -> tuple[str, GenerateConfig]:
    """The prompt template and generate params of a run folder, or of a merged model directory that carries
    them (``glossa_params.yaml``, see `merge.save_merged`); defaults for any other model directory."""
    from .config import load_run_params
    from .finetune import load_template
    from .merge import MODEL_PARAMS, MODEL_TEMPLATE
    from .translate import DEFAULT_TEMPLATE

    folder = resolve_path(run_dir)
    for params in (folder / "params.yaml", folder / MODEL_PARAMS, folder.parent / "params.yaml"):
        if params.is_file():
            cfg = load_run_params(params)
            carried = folder / MODEL_TEMPLATE
            template = carried.read_text(encoding="utf-8").strip() if carried.is_file() else load_template(cfg)
            return template, cfg.generate
    return DEFAULT_TEMPLATE, GenerateConfig()


def prompt_prefix(template: str) -> tuple[str, str]:
    """The template's prompt around the gloss: (text before ``{gloss}``, text after it up to the answer)."""
    before_answer = template.split("{text}")[0].rstrip()
    if "{gloss}" not in before_answer:
        raise ModelError(f"prompt template {template!r} has no {{gloss}} before {{text}}")
    head, tail = before_answer.split("{gloss}", 1)
    return head, tail


def build_chat_template(template: str) -> str:
    """A Jinja chat template that turns the last user message into the run's prompt (for llama.cpp, LM Studio)."""
    head, tail = prompt_prefix(template)
    return ("{% for message in messages %}{% if message['role'] == 'user' %}"
            f"{head}{{{{ message['content'] }}}}{tail}{{% endif %}}{{% endfor %}}")


def read_vocab(tokenizer, vocab_size: int) -> tuple[list[str], list[int]]:
    """Tokens by id and their GGUF token types (normal, control for special tokens, user-defined, unused)."""
    from gguf import TokenType

    by_id = {i: t for t, i in tokenizer.get_vocab().items()}
    added = {t.content: t.special for t in tokenizer.added_tokens_decoder.values()}
    tokens, types = [], []
    for i in range(vocab_size):
        token = by_id.get(i)
        if token is None:
            tokens.append(f"[PAD{i}]")
            types.append(TokenType.UNUSED)
        else:
            tokens.append(token)
            types.append(TokenType.NORMAL if token not in added else
                         TokenType.CONTROL if added[token] else TokenType.USER_DEFINED)
    return tokens, types


def pick_pre_tokenizer(tokens: list[str]) -> str:
    """llama.cpp's pre-tokenizer name: ``smollm`` for the SmolLM2 vocabulary, else ``default``.

    llama.cpp recognises pre-tokenizers by name; the SmolLM2 one is read from the packaged base GGUF.
    """
    import gguf

    try:
        reader = gguf.GGUFReader(find_smollm2_gguf())
    except ModelError:
        return "default"
    base_tokens = reader.fields["tokenizer.ggml.tokens"].contents()
    if base_tokens == tokens:
        return str(reader.fields["tokenizer.ggml.pre"].contents())
    print("note: not the SmolLM2 vocabulary; llama.cpp will use its default pre-tokenizer")
    return "default"


def convert_tensor(name: str, weights: np.ndarray, quant: str):
    """(array, raw GGML type or None) for one tensor: 1-D tensors stay f32, matrices get `quant`."""
    from gguf import GGMLQuantizationType, quants

    if weights.ndim == 1 or quant == "f32":
        return weights.astype(np.float32), None
    if quant == "bf16":
        return quants.quantize(weights.astype(np.float32), GGMLQuantizationType.BF16), GGMLQuantizationType.BF16
    if quant == "f16" or weights.shape[-1] % 32:  # q8_0 blocks need rows in multiples of 32
        return weights.astype(np.float16), None
    return quants.quantize(weights.astype(np.float32), GGMLQuantizationType.Q8_0), GGMLQuantizationType.Q8_0


def write_llama_metadata(writer, config, quant: str, name: str) -> None:
    """Hyper-parameters as llama.cpp reads them; refuses what this writer does not translate."""
    import gguf

    if config.model_type != "llama":
        raise ModelError(f"GGUF export supports Llama models only, not {config.model_type!r}")
    if getattr(config, "attention_bias", False) or getattr(config, "mlp_bias", False):
        raise ModelError("GGUF export does not handle attention or MLP biases")
    rope = getattr(config, "rope_parameters", None) or {"rope_theta": getattr(config, "rope_theta", 10000.0)}
    if rope.get("rope_type", "default") != "default":
        raise ModelError(f"GGUF export handles plain RoPE only, not rope_type={rope['rope_type']!r}")
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    file_type = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
                 "bf16": gguf.LlamaFileType.MOSTLY_BF16, "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[quant]
    writer.add_name(name)
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_rope_freq_base(float(rope["rope_theta"]))
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_rope_dimension_count(head_dim)
    writer.add_vocab_size(config.vocab_size)
    writer.add_file_type(file_type)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)


def write_tokenizer(writer, merged: Path, vocab_size: int, chat_template: str) -> None:
    """Tokens, types, merges, special ids and whether a BOS is prepended (BPE / gpt2-style tokenizers)."""
    import gguf

    from .models import load_tokenizer

    tokenizer = load_tokenizer(str(merged))
    tokens, types = read_vocab(tokenizer, vocab_size)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pick_pre_tokenizer(tokens))
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    special = gguf.SpecialVocab(merged, load_merges=True, n_vocab=vocab_size)
    if not special.merges:
        raise ModelError(f"{merged}: the tokenizer has no BPE merges; only byte-level BPE tokenizers are exported")
    special.special_token_ids["pad"] = tokenizer.pad_token_id
    special.add_special_token = {"bos": tokenizer("a")["input_ids"][0] == tokenizer.bos_token_id, "eos": False}
    special.chat_template = chat_template
    special.add_to_gguf(writer, quiet=True)


def export_gguf(run_dir: str | Path, quant: str = "q8_0", out_dir: str | Path | None = None) -> Path:
    """Write ``model-<quant>.gguf`` and an Ollama ``Modelfile`` for a run's merged model; returns the GGUF path.

    `out_dir` defaults to ``<run>/export/gguf``. The file is written under a temporary name and renamed,
    so an interrupted export never leaves a file that looks complete.
    """
    import gguf
    from safetensors import safe_open
    from transformers import AutoConfig

    if quant not in GGUF_QUANTS:
        raise ModelError(f"unknown GGUF quantisation {quant!r} (have {', '.join(GGUF_QUANTS)})")
    merged = find_merged(run_dir)
    template, generate = read_run_settings(run_dir)
    config = AutoConfig.from_pretrained(merged)
    out = Path(out_dir) if out_dir else resolve_path(run_dir) / "export" / "gguf"
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"model-{quant}.gguf"
    tmp = target.with_suffix(".gguf.tmp")
    writer = gguf.GGUFWriter(tmp, "llama")
    write_llama_metadata(writer, config, quant, resolve_path(run_dir).name)
    write_tokenizer(writer, merged, config.vocab_size, build_chat_template(template))
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, config.num_hidden_layers)
    weight_files = sorted(merged.glob("*.safetensors"))
    if not weight_files:
        raise ModelError(f"{merged}: GGUF export reads safetensors weights; none found")
    for file in weight_files:
        with safe_open(str(file), framework="pt") as f:
            for key in f.keys():
                if key == "lm_head.weight" and config.tie_word_embeddings:
                    continue
                name = names.get_name(key, try_suffixes=(".weight", ".bias"))
                if name is None:
                    raise ModelError(f"{file.name}: no GGUF name for tensor {key!r}")
                weights = f.get_tensor(key).float().numpy()
                if key.endswith("q_proj.weight"):
                    weights = permute_qk(weights, config.num_attention_heads)
                elif key.endswith("k_proj.weight"):
                    weights = permute_qk(weights, config.num_key_value_heads)
                data, raw_dtype = convert_tensor(name, weights, quant)
                writer.add_tensor(name, data, raw_dtype=raw_dtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.rename(target)
    write_source_stamp(target, merged)
    (out / "Modelfile").write_text(build_modelfile(target.name, template, generate, eos_token(merged)), encoding="utf-8")
    return target


def eos_token(merged: Path) -> str:
    """The EOS token string of the merged model's tokenizer (the Modelfile's stop token)."""
    from .models import load_tokenizer

    return load_tokenizer(str(merged)).eos_token


def build_modelfile(gguf_name: str, template: str, generate: GenerateConfig, eos: str) -> str:
    """An Ollama Modelfile: the run's prompt around ``{{ .Prompt }}`` and the decoding it was evaluated with."""
    head, tail = prompt_prefix(template)
    lines = [f"FROM ./{gguf_name}", f'TEMPLATE """{head}{{{{ .Prompt }}}}{tail}"""']
    if generate.num_beams > 1:
        print(f"note: Ollama has no beam search; the Modelfile decodes greedily (the run used {generate.num_beams} beams)")
    if generate.do_sample:
        lines += [f"PARAMETER temperature {generate.temperature}", f"PARAMETER top_p {generate.top_p}"]
    else:
        lines += ["PARAMETER temperature 0", "PARAMETER top_k 1"]
    lines += [f"PARAMETER repeat_penalty {generate.repetition_penalty}",
              f"PARAMETER num_predict {generate.max_new_tokens}",
              *(f'PARAMETER stop "{stop}"' for stop in (eos, "[INST]", "[/INST]"))]
    return "\n".join(lines) + "\n"


SAMPLE_GLOSSES = ["X-1 WANT GO STORE TOMORROW.", "DESC-PARLIAMENT MUST PROTECT FREEDOM OF SPEECH.",
                  "YOU WANT GO DRINK AFTER DINNER?", "NOT KNOW WHY X-HE LEAVE EARLY."]
"""Glosses for the round-trip check when a model directory has no test split of its own."""


def round_trip_prompts(run_dir: str | Path, limit: int = 16) -> list[str]:
    """Prompts for the round-trip check: the run's first `limit` test glosses, else `SAMPLE_GLOSSES`."""
    from .data import load_splits
    from .finetune import build_prompt

    folder = resolve_path(run_dir)
    template, _ = read_run_settings(run_dir)
    glosses = SAMPLE_GLOSSES
    if (folder / "data" / "test.jsonl").is_file():
        glosses = [p["gloss"] for p in load_splits(folder / "data")["test"][:limit]]
    return [build_prompt(g, template) for g in glosses]


def check_gguf_round_trip(gguf_path: str | Path, run_dir: str | Path, quant: str) -> dict:
    """Load `gguf_path` with transformers' GGUF loader and compare it with the run's merged model.

    Returns the logit differences and top-1 agreement over all real prompt positions, whether the GGUF
    tokenizer encodes the prompts to the same ids, the tolerances, and ``passed``.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from .merge import compare_logits, prompt_logits
    from .models import gguf_parsed_once, load_model, load_tokenizer

    gguf_path = Path(gguf_path)
    merged = find_merged(run_dir)
    prompts = round_trip_prompts(run_dir)
    tokenizer = load_tokenizer(str(merged))
    with gguf_parsed_once():
        loaded = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32)
        gguf_tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    loaded.eval()
    reference = load_model(str(merged), device="cpu").eval()
    before, mask = prompt_logits(reference, tokenizer, prompts)
    after, _ = prompt_logits(loaded, tokenizer, prompts)
    result = compare_logits(before, after, mask)
    result["same_token_ids"] = all(gguf_tokenizer(p)["input_ids"] == tokenizer(p)["input_ids"] for p in prompts)
    result.update(quant=quant, prompts=len(prompts), tolerance=ROUND_TRIP_TOLERANCE[quant],
                  min_top1_agreement=TOP1_AGREEMENT[quant])
    result["passed"] = (result["max_abs_diff"] <= result["tolerance"] and result["same_token_ids"]
                        and result["top1_agreement"] >= result["min_top1_agreement"])
    return result
