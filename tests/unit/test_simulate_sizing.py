"""Mixed instance types, GPU caps, spot capacity and the common cost floor (issue 12).

Small traces whose figures are worked out by hand, then Hypothesis invariants.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.cost.prices import load_catalog
from infra.simulate.engine import NodeType, SimOptions, simulate
from infra.simulate.policy import SimPolicy
from infra.simulate.pool import build_pool, family_types
from infra.simulate.spot import load_spot_table
from infra.simulate.trace import Trace

CHECKED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
QUIET = SimOptions(spot_interruptions_per_node_hour=0.0)
# $ per second = hourly / 3600: a 1-GPU type at $0.001/s and an 8-GPU type at $0.004/s
# ($0.0005 per GPU-second: cheaper per GPU when full, dearer for one job).
SMALL = NodeType("t.small", 1, on_demand_hourly=3.6, spot_hourly=1.8)
BIG = NodeType("t.big", 8, on_demand_hourly=14.4, spot_hourly=7.2)
CATALOG = load_catalog()
REAL_POOL = build_pool(CATALOG, family_types(CATALOG), "us-east-1", load_spot_table())


def policy(**changes) -> SimPolicy:
    base = dict(name="t", kind="profile", spot=False, empty_delay_s=0.0, boot_delay_s=0.0)
    base.update(changes)
    return SimPolicy(**base)


def run(jobs, pool, options=QUIET, **changes):
    return simulate(Trace.from_jobs("t", jobs), policy(**changes), pool, options)


def test_one_gpu_job_gets_the_one_gpu_type():
    r = run([(0, 100, 1)], (SMALL, BIG))
    assert r.launches_by_type == {"t.small": 1}
    assert r.cost_usd == pytest.approx(0.1)


def test_a_full_batch_shares_the_type_that_is_cheaper_per_gpu():
    # Eight 1-GPU jobs at once: one 8-GPU node ($0.4) beats eight 1-GPU nodes ($0.8).
    r = run([(0, 100, 1)] * 8, (SMALL, BIG))
    assert r.launches_by_type == {"t.big": 1}
    assert r.cost_usd == pytest.approx(0.4)
    # Nine: the ninth job does not justify a second 8-GPU node; it gets a 1-GPU one.
    r = run([(0, 100, 1)] * 9, (SMALL, BIG))
    assert r.launches_by_type == {"t.big": 1, "t.small": 1}
    assert r.cost_usd == pytest.approx(0.5)


def test_real_catalog_right_sizes_single_gpu_jobs():
    # g5.xlarge costs half as much per GPU-hour as g5.48xlarge: a 1-GPU job goes there.
    g5 = build_pool(CATALOG, ["g5.xlarge", "g5.12xlarge", "g5.48xlarge"], "us-east-1", None)
    r = run([(0, 3600, 1)], g5)
    assert r.launches_by_type == {"g5.xlarge": 1}
    assert r.cost_usd == pytest.approx(1.006)
    big_only = run([(0, 3600, 1)], g5[2:])
    assert big_only.cost_usd == pytest.approx(16.288)


def test_gang_jobs_take_whole_nodes_of_the_largest_type():
    r = run([(0, 100, 12)], (SMALL, BIG))
    assert r.launches_by_type == {"t.big": 2} and r.cost_usd == pytest.approx(0.8)


def test_gpu_cap_queues_jobs_in_submit_order():
    # Cap 2 GPUs on 1-GPU nodes: three 100 s jobs at 0, 0, 10 run 0..100, 0..100, 100..200.
    r = run([(0, 100, 1), (0, 100, 1), (10, 100, 1)], (SMALL, BIG), max_gpus=2)
    assert r.wait_max_s == pytest.approx(90) and r.peak_gpus == 2
    assert r.launches_by_type == {"t.small": 2}  # the third reuses a node; no 8-GPU type
    # A job larger than the cap is reported, not run.
    r = run([(0, 100, 1), (0, 100, 16)], (SMALL, BIG), max_gpus=8)
    assert r.unschedulable == 1 and r.jobs == 1


def test_cap_lets_an_idle_node_of_the_wrong_type_go():
    # Cap 8: two 1-GPU nodes are busy then empty at 100; a queued 8-GPU job needs their
    # room. Nothing waiting fits them, so they are not held for the queue: they go after
    # their 600 s idle delay (700) and the 8-GPU node launches then (instant boot).
    r = run([(0, 100, 1), (0, 100, 1), (50, 100, 8)], (SMALL, BIG), max_gpus=8,
            empty_delay_s=600.0)
    assert r.unschedulable == 0
    assert r.wait_max_s == pytest.approx(650)  # submitted at 50, starts at 700


def test_spot_without_capacity_falls_back_to_on_demand_or_waits():
    options = SimOptions(spot_interruptions_per_node_hour=0.0, spot_unavailable_probability=1.0)
    both = run([(0, 100, 1)], (SMALL,), options, spot=True, on_demand_fallback=True)
    assert both.on_demand_fallbacks == 1 and both.cost_usd == pytest.approx(0.1)
    # Spot only: a launch without capacity is retried a minute later, until one succeeds.
    failed = 0
    for seed in range(10):
        mostly = SimOptions(spot_interruptions_per_node_hour=0.0,
                            spot_unavailable_probability=0.9, seed=seed)
        only = run([(0, 100, 1)], (SMALL,), mostly, spot=True)
        assert only.wait_max_s == pytest.approx(60 * only.spot_unavailable)
        assert only.cost_usd == pytest.approx(0.05)  # spot price once it launched
        assert only.on_demand_fallbacks == 0
        failed += only.spot_unavailable
    assert failed >= 10  # about 9 failures per success: the draws really happen
    # Never any spot capacity and no fallback: the replay could never end; refused.
    with pytest.raises(ValueError, match="never launch"):
        run([(0, 100, 1)], (SMALL,), options, spot=True)


def test_spot_interruption_rates_come_from_the_advisor_table():
    table = load_spot_table()
    assert table.band("g5.48xlarge") == ">20%" and table.band("g6.xlarge") == "<5%"
    assert table.band("g5.999xlarge") == table.family_default["g5"]  # unknown size: family
    # A month of node-hours at the hourly hazard gives the band's monthly probability.
    import math
    rate = table.hourly_rate("g5.48xlarge")
    assert 1 - math.exp(-rate * 730) == pytest.approx(0.25)
    assert table.taken_on and "Spot Instance Advisor" in table.source


def test_consolidation_replaces_a_node_by_a_cheaper_type():
    # Eight 1-GPU jobs share an 8-GPU node; seven end at 100, one runs to 10,000. Karpenter
    # replaces the 8-GPU node by a 1-GPU one (ready after the 60 s boot) and the job moves.
    jobs = [(0, 100, 1)] * 7 + [(0, 10_000, 1)]
    options = SimOptions(spot_interruptions_per_node_hour=0.0, checkpoint_interval_s=0.0)
    r = run(jobs, (SMALL, BIG), options, consolidate_underutilized=True, boot_delay_s=60.0)
    assert r.replacements == 1 and r.disruptions == 1
    assert r.launches_by_type == {"t.big": 1, "t.small": 1}
    # big 0..220 (boot 60 + 100 run + the replacement's 60 s boot), small 160..10,060.
    assert r.cost_usd == pytest.approx(220 * 0.004 + 9900 * 0.001)
    # The cluster autoscaler (a threshold) never replaces; it keeps the big node.
    ca = run(jobs, (SMALL, BIG), options, consolidate_underutilized=True, boot_delay_s=60.0,
             underutilized_threshold=0.5)
    assert ca.replacements == 0 and ca.cost_usd > r.cost_usd


def test_cost_vs_floor_puts_spot_and_on_demand_on_one_scale():
    jobs = [(0, 3600, 1)]
    od = run(jobs, (SMALL,))
    spot = run(jobs, (SMALL,), spot=True)
    assert od.cost_ratio == pytest.approx(1.0)  # its own oracle is on-demand
    assert spot.cost_ratio == pytest.approx(1.0)  # its own oracle is spot
    assert od.floor_cost_usd == spot.floor_cost_usd == pytest.approx(1.8)
    assert od.cost_vs_floor == pytest.approx(2.0) and spot.cost_vs_floor == pytest.approx(1.0)


def test_more_types_can_cost_more_in_general():
    # Why the monotonicity property below is stated for one class of pools: the choice is
    # online. A lone job at 0 gets a 1-GPU node when that type exists; seven more at 1 then
    # fill a new 8-GPU node. With only the 8-GPU type, all eight share one node.
    jobs = [(0, 100, 1)] + [(1, 100, 1)] * 7
    big = NodeType("t.big", 8, on_demand_hourly=8 * 3.6 * 0.9, spot_hourly=1.0)
    one = NodeType("t.one", 1, on_demand_hourly=3.6 * 1.5, spot_hourly=1.0)
    assert run(jobs, (big, one)).cost_usd > run(jobs, (big,)).cost_usd


def _pool(draw_types):
    return tuple(t for t in REAL_POOL if t.instance_type in draw_types)


@CHECKED
@given(st.lists(st.tuples(st.integers(0, 20_000), st.integers(1, 8_000)), min_size=1,
                max_size=25),
       st.sets(st.sampled_from([t.instance_type for t in REAL_POOL]), min_size=1),
       st.sampled_from([False, True]))
def test_more_types_never_cost_more_when_the_added_type_is_cheapest_per_gpu(jobs, base, spot):
    # Single-GPU jobs, instant boot and scale-down: a pool that gains a 1-GPU type cheapest
    # per GPU (g6.xlarge, on-demand and spot) never costs more than the pool without it.
    trace = [(s, d, 1) for s, d in jobs]
    without = run(trace, _pool(base - {"g6.xlarge"}) or _pool({"g5.48xlarge"}), spot=spot)
    with_it = run(trace, _pool(base | {"g6.xlarge"}), spot=spot)
    assert with_it.cost_usd <= without.cost_usd + 1e-9


@CHECKED
@given(st.lists(st.tuples(st.integers(0, 3_000), st.integers(1, 1_500)), min_size=1,
                max_size=30),
       st.integers(1, 5), st.integers(1, 4), st.sampled_from([0.0, 100.0, 240.0]),
       st.sampled_from([0.0, 30.0, 300.0, float("inf")]))
def test_larger_gpu_cap_never_raises_the_p95_wait_of_whole_node_jobs(jobs, nodes, extra, boot,
                                                                     idle):
    trace = [(s, d, 8) for s, d in jobs]

    def replay(cap_nodes: int):
        return run(trace, (SMALL, BIG), max_gpus=8 * cap_nodes, boot_delay_s=boot,
                   empty_delay_s=idle)

    fewer, more = replay(nodes), replay(nodes + extra)
    assert more.wait_p95_s <= fewer.wait_p95_s + 1e-9
    assert more.wait_max_s <= fewer.wait_max_s + 1e-9


@st.composite
def sizing_policies(draw) -> SimPolicy:
    spot = draw(st.booleans())
    return policy(
        spot=spot, on_demand_fallback=spot and draw(st.booleans()),
        empty_delay_s=draw(st.sampled_from([0.0, 60.0, 600.0])),
        boot_delay_s=draw(st.sampled_from([0.0, 240.0])),
        consolidate_underutilized=draw(st.booleans()),
        underutilized_threshold=draw(st.sampled_from([None, 0.5])),
        protect_running=draw(st.booleans()),
        min_nodes=draw(st.integers(0, 1)),
        max_gpus=draw(st.one_of(st.none(), st.integers(8, 40))))


@CHECKED
@given(st.lists(st.tuples(st.integers(0, 20_000), st.integers(1, 8_000),
                          st.sampled_from([0.25, 0.5, 1, 2, 3, 4, 8, 12])),
                min_size=1, max_size=25),
       st.sets(st.sampled_from([t.instance_type for t in REAL_POOL]), min_size=1),
       sizing_policies(), st.integers(0, 3), st.sampled_from([0.0, 0.3]),
       st.sampled_from([0.0, 0.01]))
def test_every_cost_vs_floor_is_at_least_one(jobs, types, pol, seed, unavailable, rate):
    options = SimOptions(seed=seed, spot_unavailable_probability=unavailable,
                         spot_interruptions_per_node_hour=rate)
    r = simulate(Trace.from_jobs("t", jobs), pol, _pool(types), options)
    assert r.cost_vs_floor >= 1 - 1e-9
    assert r.cost_ratio >= 1 - 1e-9
    assert r.cost_usd >= r.oracle_cost_usd - 1e-9 >= r.floor_cost_usd - 2e-9


@CHECKED
@given(st.lists(st.tuples(st.integers(0, 20_000), st.integers(1, 8_000)), min_size=1,
                max_size=30))
def test_right_sized_single_gpu_replay_equals_the_floor(jobs):
    # No interruptions, no boot, instant scale-down, spot with capacity: every job gets the
    # type and capacity cheapest per GPU (g6.xlarge spot) for exactly its run.
    r = run([(s, d, 1) for s, d in jobs], REAL_POOL, spot=True)
    assert r.cost_usd == pytest.approx(r.floor_cost_usd, rel=1e-9)
    assert r.cost_vs_floor == pytest.approx(1.0)
