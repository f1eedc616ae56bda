"""The replay's effort follows its jobs, not the time between them (issue 13).

The warm-window calendar used to be replayed day by day through idle months; an idle week
that repeats is now repeated arithmetically. These tests prove the shortcut changes no
figure where the replay is deterministic, and that the events handled stay flat as the idle
span grows.
"""

from __future__ import annotations

import dataclasses

import pytest

from infra.simulate.engine import NodeType, SimOptions, Simulator
from infra.simulate.recommend import Replay, build_policy
from infra.simulate.trace import Trace

NODE = NodeType("g5.48xlarge", 8, on_demand_hourly=16.288, spot_hourly=6.5)
NO_SPOT = SimOptions(spot_interruptions_per_node_hour=0.0)


def gappy(days_between: float) -> Trace:
    """A few busy days, then long idle gaps, then a few more jobs."""
    day = 86400.0
    jobs = [(d * day + 9 * 3600 + i * 1800, 1200, 1 + i % 8) for d in range(3) for i in range(8)]
    jobs += [(days_between * day + 10 * 3600, 7200, 3), ((days_between + 30) * day, 600, 9),
             ((2 * days_between + 31) * day + 3600, 60, 1)]
    return Trace.from_jobs(f"gap-{days_between}", jobs)


def replay(trace: Trace, name: str, *, fast: bool, options: SimOptions = NO_SPOT):
    policy = build_policy(name, trace, Replay(node=NODE, options=options))
    sim = Simulator(trace, policy, NODE, options)
    sim.fast_forward = fast
    return sim.run(), sim.steps


@pytest.mark.parametrize("name", ["interactive", "experiment", "scheduled-retrain",
                                  "adhoc-training", "service", "static-peak",
                                  "cluster-autoscaler-defaults", "karpenter-defaults"])
def test_skipping_idle_weeks_changes_no_figure(name: str) -> None:
    trace = gappy(200)
    fast, fast_steps = replay(trace, name, fast=True)
    slow, slow_steps = replay(trace, name, fast=False)
    a, b = dataclasses.asdict(fast), dataclasses.asdict(slow)
    for key in a:
        if isinstance(a[key], float):
            assert a[key] == pytest.approx(b[key], rel=1e-9, abs=1e-9), (name, key, a[key], b[key])
        else:
            assert a[key] == b[key], (name, key)
    assert fast_steps <= slow_steps, name


@pytest.mark.parametrize("name", ["interactive", "experiment", "scheduled-retrain"])
def test_events_handled_do_not_grow_with_the_idle_span(name: str) -> None:
    _, short = replay(gappy(60), name, fast=True)
    _, long = replay(gappy(1800), name, fast=True)  # 30 times the idle time, same jobs
    _, long_day_by_day = replay(gappy(1800), name, fast=False)
    assert long <= short * 1.5 + 100, (name, short, long)
    if name != "scheduled-retrain":  # its only window is a nightly blackout: little to skip
        assert long_day_by_day > 5 * long, (name, long, long_day_by_day)


def test_idle_spot_nodes_keep_their_expected_interruptions() -> None:
    options = SimOptions(spot_interruptions_per_node_hour=0.05, seed=3)
    trace = gappy(400)
    fast, _ = replay(trace, "experiment", fast=True, options=options)
    slow, _ = replay(trace, "experiment", fast=False, options=options)
    assert fast.cost_usd == pytest.approx(slow.cost_usd, rel=0.02)
    assert fast.interruptions == pytest.approx(slow.interruptions, rel=0.35, abs=5)
