"""EC2 pricing: instances (desktops on their schedule or idle stop), EBS volumes, Auto Scaling
groups (with the time-weighted floor their scheduled actions set)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from croniter import croniter

from infra.cost.prices import HOURS_PER_MONTH
from infra.cost.rules.values import dig, num
from infra.graph import Resource

if TYPE_CHECKING:
    from infra.cost.rules.estimator import Estimator, Handler

DEFAULT_ROOT_GIB = 8.0  # the AMI default when an instance does not say
LAUNCH_TEMPLATE_TYPE = "aws:ec2/launchTemplate:LaunchTemplate"


def week_hours(start_cron: str, stop_cron: str, timezone: str) -> float:
    """Hours a week between each start and the next stop (cron in ``timezone``).

    A run that starts in the week counts whole: the schedule repeats every week, so the part
    of it past the week's end is the part that last week's run spends at this week's start.
    """
    from zoneinfo import ZoneInfo
    zone = ZoneInfo(timezone)
    origin = datetime(2024, 1, 1, tzinfo=UTC).astimezone(zone)
    end = origin + timedelta(days=7)
    # From just before the origin, so that a start at Monday 00:00 counts.
    starts = croniter(start_cron, origin - timedelta(seconds=1))
    total = 0.0
    start = starts.get_next(datetime)
    while start < end:
        stop = croniter(stop_cron, start).get_next(datetime)
        total += (stop - start).total_seconds() / 3600.0
        start = starts.get_next(datetime)
    return total


def scheduled_average(actions: tuple[Any, ...], timezone: str, base: float) -> float:
    """Time-weighted average of the minimum size that scheduled actions set over a week.

    The week repeats, so at its start the size is what its last action set (``base`` only
    when no action fires in a week).
    """
    from zoneinfo import ZoneInfo
    zone = ZoneInfo(timezone)
    origin = datetime(2024, 1, 1, tzinfo=UTC).astimezone(zone)
    end = origin + timedelta(days=7)
    changes: list[tuple[datetime, float]] = []
    for action in actions:
        it = croniter(action.recurrence, origin - timedelta(seconds=1))  # 00:00 counts
        moment = it.get_next(datetime)
        while moment < end:
            changes.append((moment, float(action.min_size)))
            moment = it.get_next(datetime)
    changes.sort()
    level, last, area = (changes[-1][1] if changes else base), origin, 0.0
    for moment, size in changes:
        area += level * (moment - last).total_seconds()
        level, last = size, moment
    area += level * (end - last).total_seconds()
    return area / (end - origin).total_seconds()


def volume(est: Estimator, r: Resource) -> None:
    size = num(r.inputs.get("size"))
    if size is None:
        est.note_unpriced(r, "volume size unknown in the plan")
        return
    kind = f"ebs-{r.inputs.get('type', 'gp3')}"
    monthly = size * est.catalog.storage_gb_month(kind, est.region)
    est.add(r, monthly, monthly, monthly, f"{size:g} GiB {kind}")


def _root_gib(r: Resource) -> tuple[float, str]:
    root = r.inputs.get("rootBlockDevice") or {}
    size = num(root.get("volumeSize")) or DEFAULT_ROOT_GIB
    kind = f"ebs-{root.get('volumeType', 'gp3')}"
    return size, kind


def instance(est: Estimator, r: Resource) -> None:
    instance_type = str(r.inputs.get("instanceType", ""))
    hourly = est.instance_hourly(instance_type)
    size, kind = _root_gib(r)
    disks = size * est.catalog.storage_gb_month(kind, est.region)
    for extra in r.inputs.get("ebsBlockDevices") or []:
        gib = num(extra.get("volumeSize"))
        if gib is not None:
            disks += gib * est.catalog.storage_gb_month(
                f"ebs-{extra.get('volumeType', 'gp3')}", est.region)
    always = hourly * HOURS_PER_MONTH + disks
    if est.component(r) != "desktops":
        est.add(r, always, always, always, f"{instance_type} always on + {size:g} GiB")
        return
    desktops = est.bundle("desktops").desktops
    if desktops.start_schedule and desktops.stop_schedule:
        hours = week_hours(desktops.start_schedule, desktops.stop_schedule,
                           desktops.timezone) * HOURS_PER_MONTH / 168.0
        basis = f"{instance_type} {hours:.0f} h/month on its schedule"
    elif desktops.idle_stop_minutes:
        hours = 8 * 5 * HOURS_PER_MONTH / 168.0
        basis = f"{instance_type} started on demand, ~8 h per working day"
    else:
        hours = HOURS_PER_MONTH
        basis = f"{instance_type} always on"
    floor = disks if desktops.idle_stop_minutes or desktops.stop_schedule else always
    est.add(r, floor, hourly * hours + disks, always,
            f"{basis}; floor is its {size:g} GiB volume while stopped")


def template_disk_gib(est: Estimator, r: Resource) -> float:
    """GiB of EBS that each instance of ``r``'s launch template gets."""
    template = est.depends(r, LAUNCH_TEMPLATE_TYPE)
    total = 0.0
    for mapping in (template.inputs.get("blockDeviceMappings") or []) if template else []:
        gib = num(dig(mapping, "ebs", "volumeSize"))
        total += gib or 0.0
    return total


def autoscaling_group(est: Estimator, r: Resource) -> None:
    low, high = num(r.inputs.get("minSize")), num(r.inputs.get("maxSize"))
    desired = num(r.inputs.get("desiredCapacity"))
    template = est.depends(r, LAUNCH_TEMPLATE_TYPE)
    instance_type = template.inputs.get("instanceType") if template else None
    overrides = dig(r.inputs, "mixedInstancesPolicy", "launchTemplate", "overrides") or []
    types = [o.get("instanceType") for o in overrides if o.get("instanceType")] or \
        ([instance_type] if instance_type else [])
    if low is None or high is None or not types:
        est.note_unpriced(r, "group size or instance type unknown in the plan")
        return
    prices = [est.instance_hourly(str(t)) for t in types]
    disk = template_disk_gib(est, r) * est.catalog.storage_gb_month("ebs-gp3", est.region)
    node_low = min(prices) * HOURS_PER_MONTH + disk
    node_high = max(prices) * HOURS_PER_MONTH + disk
    expected_nodes = desired if desired is not None else low
    asg = est.bundle("asg").asg
    basis = f"{'/'.join(map(str, types))}: min {low:g}, max {high:g}"
    if asg.scheduled_actions:
        weekly = scheduled_average(asg.scheduled_actions, asg.timezone, base=low)
        expected_nodes = max(expected_nodes, weekly)
        basis += f", scheduled floor averages {weekly:.2f}"
    est.add(r, low * node_low, expected_nodes * node_low, high * node_high, basis)


HANDLERS: dict[str, Handler] = {
    "aws:ec2/instance:Instance": instance,
    "aws:ebs/volume:Volume": volume,
    "aws:ec2/volume:Volume": volume,
    "aws:autoscaling/group:Group": autoscaling_group,
}
