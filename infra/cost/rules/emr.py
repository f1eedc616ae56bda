"""EMR pricing: standing or auto-terminating clusters, and the transient clusters that an
EventBridge Scheduler schedule starts (RunJobFlow) for scheduled Spark jobs. The EMR fee is
added to each instance's EC2 price."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from croniter import croniter

from infra.cost.prices import HOURS_PER_MONTH
from infra.cost.rules.values import dig, num
from infra.graph import Resource

if TYPE_CHECKING:
    from infra.cost.rules.estimator import Estimator, Handler

# A run of a scheduled EMR job: hours per run assumed for "expected" (the ceiling assumes a
# run lasts until the next one starts).
SCHEDULED_RUN_HOURS = 2.0
# Share of the month an auto-terminating EMR cluster is expected to be up, by the Spark
# profile (an assumption, shown in the line's basis): working hours for interactive use
# (55 of 168 h), bursts for experiments, a few hours a night for retraining.
SPARK_DUTY = {"interactive": 0.33, "experiment": 0.25, "scheduled-retrain": 0.15,
              "adhoc-training": 0.2, "service": 1.0}


def emr_hourly(est: Estimator, instance_type: str) -> float:
    """EC2 price plus the EMR fee of one instance hour."""
    return est.instance_hourly(instance_type) + est.catalog.emr_hourly(instance_type, est.region)


def runs_per_month(expression: str) -> float | None:
    """Runs a month of an EventBridge ``cron(m h dom mon dow year)`` or ``rate(n unit)``."""
    match = re.match(r"^cron\((.+)\)$", expression.strip())
    if match:
        fields = match.group(1).split()
        if len(fields) != 6:
            return None
        minute, hour, dom, month, dow, _year = fields
        dom = "*" if dom == "?" else dom
        dow = "*" if dow == "?" else dow
        origin = datetime(2024, 1, 1)  # a Monday, and the first day of a leap-year cycle
        try:
            # From just before the origin, so that a run at 00:00 on the first day counts.
            it = croniter(f"{minute} {hour} {dom} {month} {dow}", origin - timedelta(seconds=1))
        except (ValueError, KeyError):
            return None
        if dom == "*" and month == "*":
            # A weekly pattern repeats every week: four whole weeks are exact.
            end, months = origin + timedelta(days=28), 28 * 24 / HOURS_PER_MONTH
        else:
            # Days of the month or months named: four calendar years (one leap year), so a
            # run on the 31st counts 7 months in 12 and one on 29 February once in 48.
            end, months = datetime(2028, 1, 1), 48.0
        count = 0
        while it.get_next(datetime) < end:
            count += 1
        return count / months
    match = re.match(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$",
                     expression.strip())
    if match:
        unit = {"minute": 1 / 60, "hour": 1.0, "day": 24.0}[match.group(2).rstrip("s")]
        return HOURS_PER_MONTH / (int(match.group(1)) * unit)
    return None


def emr_cluster(est: Estimator, r: Resource) -> None:
    master = r.inputs.get("masterInstanceGroup") or {}
    core = r.inputs.get("coreInstanceGroup") or {}
    if not master.get("instanceType") or not core.get("instanceType"):
        est.note_unpriced(r, "EMR instance groups unknown in the plan")
        return
    primary = emr_hourly(est, str(master["instanceType"])) * \
        (num(master.get("instanceCount")) or 1)
    core_hourly = emr_hourly(est, str(core["instanceType"]))
    ebs = sum((num(c.get("size")) or 0) * (num(c.get("volumesPerInstance")) or 1)
              for c in core.get("ebsConfigs") or [])
    core_hourly += ebs * est.catalog.storage_gb_month("ebs-gp3", est.region) / HOURS_PER_MONTH
    core_min = num(core.get("instanceCount")) or 1
    core_max = core_min
    for other in est.graph.of_type("aws:emr/managedScalingPolicy:ManagedScalingPolicy"):
        if r.urn in other.dependencies:
            limits = dig(other.inputs, "computeLimits", 0) or {}
            core_max = max(core_max, num(limits.get("maximumCapacityUnits")) or core_min)
            core_min = num(limits.get("minimumCapacityUnits")) or core_min
    idle = dig(r.inputs, "autoTerminationPolicy", "idleTimeout")
    running = (primary + core_min * core_hourly) * HOURS_PER_MONTH
    ceiling = (primary + core_max * core_hourly) * HOURS_PER_MONTH
    if idle is None:
        est.add(r, running, running, ceiling,
                f"standing cluster: core {core_min:g}-{core_max:g} instances (EMR fee "
                "included)")
        return
    profile = est.bundle("spark").profile
    expected = running * SPARK_DUTY.get(profile, 0.25)
    est.add(r, 0.0, expected, ceiling,
            f"auto-terminates after {idle} s idle: expected busy "
            f"{expected / running:.0%} of the month at min size")


def schedule(est: Estimator, r: Resource) -> None:
    """A schedule that starts EMR clusters is priced per run; any other is billed by use."""
    target = r.inputs.get("target") or {}
    if not str(target.get("arn", "")).endswith(":emr:runJobFlow"):
        est.note_usage(r)
        return
    try:
        request = json.loads(str(target.get("input", "")))
    except json.JSONDecodeError:
        est.note_unpriced(r, "scheduled EMR request not readable in the plan")
        return
    groups = {g.get("InstanceRole"): g for g in dig(request, "Instances",
                                                    "InstanceGroups") or []}
    if "MASTER" not in groups or "CORE" not in groups:
        est.note_unpriced(r, "scheduled EMR request has no primary/core groups")
        return
    primary = emr_hourly(est, groups["MASTER"]["InstanceType"]) * \
        groups["MASTER"].get("InstanceCount", 1)
    core_hourly = emr_hourly(est, groups["CORE"]["InstanceType"])
    limits = dig(request, "ManagedScalingPolicy", "ComputeLimits") or {}
    core_min = limits.get("MinimumCapacityUnits", groups["CORE"].get("InstanceCount", 1))
    core_max = limits.get("MaximumCapacityUnits", core_min)
    runs = runs_per_month(str(r.inputs.get("scheduleExpression", "")))
    if runs is None:
        est.note_unpriced(r, f"schedule {r.inputs.get('scheduleExpression')!r} not read")
        return
    expected = runs * SCHEDULED_RUN_HOURS * (primary + core_min * core_hourly)
    ceiling = HOURS_PER_MONTH * (primary + core_max * core_hourly)
    est.add(r, 0.0, expected, ceiling,
            f"{runs:.0f} transient clusters a month x {SCHEDULED_RUN_HOURS:g} h at min size;"
            " ceiling: runs back to back at max size")


HANDLERS: dict[str, Handler] = {
    "aws:emr/cluster:Cluster": emr_cluster,
    "aws:scheduler/schedule:Schedule": schedule,
}
