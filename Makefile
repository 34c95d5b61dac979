# shopcat: every derived file can be deleted and rebuilt from here. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.shopcat-installed
PROFILE ?= cpu
ONLY ?=
P ?=

.PHONY: help setup reproduce test lab lint bench clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  variables: PROFILE=smoke|cpu|gpu (default cpu)  ONLY=\"00_catalog_overview ...\"  P=\"key=value ...\""

setup: $(STAMP) ## create .venv and install the package with its extras (fast when already done)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

reproduce: setup ## rerun the experiment notebooks into reports/ (PROFILE, ONLY, P as above)
	$(PY) -m shopcat.reproduce.runner --profile $(PROFILE) --only "$(ONLY)" --set "$(P)"

test: setup ## run the test suite (includes every notebook on the smoke profile)
	$(PY) -m pytest

lab: setup ## JupyterLab on notebooks/ with the project kernel registered
	$(PY) -m ipykernel install --sys-prefix --name shopcat --display-name "Python (shopcat)"
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

lint: setup ## ruff over the package and the tests
	$(VENV)/bin/ruff check src tests

bench: setup ## the benchmarks that print figures and write reports/benchmarks/*.json
	$(VENV)/bin/shopcat bench simulate
	$(VENV)/bin/shopcat bench images
	$(VENV)/bin/shopcat bench tokenizer
	$(VENV)/bin/shopcat bench serve

clean: ## delete what runs derive and the repository does not keep (models, caches, executed notebooks)
	rm -rf models data reports/*.ipynb reports/.state .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +
