"""Typed, strict run parameters loaded from the YAML files in ``params/``.

Every notebook starts with ``cfg = load_params(params_path)``. The YAML is read into frozen
dataclasses: an unknown key, a value of the wrong type or an impossible value stops the run before
any work, with a message that names the key (nanoGPT's configurator has the strictness,
alignment-handbook's config dataclasses the shape).
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
"""The repository root: relative paths in params are resolved from here, never from the CWD."""


_SCIENTIFIC = re.compile(r"[-+]?\d+(\.\d*)?[eE][-+]?\d+")


class ParamsError(ValueError):
    """A params file or override is invalid; the message names the offending key."""


class ItemError(ParamsError):
    """A check inside one item of a list of specs; `build_config` prefixes the item's key (``data.sources[1].``)."""


SOURCE_KINDS = ("conversational", "annotated", "file", "aslg_pc12", "chitchat_synth", "hub")
BUILTIN_KINDS = ("conversational", "annotated", "chitchat_synth")  # shipped with the repo: no path, no hub_id
ASLG_HUB_ID = "achrafothman/aslg_pc12"


@dataclass(frozen=True)
class SourceSpec:
    """One source of a data recipe (an item of ``data.sources``)."""

    name: str = ""  # label in data cards and per-source metrics; empty = the kind
    kind: str = "conversational"  # conversational | annotated (test only) | file | aslg_pc12 | chitchat_synth | hub
    path: str | None = None  # file: JSONL/CSV; aslg_pc12: a split folder, a JSONL/CSV file or X.asl + X.en
    hub_id: str | None = None  # hub: dataset id; aslg_pc12 without path: the Hub (default achrafothman/aslg_pc12)
    cap: int | None = None  # most pairs taken (seeded sample; of the train split when the source has its own)
    weight: float = 1.0  # times its train pairs enter the mix; the fraction is sampled (0.5 = half, 2 = twice)
    test_only: bool = False  # every pair goes to test (a held-out set training never sees)
    train_only: bool = False  # every pair goes to train (e.g. synthetic data, not a test of real use)
    annotated: float | None = None  # chitchat_synth: share of annotated glosses (None = the generator's default)
    splits: str = "auto"  # auto: the source's own train/validation/test when it has them | resplit

    def __post_init__(self) -> None:
        if self.kind not in SOURCE_KINDS:
            raise ItemError(f"kind must be one of {', '.join(SOURCE_KINDS)}, got {self.kind!r}")
        if not self.name:
            object.__setattr__(self, "name", self.kind)
        if self.kind == "aslg_pc12" and self.path is None and self.hub_id is None:
            object.__setattr__(self, "hub_id", ASLG_HUB_ID)
        if self.kind == "file" and self.path is None:
            raise ItemError("path: a file source needs a path to a JSONL/CSV file")
        if self.kind == "hub" and self.hub_id is None:
            raise ItemError("hub_id: a hub source needs a dataset id")
        if self.kind in BUILTIN_KINDS and (self.path or self.hub_id):
            raise ItemError(f"path/hub_id: a {self.kind} source is builtin and takes neither")
        if self.kind == "annotated":
            self._force_test_only()
        if self.hub_id is not None and (self.kind == "file" or self.path is not None):
            raise ItemError("hub_id: give a path (local) or a hub_id (the Hub), not both")
        if self.annotated is not None and (self.kind != "chitchat_synth" or not 0.0 <= self.annotated <= 1.0):
            raise ItemError(f"annotated must be in [0, 1] and only set for chitchat_synth, got {self.annotated}")
        if self.cap is not None and self.cap < 1:
            raise ItemError(f"cap must be >= 1 (or null), got {self.cap}")
        if self.weight < 0:
            raise ItemError(f"weight must be >= 0, got {self.weight}")
        if self.test_only and self.train_only:
            raise ItemError("test_only and train_only exclude each other")
        if self.splits not in ("auto", "resplit"):
            raise ItemError(f"splits must be auto or resplit, got {self.splits!r}")

    def _force_test_only(self) -> None:
        """The annotated set is a test set only, whatever ``test_only`` says: asking to train on it is an error."""
        if self.train_only:
            raise ItemError("train_only: the annotated set is test-only (written before the synthesizer was "
                            "tuned, never trained or tuned on); drop train_only")
        object.__setattr__(self, "test_only", True)


