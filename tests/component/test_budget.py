"""The team budget under mocks: filtered on the cost-allocation tag, alerting the right people
at the request's thresholds, with a cost-anomaly monitor on the same tag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.components.budget import anomaly_threshold_usd
from infra.graph import ResourceGraph
from infra.stackfile import load
from tests.component.find import only, where

ROOT = Path(__file__).resolve().parents[2]
BUDGET = "aws:budgets/budget:Budget"


@pytest.mark.parametrize("stack", ["vision-prod", "analytics-prod", "insights-prod"])
def test_budget_follows_the_request(example_plans: dict[str, ResourceGraph], stack: str) -> None:
    request = load(ROOT / "stacks" / f"Pulumi.{stack}.yaml").stack.team
    budget = only(example_plans[stack], BUDGET).inputs
    assert budget["name"] == f"{stack}-monthly"
    assert (budget["budgetType"], budget["timeUnit"], budget["limitUnit"]) == (
        "COST", "MONTHLY", "USD")
    assert float(budget["limitAmount"]) == request.budget.monthly_usd
    assert budget["costFilters"] == [{"name": "TagKeyValue",
                                      "values": [f"user:cost-center${request.cost_center}"]}]
    recipients = sorted(request.budget.notify or [m.email for m in request.members])
    expected = sorted((p, kind) for p in request.budget.alert_at_percent
                      for kind in ("ACTUAL", "FORECASTED"))
    got = sorted((n["threshold"], n["notificationType"]) for n in budget["notifications"])
    assert got == expected
    for notification in budget["notifications"]:
        assert notification["thresholdType"] == "PERCENTAGE", (
            where("notification['thresholdType']", notification=notification))
        assert notification["comparisonOperator"] == "GREATER_THAN", (
            where("notification['comparisonOperator']", notification=notification))
        assert notification["subscriberEmailAddresses"] == recipients, (
            where("notification['subscriberEmailAddresses']", notification=notification))
    assert len(budget["notifications"]) <= 10  # the AWS Budgets limit


def test_explicit_recipients_replace_the_members(example_plans: dict[str, ResourceGraph]) -> None:
    budget = only(example_plans["analytics-prod"], BUDGET).inputs
    assert {a for n in budget["notifications"] for a in n["subscriberEmailAddresses"]} == {
        "analytics-leads@example.com"}


def test_anomaly_monitor_watches_the_team_cost_center(
        example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["vision-prod"]
    monitor = only(graph, "aws:costexplorer/anomalyMonitor:AnomalyMonitor").inputs
    assert monitor["monitorType"] == "CUSTOM"
    assert json.loads(monitor["monitorSpecification"]) == {
        "Tags": {"Key": "cost-center", "MatchOptions": ["EQUALS"], "Values": ["CC-2001"]}}
    subscription = only(graph, "aws:costexplorer/anomalySubscription:AnomalySubscription")
    assert subscription.inputs["frequency"] == "DAILY"
    monitor_urn = graph.of_type("aws:costexplorer/anomalyMonitor:AnomalyMonitor")[0].urn
    assert monitor_urn in subscription.dependencies
    assert sorted(s["address"] for s in subscription.inputs["subscribers"]) == [
        "alice@example.com", "bruno@example.com", "chen@example.com"]
    dimension = subscription.inputs["thresholdExpression"]["dimension"]
    assert dimension["key"] == "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
    assert dimension["values"] == [str(anomaly_threshold_usd(60000))] == ["1000.0"]


@pytest.mark.parametrize("monthly, threshold", [(60000, 1000.0), (3000, 50.0), (100, 50.0)])
def test_anomaly_threshold_is_half_a_day_of_budget_but_at_least_50(monthly: float,
                                                                    threshold: float) -> None:
    assert anomaly_threshold_usd(monthly) == threshold
