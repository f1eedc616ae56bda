"""The figures of one replay, and how they are computed from the engine's accounting.

Separate from the event loop so that what a result means (cost, oracle ratio, waits and their
percentiles, utilisation) reads in one place, and so that reports can use ``SimResult``
without importing the engine.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from infra.simulate.oracle import cheapest_gpu_hourly

if TYPE_CHECKING:
    from collections.abc import Sequence

    from infra.simulate.engine import NodeType, Simulator


@dataclass(frozen=True)
class SimResult:
    """Figures of one replay (plain data; ``to_dict`` for JSON)."""

    policy: str
    kind: str
    capacity: str
    instance_type: str
    node_gpus: int
    jobs: int
    unschedulable: int
    node_hours: float
    cost_usd: float
    oracle_cost_usd: float
    cost_ratio: float
    gpu_utilisation: float
    wait_p50_s: float
    wait_p95_s: float
    wait_max_s: float
    wait_mean_s: float
    interruptions: int
    disruptions: int
    lost_gpu_hours: float
    nodes_launched: int
    peak_nodes: int
    span_hours: float
    # Mixed pools, caps, spot and the common floor (issue 12).
    instance_types: tuple[str, ...] = ()
    max_gpus: int | None = None
    floor_cost_usd: float = 0.0
    cost_vs_floor: float = 1.0
    peak_gpus: int = 0
    launches_by_type: dict[str, int] | None = None
    replacements: int = 0
    spot_unavailable: int = 0
    on_demand_fallbacks: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "instance_types": list(self.instance_types)}


def percentile(values: list[float], fraction: float) -> float:
    """Linear-interpolation percentile of sorted ``values`` (numpy's default method)."""
    if not values:
        return 0.0
    position = fraction * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def ratio(cost: float, bound: float) -> float:
    """``cost / bound``, with 0/0 read as a perfect 1 and x/0 as infinitely worse."""
    return cost / bound if bound > 0 else (1.0 if cost == 0 else math.inf)


def floor_gpu_hourly(types: Sequence[NodeType]) -> float:
    """The cheapest per-GPU hourly rate of any of ``types``, spot or on-demand."""
    return min(cheapest_gpu_hourly(t, spot_allowed=True) for t in types)


def summarize(sim: Simulator, t0: float) -> SimResult:
    """The figures of a finished replay ``sim`` whose trace began at ``t0``."""
    node = sim.node_type
    spot_s, od_s = sim.node_seconds[True], sim.node_seconds[False]
    cost = sim.cost_usd
    scheduled = [j for j in range(len(sim.trace)) if sim.schedulable(j)]
    gpu_s = math.fsum(sim.trace.duration[j] * sim.trace.gpus[j] for j in scheduled)
    own_rate = min(cheapest_gpu_hourly(t, spot_allowed=sim.policy.spot) for t in sim.types)
    oracle = gpu_s * own_rate / 3600.0
    floor_rate = sim.options.floor_gpu_hourly
    if floor_rate is None:
        floor_rate = floor_gpu_hourly(sim.pool)
    floor = gpu_s * floor_rate / 3600.0
    waits = sorted(sim.wait[j] for j in scheduled)
    capacity_gpu_s = sim.node_gpu_seconds
    return SimResult(
        policy=sim.policy.name, kind=sim.policy.kind, capacity=sim.policy.capacity,
        instance_type=node.instance_type, node_gpus=node.gpus, jobs=len(scheduled),
        unschedulable=sim.unschedulable, node_hours=(spot_s + od_s) / 3600.0,
        cost_usd=cost, oracle_cost_usd=oracle,
        cost_ratio=ratio(cost, oracle),
        gpu_utilisation=sim.busy_gpu_s / capacity_gpu_s if capacity_gpu_s else 0.0,
        wait_p50_s=percentile(waits, 0.50), wait_p95_s=percentile(waits, 0.95),
        wait_max_s=waits[-1] if waits else 0.0,
        wait_mean_s=math.fsum(waits) / len(waits) if waits else 0.0,
        interruptions=sim.interruptions, disruptions=sim.disruptions,
        lost_gpu_hours=sim.lost_gpu_s / 3600.0, nodes_launched=sim.launched,
        peak_nodes=sim.peak, span_hours=(sim.now - t0) / 3600.0,
        instance_types=tuple(t.instance_type for t in sim.types),
        max_gpus=sim.policy.max_gpus, floor_cost_usd=floor, cost_vs_floor=ratio(cost, floor),
        peak_gpus=sim.peak_gpus, launches_by_type=dict(sorted(sim.launches_by_type.items())),
        replacements=sim.replaced, spot_unavailable=sim.spot_unavailable,
        on_demand_fallbacks=sim.on_demand_fallbacks)
