# dect.provisioning - developer and CI entry points. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
COLL_DIR := .build/ansible_collections/dect/provisioning
APT_PACKAGES := $(shell sed -n 's/^\([a-z0-9.+-]*\) \[platform:dpkg test\].*/\1/p' bindep.txt)
PYTEST_ARGS ?=

.PHONY: help deps venv demo test unit integration sanity lint docs docs-check changelog-lint bench clean matrix \
  docs-venv build docs-lint galaxy-import docs-site release-check

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

test: venv deps docs-check changelog-lint release-check docs-lint galaxy-import docs-site sanity lint unit integration  ## everything CI runs

unit: venv  ## unit tests (no daemons)
	$(BIN)/pytest -q tests/unit $(PYTEST_ARGS)

integration: venv deps  ## playbooks against real daemons on 127.0.0.1 and in network namespaces
	$(BIN)/pytest -q tests/integration $(PYTEST_ARGS)

RSYNC_EXCLUDES := --exclude .git --exclude .venv --exclude .venv-matrix --exclude .venv-docs --exclude .build --exclude .ansible \
  --exclude __pycache__ --exclude .pytest_cache --exclude demo-output --exclude benchmarks/results

$(COLL_DIR): FORCE
	mkdir -p $(COLL_DIR)
	rsync -a --delete $(RSYNC_EXCLUDES) ./ $(COLL_DIR)/
	# ansible-test lists files through git; the copy sits in an ignored dir, so give it a repo of its own.
	cd $(COLL_DIR) && { test -d .git || git init -q; }
FORCE:

# ansible-test fetches a pip bootstrap script named after the pip it pins, from a host this machine
# cannot reach: put ours in its cache under that name (per ansible-core: $(1) is the venv's bin, $(2)
# the HOME ansible-test runs with, default the user's).
define seed_get_pip
	@ver=$$($(1)/python -c "import re,ansible_test,pathlib;p=pathlib.Path(ansible_test.__file__).parent/'_internal/python_requirements.py';print(re.search(r\"pip='([0-9.]+)'\",p.read_text()).group(1).replace('.','_'))"); \
	  cache=$(or $(2),$$HOME)/.ansible/test/cache/get_pip_$$ver.py; \
	  test -s $$cache || { mkdir -p $$(dirname $$cache); cp tools/ansible_test_get_pip.py $$cache; }
endef

sanity: venv $(COLL_DIR)  ## ansible-test sanity on a copy laid out as ansible_collections/dect/provisioning
	$(call seed_get_pip,$(BIN))
	cd $(COLL_DIR) && PATH=$(CURDIR)/$(BIN):$$PATH ansible-test sanity --python 3.11 --requirements --color no

# One venv per ansible-core of the matrix: that version, the collection's requirements, pytest (and
# antsibull-docs-parser, which tools/gen_role_readmes needs for tests/unit/test_publishing.py).
.PRECIOUS: .venv-matrix/%/bin/activate
.venv-matrix/%/bin/activate: tests/matrix/ansible-core-%.txt requirements.txt
	@py=$(call find_python,$(MATRIX_PYTHON_$*)); test -n "$$py" || { echo "python$(MATRIX_PYTHON_$*) not found (ansible-core $*)"; exit 1; }; \
	  rm -rf .venv-matrix/$* && $$py -m venv .venv-matrix/$*
	.venv-matrix/$*/bin/pip install -q --upgrade pip
	.venv-matrix/$*/bin/pip install -q -r tests/matrix/ansible-core-$*.txt -r requirements.txt pytest ansible-builder antsibull-docs-parser
	touch $@

matrix: $(foreach v,$(MATRIX),matrix-$(v))  ## per other supported ansible-core: its sanity tests, unit tests, site smoke test

matrix-%: .venv-matrix/%/bin/activate deps
	@echo "=== ansible-core $$(.venv-matrix/$*/bin/python -c 'import ansible.release as r; print(r.__version__)') on Python $(MATRIX_PYTHON_$*)"
	mkdir -p .build/matrix-$*/ansible_collections/dect/provisioning
	rsync -a --delete $(RSYNC_EXCLUDES) --exclude tests/output ./ .build/matrix-$*/ansible_collections/dect/provisioning/
	cd .build/matrix-$*/ansible_collections/dect/provisioning && { test -d .git || git init -q; }
	$(call seed_get_pip,.venv-matrix/$*/bin,$(CURDIR)/.build/home-$*)
	cd .build/matrix-$*/ansible_collections/dect/provisioning && PATH=$(CURDIR)/.venv-matrix/$*/bin:$$PATH \
	  HOME=$(CURDIR)/.build/home-$* ansible-test sanity --python $(MATRIX_PYTHON_$*) --requirements --color no $(addprefix --test ,$(MATRIX_SANITY_TESTS))
	.venv-matrix/$*/bin/pytest -q tests/unit $(PYTEST_ARGS)
	.venv-matrix/$*/bin/pytest -q tests/integration/test_site_smoke.py $(PYTEST_ARGS)

