# Two entry points for a fresh machine: `make demo` and `make test`.
# Everything is installed from the package registries; nothing downloads at run time.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test test-fast lint system-deps venv docs clean

venv: $(STAMP)

# The demo needs only the package; the tests add the test tools, Ansible and Molecule.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,ansible]'
	@touch $@

system-deps:
	@bash scripts/install-system-deps.sh

## The main job, offline: validate and plan every example stack (resources, cost, guardrails).
demo: venv
	$(BIN)/teamstack validate
	$(BIN)/teamstack plan --all

lint: $(TEST_STAMP)
	$(BIN)/ruff check infra tests benchmarks
	$(BIN)/mypy  # strict on infra/wiring, infra/components, infra/plan ([tool.mypy])
	$(BIN)/yamllint -s .

## Every test: lint, unit, component (Pulumi mocks), integration (moto), roles (Molecule).
test: $(TEST_STAMP) system-deps lint
	$(BIN)/pytest -q -p no:cacheprovider

## Everything but the Molecule scenarios, for a quick loop while editing Python.
test-fast: $(TEST_STAMP) lint
	$(BIN)/pytest -q -p no:cacheprovider -m "not molecule"

docs: venv
	$(BIN)/python -m infra.docs > docs/request-reference.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
