"""Scaling policies as the simulator sees them: profiles translated, and the baselines.

A ``SimPolicy`` holds only what changes how a GPU node pool grows and shrinks: capacity type,
how long an empty or under-used node lives, floors and their time windows, disruption
protection and blackout windows, and the node limit. Profiles are translated from their
``PolicyBundle`` (so the simulator replays exactly what the NodePool would be given);
baselines are the stock behaviour teams get when they configure nothing, for comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from infra.profiles import PROFILE_NAMES, PolicyBundle, duration_seconds, resolve
from infra.simulate.model import MILLI

# A GPU node is usable about four minutes after launch: EC2 start, GPU AMI boot, device
# plugin, and the CUDA image pull (cached on the AMI). Overridable per run.
DEFAULT_BOOT_DELAY_S = 240.0
BASELINE_NAMES: tuple[str, ...] = ("static-peak", "cluster-autoscaler-defaults",
                                   "karpenter-defaults")


@dataclass(frozen=True)
class Window:
    """Recurring time window: from each ``cron`` start (in ``timezone``) for ``duration_s``.

    ``cron=None`` means always. ``value`` is a node count for floors; ``reasons`` the
    disruption reasons a blackout blocks (None blocks all).
    """

    cron: str | None
    duration_s: float
    timezone: str = "UTC"
    value: int = 0
    reasons: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SimPolicy:
    """Everything that decides when nodes start and stop."""

    name: str
    kind: str  # "profile" or "baseline"
    spot: bool
    empty_delay_s: float
    consolidate_underutilized: bool = False
    underutilized_threshold: float | None = None  # None: any node whose jobs fit elsewhere
    underutilized_delay_s: float = 0.0
    scale_down_delay_after_add_s: float = 0.0
    protect_running: bool = False
    min_nodes: int = 0
    max_nodes: int | None = None
    max_gpus: int | None = None  # the pool's GPU cap (all instance types together)
    on_demand_fallback: bool = False  # a spot policy that also allows on-demand
    floor_node: str = "largest"  # type of floor nodes: "largest" or "cheapest" per hour
    warm_windows: tuple[Window, ...] = ()
    blackouts: tuple[Window, ...] = ()
    provision_delay_s: float = 0.0
    boot_delay_s: float = DEFAULT_BOOT_DELAY_S
    description: str = ""

    @property
    def capacity(self) -> str:
        if self.spot:
            return "spot+on-demand" if self.on_demand_fallback else "spot"
        return "on-demand"


def from_bundle(bundle: PolicyBundle, *, node_gpus: int, max_gpus: int | None = None,
                boot_delay_s: float = DEFAULT_BOOT_DELAY_S) -> SimPolicy:
    """The GPU pool policy a profile's Karpenter settings amount to.

    ``max_gpus=None`` replays without the team quota (the trace's own demand decides); pass
    the quota to see queueing under it. Percent budgets do not limit the simulator (its
    disruptions are instantaneous); ``nodes: "0"`` budgets are blackouts.
    """
    k = bundle.karpenter
    after = duration_seconds(k.consolidate_after)
    warm = tuple(
        Window(cron=w.schedule, duration_s=duration_seconds(w.duration) if w.duration else 0.0,
               timezone=k.timezone, value=w.nodes)
        for w in k.warm_floor if w.schedule is not None)
    always = max((w.nodes for w in k.warm_floor if w.schedule is None), default=0)
    blackouts = tuple(
        Window(cron=b.schedule, duration_s=duration_seconds(b.duration or "0s"),
               timezone="UTC", reasons=b.reasons)
        for b in k.budgets if b.nodes.strip() == "0")
    return SimPolicy(
        name=bundle.profile, kind="profile", spot="spot" in k.capacity_types,
        on_demand_fallback="spot" in k.capacity_types and "on-demand" in k.capacity_types,
        empty_delay_s=after,
        consolidate_underutilized=k.consolidation_policy == "WhenEmptyOrUnderutilized",
        underutilized_delay_s=after, protect_running=k.do_not_disrupt_training,
        min_nodes=always, max_gpus=_cap(max_gpus, node_gpus), floor_node="cheapest",
        warm_windows=warm, blackouts=blackouts, boot_delay_s=boot_delay_s,
        description=bundle.summary)


def _cap(max_gpus: int | None, node_gpus: int) -> int | None:
    """The GPU cap as given (``node_gpus`` is kept for callers; the engine raises a cap below
    every instance type to one node of the smallest, as the old node limit did)."""
    return max_gpus


def profile_policy(name: str, *, node_gpus: int, max_gpus: int | None = None,
                   boot_delay_s: float = DEFAULT_BOOT_DELAY_S,
                   timezone: str | None = None) -> SimPolicy:
    """A catalog profile's policy (catalog defaults; ``timezone`` moves its windows)."""
    request = None
    if timezone is not None:
        from types import SimpleNamespace
        request = SimpleNamespace(desktops=SimpleNamespace(timezone=timezone))
    return from_bundle(resolve(name, request), node_gpus=node_gpus, max_gpus=max_gpus,
                       boot_delay_s=boot_delay_s)


def baseline_policy(name: str, *, peak_nodes: int, max_gpus: int | None, node_gpus: int,
                    boot_delay_s: float = DEFAULT_BOOT_DELAY_S) -> SimPolicy:
    """A baseline: what teams get from the stock autoscalers, or from sizing for the peak."""
    max_nodes = None if max_gpus is None else max(1, max_gpus // node_gpus)
    cap = _cap(max_gpus, node_gpus)
    if name == "static-peak":
        nodes = peak_nodes if max_nodes is None else min(peak_nodes, max_nodes)
        return SimPolicy(
            name=name, kind="baseline", spot=False, empty_delay_s=float("inf"),
            min_nodes=nodes, max_nodes=nodes, boot_delay_s=boot_delay_s,
            description=f"{nodes} on-demand nodes, enough for the trace's peak, always on")
    if name == "cluster-autoscaler-defaults":
        return SimPolicy(
            name=name, kind="baseline", spot=False, empty_delay_s=600.0,
            consolidate_underutilized=True, underutilized_threshold=0.5,
            underutilized_delay_s=600.0, scale_down_delay_after_add_s=600.0,
            max_gpus=cap, provision_delay_s=10.0, boot_delay_s=boot_delay_s,
            description="scale down after 10 min unneeded, 10 min after a scale-up, "
                        "utilisation threshold 0.5, 10 s scan interval")
    if name == "karpenter-defaults":
        return SimPolicy(
            name=name, kind="baseline", spot=False, empty_delay_s=0.0,
            consolidate_underutilized=True, underutilized_delay_s=0.0, max_gpus=cap,
            boot_delay_s=boot_delay_s,
            description="WhenEmptyOrUnderutilized, consolidateAfter 0s, on-demand")
    raise KeyError(f"unknown baseline {name!r}; expected one of: {', '.join(BASELINE_NAMES)}")


def policy_names() -> tuple[str, ...]:
    """Every name ``simulate --policy`` accepts."""
    return PROFILE_NAMES + BASELINE_NAMES


def with_limits(policy: SimPolicy, **changes: object) -> SimPolicy:
    """A copy with some fields changed (tests and what-if runs)."""
    return replace(policy, **changes)


def peak_nodes(submit: list[float], duration: list[float], gpus: list[float],
               node_gpus: int) -> int:
    """Nodes needed at the trace's busiest instant if every job ran on arrival.

    Jobs of a node or more count whole nodes; smaller jobs count their GPUs, rounded up to
    nodes at the end (so packing losses are not included: the static pool can still queue
    a little when fragments do not line up).
    """
    node = node_gpus * MILLI
    events: list[tuple[float, int, int, int]] = []
    for s, d, g in zip(submit, duration, gpus, strict=True):
        demand = max(1, round(g * MILLI))  # in thousandths of a GPU, as the engine counts
        if demand >= node:
            whole = -(-demand // node)
            events += [(s, 1, whole, 0), (s + d, 0, -whole, 0)]
        else:
            events += [(s, 1, 0, demand), (s + d, 0, 0, -demand)]
    events.sort()  # ends (0) before starts (1) at the same instant
    whole_nodes, fraction, peak = 0, 0, 0
    for _, _, dn, dg in events:
        whole_nodes += dn
        fraction += dg
        peak = max(peak, whole_nodes + max(0, -(-fraction // node)))
    return peak