@dataclass(frozen=True)
class DataConfig:
    source: str = "builtin:conversational"  # builtin:conversational | hub:<dataset id> | a file path
    path: str | None = None  # local JSONL/CSV file; wins over `source` when set
    hub_split: str = "train"  # split to read from a Hub dataset (it is re-split leak-free)
    gloss_column: str = "gloss"
    text_column: str = "text"
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    max_pairs: int | None = None  # cap after cleaning (seeded sample); None keeps all
    on_bad_rows: str = "error"  # error | skip (skipped rows are counted in the data card)
    sources: list[SourceSpec] = field(default_factory=list)  # a recipe; empty = the one source above

    def __post_init__(self) -> None:
        if self.sources:
            self._check_recipe()
        elif self.path is None and self.source == "builtin:annotated":
            raise ParamsError("data.source: builtin:annotated is a test-only set and a single source is also "
                              "trained on; list it in data.sources as {kind: annotated} beside a training source")
        if self.on_bad_rows not in ("error", "skip"):
            raise ParamsError(f"data.on_bad_rows must be error or skip, got {self.on_bad_rows!r}")
        for key in ("val_fraction", "test_fraction"):
            value = getattr(self, key)
            if not 0.0 < value < 0.5:
                raise ParamsError(f"data.{key} must be in (0, 0.5), got {value}")
        if self.max_pairs is not None and self.max_pairs < 10:
            raise ParamsError(f"data.max_pairs must be at least 10 (or null), got {self.max_pairs}")

    def _check_recipe(self) -> None:
        """A recipe replaces the single-source keys, names each source once and feeds both train and test."""
        legacy = {"source": "builtin:conversational", "path": None, "max_pairs": None}
        clash = [k for k, default in legacy.items() if getattr(self, k) != default]
        if clash:
            raise ParamsError(f"data.{clash[0]}: set either data.sources or data.{clash[0]}, not both "
                              "(a recipe names each source's path and cap itself)")
        names = [s.name for s in self.sources]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ParamsError(f"data.sources[{i}].name: {name!r} is used twice (names label reports)")
        if all(s.test_only or s.weight == 0 for s in self.sources):
            raise ParamsError("data.sources: no source feeds training (all are test_only or have weight 0)")
        if all(s.train_only for s in self.sources):
            raise ParamsError("data.sources: every source is train_only, so there is no test set")


@dataclass(frozen=True)
class ModelConfig:
    base: str = "builtin:smollm2-135m-instruct"  # Hub id, local directory or builtin:<name>
    prompt_template: str = "inst"  # file params/prompts/<name>.txt with {gloss} and {text}


