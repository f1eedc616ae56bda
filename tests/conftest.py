"""Shared fixtures: the repository's stacks and their offline plans (computed once)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from infra.graph import ResourceGraph
from infra.plan.orchestrate import load_all, plan_loaded
from infra.stackfile import stack_files

ROOT = Path(__file__).resolve().parent.parent
STACKS = ROOT / "stacks"


@pytest.fixture(scope="session")
def example_plans() -> dict[str, ResourceGraph]:
    """Every example stack planned offline, by stack name (e.g. 'vision-prod')."""
    loaded = load_all(stack_files(STACKS), STACKS)
    return plan_loaded(loaded, jobs=1).by_stack()


# Examples a property test draws in a `make mutation` worker (see pytest_collection_modifyitems).
MUTATION_EXAMPLES = 20


def under_mutation() -> bool:
    """True in a `make mutation` worker: mutmut names the mutant under test in the environment."""
    return "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under `make mutation`, property tests draw a fixed 20 examples instead of their budget.

    A surviving mutant runs every test that reaches it, and through mutmut's trampolines every
    call of a mutated module costs several times more: the replay's bookkeeping property alone
    took 320 s per mutant. A derandomized draw also gives a mutant the same verdict on every
    run. The ordinary suite keeps each test's full, random budget. Hypothesis reads these
    settings when the test is called; the worker is a fork, so the change dies with it.
    """
    if not under_mutation():
        return
    for item in items:
        test = getattr(item, "obj", None)
        current = getattr(test, "_hypothesis_internal_use_settings", None)
        if isinstance(current, settings):
            test._hypothesis_internal_use_settings = settings(  # type: ignore[union-attr]
                current, max_examples=min(current.max_examples, MUTATION_EXAMPLES),
                derandomize=True, database=None)
