"""Promises of the replay's node launches.

* Jobs waiting go onto the type cheapest per GPU they would hold; among types equally cheap,
  onto the one that holds more of them: two 1-GPU jobs get one 2-GPU node, not two 1-GPU
  nodes.
* A pool must have GPUs: a type without one is refused with a message, not replayed.
"""

from __future__ import annotations

import pytest

from infra.simulate.engine import NodeType, SimOptions, simulate
from infra.simulate.policy import SimPolicy
from infra.simulate.trace import Trace

QUIET = SimOptions(spot_interruptions_per_node_hour=0.0)
ON_DEMAND = SimPolicy(name="p", kind="profile", spot=False, empty_delay_s=0.0,
                      boot_delay_s=0.0)
ONE = NodeType("t.one", 1, on_demand_hourly=3.6, spot_hourly=1.8)  # $0.001/s per GPU
TWO = NodeType("t.two", 2, on_demand_hourly=7.2, spot_hourly=3.6)  # the same per GPU
FOUR = NodeType("t.four", 4, on_demand_hourly=14.4, spot_hourly=7.2)  # the same per GPU


@pytest.mark.parametrize(("jobs", "launches"), [
    (1, {"t.one": 1}),
    (2, {"t.two": 1}),
    # three on a four-GPU node waste a GPU (dearer per GPU held): a two and a one
    (3, {"t.two": 1, "t.one": 1}),
    (4, {"t.four": 1}),
    (5, {"t.four": 1, "t.one": 1}),
])
def test_equally_cheap_types_go_to_the_one_holding_more_jobs(
        jobs: int, launches: dict[str, int]) -> None:
    trace = Trace.from_jobs("batch", [(0, 100, 1)] * jobs)
    result = simulate(trace, ON_DEMAND, (ONE, TWO, FOUR), QUIET)
    assert result.launches_by_type == launches


@pytest.mark.parametrize("pool", [(NodeType("cpu", 0, 1.0, 0.5),),
                                  (ONE, NodeType("cpu", 0, 1.0, 0.5)), ()])
def test_a_pool_without_gpus_is_refused(pool: tuple[NodeType, ...]) -> None:
    with pytest.raises(ValueError) as refused:
        simulate(Trace.from_jobs("t", [(0, 60, 1)]), ON_DEMAND, pool, QUIET)
    assert str(refused.value) == "a pool needs instance types with at least one GPU"


@pytest.mark.parametrize("durations", [(600, 60), (60, 600), (300, 200, 100)])
def test_jobs_submitted_together_start_in_trace_order(durations: tuple[int, ...]) -> None:
    """One always-on 1-GPU node, 1-GPU jobs all submitted at 0: first come, first served,
    so each job waits for the ones listed before it."""
    trace = Trace.from_jobs("together", [(0, d, 1) for d in durations])
    static = SimPolicy(name="s", kind="baseline", spot=False, empty_delay_s=float("inf"),
                       min_nodes=1, max_nodes=1, boot_delay_s=0.0)
    result = simulate(trace, static, ONE, QUIET)
    waits = [sum(durations[:i]) for i in range(len(durations))]
    assert result.wait_max_s == waits[-1]
    assert result.wait_mean_s == pytest.approx(sum(waits) / len(waits))


def test_a_job_the_floor_leaves_no_room_for_is_reported_not_a_crash() -> None:
    """The service profile keeps one node of the cheapest type (1 GPU) for good; under an
    8-GPU cap an 8-GPU gang then never fits, as in Karpenter. The replay says so
    (unschedulable) instead of stalling with a traceback, and a search rejects that sizing."""
    from infra.simulate.recommend import Replay, build_policy

    eight = NodeType("t.eight", 8, on_demand_hourly=14.4, spot_hourly=7.2)
    trace = Trace.from_jobs("gang", [(0, 600, 8), (0, 600, 1)])
    replay = Replay(node=(ONE, eight), options=QUIET, max_gpus=8)
    result = simulate(trace, build_policy("service", trace, replay), (ONE, eight), QUIET)
    # The 1-GPU job runs on the floor node; the gang can never start.
    assert (result.jobs, result.unschedulable, result.launches_by_type) == (2, 1, {"t.one": 1})
