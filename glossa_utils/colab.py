"""Running the notebooks on Google Colab: the badge and set-up cell every notebook carries, and Hub login.

Each Colab notebook gets a fresh machine, so the set-up cell keeps the repository (and with it the run
folders) and the Hugging Face cache on Google Drive: a later notebook finds what an earlier one wrote,
the Hub token survives, and the base model is downloaded once. Locally the cell does nothing.
"""

from __future__ import annotations

import sys

from .config import REPO_ROOT

GITHUB_REPO = "glossa-llama/glossa-llama"
COLAB_PARAMS = "params/colab_llama32_1b.yaml"
SETUP_TAG = "colab-setup"


def badge_markdown(notebook: str, repo: str = GITHUB_REPO) -> str:
    """The "Open in Colab" badge for ``notebooks/<notebook>.ipynb`` on GitHub's main branch."""
    url = f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/{notebook}.ipynb"
    return f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


def setup_cell_source(switch_params: bool = True, repo: str = GITHUB_REPO) -> str:
    """The set-up cell's code (IPython): a no-op unless the notebook runs on Colab."""
    lines = [
        "# Colab only: keep the repo, its runs and the Hugging Face cache on Drive (each notebook gets a fresh",
        "# machine), install the package, and use the GPU recipe. Elsewhere this cell does nothing.",
        "import os, sys",
        "",
        'if "google.colab" in sys.modules:',
        "    from google.colab import drive",
        "",
        '    drive.mount("/content/drive")',
        '    os.environ["HF_HOME"] = "/content/drive/MyDrive/hf-home"',
        "    %cd /content/drive/MyDrive",
        f"    !test -d glossa-llama || git clone -q https://github.com/{repo} glossa-llama",
        "    %cd glossa-llama",
        "    %pip install -q -e .",
    ]
    if switch_params:
        lines += ['    if params_path == "params/default.yaml":', f'        params_path = "{COLAB_PARAMS}"']
    return "\n".join(lines)


def in_colab() -> bool:
    """Whether this Python runs inside a Colab notebook."""
    return "google.colab" in sys.modules


def needs_hub_login(base: str) -> bool:
    """Whether loading `base` needs a Hugging Face token that this machine does not have yet.

    Only Hub ids can need one (the builtin offline models and local folders never do); gated models
    such as meta-llama/Llama-3.2-1B-Instruct do, after their licence is accepted on the Hub.
    """
    if base.startswith(("builtin:", ".", "/", "~")) or (REPO_ROOT / base).is_dir():
        return False
    from huggingface_hub import get_token

    return get_token() is None


def hub_login_if_needed(base: str) -> str:
    """Ask for a Hub token (Colab/Jupyter login widget) when `base` needs one; returns what it did."""
    if not needs_hub_login(base):
        return f"no Hub login needed for {base}"
    if not in_colab():
        return f"{base} may be gated: run `huggingface-cli login` (or set HF_TOKEN) if loading it fails"
    from huggingface_hub import notebook_login

    notebook_login()
    return "logged in to the Hugging Face Hub"


def describe_device() -> str:
    """The accelerator this run will use and the training precision `auto` picks for it."""
    import torch

    from .models import pick_precision

    if not torch.cuda.is_available():
        return "CPU only: training in fp32 (on Colab: Runtime > Change runtime type > T4 GPU)"
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

