"""Shared fixtures: the repository's stacks and their offline plans (computed once)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
