"""The promise: the replay bills what the idle policy allows -- never less.

An empty node stays (and is billed) for the policy's idle delay before it is removed, and a
new node is billed from launch, boot included. For a pool serving one job at a time the
bill is known exactly: each idle gap is billed up to the idle delay, a gap longer than the
delay costs the delay plus a new node's boot. The replay must charge exactly that (so never
less than its idle policy allows) for any durations, gaps, idle delays and boot delays; and
a profile's replay must use that profile's own idle delay (its ``consolidateAfter``).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.profiles import PROFILE_NAMES, duration_seconds, resolve
from infra.simulate.engine import NodeType, SimOptions, simulate
from infra.simulate.policy import SimPolicy, profile_policy, with_limits
from infra.simulate.trace import Trace

NO_SPOT_LOSS = SimOptions(spot_interruptions_per_node_hour=0.0)
# One GPU per node, one dollar per node-second on demand: the bill reads as node-seconds.
NODE = NodeType("x", 1, on_demand_hourly=3600.0, spot_hourly=1800.0)


def serial_trace(jobs: list[tuple[int, int]], idle: float, boot: float) \
        -> tuple[Trace, float]:
    """Jobs of one node, each submitted ``gap`` seconds after the previous one ends; and the
    node-seconds the idle policy bills for them (billing ends with the last job)."""
    submits, durations = [], []
    billed = 0.0
    now = 0.0
    empty_since: float | None = None
    for duration, gap in jobs:
        submit = now if empty_since is None else empty_since + gap
        if empty_since is not None and submit - empty_since < idle:
            billed += submit - empty_since  # the node waited, billed, for this job
            start = submit
        else:
            if empty_since is not None:
                billed += idle  # the node idled its full delay, then went away
            billed += boot  # a new node, billed from launch
            start = submit + boot
        billed += duration
        submits.append(submit)
        durations.append(duration)
        empty_since = start + duration
        now = submit
    trace = Trace.from_jobs("serial", [(s, d, 1) for s, d in zip(submits, durations,
                                                                  strict=True)])
    return trace, billed


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5_000), st.integers(1, 5_000)), min_size=1,
                max_size=12),
       st.sampled_from([0.0, 30.5, 299.5, 600.5, 3600.5, math.inf]),
       st.sampled_from([0.0, 60.0, 240.0]))
def test_replay_bills_exactly_what_the_idle_policy_allows(jobs: list[tuple[int, int]],
                                                          idle: float, boot: float) -> None:
    trace, billed = serial_trace(jobs, idle, boot)
    policy = SimPolicy(name="p", kind="profile", spot=False, empty_delay_s=idle,
                       boot_delay_s=boot)
    result = simulate(trace, policy, NODE, NO_SPOT_LOSS)
    assert result.cost_usd >= billed - 1e-6, "billed less than the idle policy allows"
    assert result.cost_usd == pytest.approx(billed, abs=1e-6)
    assert result.node_hours * 3600 == pytest.approx(billed, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5_000), st.integers(1, 5_000)), min_size=2,
                max_size=8),
       st.sampled_from([30.5, 600.5]), st.sampled_from([0.0, 240.0]))
def test_a_longer_idle_delay_never_bills_a_serial_pool_less(jobs: list[tuple[int, int]],
                                                            idle: float, boot: float) -> None:
    """Same trace, idle delay raised: each gap costs min(gap, delay) or delay + boot, so the
    bill only grows when the boot is free (with a boot, keeping the node may save one)."""
    trace, _ = serial_trace(jobs, idle, boot)
    shorter = SimPolicy(name="p", kind="profile", spot=False, empty_delay_s=idle,
                        boot_delay_s=0.0)
    longer = with_limits(shorter, empty_delay_s=idle * 10)
    assert simulate(trace, longer, NODE, NO_SPOT_LOSS).cost_usd >= \
        simulate(trace, shorter, NODE, NO_SPOT_LOSS).cost_usd - 1e-6


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_each_profile_replays_with_its_own_idle_delay(profile: str) -> None:
    bundle = resolve(profile)
    idle = duration_seconds(bundle.karpenter.consolidate_after)
    policy = profile_policy(profile, node_gpus=1)
    assert policy.empty_delay_s == idle
    assert policy.spot == ("spot" in bundle.karpenter.capacity_types)
    assert policy.protect_running == bundle.karpenter.do_not_disrupt_training
    # Two one-hour jobs six hours apart, on an on-demand pool with no floor: the bill is the
    # two jobs, the boots, and the idle delay (capped by the gap) of the first node.
    plain = with_limits(policy, spot=False, min_nodes=0, warm_windows=(), blackouts=(),
                        consolidate_underutilized=False)
    trace = Trace.from_jobs("two", [(0, 3600, 1), (3600 + 240 + 6 * 3600, 3600, 1)])
    result = simulate(trace, plain, NODE, NO_SPOT_LOSS)
    gap = 6 * 3600
    expected = 2 * 3600 + policy.boot_delay_s + (
        gap if idle > gap else idle + policy.boot_delay_s)
    assert result.cost_usd == pytest.approx(expected, abs=1e-6)
