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
UV := $(BIN)/uv
# uv installs exactly what uv.lock says (every package pinned with its hashes); --locked fails
# when uv.lock no longer matches pyproject.toml, --inexact keeps uv itself in the venv.
SYNC := UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --inexact --python $(BIN)/python

.PHONY: demo test test-fast lint system-deps venv docs codeowners lock clean mutation \
	mutation-report

venv: $(STAMP)

# uv itself comes from PyPI through pip, pinned by hash (requirements-uv.txt).
$(UV): requirements-uv.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes --no-deps -r requirements-uv.txt
	@touch $@

# The demo needs only the package; the tests add the test tools, Ansible and Molecule.
$(STAMP): pyproject.toml uv.lock $(UV)
	$(SYNC)
	@touch $@

$(TEST_STAMP): $(STAMP)
	$(SYNC) --extra test --extra ansible
	@touch $@

$(MUTATION_STAMP): $(TEST_STAMP)
	$(SYNC) --extra test --extra ansible --extra mutation
	@touch $@

## Re-resolve uv.lock after editing the dependencies in pyproject.toml (then commit both).
lock: $(UV)
	$(UV) lock

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

## Mutation testing of the modules that carry the promises; prints the score per module and
## fails under 85%. Slow (see README): results are kept in mutants/, so a second run only
## tests the mutants of functions that changed. Survivors explained in mutation/equivalents.toml.
mutation: $(MUTATION_STAMP) system-deps
	$(BIN)/python scripts/mutation_report.py --prepare
	nice -n 10 $(BIN)/mutmut run --max-children $(MUTATION_JOBS) $(MUTANTS)
	$(BIN)/python scripts/mutation_report.py --fail-under 85

## The score per module of the last `make mutation`, without running anything.
mutation-report:
	$(BIN)/python scripts/mutation_report.py

docs: venv
	$(BIN)/python -m infra.docs > docs/request-reference.md
	$(BIN)/python -m infra.profile_docs > docs/profile-reference.md

## .github/CODEOWNERS from the stacks' owners (a test fails when it is stale).
codeowners: venv
	$(BIN)/teamstack codeowners

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis mutants
