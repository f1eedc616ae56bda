"""The profile catalog: for each kind of work, every layer's settings and why.

Each profile is written out in full, layer by layer, rather than as overrides of a base: the
point of a profile is that its settings agree with one another, and that is easiest to review
when they are read together. A value that comes from the team's request (time zone, GPU quota,
runner maximum) says so in its reason. The shared building blocks are in builders.py.
"""

from __future__ import annotations

from infra.profiles.builders import (
    WORK_HOURS_TEXT,
    Context,
    LayerSettings,
    ProfileSpec,
    asg_max,
    common_karpenter,
    desktops,
    max_executors,
    max_runners,
    max_units,
    notebooks,
    runner_floor,
    work_actions,
    work_floor,
    working_hours_budget,
)
from infra.profiles.model import Budget, NodeWindow

__all__ = ["CATALOG", "Context", "ProfileSpec"]


# ------------------------------------------------------------------------------ the profiles

def _interactive(ctx: Context) -> dict[str, LayerSettings]:
    return {
        "karpenter": {
            **common_karpenter(ctx),
            "capacity_types": (("on-demand",),
                               "a reclaimed spot node kills someone's live session"),
            "consolidation_policy": ("WhenEmpty", "never move a running kernel to repack nodes"),
            "consolidate_after": ("30m", "keeps a node through a meeting so the next session "
                                         "starts at once"),
            "budgets": ((Budget(nodes="10%"),
                         working_hours_budget(ctx, ("Drifted", "Underutilized"))),
                        f"node upgrades roll outside working hours ({WORK_HOURS_TEXT} local)"),
            "expire_after": ("720h", "monthly refresh picks up patched images; rarely hits a "
                                     "live session"),
            "do_not_disrupt_training": (True, "a notebook's GPU kernel holds unsaved state"),
            "warm_floor": ((work_floor(1),), "one warm node in working hours: the first session "
                                               "of the day skips the 4-minute boot"),
        },
        "asg": {
            "min_size": (0, "nothing runs at night, so nothing is kept"),
            "max_size": asg_max(ctx),
            "desired_capacity": (0, "starting size only; target tracking owns it afterwards"),
            "target_cpu_percent": (60.0, "headroom so bursts of interactive work do not queue"),
            "scheduled_actions": (work_actions(1, ctx.asg_max_size),
                                  "one host warm in working hours, none after"),
            "warm_pool_min_size": (1, "a stopped instance starts in about a minute and costs "
                                      "only its volume"),
            "warm_pool_state": ("Stopped", "stopped instances cost storage, not compute"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
        "spark": {
            "dynamic_allocation_min_executors": (0, "an idle notebook session holds no executors"),
            "dynamic_allocation_max_executors": max_executors(ctx),
            "executor_idle_timeout_s": (600, "the analyst's next cell reuses warm executors"),
            "emr_managed_scaling_min_units": (1, "one core node keeps HDFS and the driver host"),
            "emr_managed_scaling_max_units": max_units(ctx),
            "emr_idle_timeout_s": (3600, "an hour without steps: the session is over"),
        },
        "notebooks": notebooks(
            ctx, 3600, "lunch or a meeting does not lose the kernel; an hour idle is forgotten",
            1800, "after hours nobody returns to a kernel within half an hour"),
        "desktops": desktops(ctx, 60, "an hour idle in working hours: the person has left"),
        "ci_runners": {
            "min_runners": (0, "outside the warm window, runners start on demand"),
            "max_runners": max_runners(ctx),
            "warm_floor": ((runner_floor(1),), "one ready runner in working hours for "
                                                "notebook-repo checks"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
    }


def _experiment(ctx: Context) -> dict[str, LayerSettings]:
    return {
        "karpenter": {
            **common_karpenter(ctx),
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
            "warm_floor": ((work_floor(1),), "one warm node in working hours so the first "
                                               "run of a burst starts at once"),
        },
        "asg": {
            "min_size": (0, "no run is waiting at night"),
            "max_size": asg_max(ctx),
            "desired_capacity": (0, "starting size only; target tracking owns it afterwards"),
            "target_cpu_percent": (70.0, "batch-like runs tolerate fuller hosts"),
            "scheduled_actions": (work_actions(1, ctx.asg_max_size),
                                  "one host warm in working hours for quick iterations"),
            "warm_pool_min_size": (1, "a stopped instance cuts a burst's first wait to a minute"),
            "warm_pool_state": ("Stopped", "stopped instances cost storage, not compute"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
        "spark": {
            "dynamic_allocation_min_executors": (0, "subset runs are short; hold nothing idle"),
            "dynamic_allocation_max_executors": max_executors(ctx),
            "executor_idle_timeout_s": (120, "releases executors between the stages of a run"),
            "emr_managed_scaling_min_units": (1, "one core node keeps HDFS and the driver host"),
            "emr_managed_scaling_max_units": max_units(ctx),
            "emr_idle_timeout_s": (1800, "runs come in bursts; half an hour idle ends one"),
        },
        "notebooks": notebooks(
            ctx, 1800, "runs are launched from notebooks and tracked elsewhere; 30 min idle is "
                       "done", 1800, "same as working hours: experiments are not steered at night"),
        "desktops": desktops(ctx, 45, "desktops launch runs and wait; 45 min idle means gone"),
        "ci_runners": {
            "min_runners": (0, "outside the warm window, runners start on demand"),
            "max_runners": max_runners(ctx),
            "warm_floor": ((runner_floor(2),), "two ready runners in working hours: variant "
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
            **common_karpenter(ctx),
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
            "max_size": asg_max(ctx),
            "desired_capacity": (0, "starting size only; target tracking owns it afterwards"),
            "target_cpu_percent": (80.0, "throughput matters, not latency: run hosts full"),
            "scheduled_actions": ((), "the job's own start scales the group; no clock needed"),
            "warm_pool_min_size": (None, "boot time is irrelevant to a nightly batch"),
            "warm_pool_state": (None, "no warm pool"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
        "spark": {
            "dynamic_allocation_min_executors": (0, "no executors between runs"),
            "dynamic_allocation_max_executors": max_executors(ctx),
            "executor_idle_timeout_s": (60, "batch stages are back to back; idle means done"),
            "emr_managed_scaling_min_units": (1, "one core node keeps HDFS and the driver host"),
            "emr_managed_scaling_max_units": max_units(ctx),
            "emr_idle_timeout_s": (900, "the cluster exists for the run; 15 min idle: it ended"),
        },
        "notebooks": notebooks(
            ctx, 1800, "notebooks only inspect results; 30 min idle is enough",
            900, "after hours a notebook is a forgotten one"),
        "desktops": desktops(ctx, 30, "desktops are for reviewing runs; 30 min idle ends it"),
        "ci_runners": {
            "min_runners": (0, "pipeline changes are rare; runners start on demand"),
            "max_runners": max_runners(ctx),
            "warm_floor": ((), "a few minutes' start-up does not matter to rare pipeline edits"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
    }


def _adhoc_training(ctx: Context) -> dict[str, LayerSettings]:
    return {
        "karpenter": {
            **common_karpenter(ctx),
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
            "max_size": asg_max(ctx),
            "desired_capacity": (0, "starting size only; target tracking owns it afterwards"),
            "target_cpu_percent": (85.0, "data loading hosts run full for the length of a run"),
            "scheduled_actions": ((), "one-off work has no schedule"),
            "warm_pool_min_size": (None, "boot time is noise against a days-long run"),
            "warm_pool_state": (None, "no warm pool"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
        "spark": {
            "dynamic_allocation_min_executors": (0, "preprocessing runs once; hold nothing"),
            "dynamic_allocation_max_executors": max_executors(ctx),
            "executor_idle_timeout_s": (300, "large shuffles pause between stages"),
            "emr_managed_scaling_min_units": (1, "one core node keeps HDFS and the driver host"),
            "emr_managed_scaling_max_units": max_units(ctx),
            "emr_idle_timeout_s": (3600, "an hour idle: the one-off preparation is finished"),
        },
        "notebooks": notebooks(
            ctx, 3600, "long data-preparation cells run quietly for a while",
            3600, "a run is watched at odd hours too"),
        "desktops": desktops(ctx, 60, "people watch long runs; an hour idle means they left"),
        "ci_runners": {
            "min_runners": (0, "runners start on demand"),
            "max_runners": max_runners(ctx),
            "warm_floor": ((), "no regular pushes to keep warm for"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
    }


def _service(ctx: Context) -> dict[str, LayerSettings]:
    return {
        "karpenter": {
            **common_karpenter(ctx),
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
            "max_size": asg_max(ctx),
            "desired_capacity": (1, "starting size only; target tracking owns it afterwards"),
            "target_cpu_percent": (50.0, "headroom absorbs a spike while new hosts boot"),
            "scheduled_actions": ((), "load follows traffic, not a clock"),
            "warm_pool_min_size": (1, "a pre-initialised instance joins within a minute"),
            "warm_pool_state": ("Stopped", "stopped instances cost storage, not compute"),
            "timezone": (ctx.timezone, ctx.why("timezone", "catalog default: UTC")),
        },
        "spark": {
            "dynamic_allocation_min_executors": (1, "a stream consumer always has an executor"),
            "dynamic_allocation_max_executors": max_executors(ctx),
            "executor_idle_timeout_s": (600, "micro-batches pause; avoid churn"),
            "emr_managed_scaling_min_units": (2, "two core nodes keep the stream up through one "
                                                 "loss"),
            "emr_managed_scaling_max_units": max_units(ctx),
            "emr_idle_timeout_s": (None, "a long-running consumer must not auto-terminate"),
        },
        "notebooks": notebooks(
            ctx, 3600, "operators debug live systems; an hour idle is forgotten",
            1800, "after hours a notebook is a forgotten one"),
        "desktops": desktops(ctx, 120, "on-call engineers step away and come back"),
        "ci_runners": {
            "min_runners": (1, "hotfixes must not wait for a runner to boot"),
            "max_runners": max_runners(ctx),
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
