# csops: the two commands a newcomer needs are `make weekly` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CSOPS  := $(BIN)/csops
# Optional variables: WEEK=2026-W47  REPORT_LANG=en  PARAMS="key=value key2=value2"
REPORT_ARGS = $(if $(REPORT_LANG),--lang $(REPORT_LANG)) $(foreach p,$(PARAMS),--param $(p))

.PHONY: help setup demo weekly test lint lab clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install csops with its dependencies

demo: $(STAMP)  ## (re)build the demo shop: exports in data/demo/exports, store in data/demo/store
	$(CSOPS) demo --out data/demo --weeks 8 --seed 1

weekly: $(STAMP)  ## the weekly review for the last complete week (WEEK=2026-W47 for another)
	$(CSOPS) report weekly $(if $(WEEK),--week $(WEEK)) $(REPORT_ARGS)

test: $(STAMP)  ## the whole test suite, notebooks included
	$(BIN)/pytest -q

lint: $(STAMP)  ## ruff over the library, tests and notebooks
	$(BIN)/ruff check csops_lib tests notebooks bench

lab: $(STAMP)  ## JupyterLab with the kernel that has csops_lib
	$(BIN)/jupyter lab notebooks

clean:  ## remove generated outputs (keeps .venv and data)
	rm -rf outputs/*/ .pytest_cache
