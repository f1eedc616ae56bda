"""Attach what consumers of the graph compute (cost, guardrails) to a plan report.

Kept apart from the command so that the plan's core does not depend on which consumers
exist; each consumer is pure Python over the ResourceGraph.
"""

from __future__ import annotations

from typing import Any

from infra.cost.model import CostLine, StackCost, Unpriced
from infra.plan.render import PlanReport
from infra.stackfile import LoadedStack


def attach(report: PlanReport, stacks: dict[str, LoadedStack]) -> None:
    """Guardrail results and costs per stack."""
    attach_guardrails(report)
    attach_costs(report, stacks)


def attach_costs(report: PlanReport, stacks: dict[str, LoadedStack]) -> None:
    """Floor / expected / ceiling per stack; profiles come from each stack's request."""
    from infra.cost.stack import estimate_stack_cost

    for graph in report.graphs:
        loaded = stacks.get(graph.stack)
        if loaded is None:
            continue
        report.costs[graph.stack] = estimate_stack_cost(graph, loaded.region,
                                                        request=loaded.request)


def attach_guardrails(report: PlanReport) -> None:
    """Every stack gets an entry, empty when it passes, so 'passed' is a checked statement."""
    from infra.policy import check

    for graph in report.graphs:
        report.violations[graph.stack] = [
            {"rule": v.rule, "urn": v.urn, "message": v.message} for v in check(graph)]


def attach_cost_diff(report: PlanReport, base_doc: dict[str, Any]) -> None:
    """Cost change against the base plan. A stack new at head is all added; a base revision
    whose plan carried no cost (older code) gives no cost diff rather than a false one."""
    from infra.cost.model import diff_costs

    base = {s["stack"]: s for s in base_doc.get("stacks", [])}
    for stack, cost in report.costs.items():
        entry = base.get(stack)
        if entry is None:
            report.cost_diffs[stack] = diff_costs(None, cost)
        elif "cost" in entry:
            report.cost_diffs[stack] = diff_costs(cost_from_json(entry["cost"]), cost)


def cost_from_json(data: dict[str, Any]) -> StackCost:
    """Rebuild a StackCost from the JSON a (base) plan printed."""
    return StackCost(
        stack=data["stack"], region=data["region"], prices_taken_on=data["prices_taken_on"],
        lines=tuple(CostLine(**line) for line in data["lines"]),
        unpriced=tuple(Unpriced(**u) for u in data.get("unpriced", [])),
        usage_based=tuple(Unpriced(**u) for u in data.get("usage_based", [])),
        missing_prices=tuple(data.get("missing_prices", [])),
        hours_per_month=data.get("hours_per_month", 730.0))
