"""Simulator invariants, checked by Hypothesis on generated traces and policies."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.simulate.engine import NodeType, SimOptions, Simulator, simulate
from infra.simulate.policy import SimPolicy, Window
from infra.simulate.trace import Trace

CHECKED = settings(max_examples=100, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow])
NO_SPOT_LOSS = SimOptions(spot_interruptions_per_node_hour=0.0)


def _jobs(sizes, max_size=30):
    return st.lists(st.tuples(st.integers(0, 20_000), st.integers(0, 8_000),
                              st.sampled_from(sizes)), min_size=1, max_size=max_size)


@st.composite
def policies(draw) -> SimPolicy:
    warm = draw(st.booleans())
    return SimPolicy(
        name="p", kind="profile", spot=draw(st.booleans()),
        empty_delay_s=draw(st.sampled_from([0.0, 30.0, 600.0, float("inf")])),
        boot_delay_s=draw(st.sampled_from([0.0, 60.0, 240.0])),
        consolidate_underutilized=draw(st.booleans()),
        underutilized_threshold=draw(st.sampled_from([None, 0.5])),
        underutilized_delay_s=draw(st.sampled_from([0.0, 600.0])),
        scale_down_delay_after_add_s=draw(st.sampled_from([0.0, 600.0])),
        protect_running=draw(st.booleans()),
        min_nodes=draw(st.integers(0, 2)),
        max_nodes=draw(st.one_of(st.none(), st.integers(2, 6))),
        warm_windows=(Window(cron="0 1 * * *", duration_s=3600, value=2),) if warm else (),
        blackouts=(Window(cron="30 0 * * *", duration_s=1800,
                          reasons=("Underutilized",)),) if warm else (),
        provision_delay_s=draw(st.sampled_from([0.0, 10.0])),
    )


class CheckedSimulator(Simulator):
    """Asserts the pool's bookkeeping after every scheduling pass."""

    def _schedule(self) -> None:
        super()._schedule()
        ready = [n for n in self.nodes.values() if n.ready]
        assert len(self.nodes) == self.alive == len(ready) + self.booting
        if self.policy.max_nodes is not None:
            assert self.alive <= self.policy.max_nodes
        for node in ready:
            used = sum(self.demand[j] if self.key[j] < self.cap else self.cap
                       for j in node.jobs)
            assert used == self.cap - node.free and 0 <= node.free <= self.cap
            assert node.id in self.buckets[node.free]
        assert sum(len(b) for b in self.buckets.values()) == len(ready)
        assert self.free_keys == sorted(self.buckets)
        assert self.pending_count == sum(len(h) for h in self.pending.values())
        assert all(not n.jobs for n in self.nodes.values() if not n.ready)


@CHECKED
@given(_jobs([0.25, 0.5, 1, 2, 3, 4, 6, 8]), policies(), st.integers(0, 3))
def test_cost_never_below_the_oracle_and_books_balance(jobs, policy, seed):
    node = NodeType("x", 4, on_demand_hourly=4.0, spot_hourly=1.5)
    options = SimOptions(spot_interruptions_per_node_hour=20.0, checkpoint_interval_s=600,
                         seed=seed)
    result = CheckedSimulator(Trace.from_jobs("t", jobs), policy, node, options).run()
    assert result.cost_usd >= result.oracle_cost_usd * (1 - 1e-9)
    assert result.cost_ratio >= 1 - 1e-9
    assert 0 <= result.gpu_utilisation <= 1 + 1e-9
    # Each interruption or move loses at most one checkpoint interval of its jobs' GPUs.
    assert result.lost_gpu_hours <= (result.interruptions + result.disruptions) * 8 * 600 / 3600 \
        + 1e-9
    assert result.jobs + result.unschedulable == len(jobs)


@CHECKED
@given(st.sampled_from([1, 2, 4, 8]),
       st.lists(st.tuples(st.integers(0, 20_000), st.integers(0, 8_000), st.integers(1, 4)),
                min_size=1, max_size=40),
       st.booleans(), st.booleans())
