# csops: the two commands a newcomer needs are `make weekly` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CSOPS  := $(BIN)/csops
# Optional variables: WEEK=2026-W47 MONTH=2026-10 DATE=2026-11-20 AGENT=小美 FROM=… TO=…
#                     PROMO=double11 REPORT_LANG=en PARAMS="key=value key2=value2" WEEKS=22 (demo)
REPORT_ARGS = $(if $(REPORT_LANG),--lang $(REPORT_LANG)) $(foreach p,$(PARAMS),--param $(p))

.PHONY: help setup demo weekly monthly daily agent promo leaderboard what_if callbacks chase test lint lab bench dask_year clean

help:  ## list the targets
	@grep -E '^[a-z_]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install csops with its dependencies

demo: $(STAMP)  ## (re)build the demo shop (22 weeks): exports in data/demo/exports, store in data/demo/store
	$(CSOPS) demo --out data/demo --seed 1 $(if $(WEEKS),--weeks $(WEEKS))

weekly: $(STAMP)  ## the weekly review for the last complete week (WEEK=2026-W47 for another)
	$(CSOPS) report weekly $(if $(WEEK),--week $(WEEK)) $(REPORT_ARGS)

monthly: $(STAMP)  ## the monthly report (MONTH=2026-10; default: the last complete month)
	$(CSOPS) report weekly $(if $(MONTH),--month $(MONTH),--param period=month) $(REPORT_ARGS)

daily: $(STAMP)  ## the daily report for yesterday (DATE=2026-11-20 for another day)
	$(CSOPS) report daily $(if $(DATE),--date $(DATE)) $(REPORT_ARGS)

agent: $(STAMP)  ## one agent's coaching profile: AGENT=小美 [WEEK=2026-W47 | FROM=… TO=…]
	@test -n "$(AGENT)" || { echo "usage: make agent AGENT=小美 [WEEK=2026-W47]"; exit 2; }
	$(CSOPS) report agent --agent $(AGENT) $(if $(WEEK),--week $(WEEK)) $(if $(FROM),--param date_from=$(FROM)) $(if $(TO),--param date_to=$(TO)) $(REPORT_ARGS)

promo: $(STAMP)  ## the promo retrospective (PROMO=double11; default: the latest promo)
	$(CSOPS) report promo $(if $(PROMO),--promo $(PROMO)) $(REPORT_ARGS)

leaderboard: $(STAMP)  ## promo standings so far: SINCE="2026-11-11 00:00" [BY=orders] [TOP=5]
	@test -n "$(SINCE)" || { echo 'usage: make leaderboard SINCE="2026-11-11 00:00"'; exit 2; }
	$(CSOPS) leaderboard --since "$(SINCE)" $(if $(BY),--by $(BY)) $(if $(TOP),--top $(TOP)) --store $(or $(STORE),$(shell $(BIN)/python -c 'from csops_lib.demo.build import ensure_demo_store; print(ensure_demo_store())'))

what_if: $(STAMP)  ## the what-if notebook with its default parameters (WEEK=2026-W47: another base week)
	$(CSOPS) report what_if $(if $(WEEK),--week $(WEEK)) $(REPORT_ARGS)

callbacks: $(STAMP)  ## today's callback call sheet, Excel (DATE=2026-11-20 for another day)
	$(CSOPS) callbacks $(if $(DATE),--date $(DATE)) $(if $(REPORT_LANG),--lang $(REPORT_LANG))

chase: $(STAMP)  ## today's chase (追单) sheets for the agents, Excel (DATE=2026-11-20 for another day)
	$(CSOPS) chase $(if $(DATE),--date $(DATE)) $(if $(REPORT_LANG),--lang $(REPORT_LANG))

test: $(STAMP)  ## the whole test suite, notebooks included
	$(BIN)/pytest -q

lint: $(STAMP)  ## ruff over the library, tests and notebooks
	$(BIN)/ruff check csops_lib tests notebooks bench

lab: $(STAMP)  ## JupyterLab with the kernel that has csops_lib (builds the demo store first if needed)
	$(BIN)/python -c 'from csops_lib.demo.build import ensure_demo_store; ensure_demo_store()'
	$(BIN)/jupyter lab notebooks

bench: $(STAMP)  ## time chat metrics and csops kpis on 1 M and 10 M messages vs a Python loop, DuckDB and Polars, make monthly on 10 M, and ingest throughput (CSV, xlsx) → bench/results.md
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.ingest --fmt csv,xlsx --write-md bench/ingest.md
	$(BIN)/python -m bench.run $(BENCH_ARGS) $(if $(wildcard data/demo/store),--weekly-data data/demo/store)

dask_year: $(STAMP)  ## Dask worker memory per task (real scheduler + 2 workers), extrapolated to a year (write-up: bench/dask_year.md)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.dask_year --also bench/data/store_10m

clean:  ## remove generated outputs (keeps .venv and data)
	rm -rf outputs/*/ .pytest_cache

.PHONY: register
register: $(STAMP)  ## the deal register (成交登记) template → outputs/register/ (STORE=data/demo/store for its names, OUT=file.xlsx)
	$(CSOPS) register-template $(if $(STORE),--store $(STORE)) $(if $(OUT),--out $(OUT)) $(if $(REPORT_LANG),--lang $(REPORT_LANG))