@dataclass(frozen=True)
class LoraParams:
    r: int = 8
    alpha: int = 16
    dropout: float = 0.1
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "v_proj"])

    def __post_init__(self) -> None:
        if self.r < 1:
            raise ParamsError(f"lora.r must be >= 1, got {self.r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ParamsError(f"lora.dropout must be in [0, 1), got {self.dropout}")


@dataclass(frozen=True)
class TrainConfig:
    epochs: float = 3.0
    lr: float = 2e-4  # AdamW learning rate
    batch_size: int = 3  # per device
    grad_accum: int = 4
    warmup_steps: int = 100
    weight_decay: float = 0.0
    max_length: int = 512  # tokens, prompt + answer + EOS
    precision: str = "auto"  # auto | fp32 | fp16 | bf16 (auto: CUDA bf16 if supported, else fp16; CPU: bf16 if native)
    logging_steps: int = 10
    eval_steps: int | None = None  # validation loss every N optimiser steps (null: each epoch, or at max_steps)
    save_steps: int = 50  # checkpoint every N optimiser steps (kept: the last 2), for resuming
    max_steps: int = -1  # > 0 overrides epochs (smoke tests)
    resume: bool = False  # continue from the last checkpoint in <run>/checkpoints (set by `glossa resume`)
    # speed: none of these changes what is learned per optimiser step (batch_size × grad_accum examples)
    packing: bool = False  # concatenate each batch's examples into rows (position ids restart per example)
    pack_length: int | None = None  # tokens per packed row, grown to the batch's longest example (null: max_length)
    group_by_length: bool = False  # batches of similar length (less padding); changes the example order
    tokens_per_batch: int | None = None  # per-device budget of real tokens; splits the step into micro-batches
    attention: str = "auto"  # auto (sdpa on CUDA, eager on the CPU) | sdpa | eager (sdpa falls back to eager where a
    #                          model lacks it, with a note)
    optim: str = "auto"  # auto (fused AdamW on CUDA, else adamw_torch) | adamw_torch | adamw_torch_fused
    gradient_checkpointing: bool = False  # recompute activations in backward: less memory, ~30% more compute
    liger: bool | str = "auto"  # Liger kernels: auto (if liger-kernel is installed and on CUDA) | true | false
    supervised_head: bool = True  # LM head (vocabulary projection) only where the loss looks: same loss, less work

    def __post_init__(self) -> None:
        if self.lr <= 0:
            raise ParamsError(f"train.lr must be > 0, got {self.lr}")
        if self.epochs <= 0:
            raise ParamsError(f"train.epochs must be > 0, got {self.epochs}")
        for key in ("batch_size", "grad_accum", "logging_steps", "save_steps"):
            if getattr(self, key) < 1:
                raise ParamsError(f"train.{key} must be >= 1, got {getattr(self, key)}")
        if self.eval_steps is not None and self.eval_steps < 1:
            raise ParamsError(f"train.eval_steps must be >= 1 or null, got {self.eval_steps}")
        if self.warmup_steps < 0:
            raise ParamsError(f"train.warmup_steps must be >= 0, got {self.warmup_steps}")
        if self.max_length < 16:
            raise ParamsError(f"train.max_length must be >= 16 tokens, got {self.max_length}")
        if self.precision not in ("auto", "fp32", "fp16", "bf16"):
            raise ParamsError(f"train.precision must be auto, fp32, fp16 or bf16, got {self.precision!r}")
        self._check_speed_options()

    def _check_speed_options(self) -> None:
        if self.pack_length is not None and self.pack_length < 16:
            raise ParamsError(f"train.pack_length must be >= 16 tokens or null, got {self.pack_length}")
        if self.tokens_per_batch is not None and self.tokens_per_batch < self.max_length:
            raise ParamsError(f"train.tokens_per_batch must be >= train.max_length ({self.max_length}) or null, "
                              f"got {self.tokens_per_batch}")
        if self.attention not in ("auto", "sdpa", "eager"):
            raise ParamsError(f"train.attention must be auto, sdpa or eager, got {self.attention!r}")
        if self.optim not in ("auto", "adamw_torch", "adamw_torch_fused"):
            raise ParamsError(f"train.optim must be auto, adamw_torch or adamw_torch_fused, got {self.optim!r}")
        if isinstance(self.liger, str) and self.liger != "auto":
            raise ParamsError(f"train.liger must be auto, true or false, got {self.liger!r}")


@dataclass(frozen=True)
class GenerateConfig:
    do_sample: bool = True  # the card's decoding; false = greedy
    temperature: float = 0.6
    top_p: float = 0.8
    repetition_penalty: float = 1.5
    num_beams: int = 1  # > 1: beam search (with do_sample false) keeps that many candidate continuations
    max_new_tokens: int = 100
    batch_size: int = 16
    truncate_sentences: bool = True  # cut the output to the gloss's sentence count
    stop_at_sentences: bool = False  # length-aware decoding: stop each row once it has that many sentences
    max_examples: int | dict[str, int] | None = None  # per test source (seeded sample): N, or {source: N}; None = all
    max_input_tokens: int = 256  # longest gloss (in tokens) given to the model
    on_long_input: str = "truncate"  # truncate (with a warning) | refuse (empty translation + warning)

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ParamsError(f"generate.max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.do_sample and self.temperature <= 0:
            raise ParamsError(f"generate.temperature must be > 0 when sampling, got {self.temperature}")
        if not 0.0 < self.top_p <= 1.0:
            raise ParamsError(f"generate.top_p must be in (0, 1], got {self.top_p}")
        if self.batch_size < 1:
            raise ParamsError(f"generate.batch_size must be >= 1, got {self.batch_size}")
        if self.num_beams < 1:
            raise ParamsError(f"generate.num_beams must be >= 1, got {self.num_beams}")
        if self.num_beams > 1 and self.stop_at_sentences:
            raise ParamsError("generate.stop_at_sentences works per row, not per beam: use it with num_beams: 1")
        if self.max_input_tokens < 1:
            raise ParamsError(f"generate.max_input_tokens must be >= 1, got {self.max_input_tokens}")
        if self.on_long_input not in ("truncate", "refuse"):
            raise ParamsError(f"generate.on_long_input must be truncate or refuse, got {self.on_long_input!r}")
        caps = self.max_examples.values() if isinstance(self.max_examples, dict) else [self.max_examples]
        if any(cap is not None and cap < 1 for cap in caps):
            raise ParamsError(f"generate.max_examples must be >= 1 per source (or null), got {self.max_examples}")


@dataclass(frozen=True)
class EvalConfig:
    bertscore_model: str = "builtin:minilm"  # builtin:minilm (offline) | a Hub id such as roberta-large
    bertscore_rescale: bool = False  # baseline rescaling (needs the Hub's baseline files)
    zero_shot_chat: bool = True  # the untuned base with its chat template and an instruction (prompts/zero_shot_chat.txt)
    k_shot: int = 5  # the same chat with k training pairs as earlier turns ("5-shot chat"); 0 = off
    k_shot_selection: str = "nearest"  # nearest (gloss-word overlap, IDF-weighted) | random (seeded per test gloss)
    bare_prompt_baseline: bool = False  # the untuned base on the bare training prompt "[INST] GLOSS [/INST]"
    rule_baseline: bool = True  # gloss words in order, markers stripped, in sentence case
    worst_k: int = 10  # examples shown in the error analysis
    bootstrap_resamples: int = 1000  # resamples for the 95% CIs of BLEU-4 and ROUGE-L; 0 = no CIs

    def __post_init__(self) -> None:
        if self.bootstrap_resamples < 0:
            raise ParamsError(f"eval.bootstrap_resamples must be >= 0, got {self.bootstrap_resamples}")
        if self.k_shot < 0:
            raise ParamsError(f"eval.k_shot must be >= 0 (0 = no k-shot baseline), got {self.k_shot}")
        if self.k_shot_selection not in ("nearest", "random"):
            raise ParamsError(f"eval.k_shot_selection must be nearest or random, got {self.k_shot_selection!r}")


@dataclass(frozen=True)
class HubConfig:
    push: bool = False  # upload the adapter and its model card at the end of 05_evaluate (needs internet)
    repo_id: str | None = None  # e.g. your-name/glossa-llama-adapter; required when push is true
    private: bool = True
    merged: bool = False  # also upload the merged model (under merged/)

    def __post_init__(self) -> None:
        if self.push and not self.repo_id:
            raise ParamsError("hub.repo_id is required when hub.push is true (e.g. your-name/glossa-adapter)")


@dataclass(frozen=True)
class RunConfig:
    name: str = "default"  # run folder: runs/<name>/
    seed: int = 42
    out_dir: str | None = None  # None = runs/<name>/ under the repo root
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    lora: LoraParams = field(default_factory=LoraParams)
    train: TrainConfig = field(default_factory=TrainConfig)
    generate: GenerateConfig = field(default_factory=GenerateConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    hub: HubConfig = field(default_factory=HubConfig)

    def __post_init__(self) -> None:
        caps, names = self.generate.max_examples, [s.name for s in self.data.sources]
        unknown = sorted(set(caps) - set(names)) if isinstance(caps, dict) and names else []
        if unknown:
            raise ParamsError(f"generate.max_examples: no source named {unknown[0]!r} in data.sources (have {names})")

    @property
    def run_dir(self) -> Path:
        """Where this run's artefacts go (absolute)."""
        return resolve_path(self.out_dir) if self.out_dir else REPO_ROOT / "runs" / self.name

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict, suitable for YAML or JSON."""
        return dataclasses.asdict(self)


def resolve_path(path: str | Path) -> Path:
    """Resolve a params path: absolute stays, relative is taken from the repo root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else REPO_ROOT / p


def show_path(path: str | Path) -> str:
    """A path for printing: repo-relative when inside the repo (stable in stored notebook outputs)."""
    p = Path(path).resolve()
    try:
        return str(p.relative_to(REPO_ROOT))
    except ValueError:
        return str(p)


def _check_type(value: Any, annotation: Any, key: str) -> Any:
    """Return `value` if it matches `annotation` (ints are accepted for floats), else raise."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(annotation)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _check_type(value, option, key)
            except ParamsError:
                pass
        raise ParamsError(f"{key}: expected {_type_name(annotation)}, got {value!r}")
    if origin is dict:
        key_type, value_type = typing.get_args(annotation)
        if not isinstance(value, dict):
            raise ParamsError(f"{key}: expected a mapping, got {value!r}")
        return {_check_type(k, key_type, key): _check_type(v, value_type, f"{key}.{k}") for k, v in value.items()}
    if origin is list:
        (item_type,) = typing.get_args(annotation)
        if not isinstance(value, list):
            raise ParamsError(f"{key}: expected a list, got {value!r}")
        return [_check_type(v, item_type, f"{key}[{i}]") for i, v in enumerate(value)]
    if dataclasses.is_dataclass(annotation):
        return build_config(annotation, value, f"{key}.")
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if annotation is float and isinstance(value, str) and _SCIENTIFIC.fullmatch(value):
        return float(value)  # YAML 1.1 reads "5e-4" (no dot) as a string
    if annotation is int and isinstance(value, bool):
        raise ParamsError(f"{key}: expected int, got {value!r}")
    if not isinstance(value, annotation):
        raise ParamsError(f"{key}: expected {_type_name(annotation)}, got {value!r}")
    return value


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


def build_config(cls: type, raw: dict[str, Any] | None, prefix: str = "") -> Any:
    """Build dataclass `cls` from a nested dict, rejecting unknown keys and wrong types."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise ParamsError(f"{prefix.rstrip('.') or 'params'}: expected a mapping, got {raw!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ParamsError(f"unknown key {prefix}{unknown[0]} (allowed: {', '.join(sorted(names))})")
    kwargs = {}
    for name in names & set(raw):
        annotation = hints[name]
        if dataclasses.is_dataclass(annotation):
            kwargs[name] = build_config(annotation, raw[name], f"{prefix}{name}.")
        else:
            kwargs[name] = _check_type(raw[name], annotation, f"{prefix}{name}")
    try:
        return cls(**kwargs)
    except ItemError as err:
        raise ParamsError(f"{prefix}{err}") from None


def apply_override(raw: dict[str, Any], assignment: str) -> None:
    """Apply one ``key.sub=value`` override in place; the value is parsed as YAML (1e-3, true, null).

    A part may index a list of specs: ``data.sources[1].cap=500``.
    """
    if "=" not in assignment:
        raise ParamsError(f"override {assignment!r} is not of the form key=value")
    key, text = assignment.split("=", 1)
    parts = key.strip().split(".")
    node = raw
    for part in parts[:-1]:
        node = _override_node(node, part, key)
    try:
        node[parts[-1]] = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ParamsError(f"override {assignment!r}: the value is not valid YAML ({_yaml_problem(err)})") from None


def _override_node(node: dict[str, Any], part: str, key: str) -> dict[str, Any]:
    """The section (or list item, for ``name[i]``) called `part` inside `node`, made when missing."""
    indexed = re.fullmatch(r"(\w+)\[(\d+)\]", part)
    if indexed:
        items, index = node.get(indexed[1]), int(indexed[2])
        if not isinstance(items, list) or index >= len(items):
            raise ParamsError(f"override {key}: {part} does not exist")
        node = items[index]
    else:
        node = node.setdefault(part, {})
    if not isinstance(node, dict):
        raise ParamsError(f"override {key}: {part} is not a section")
    return node


LEGACY_KEYS = {("eval", "zero_shot_baseline"): "bare_prompt_baseline"}
"""Keys renamed since runs were saved with them (section, old) -> new: old runs' params.yaml still load."""


def rename_legacy_keys(raw: dict[str, Any]) -> None:
    """Rename `LEGACY_KEYS` in place (an old key never overrides the new one when both are present)."""
    for (section, old), new in LEGACY_KEYS.items():
        part = raw.get(section)
        if isinstance(part, dict) and old in part:
            value = part.pop(old)
            part.setdefault(new, value)


def read_yaml(file: Path, shown: str) -> Any:
    """Parse a YAML file; bytes that are not UTF-8 or a syntax error raise `ParamsError` naming
    `shown` (the path as the user gave it), the line and the column."""
    data = file.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise ParamsError(f"{shown}:{line}: not UTF-8 text (byte 0x{data[err.start]:02x}); "
                          "save the file as UTF-8") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark is not None else shown
        raise ParamsError(f"{where}: not valid YAML ({_yaml_problem(err)})") from None


def _yaml_problem(err: yaml.YAMLError) -> str:
    """What PyYAML found wrong, in one line (``while parsing a flow node: expected ...``)."""
    parts = [getattr(err, "context", None), getattr(err, "problem", None)]
    return ": ".join(p for p in parts if p) or str(err).splitlines()[0]


def load_params(path: str | Path, overrides: list[str] | None = None) -> RunConfig:
    """Load and validate a params YAML file (plus ``key=value`` overrides) into a `RunConfig`."""
    file = resolve_path(path)
    if not file.is_file():
        raise ParamsError(f"params file not found: {path}")
    raw = read_yaml(file, str(path)) or {}
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: the top level must be a mapping of keys")
    rename_legacy_keys(raw)
    for assignment in overrides or []:
        apply_override(raw, assignment)
    cfg = build_config(RunConfig, raw)
    prompt_file = prompt_template_path(cfg)
    if not prompt_file.is_file():
        raise ParamsError(f"model.prompt_template: no template file {show_path(prompt_file)}")
    check_files(cfg)
    return cfg


def load_run_params(path: str | Path) -> RunConfig:
    """The params a run or a merged model recorded, validated like `load_params` but without checking
    that the data files and prompt template they name exist here (a model may have been copied)."""
    raw = read_yaml(resolve_path(path), str(path)) or {}
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: the top level must be a mapping of keys")
    rename_legacy_keys(raw)
    return build_config(RunConfig, raw)


def check_files(cfg: RunConfig) -> None:
    """Fail early on files the params name that do not exist."""
    if cfg.data.path is not None and not resolve_path(cfg.data.path).is_file():
        raise ParamsError(f"data.path: file not found: {cfg.data.path}")
    for i, spec in enumerate(cfg.data.sources):
        if spec.path is not None and not resolve_path(spec.path).exists():
            raise ParamsError(f"data.sources[{i}].path: no such file or folder: {spec.path}")
    source = cfg.data.source
    if not cfg.data.sources and not source.startswith(("builtin:", "hub:")) and not resolve_path(source).is_file():
        raise ParamsError(f"data.source: no such file {source!r} (or use builtin:<name> / hub:<dataset id>)")
    base = cfg.model.base
    if base.startswith((".", "/", "~")) and not resolve_path(base).is_dir():
        raise ParamsError(f"model.base: model directory not found: {base}")


def prompt_template_path(cfg: RunConfig) -> Path:
    """The template file named by ``model.prompt_template``."""
    return REPO_ROOT / "params" / "prompts" / f"{cfg.model.prompt_template}.txt"


def save_params(cfg: RunConfig, path: str | Path) -> None:
    """Write the fully resolved config as YAML (what the run really used)."""
    Path(path).write_text(yaml.safe_dump(cfg.to_dict(), sort_keys=False), encoding="utf-8")


def echo_config(cfg: RunConfig, compact: bool = False) -> str:
    """A stable summary of the params: one line per section, or (`compact`) one line in all.

    01 prints the full echo once; the later notebooks print the compact line — run, data, base, LoRA
    rank, training length and decoding — so a stored output says which run it came from.
    """
    if compact:
        d, t, g = cfg.data, cfg.train, cfg.generate
        source = f"{len(d.sources)} sources" if d.sources else d.path or d.source
        length = f"max_steps={t.max_steps}" if t.max_steps > 0 else f"epochs={t.epochs:g}"
        decoding = "sampling" if g.do_sample else f"beam {g.num_beams}" if g.num_beams > 1 else "greedy"
        return (f"run {cfg.name} | seed {cfg.seed} | data {source} | base {cfg.model.base} | "
                f"lora r={cfg.lora.r} alpha={cfg.lora.alpha} | {length} lr={t.lr:g} | {decoding}")
    lines = [f"run {cfg.name}  seed {cfg.seed}"]
    for section in ("data", "model", "lora", "train", "generate", "eval", "hub"):
        values = dataclasses.asdict(getattr(cfg, section))
        sources = values.pop("sources", [])
        for key in ("source", "path", "max_pairs") if sources else ():
            values.pop(key)  # replaced by the recipe
        lines.append(f"{section:9s}" + "  ".join(f"{k}={v}" for k, v in values.items()))
        lines.extend(f"  sources[{i}] " + "  ".join(f"{k}={v}" for k, v in source.items())
                     for i, source in enumerate(sources))
    return "\n".join(lines)
