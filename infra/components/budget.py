"""The team's money: a monthly budget with alerts and a cost-anomaly monitor.

Both select the team's spend by its cost-allocation tag (``cost-center``, set on every resource
by the stack transform). Budgets address it as ``user:cost-center$<value>``; the tag must be
activated once as a cost-allocation tag in the payer account's Billing console, or the filter
matches nothing (AWS offers no safe way to do that from a member account's stack).

Alerts go to the addresses the request names (default: the members'), for actual and for
forecast spend at each threshold, so a runaway month is flagged before it has happened. The
anomaly monitor catches what a monthly threshold cannot: a sudden daily jump well inside budget.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.components.base import Naming, TeamstackComponent

COST_TAG = "cost-center"
MIN_ANOMALY_USD = 50.0


def budget_name(naming: Naming) -> str:
    """Known before the budget exists, so the people role can name it."""
    return naming.physical("monthly")


def anomaly_threshold_usd(monthly_usd: float) -> float:
    """Report anomalies whose total impact is at least half a day's budget (and at least
    $50, below which an e-mail costs more attention than the money)."""
    return round(max(MIN_ANOMALY_USD, monthly_usd / 30 / 2), 2)


def cost_tag_expression(cost_center: str) -> str:
    """Cost Explorer expression selecting the team's cost-allocation tag value."""
    return json.dumps({"Tags": {"Key": COST_TAG, "MatchOptions": ["EQUALS"],
                                "Values": [cost_center]}}, sort_keys=True)


@dataclass(frozen=True)
class BudgetArgs:
    """The team's monthly budget and cost-anomaly alerts. Everything changes in place."""

    naming: Naming
    """Team and environment: the budget is named ``<team>-<env>-monthly``; changing it replaces the
    budget (its history stays with the old one)."""
    cost_center: str
    """The cost-allocation tag value the budget filters on."""
    monthly_usd: float
    """The monthly limit the alert thresholds are percentages of."""
    alert_at_percent: Sequence[int]
    """Alert when actual or forecast spend crosses these percentages."""
    recipients: Sequence[str]
    """Who gets the alerts (e-mail)."""


class TeamBudget(TeamstackComponent):
    TYPE = "teamstack:budget:TeamBudget"
    COMPONENT = "budget"

    def __init__(self, name: str, args: BudgetArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        if not args.recipients:
            raise ValueError("a budget needs at least one recipient for its alerts")
        recipients = sorted(set(args.recipients))
        notifications = [
            aws.budgets.BudgetNotificationArgs(
                comparison_operator="GREATER_THAN", notification_type=kind,
                threshold=percent, threshold_type="PERCENTAGE",
                subscriber_email_addresses=recipients)
            for percent in sorted(set(args.alert_at_percent))
            for kind in ("ACTUAL", "FORECASTED")
        ]
        self.budget = aws.budgets.Budget(
            f"{name}-monthly", name=budget_name(args.naming), budget_type="COST",
            limit_amount=f"{args.monthly_usd:.2f}", limit_unit="USD", time_unit="MONTHLY",
            cost_filters=[aws.budgets.BudgetCostFilterArgs(
                name="TagKeyValue", values=[f"user:{COST_TAG}${args.cost_center}"])],
            notifications=notifications, opts=self.child())
        self.monitor = aws.costexplorer.AnomalyMonitor(
            f"{name}-anomalies", name=args.naming.physical("spend"), monitor_type="CUSTOM",
            monitor_specification=cost_tag_expression(args.cost_center), opts=self.child())
        aws.costexplorer.AnomalySubscription(
            f"{name}-anomalies", name=args.naming.physical("spend-anomalies"),
            frequency="DAILY", monitor_arn_lists=[self.monitor.arn],
            subscribers=[aws.costexplorer.AnomalySubscriptionSubscriberArgs(
                type="EMAIL", address=address) for address in recipients],
            threshold_expression=aws.costexplorer.AnomalySubscriptionThresholdExpressionArgs(
                dimension=aws.costexplorer
                .AnomalySubscriptionThresholdExpressionDimensionArgs(
                    key="ANOMALY_TOTAL_IMPACT_ABSOLUTE", match_options=["GREATER_THAN_OR_EQUAL"],
                    values=[str(anomaly_threshold_usd(args.monthly_usd))])),
            opts=self.child())
        self.register_outputs({"budget_name": self.budget.name, "monitor_arn": self.monitor.arn})