lint: venv  ## ansible-lint, production profile
	PATH=$(CURDIR)/$(BIN):$$PATH ansible-lint --profile production

docs: venv  ## regenerate docs/parameters.md from the schema and the roles' READMEs from their argument specs
	$(BIN)/python -m tools.gen_parameters_doc > docs/parameters.md
	$(BIN)/python -m tools.gen_role_readmes

docs-check: venv  ## fail when docs/parameters.md or a role's README is stale
	$(BIN)/python -m tools.gen_parameters_doc | diff -u docs/parameters.md - \
	  || { echo "docs/parameters.md is stale: run make docs"; exit 1; }
	$(BIN)/python -m tools.gen_role_readmes --check

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

release-check: venv  ## prove, in a temporary copy, that antsibull-changelog cuts galaxy.yml's version cleanly
	$(BIN)/python -m tools.release_check

# --- Publishing: the collection as Galaxy and the Ansible docs tools see it (docs/development.md,
# "Publishing"). Their tools live in their own venv, pinned by requirements-docs.txt.
DOCS_VENV ?= .venv-docs
DOCS_BIN := $(DOCS_VENV)/bin
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
DIST := .build/dist
TARBALL := $(DIST)/dect-provisioning-$(VERSION).tar.gz
# The tarball installed as users install it: docs lint and docs site read the collection from here.
INSTALLED_ROOT := .build/installed
INSTALLED := $(INSTALLED_ROOT)/ansible_collections/dect/provisioning
DOCSITE := .build/docsite
# Only the installed copy is the collection for these tools (not ~/.ansible/collections, nor a
# collection inside a venv's site-packages).
DOCS_ENV := PATH=$(CURDIR)/$(DOCS_BIN):$$PATH ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/$(INSTALLED_ROOT) \
  ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false

$(DOCS_BIN)/activate: requirements-docs.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found"; exit 1; }
	rm -rf $(DOCS_VENV) && $(PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_BIN)/pip install -q --upgrade pip
	$(DOCS_BIN)/pip install -q -r requirements-docs.txt
	touch $@

docs-venv: $(DOCS_BIN)/activate  ## venv with antsibull-docs, Sphinx, myst-parser, galaxy-importer (requirements-docs.txt)

# The installed copy gets a git repo of its own: antsibull-docs copies a collection inside a git
# checkout with `git ls-files`, which lists nothing in this ignored directory (the linter would check
# nothing and pass).
build: docs-venv  ## the collection tarball users install (galaxy.yml's build_ignore), in .build/dist
	rm -rf $(DIST) $(INSTALLED_ROOT)
	$(DOCS_BIN)/ansible-galaxy collection build --output-path $(DIST) .
	$(DOCS_ENV) ansible-galaxy collection install --offline -p $(INSTALLED_ROOT) $(TARBALL)
	cd $(INSTALLED) && git init -q

docs-lint: build  ## the Ansible docs linter on the installed collection: plugin and role docs, references
	cd $(INSTALLED) && $(DOCS_ENV) antsibull-docs lint-collection-docs --plugin-docs \
	  --validate-collection-refs all --disallow-unknown-collection-refs .

galaxy-import: build  ## galaxy-importer on the tarball (tools/galaxy-importer.cfg: no ansible-test container)
	$(DOCS_ENV) GALAXY_IMPORTER_CONFIG=$(CURDIR)/tools/galaxy-importer.cfg \
	  $(DOCS_BIN)/python -m tools.galaxy_import $(TARBALL)

docs-site: build  ## the docs site (antsibull-docs + Sphinx, warnings are errors) in .build/docsite/html
	rm -rf $(DOCSITE) && mkdir -p $(DOCSITE)/rst && chmod og-w $(DOCSITE)/rst
	cp docsite/index.rst $(DOCSITE)/rst/
	cp -r $(INSTALLED)/docs $(DOCSITE)/rst/docs
	cd $(DOCSITE) && $(DOCS_ENV) antsibull-docs --config-file $(CURDIR)/docsite/antsibull-docs.cfg \
	  collection --use-current --dest-dir rst dect.provisioning
	$(DOCS_BIN)/sphinx-build -b html -W --keep-going -n -q -c docsite $(DOCSITE)/rst $(DOCSITE)/html
	DOCSITE=$(DOCSITE)/html $(DOCS_BIN)/pytest -q -p no:cacheprovider tests/docs
	@echo "docs site: $(DOCSITE)/html/index.html"

bench: venv deps  ## benchmarks with ratios against the plain alternative
	$(BIN)/python -m benchmarks

clean:
	rm -rf .build demo-output benchmarks/results
