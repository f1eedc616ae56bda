"""Replay a trace under every profile and baseline; pick the cheapest profile that is fast enough.

Baselines are replayed for comparison only and are never recommended: they are what a team
gets without a profile, not something teamstack configures. ``search.py`` builds the whole
sizing search (profiles x instance sets x caps) on these pieces.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.profiles import PROFILE_NAMES
from infra.simulate.engine import NodeType, SimOptions, SimResult, simulate
from infra.simulate.policy import (
    BASELINE_NAMES,
    DEFAULT_BOOT_DELAY_S,
    SimPolicy,
    baseline_policy,
    peak_nodes,
    profile_policy,
)
from infra.simulate.trace import Trace


@dataclass(frozen=True)
class Replay:
    """How to replay: the pool (one type or several), the quota and the environment."""

    node: NodeType | tuple[NodeType, ...]
    options: SimOptions
    max_gpus: int | None = None
    boot_delay_s: float = DEFAULT_BOOT_DELAY_S
    timezone: str = "UTC"

    @property
    def pool(self) -> tuple[NodeType, ...]:
        return (self.node,) if isinstance(self.node, NodeType) else self.node

    @property
    def largest(self) -> NodeType:
        return max(self.pool, key=lambda t: (t.gpus, -t.on_demand_hourly))


def build_policy(name: str, trace: Trace, replay: Replay) -> SimPolicy:
    """A profile or baseline by name (KeyError if it is neither)."""
    gpus = replay.largest.gpus
    if name in PROFILE_NAMES:
        return profile_policy(name, node_gpus=gpus, max_gpus=replay.max_gpus,
                              boot_delay_s=replay.boot_delay_s, timezone=replay.timezone)
    peak = peak_nodes(trace.submit, trace.duration, trace.gpus, gpus)
    return baseline_policy(name, peak_nodes=peak, max_gpus=replay.max_gpus,
                           node_gpus=gpus, boot_delay_s=replay.boot_delay_s)


def compare(trace: Trace, replay: Replay) -> list[SimResult]:
    """Every profile, then every baseline, in catalog order."""
    results = []
    for name in PROFILE_NAMES + BASELINE_NAMES:
        results.append(simulate(trace, build_policy(name, trace, replay), replay.pool,
                                replay.options))
    return results


def recommend(results: list[SimResult], wait_p95_s: float) -> SimResult | None:
    """The cheapest profile whose p95 wait meets the target (ties: the lower p95 wait)."""
    eligible = [r for r in results
                if r.kind == "profile" and r.wait_p95_s <= wait_p95_s and r.unschedulable == 0]
    if not eligible:
        return None
    return min(eligible, key=lambda r: (round(r.cost_usd, 6), r.wait_p95_s, r.policy))
