"""The profile catalog: for each kind of work, every layer's settings and why.

Each profile is written out in full, layer by layer, rather than as overrides of a base: the
point of a profile is that its settings agree with one another, and that is easiest to review
when they are read together. A value that comes from the team's request (time zone, GPU quota,
runner maximum) says so in its reason.
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

def _common_karpenter(ctx: Context) -> LayerSettings:
    return {
        "instance_types": (ctx.instance_types, ctx.why(
            "instance_types", "catalog default: one A10G per node suits most team work")),
        "max_gpus": (ctx.max_gpus, ctx.why(
            "max_gpus", "catalog default quota; set gpu.max_gpus to change the pool's limit")),
        "timezone": (ctx.timezone, ctx.why(
            "timezone", "catalog default: working hours in UTC until the team names its zone")),
    }


def _working_hours_budget(ctx: Context, reasons: tuple[str, ...]) -> Budget:
    cron, duration = utc_window(ctx.timezone, WORK_DAYS, WORK_START_HOUR, WORK_END_HOUR)
    return Budget(nodes="0", schedule=cron, duration=duration, reasons=reasons)


def _work_floor(nodes: int) -> NodeWindow:
    hour, minute = divmod(WORK_START_HOUR * 60 - WARM_LEAD_MINUTES, 60)
    length = (WORK_END_HOUR - WORK_START_HOUR) * 60 + WARM_LEAD_MINUTES
    return NodeWindow(nodes=nodes, schedule=local_cron(minute, hour),
                      duration=duration_text(length))


def _runner_floor(minimum: int) -> RunnerWindow:
    window = _work_floor(minimum)
    return RunnerWindow(min_runners=minimum, schedule=window.schedule, duration=window.duration)


def _work_actions(minimum: int, maximum: int) -> tuple[ScheduledAction, ...]:
    return (
        ScheduledAction("working-hours-floor", local_cron(60 - WARM_LEAD_MINUTES,
                                                          WORK_START_HOUR - 1),
                        minimum, maximum, minimum),
        ScheduledAction("after-hours", local_cron(0, WORK_END_HOUR), 0, maximum, 0),
    )


def _hours(ctx: Context) -> LayerSettings:
    return {
        "working_days": (WORK_DAYS, "the team's working week, Monday to Friday"),
        "working_hours_start": (WORK_START_HOUR, "people start work around 08:00 local time"),
        "working_hours_end": (WORK_END_HOUR, "covers late finishers; later is off-hours"),
        "timezone": (ctx.timezone, ctx.why(
            "timezone", "catalog default: UTC until the team names its zone (desktops.timezone)")),
    }


def _desktops(ctx: Context, idle_minutes: int, idle_reason: str) -> LayerSettings:
    schedule = ctx.desktop_schedule
    if schedule == "business-hours":
        start = local_cron(60 - WARM_LEAD_MINUTES, WORK_START_HOUR - 1)
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
        **_hours(ctx),
    }


def _notebooks(ctx: Context, idle_s: int, idle_reason: str, off_s: int,
               off_reason: str) -> LayerSettings:
    return {
        "cull_idle_timeout_s": (idle_s, idle_reason),
        "cull_idle_timeout_off_hours_s": (off_s, off_reason),
        **_hours(ctx),
    }


def _max_executors(ctx: Context) -> Setting:
    return ctx.max_executors, ctx.why(
        "max_executors", "catalog default cap so one job cannot take the whole cluster")


def _max_units(ctx: Context) -> Setting:
    return ctx.max_executors, ctx.why(
        "max_executors", "EMR's ceiling matches the dynamic-allocation cap (catalog default)")


def _max_runners(ctx: Context) -> Setting:
    return ctx.max_runners, ctx.why(
        "max_runners", "catalog default: ten parallel jobs cover a team's pull requests")


def _asg_max(ctx: Context) -> Setting:
    return ctx.asg_max_size, "catalog default cap on worker hosts; guards against runaway scaling"


# ------------------------------------------------------------------------------ the profiles

def _interactive(ctx: Context) -> dict[str, LayerSettings]:
    return {
        "karpenter": {
            **_common_karpenter(ctx),
            "capacity_types": (("on-demand",),
                               "a reclaimed spot node kills someone's live session"),
            "consolidation_policy": ("WhenEmpty", "never move a running kernel to repack nodes"),
            "consolidate_after": ("30m", "keeps a node through a meeting so the next session "
                                         "starts at once"),
            "budgets": ((Budget(nodes="10%"),
                         _working_hours_budget(ctx, ("Drifted", "Underutilized"))),
                        f"node upgrades roll outside working hours ({WORK_HOURS_TEXT} local)"),
            "expire_after": ("720h", "monthly refresh picks up patched images; rarely hits a "
                                     "live session"),
            "do_not_disrupt_training": (True, "a notebook's GPU kernel holds unsaved state"),
            "warm_floor": ((_work_floor(1),), "one warm node in working hours: the first session "
                                               "of the day skips the 4-minute boot"),
        },
        "asg": {
            "min_size": (0, "nothing runs at night, so nothing is kept"),
            "max_size": _asg_max(ctx),
            "desired_capacity": (0, "starting size only; target tracking owns it afterwards"),
            "target_cpu_percent": (60.0, "headroom so bursts of interactive work do not queue"),
            "scheduled_actions": (_work_actions(1, ctx.asg_max_size),
                                  "one host warm in working hours, none after"),
            "warm_pool_min_size": (1, "a stopped instance starts in about a minute and costs "
                                      "only its volume"),
            "warm_pool_state": ("Stopped", "stopped instances cost storage, not compute"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
        "spark": {
            "dynamic_allocation_min_executors": (0, "an idle notebook session holds no executors"),
            "dynamic_allocation_max_executors": _max_executors(ctx),
            "executor_idle_timeout_s": (600, "the analyst's next cell reuses warm executors"),
            "emr_managed_scaling_min_units": (1, "one core node keeps HDFS and the driver host"),
            "emr_managed_scaling_max_units": _max_units(ctx),
            "emr_idle_timeout_s": (3600, "an hour without steps: the session is over"),
        },
        "notebooks": _notebooks(
            ctx, 3600, "lunch or a meeting does not lose the kernel; an hour idle is forgotten",
            1800, "after hours nobody returns to a kernel within half an hour"),
        "desktops": _desktops(ctx, 60, "an hour idle in working hours: the person has left"),
        "ci_runners": {
            "min_runners": (0, "outside the warm window, runners start on demand"),
            "max_runners": _max_runners(ctx),
            "warm_floor": ((_runner_floor(1),), "one ready runner in working hours for "
                                                "notebook-repo checks"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
    }


def _experiment(ctx: Context) -> dict[str, LayerSettings]:
    return {
        "karpenter": {
            **_common_karpenter(ctx),
            "capacity_types": (("spot", "on-demand"), "short checkpointed runs restart cheaply; "
                                                      "spot costs about 60% less"),
            "consolidation_policy": ("WhenEmptyOrUnderutilized",
                                     "many small runs: repacking them frees whole nodes"),
            "consolidate_after": ("10m", "runs arrive in bursts; a node freed mid-burst is "
                                         "reused, not re-booted"),
            "budgets": ((Budget(nodes="20%"),),
                        "repacking may touch a fifth of the pool at once, never all of it"),
            "expire_after": ("720h", "monthly refresh picks up patched images"),
            "do_not_disrupt_training": (False, "variants are short and checkpointed; repacking "
                                               "saves more than a restart costs"),
            "warm_floor": ((_work_floor(1),), "one warm node in working hours so the first "
                                               "run of a burst starts at once"),
        },
        "asg": {
            "min_size": (0, "no run is waiting at night"),
            "max_size": _asg_max(ctx),
            "desired_capacity": (0, "starting size only; target tracking owns it afterwards"),
            "target_cpu_percent": (70.0, "batch-like runs tolerate fuller hosts"),
            "scheduled_actions": (_work_actions(1, ctx.asg_max_size),
                                  "one host warm in working hours for quick iterations"),
            "warm_pool_min_size": (1, "a stopped instance cuts a burst's first wait to a minute"),
            "warm_pool_state": ("Stopped", "stopped instances cost storage, not compute"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
        "spark": {
            "dynamic_allocation_min_executors": (0, "subset runs are short; hold nothing idle"),
            "dynamic_allocation_max_executors": _max_executors(ctx),
            "executor_idle_timeout_s": (120, "releases executors between the stages of a run"),
            "emr_managed_scaling_min_units": (1, "one core node keeps HDFS and the driver host"),
            "emr_managed_scaling_max_units": _max_units(ctx),
            "emr_idle_timeout_s": (1800, "runs come in bursts; half an hour idle ends one"),
        },
        "notebooks": _notebooks(
            ctx, 1800, "runs are launched from notebooks and tracked elsewhere; 30 min idle is "
                       "done", 1800, "same as working hours: experiments are not steered at night"),
        "desktops": _desktops(ctx, 45, "desktops launch runs and wait; 45 min idle means gone"),
        "ci_runners": {
            "min_runners": (0, "outside the warm window, runners start on demand"),
            "max_runners": _max_runners(ctx),
            "warm_floor": ((_runner_floor(2),), "two ready runners in working hours: variant "
                                                "branches push in bursts"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
    }


def _scheduled_retrain(ctx: Context) -> dict[str, LayerSettings]:
    retrain = ctx.retrain_schedule or "0 0 * * *"
    retrain_why = (f"from the request (spark.schedule '{retrain}')" if ctx.retrain_schedule
                   else "default nightly window 00:00 UTC")
    return {
        "karpenter": {
            **_common_karpenter(ctx),
            "capacity_types": (("spot", "on-demand"), "a nightly job can absorb a restart from "
                                                      "its checkpoint; spot halves its cost"),
            "consolidation_policy": ("WhenEmpty", "a retraining job runs to the end; no "
                                                  "repacking mid-run"),
            "consolidate_after": ("5m", "nothing else arrives until the next schedule"),
            "budgets": ((Budget(nodes="10%"),
                         Budget(nodes="0", schedule=retrain, duration="6h", reasons=("Drifted",))),
                        f"no image roll-outs during the retraining window ({retrain_why})"),
            "expire_after": ("720h", "monthly refresh between runs"),
            "do_not_disrupt_training": (True, "a retrain interrupted mid-epoch misses its "
                                              "morning deadline"),
            "warm_floor": ((), "a batch job does not notice a 4-minute boot"),
        },
        "asg": {
            "min_size": (0, "workers exist only while the job runs"),
            "max_size": _asg_max(ctx),
            "desired_capacity": (0, "starting size only; target tracking owns it afterwards"),
            "target_cpu_percent": (80.0, "throughput matters, not latency: run hosts full"),
            "scheduled_actions": ((), "the job's own start scales the group; no clock needed"),
            "warm_pool_min_size": (None, "boot time is irrelevant to a nightly batch"),
            "warm_pool_state": (None, "no warm pool"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
        "spark": {
            "dynamic_allocation_min_executors": (0, "no executors between runs"),
            "dynamic_allocation_max_executors": _max_executors(ctx),
            "executor_idle_timeout_s": (60, "batch stages are back to back; idle means done"),
            "emr_managed_scaling_min_units": (1, "one core node keeps HDFS and the driver host"),
            "emr_managed_scaling_max_units": _max_units(ctx),
            "emr_idle_timeout_s": (900, "the cluster exists for the run; 15 min idle: it ended"),
        },
        "notebooks": _notebooks(
            ctx, 1800, "notebooks only inspect results; 30 min idle is enough",
            900, "after hours a notebook is a forgotten one"),
        "desktops": _desktops(ctx, 30, "desktops are for reviewing runs; 30 min idle ends it"),
        "ci_runners": {
            "min_runners": (0, "pipeline changes are rare; runners start on demand"),
            "max_runners": _max_runners(ctx),
            "warm_floor": ((), "a few minutes' start-up does not matter to rare pipeline edits"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
    }


def _adhoc_training(ctx: Context) -> dict[str, LayerSettings]:
    return {
        "karpenter": {
            **_common_karpenter(ctx),
            "capacity_types": (("on-demand",), "one interruption of a multi-node run loses hours "
                                               "on every node; large spot GPU pools are scarce"),
            "consolidation_policy": ("WhenEmpty", "never repack a distributed run"),
            "consolidate_after": ("15m", "after a failed launch the team retries within "
                                         "minutes; keep the nodes"),
            "budgets": ((Budget(nodes="1"),), "at most one node changes at a time"),
            "expire_after": ("Never", "expiry would kill a multi-day run; images are refreshed "
                                      "between runs"),
            "do_not_disrupt_training": (True, "a running training pod is never voluntarily "
                                              "evicted"),
            "warm_floor": ((), "one-off runs last days; a few minutes' boot is noise"),
        },
        "asg": {
            "min_size": (0, "nothing runs between one-off jobs"),
            "max_size": _asg_max(ctx),
            "desired_capacity": (0, "starting size only; target tracking owns it afterwards"),
            "target_cpu_percent": (85.0, "data loading hosts run full for the length of a run"),
            "scheduled_actions": ((), "one-off work has no schedule"),
            "warm_pool_min_size": (None, "boot time is noise against a days-long run"),
            "warm_pool_state": (None, "no warm pool"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
        "spark": {
            "dynamic_allocation_min_executors": (0, "preprocessing runs once; hold nothing"),
            "dynamic_allocation_max_executors": _max_executors(ctx),
            "executor_idle_timeout_s": (300, "large shuffles pause between stages"),
            "emr_managed_scaling_min_units": (1, "one core node keeps HDFS and the driver host"),
            "emr_managed_scaling_max_units": _max_units(ctx),
            "emr_idle_timeout_s": (3600, "an hour idle: the one-off preparation is finished"),
        },
        "notebooks": _notebooks(
            ctx, 3600, "long data-preparation cells run quietly for a while",
            3600, "a run is watched at odd hours too"),
        "desktops": _desktops(ctx, 60, "people watch long runs; an hour idle means they left"),
        "ci_runners": {
            "min_runners": (0, "runners start on demand"),
            "max_runners": _max_runners(ctx),
            "warm_floor": ((), "no regular pushes to keep warm for"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
    }


def _service(ctx: Context) -> dict[str, LayerSettings]:
    return {
        "karpenter": {
            **_common_karpenter(ctx),
            "capacity_types": (("on-demand",), "steady load is cheaper under a Savings Plan; a "
                                               "reclaimed node lags a stream consumer"),
            "consolidation_policy": ("WhenEmptyOrUnderutilized", "replicas behind disruption "
                                     "budgets move safely; repacking pays all day"),
            "consolidate_after": ("30m", "do not flap on short dips in traffic"),
            "budgets": ((Budget(nodes="1"),), "replace one serving node at a time"),
            "expire_after": ("720h", "monthly refresh; replicas ride it out"),
            "do_not_disrupt_training": (False, "serving pods are replicated; none is pinned"),
            "warm_floor": ((NodeWindow(nodes=1),), "a serving node is always up"),
        },
        "asg": {
            "min_size": (1, "a service is never scaled to zero"),
            "max_size": _asg_max(ctx),
            "desired_capacity": (1, "starting size only; target tracking owns it afterwards"),
            "target_cpu_percent": (50.0, "headroom absorbs a spike while new hosts boot"),
            "scheduled_actions": ((), "load follows traffic, not a clock"),
            "warm_pool_min_size": (1, "a pre-initialised instance joins within a minute"),
            "warm_pool_state": ("Stopped", "stopped instances cost storage, not compute"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
        "spark": {
            "dynamic_allocation_min_executors": (1, "a stream consumer always has an executor"),
            "dynamic_allocation_max_executors": _max_executors(ctx),
            "executor_idle_timeout_s": (600, "micro-batches pause; avoid churn"),
            "emr_managed_scaling_min_units": (2, "two core nodes keep the stream up through one "
                                                 "loss"),
            "emr_managed_scaling_max_units": _max_units(ctx),
            "emr_idle_timeout_s": (None, "a long-running consumer must not auto-terminate"),
        },
        "notebooks": _notebooks(
            ctx, 3600, "operators debug live systems; an hour idle is forgotten",
            1800, "after hours a notebook is a forgotten one"),
        "desktops": _desktops(ctx, 120, "on-call engineers step away and come back"),
        "ci_runners": {
            "min_runners": (1, "hotfixes must not wait for a runner to boot"),
            "max_runners": _max_runners(ctx),
            "warm_floor": ((), "the constant floor of one covers it"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
    }


CATALOG: dict[str, ProfileSpec] = {
    spec.name: spec
    for spec in (
        ProfileSpec("interactive", "notebooks and desktops in working hours",
                    "People at keyboards: sessions must start fast and never be moved; "
                    "everything idles down outside working hours.", _interactive),
        ProfileSpec("experiment", "frequent runs of model variants on data subsets",
                    "Many short, restartable runs in bursts: spot capacity, repacking, a small "
                    "warm floor in the day.", _experiment),
        ProfileSpec("scheduled-retrain", "nightly or weekly retraining on fresh data",
                    "Batch jobs on a clock: cheap capacity, nothing warm, no roll-outs during "
                    "the run window.", _scheduled_retrain),
        ProfileSpec("adhoc-training", "large one-off training",
                    "Multi-node runs lasting days: on-demand, never disrupted, no expiry.",
                    _adhoc_training),
        ProfileSpec("service", "steady serving or stream consumers",
                    "Always on: a floor that never reaches zero, headroom, one node changed at "
                    "a time.", _service),
    )
}
