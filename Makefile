# dect.provisioning - developer and CI entry points. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
COLL_DIR := .build/ansible_collections/dect/provisioning
APT_PACKAGES := $(shell sed -n 's/^\([a-z0-9.+-]*\) \[platform:dpkg test\].*/\1/p' bindep.txt)
PYTEST_ARGS ?=

.PHONY: help deps venv demo test unit integration sanity lint docs docs-check changelog-lint bench clean

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/activate: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

venv: $(BIN)/activate  ## virtualenv with ansible-core, lxml, jmespath, pytest, molecule, ansible-lint

deps:  ## apt packages of the real daemons the tests start (Debian/Ubuntu, root)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

demo: venv deps  ## roll out the demo site on this machine and print what each DECT server fetched
	$(BIN)/python demo/run_demo.py

test: venv deps docs-check changelog-lint sanity lint unit integration  ## everything CI runs

unit: venv  ## unit tests (no daemons)
	$(BIN)/pytest -q tests/unit $(PYTEST_ARGS)

integration: venv deps  ## playbooks against real daemons on 127.0.0.1 and in network namespaces
	$(BIN)/pytest -q tests/integration $(PYTEST_ARGS)

$(COLL_DIR): FORCE
	mkdir -p $(COLL_DIR)
	rsync -a --delete --exclude .git --exclude .venv --exclude .build --exclude .ansible \
	  --exclude __pycache__ --exclude .pytest_cache --exclude demo-output --exclude benchmarks/results ./ $(COLL_DIR)/
	# ansible-test lists files through git; the copy sits in an ignored dir, so give it a repo of its own.
	cd $(COLL_DIR) && { test -d .git || git init -q; }
FORCE:

GET_PIP_VERSION = $(shell $(BIN)/python -c "import re,ansible_test,pathlib;p=pathlib.Path(ansible_test.__file__).parent/'_internal/python_requirements.py';print(re.search(r\"pip='([0-9.]+)'\",p.read_text()).group(1).replace('.','_'))" 2>/dev/null)

sanity: venv $(COLL_DIR)  ## ansible-test sanity on a copy laid out as ansible_collections/dect/provisioning
	@cache=$$HOME/.ansible/test/cache/get_pip_$(GET_PIP_VERSION).py; \
	  test -s $$cache || { mkdir -p $$(dirname $$cache); cp tools/ansible_test_get_pip.py $$cache; }
	cd $(COLL_DIR) && PATH=$(CURDIR)/$(BIN):$$PATH ansible-test sanity --python 3.11 --requirements --color no

lint: venv  ## ansible-lint, production profile
	PATH=$(CURDIR)/$(BIN):$$PATH ansible-lint --profile production

docs: venv  ## regenerate docs/parameters.md from the schema
	$(BIN)/python -m tools.gen_parameters_doc > docs/parameters.md

docs-check: venv  ## fail when docs/parameters.md is stale
	$(BIN)/python -m tools.gen_parameters_doc | diff -u docs/parameters.md - \
	  || { echo "docs/parameters.md is stale: run make docs"; exit 1; }

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

bench: venv deps  ## benchmarks with ratios against the plain alternative
	$(BIN)/python -m benchmarks

clean:
	rm -rf .build demo-output benchmarks/results
