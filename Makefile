# Two entry points for a fresh machine: `make demo` and `make test`.
# Everything is installed from the package registries; nothing downloads at run time.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
MUTATION_STAMP := $(VENV)/.installed-mutation
# `make mutation`: how many mutants are tested at once, and which (mutmut name patterns such
# as 'infra.policy.*'; empty: every module configured in [tool.mutmut] of pyproject.toml).
MUTATION_JOBS ?= 1
MUTANTS ?=

.PHONY: demo test test-fast lint system-deps venv docs clean mutation mutation-report

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

$(MUTATION_STAMP): $(TEST_STAMP)
	$(BIN)/python -m pip install -q -e '.[test,ansible,mutation]'
	@touch $@

system-deps:
	@bash scripts/install-system-deps.sh

## The main job, offline: validate and plan every example stack (resources, cost, guardrails).
demo: venv
	$(BIN)/teamstack validate
	$(BIN)/teamstack plan --all

lint: $(TEST_STAMP)
	$(BIN)/ruff check infra tests benchmarks
	$(BIN)/yamllint -s .

## Every test: lint, unit, component (Pulumi mocks), integration (moto), roles (Molecule).
test: $(TEST_STAMP) system-deps lint
	$(BIN)/pytest -q -p no:cacheprovider

## Everything but the Molecule scenarios, for a quick loop while editing Python.
test-fast: $(TEST_STAMP) lint
	$(BIN)/pytest -q -p no:cacheprovider -m "not molecule"

## Mutation testing of the modules that carry the promises; prints the score per module and
## fails under 85%. Slow (see README): results are kept in mutants/, so a second run only
## tests the mutants of functions that changed. Survivors explained in mutation/equivalents.toml.
mutation: $(MUTATION_STAMP)
	nice -n 10 $(BIN)/mutmut run --max-children $(MUTATION_JOBS) $(MUTANTS)
	$(BIN)/python scripts/mutation_report.py --fail-under 85

## The score per module of the last `make mutation`, without running anything.
mutation-report:
	$(BIN)/python scripts/mutation_report.py

docs: venv
	$(BIN)/python -m infra.docs > docs/request-reference.md
	$(BIN)/python -m infra.profile_docs > docs/profile-reference.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis mutants
