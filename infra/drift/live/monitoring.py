"""CloudWatch alarms (one DescribeAlarms per 100 names), Budgets (one DescribeBudgets per
account), EventBridge rules (one ListRules) and their targets, EventBridge Scheduler schedules
(one GetSchedule each: the list call does not return their configuration)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from infra.drift.live.base import (
    MISSING,
    Compared,
    LiveContext,
    Result,
    Unknown,
    all_items,
    code_of,
    error_text,
    guarded,
    reader,
)
from infra.drift.model import StateResource

METRIC = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"


@reader(METRIC, COMPOSITE)
@guarded
def alarms(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    names = sorted(str(r.inputs.get("name") or r.inputs.get("alarmName") or r.id)
                   for r in resources)
    found: dict[str, dict[str, Any]] = {}
    paginator = ctx.client("cloudwatch").get_paginator("describe_alarms")
    for start in range(0, len(names), 100):
        for page in paginator.paginate(AlarmNames=names[start:start + 100],
                                       AlarmTypes=["MetricAlarm", "CompositeAlarm"]):
            for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
                found[alarm["AlarmName"]] = alarm
    result: dict[str, Result] = {}
    for r in resources:
        alarm = found.get(str(r.inputs.get("name") or r.inputs.get("alarmName") or r.id))
        if alarm is None:
            result[r.urn] = MISSING
            continue
        seen = Compared()
        seen.add(r, "alarmDescription", alarm.get("AlarmDescription"))
        seen.add(r, "alarmActions", alarm.get("AlarmActions"))
        seen.add(r, "actionsEnabled", alarm.get("ActionsEnabled"))
        if r.type == COMPOSITE:
            seen.add(r, "alarmRule", alarm.get("AlarmRule"))
        else:
            for key, aws in (("comparisonOperator", "ComparisonOperator"),
                             ("threshold", "Threshold"), ("evaluationPeriods", "EvaluationPeriods"),
                             ("datapointsToAlarm", "DatapointsToAlarm"),
                             ("metricName", "MetricName"), ("namespace", "Namespace"),
                             ("period", "Period"), ("statistic", "Statistic"),
                             ("treatMissingData", "TreatMissingData")):
                seen.add(r, key, alarm.get(aws))
            seen.add(r, "dimensions", {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])})
        result[r.urn] = seen
    return result


@reader("aws:budgets/budget:Budget")
@guarded
def budgets(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    client = ctx.client("budgets")
    found: dict[str, dict[str, Any]] = {}
    for account in sorted({r.id.split(":", 1)[0] for r in resources}):
        for budget in all_items(client, "describe_budgets", "Budgets", AccountId=account):
            found[f"{account}:{budget['BudgetName']}"] = budget
    result: dict[str, Result] = {}
    for r in resources:
        budget = found.get(r.id)
        if budget is None:
            result[r.urn] = MISSING
            continue
        seen = Compared()
        limit = budget.get("BudgetLimit") or {}
        seen.add(r, "limitAmount", limit.get("Amount"))
        seen.add(r, "limitUnit", limit.get("Unit"))
        seen.add(r, "budgetType", budget.get("BudgetType"))
        seen.add(r, "timeUnit", budget.get("TimeUnit"))
        result[r.urn] = seen
    return result


def _target_id(resource: StateResource) -> str:
    """The target's id: declared, or the one the provider generated (an output only)."""
    return str(resource.inputs.get("targetId") or resource.outputs.get("targetId"))


@reader(RULE, TARGET)
@guarded
def event_rules(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    client = ctx.client("events")
    rules: dict[str, dict[str, Any]] = {}
    for rule in all_items(client, "list_rules", "Rules"):
        rules[rule["Name"]] = rule
    targets: dict[str, dict[str, Any]] = {}
    for rule_name in sorted({str(r.inputs.get("rule")) for r in resources if r.type == TARGET}):
        if rule_name in rules:
            for target in all_items(client, "list_targets_by_rule", "Targets", Rule=rule_name):
                targets[f"{rule_name}/{target['Id']}"] = target
    result: dict[str, Result] = {}
    for r in resources:
        seen = Compared()
        if r.type == RULE:
            rule = rules.get(str(r.inputs.get("name") or r.id))
            if rule is None:
                result[r.urn] = MISSING
                continue
            seen.add(r, "scheduleExpression", rule.get("ScheduleExpression"))
            seen.add(r, "eventPattern", rule.get("EventPattern"))
            seen.add(r, "description", rule.get("Description"))
            seen.add(r, "state", rule.get("State"))
        else:
            target = targets.get(f"{r.inputs.get('rule')}/{_target_id(r)}")
            if target is None:
                result[r.urn] = MISSING
                continue
            seen.add(r, "arn", target.get("Arn"))
            seen.add(r, "input", target.get("Input"))
        result[r.urn] = seen
    return result


@reader("aws:scheduler/schedule:Schedule")
def schedules(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    client = ctx.client("scheduler")
    result: dict[str, Result] = {}
    for r in resources:
        name = str(r.inputs.get("name") or r.id.rsplit("/", 1)[-1])
        group = str(r.inputs.get("groupName") or "default")
        try:
            live = client.get_schedule(Name=name, GroupName=group)
        except ClientError as exc:
            absent = code_of(exc) == "ResourceNotFoundException"
            result[r.urn] = MISSING if absent else Unknown(error_text(exc))
            continue
        except BotoCoreError as exc:
            result[r.urn] = Unknown(str(exc))
            continue
        seen = Compared()
        seen.add(r, "scheduleExpression", live.get("ScheduleExpression"))
        seen.add(r, "scheduleExpressionTimezone", live.get("ScheduleExpressionTimezone"))
        seen.add(r, "state", live.get("State"))
        seen.add(r, "target.arn", (live.get("Target") or {}).get("Arn"))
        result[r.urn] = seen
    return result