def test_instant_unlimited_policy_equals_the_oracle(node_gpus, jobs, spot, consolidate):
    # Jobs of whole nodes (so packing wastes nothing), no boot, no idle, no limit.
    node = NodeType("x", node_gpus, on_demand_hourly=4.0, spot_hourly=1.5)
    trace = Trace.from_jobs("t", [(s, d, k * node_gpus) for s, d, k in jobs])
    policy = SimPolicy(name="instant", kind="profile", spot=spot, empty_delay_s=0.0,
                       boot_delay_s=0.0, consolidate_underutilized=consolidate)
    result = simulate(trace, policy, node, NO_SPOT_LOSS)
    assert result.cost_usd == pytest.approx(result.oracle_cost_usd, rel=1e-9, abs=1e-12)
    assert result.wait_max_s == 0


@CHECKED
@given(st.lists(st.tuples(st.integers(0, 3_000), st.integers(1, 1_500)), min_size=1,
                max_size=30),
       st.integers(1, 5), st.integers(1, 4), st.sampled_from([0.0, 100.0, 240.0]),
       st.sampled_from([0.0, 30.0, 300.0, float("inf")]))
def test_more_allowed_nodes_never_raise_the_wait(jobs, limit, extra, boot, idle):
    # Jobs that each take one whole node (the pool is fungible). See the test below for why
    # the statement is about the tail of the distribution and not about every job.
    node = NodeType("x", 2, on_demand_hourly=2.0, spot_hourly=1.0)
    trace = Trace.from_jobs("t", [(s, d, 2) for s, d in jobs])

    def replay(max_nodes: int):
        return simulate(trace, SimPolicy(name="p", kind="profile", spot=False,
                                         empty_delay_s=idle, boot_delay_s=boot,
                                         max_nodes=max_nodes), node, NO_SPOT_LOSS)

    fewer, more = replay(limit), replay(limit + extra)
    assert more.wait_max_s <= fewer.wait_max_s + 1e-9
    assert more.wait_p95_s <= fewer.wait_p95_s + 1e-9


@CHECKED
@given(st.lists(st.tuples(st.integers(0, 3_000), st.integers(1, 1_500)), min_size=1,
                max_size=30),
       st.integers(1, 5), st.integers(1, 4), st.sampled_from([0.0, 300.0, float("inf")]))
def test_with_instant_boot_more_nodes_never_delay_any_job(jobs, limit, extra, idle):
    node = NodeType("x", 2, on_demand_hourly=2.0, spot_hourly=1.0)
    trace = Trace.from_jobs("t", [(s, d, 2) for s, d in jobs])

    def waits(max_nodes: int) -> list[float]:
        sim = Simulator(trace, SimPolicy(name="p", kind="profile", spot=False,
                                         empty_delay_s=idle, boot_delay_s=0.0,
                                         max_nodes=max_nodes), node, NO_SPOT_LOSS)
        sim.run()
        return sim.wait

    for fewer, more in zip(waits(limit), waits(limit + extra), strict=True):
        assert more <= fewer + 1e-9


def test_more_nodes_can_delay_one_job_by_scaling_down_sooner():
    # Why the invariant above is about the tail: with one node, the second job waits for the
    # first and keeps the node busy until 242, so the third job (at 242) finds it warm. With
    # two nodes, both early jobs run at once, the nodes go at 241, and the third job waits
    # for a boot. The worst wait still falls (240 vs 241).
    node = NodeType("x", 1, on_demand_hourly=1.0, spot_hourly=0.5)
    trace = Trace.from_jobs("t", [(0, 1, 1), (0, 1, 1), (242, 1, 1)])

    def replay(max_nodes: int) -> Simulator:
        sim = Simulator(trace, SimPolicy(name="p", kind="profile", spot=False,
                                         empty_delay_s=0.0, boot_delay_s=240.0,
                                         max_nodes=max_nodes), node, NO_SPOT_LOSS)
        sim.run()
        return sim

    one, two = replay(1), replay(2)
    assert one.wait == [240.0, 241.0, 0.0]
    assert two.wait == [240.0, 240.0, 240.0]
