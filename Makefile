# dect.provisioning - developer and CI entry points. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
COLL_DIR := .build/ansible_collections/dect/provisioning
APT_PACKAGES := $(shell sed -n 's/^\([a-z0-9.+-]*\) \[platform:dpkg test\].*/\1/p' bindep.txt)
PYTEST_ARGS ?=

.PHONY: help deps venv demo test unit integration sanity lint docs docs-check changelog-lint bench clean matrix

# The ansible-core minors the collection supports besides the default venv's (2.19 on Python 3.11),
# each on a Python it supports; `make matrix` tests each in .venv-matrix/<minor>, pinned by
# tests/matrix/ansible-core-<minor>.txt (docs/compatibility.md).
MATRIX ?= 2.16 2.17 2.18 2.20 2.21
MATRIX_PYTHON_2.16 := 3.11
MATRIX_PYTHON_2.17 := 3.11
MATRIX_PYTHON_2.18 := 3.11
MATRIX_PYTHON_2.20 := 3.12
MATRIX_PYTHON_2.21 := 3.12
# Per version, the sanity tests whose verdict depends on the ansible-core version (full sanity runs
# on the default version in `make sanity`): docs and argument specs as that version parses them,
# imports against its module_utils, meta/runtime.yml against its schema, syntax on its Pythons.
MATRIX_SANITY_TESTS ?= action-plugin-docs ansible-doc compile import runtime-metadata validate-modules yamllint
# An interpreter X.Y: on PATH, else from pyenv (whose shims refuse versions not selected).
find_python = $(firstword $(foreach p,python$(1) $(wildcard $(HOME)/.pyenv/versions/$(1).*/bin/python$(1)),$(shell $(p) -c 'import sys; print(sys.executable)' 2>/dev/null)))

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
	$(BIN)/python -m demo.run_demo

test: venv deps docs-check changelog-lint sanity lint unit integration  ## everything CI runs

unit: venv  ## unit tests (no daemons)
	$(BIN)/pytest -q tests/unit $(PYTEST_ARGS)

integration: venv deps  ## playbooks against real daemons on 127.0.0.1 and in network namespaces
	$(BIN)/pytest -q tests/integration $(PYTEST_ARGS)

RSYNC_EXCLUDES := --exclude .git --exclude .venv --exclude .venv-matrix --exclude .build --exclude .ansible \
  --exclude __pycache__ --exclude .pytest_cache --exclude demo-output --exclude benchmarks/results

$(COLL_DIR): FORCE
	mkdir -p $(COLL_DIR)
	rsync -a --delete $(RSYNC_EXCLUDES) ./ $(COLL_DIR)/
	# ansible-test lists files through git; the copy sits in an ignored dir, so give it a repo of its own.
	cd $(COLL_DIR) && { test -d .git || git init -q; }
FORCE:

# ansible-test fetches a pip bootstrap script named after the pip it pins, from a host this machine
# cannot reach: put ours in its cache under that name (per ansible-core: $(1) is the venv's bin).
define seed_get_pip
	@ver=$$($(1)/python -c "import re,ansible_test,pathlib;p=pathlib.Path(ansible_test.__file__).parent/'_internal/python_requirements.py';print(re.search(r\"pip='([0-9.]+)'\",p.read_text()).group(1).replace('.','_'))"); \
	  cache=$$HOME/.ansible/test/cache/get_pip_$$ver.py; \
	  test -s $$cache || { mkdir -p $$(dirname $$cache); cp tools/ansible_test_get_pip.py $$cache; }
endef

sanity: venv $(COLL_DIR)  ## ansible-test sanity on a copy laid out as ansible_collections/dect/provisioning
	$(call seed_get_pip,$(BIN))
	cd $(COLL_DIR) && PATH=$(CURDIR)/$(BIN):$$PATH ansible-test sanity --python 3.11 --requirements --color no

# One venv per ansible-core of the matrix: that version, the collection's requirements, pytest.
.PRECIOUS: .venv-matrix/%/bin/activate
.venv-matrix/%/bin/activate: tests/matrix/ansible-core-%.txt requirements.txt
	@py=$(call find_python,$(MATRIX_PYTHON_$*)); test -n "$$py" || { echo "python$(MATRIX_PYTHON_$*) not found (ansible-core $*)"; exit 1; }; \
	  rm -rf .venv-matrix/$* && $$py -m venv .venv-matrix/$*
	.venv-matrix/$*/bin/pip install -q --upgrade pip
	.venv-matrix/$*/bin/pip install -q -r tests/matrix/ansible-core-$*.txt -r requirements.txt pytest ansible-builder
	touch $@

matrix: $(foreach v,$(MATRIX),matrix-$(v))  ## per other supported ansible-core: its sanity tests, unit tests, site smoke test

matrix-%: .venv-matrix/%/bin/activate deps
	@echo "=== ansible-core $$(.venv-matrix/$*/bin/python -c 'import ansible.release as r; print(r.__version__)') on Python $(MATRIX_PYTHON_$*)"
	mkdir -p .build/matrix-$*/ansible_collections/dect/provisioning
	rsync -a --delete $(RSYNC_EXCLUDES) --exclude tests/output ./ .build/matrix-$*/ansible_collections/dect/provisioning/
	cd .build/matrix-$*/ansible_collections/dect/provisioning && { test -d .git || git init -q; }
	$(call seed_get_pip,.venv-matrix/$*/bin)
	cd .build/matrix-$*/ansible_collections/dect/provisioning && PATH=$(CURDIR)/.venv-matrix/$*/bin:$$PATH \
	  ansible-test sanity --python $(MATRIX_PYTHON_$*) --requirements --color no $(addprefix --test ,$(MATRIX_SANITY_TESTS))
	.venv-matrix/$*/bin/pytest -q tests/unit $(PYTEST_ARGS)
	.venv-matrix/$*/bin/pytest -q tests/integration/test_site_smoke.py $(PYTEST_ARGS)

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
