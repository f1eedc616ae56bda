"""The building blocks of the profile catalog: what a request may change, and the settings
several profiles lay out the same way (working-hours windows, floors, desktop schedules).

Kept apart from the catalog so that catalog.py reads as the five profiles side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra.profiles.hours import (
    WORK_DAYS,
    WORK_END_HOUR,
    WORK_START_HOUR,
    duration_text,
    local_cron,
    utc_window,
)
from infra.profiles.model import Budget, NodeWindow, RunnerWindow, ScheduledAction

Setting = tuple[Any, str]
LayerSettings = dict[str, Setting]

WORK_HOURS_TEXT = f"{WORK_START_HOUR:02d}:00-{WORK_END_HOUR:02d}:00 Mon-Fri"
# Warm capacity comes up this many minutes before working hours: a GPU node needs ~4 min to
# boot and pull the CUDA image, so 15 minutes covers a slow start with margin.
WARM_LEAD_MINUTES = 15


@dataclass(frozen=True)
class Context:
    """What a team's request may change; ``source`` names the request field a value came from."""

    timezone: str = "UTC"
    max_gpus: int = 16
    instance_types: tuple[str, ...] = ("g5.xlarge",)
    max_executors: int = 20
    max_runners: int = 10
    asg_max_size: int = 10
    desktop_schedule: str = "business-hours"
    retrain_schedule: str | None = None
    source: dict[str, str] = field(default_factory=dict)

    def why(self, name: str, default_reason: str) -> str:
        """Reason for a value taken from the context: the request field, or the default's why."""
        if name in self.source:
            return f"from the request ({self.source[name]})"
        return default_reason


@dataclass(frozen=True)
class ProfileSpec:
    """One catalog entry: the work it fits and the function that lays out its settings."""

    name: str
    summary: str
    fits: str
    build: Callable[[Context], dict[str, LayerSettings]]


# ---------------------------------------------------------------- shared, parameterised pieces

def common_karpenter(ctx: Context) -> LayerSettings:
    return {
        "instance_types": (ctx.instance_types, ctx.why(
            "instance_types", "catalog default: one A10G per node suits most team work")),
        "max_gpus": (ctx.max_gpus, ctx.why(
            "max_gpus", "catalog default quota; set gpu.max_gpus to change the pool's limit")),
        "timezone": (ctx.timezone, ctx.why(
            "timezone", "catalog default: working hours in UTC until the team names its zone")),
    }


def working_hours_budget(ctx: Context, reasons: tuple[str, ...]) -> Budget:
    cron, duration = utc_window(ctx.timezone, WORK_DAYS, WORK_START_HOUR, WORK_END_HOUR)
    return Budget(nodes="0", schedule=cron, duration=duration, reasons=reasons)


def warm_start() -> str:
    """Local cron of the warm lead before work: floors rise and desktops start then."""
    hour, minute = divmod(WORK_START_HOUR * 60 - WARM_LEAD_MINUTES, 60)
    return local_cron(minute, hour)


def work_window() -> tuple[str, str]:
    """Local cron and duration of the working-hours floor: from the warm lead before work
    starts to the end of work, on working days."""
    length = (WORK_END_HOUR - WORK_START_HOUR) * 60 + WARM_LEAD_MINUTES
    return warm_start(), duration_text(length)


def work_floor(nodes: int) -> NodeWindow:
    schedule, duration = work_window()
    return NodeWindow(nodes=nodes, schedule=schedule, duration=duration)


def runner_floor(minimum: int) -> RunnerWindow:
    schedule, duration = work_window()
    return RunnerWindow(min_runners=minimum, schedule=schedule, duration=duration)


def work_actions(minimum: int, maximum: int) -> tuple[ScheduledAction, ...]:
    return (
        ScheduledAction("working-hours-floor", warm_start(), minimum, maximum, minimum),
        ScheduledAction("after-hours", local_cron(0, WORK_END_HOUR), 0, maximum, 0),
    )


def hours(ctx: Context) -> LayerSettings:
    return {
        "working_days": (WORK_DAYS, "the team's working week, Monday to Friday"),
        "working_hours_start": (WORK_START_HOUR, "people start work around 08:00 local time"),
        "working_hours_end": (WORK_END_HOUR, "covers late finishers; later is off-hours"),
        "timezone": (ctx.timezone, ctx.why(
            "timezone", "catalog default: UTC until the team names its zone (desktops.timezone)")),
    }


def desktops(ctx: Context, idle_minutes: int, idle_reason: str) -> LayerSettings:
    schedule = ctx.desktop_schedule
    if schedule == "business-hours":
        start = warm_start()
        stop = local_cron(0, WORK_END_HOUR + 1)
        start_reason = "desktops are up, booted and logged-in-ready when people arrive"
        stop_reason = "an hour after working hours: forgotten desktops do not run all night"
    elif schedule == "always-on":
        start, stop = None, None
        start_reason = stop_reason = "from the request (desktops.schedule: always-on)"
    else:
        start, stop = None, None
        start_reason = "from the request (desktops.schedule: on-demand): users start them"
        stop_reason = "on-demand desktops are stopped by idle stop, not by the clock"
    if schedule == "always-on":
        idle_minutes, idle_reason = 0, "from the request (desktops.schedule: always-on): no stop"
    return {
        "idle_stop_minutes": (idle_minutes, idle_reason),
        "start_schedule": (start, start_reason),
        "stop_schedule": (stop, stop_reason),
        **hours(ctx),
    }


def notebooks(ctx: Context, idle_s: int, idle_reason: str, off_s: int,
               off_reason: str) -> LayerSettings:
    return {
        "cull_idle_timeout_s": (idle_s, idle_reason),
        "cull_idle_timeout_off_hours_s": (off_s, off_reason),
        **hours(ctx),
    }


def max_executors(ctx: Context) -> Setting:
    return ctx.max_executors, ctx.why(
        "max_executors", "catalog default cap so one job cannot take the whole cluster")


def max_units(ctx: Context) -> Setting:
    return ctx.max_executors, ctx.why(
        "max_executors", "EMR's ceiling matches the dynamic-allocation cap (catalog default)")


def max_runners(ctx: Context) -> Setting:
    return ctx.max_runners, ctx.why(
        "max_runners", "catalog default: ten parallel jobs cover a team's pull requests")


def asg_max(ctx: Context) -> Setting:
    return ctx.asg_max_size, "catalog default cap on worker hosts; guards against runaway scaling"
