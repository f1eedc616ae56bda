"""Promises of the baselines and of ``peak_nodes`` (what the static pool is sized for).

* ``peak_nodes`` is the node count at the trace's busiest instant when every job runs on
  arrival: a job of a node or more takes whole nodes (rounded up), smaller jobs are packed
  by their GPUs and rounded up to nodes once; a job ending when another starts frees its
  room first.
* The static-peak baseline has exactly that many always-on nodes, but never more than the
  quota allows (at least one node).
* The cluster-autoscaler baseline consolidates a node only below 50% use: a node half used
  keeps its jobs, a node a quarter used gives them to another node.
* ``teamstack simulate`` reports a baseline as kind ``baseline`` with its description.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import infra.cli
from infra.simulate.engine import NodeType, SimOptions, simulate
from infra.simulate.policy import baseline_policy, peak_nodes
from infra.simulate.trace import Trace

NO_SPOT_LOSS = SimOptions(spot_interruptions_per_node_hour=0.0)
FOUR = NodeType("four.x", 4, on_demand_hourly=4.0, spot_hourly=2.0)


# --------------------------------------------------------------------------- peak_nodes

# (jobs as (submit, duration, gpus), node GPUs, nodes at the busiest instant) by hand.
PEAKS = [
    # two half-node jobs at once pack onto one node
    ([(0, 10, 4), (0, 10, 4)], 8, 1),
    # four quarter jobs fill one node exactly; a fifth needs a second
    ([(0, 10, 2)] * 4, 8, 1),
    ([(0, 10, 2)] * 5, 8, 2),
    # whole-node jobs: exactly one node each, a 12-GPU job two 8-GPU nodes
    ([(0, 10, 8), (0, 10, 8)], 8, 2),
    ([(0, 10, 12)], 8, 2),
    # a 12-GPU job (two nodes, 4 GPUs wasted) and a 4-GPU job: three nodes, not two
    ([(0, 10, 12), (0, 10, 4)], 8, 3),
    # one job ends as the next starts: never both at once
    ([(0, 10, 8), (10, 10, 8)], 8, 1),
    ([(0, 10, 6), (10, 10, 6)], 8, 1),
    # overlapping only partly still counts the overlap
    ([(0, 10, 6), (5, 10, 6)], 8, 2),
    # fractional GPUs add up exactly: ten 0.1-GPU jobs are one GPU
    ([(0, 10, 0.1)] * 10, 1, 1),
    ([(0, 10, 0.1)] * 11, 1, 2),
    # a job of a ten-thousandth of a GPU still needs a node (the engine gives it a
    # thousandth); zero-length jobs need none
    ([(0, 10, 0.0004)], 1, 1),
    ([(0, 10, 0.0004), (20, 10, 0.0001)], 8, 1),
    ([(0, 0, 1), (5, 0, 2)], 1, 0),
]


@pytest.mark.parametrize(("jobs", "node_gpus", "expected"), PEAKS)
def test_peak_nodes_packs_small_jobs_and_counts_big_ones_whole(
        jobs: list[tuple[float, float, float]], node_gpus: int, expected: int) -> None:
    submit, duration, gpus = (list(c) for c in zip(*jobs, strict=True))
    assert peak_nodes(submit, duration, gpus, node_gpus) == expected


def _peak_by_instants(jobs: list[tuple[int, int, int]], node_gpus: int) -> int:
    """The same count taken at every start instant from the jobs running then."""
    best = 0
    for s, _, _ in jobs:
        running = [g for s2, d2, g in jobs if s2 <= s < s2 + d2]
        whole = sum(math.ceil(g / node_gpus) for g in running if g >= node_gpus)
        small = sum(g for g in running if g < node_gpus)
        best = max(best, whole + math.ceil(small / node_gpus))
    return best


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 30), st.integers(1, 20)),
                min_size=1, max_size=12),
       st.sampled_from([1, 4, 8]))
def test_peak_nodes_is_the_busiest_instant(jobs: list[tuple[int, int, int]],
                                           node_gpus: int) -> None:
    submit = [float(s) for s, _, _ in jobs]
    duration = [float(d) for _, d, _ in jobs]
    gpus = [float(g) for _, _, g in jobs]
    assert peak_nodes(submit, duration, gpus, node_gpus) == _peak_by_instants(jobs, node_gpus)


# ------------------------------------------------------------------------- static peak

# (peak nodes, quota GPUs, node GPUs, static nodes): min(peak, quota // node), at least 1.
STATIC = [
    (5, None, 8, 5),
    (5, 80, 8, 5),
    (5, 40, 8, 5),
    (5, 39, 8, 4),
    (5, 16, 8, 2),
    (5, 4, 8, 1),  # a quota below one node still gets one node
    (3, 1, 1, 1),
]


@pytest.mark.parametrize(("peak", "max_gpus", "node_gpus", "nodes"), STATIC)
def test_static_peak_sizes_for_the_peak_within_the_quota(peak: int, max_gpus: int | None,
                                                        node_gpus: int, nodes: int) -> None:
    policy = baseline_policy("static-peak", peak_nodes=peak, max_gpus=max_gpus,
                             node_gpus=node_gpus)
    assert (policy.min_nodes, policy.max_nodes) == (nodes, nodes)
    assert policy.description == (f"{nodes} on-demand nodes, enough for the trace's peak, "
                                  "always on")


def test_the_static_pool_runs_a_trace_of_tiny_jobs() -> None:
    """Jobs too small to add up to a thousandth of a GPU still run, at once, on the static
    pool's one always-on node."""
    trace = Trace.from_jobs("tiny", [(0, 600, 0.0004), (1_000, 600, 0.0004)])
    peak = peak_nodes(trace.submit, trace.duration, trace.gpus, 4)
    policy = baseline_policy("static-peak", peak_nodes=peak, max_gpus=None, node_gpus=4)
    result = simulate(trace, policy, FOUR, NO_SPOT_LOSS)
    assert (result.peak_nodes, result.wait_max_s, result.unschedulable) == (1, 0.0, 0)


def test_a_larger_quota_never_gives_the_static_pool_fewer_nodes() -> None:
    sizes = [baseline_policy("static-peak", peak_nodes=6, max_gpus=q, node_gpus=4).min_nodes
             for q in (4, 8, 12, 16, 20, 24, 28)]
    assert sizes == [1, 2, 3, 4, 5, 6, 6]


# ------------------------------------------------------------- cluster-autoscaler: 50%

def _two_nodes_then(long_gpus: int) -> Trace:
    """Node 1 gets a long job and a short 2-GPU filler; node 2 (launched because node 1 is
    full) gets a second long job. When the filler ends both nodes hold ``long_gpus``."""
    return Trace.from_jobs("two-nodes", [
        (0, 20_000, long_gpus), (0, 1_000, 4 - long_gpus), (300, 20_000, long_gpus)])


@pytest.mark.parametrize(("long_gpus", "moves"), [
    (2, 0),  # 2 of 4 GPUs = 50%: not under-used, both nodes keep their job
    (3, 0),  # 75%: not under-used, and the jobs would not fit together anyway
    (1, 1),  # 25%: under-used, one node's job moves onto the other
])
def test_cluster_autoscaler_consolidates_only_nodes_under_half_used(long_gpus: int,
                                                                    moves: int) -> None:
    policy = baseline_policy("cluster-autoscaler-defaults", peak_nodes=2, max_gpus=None,
                             node_gpus=4)
    result = simulate(_two_nodes_then(long_gpus), policy, FOUR, NO_SPOT_LOSS)
    assert result.peak_nodes == 2
    assert result.disruptions == moves


# ------------------------------------------------------------ what simulate reports

BASELINE_REPORTS = [
    ("static-peak", "1 on-demand nodes, enough for the trace's peak, always on"),
    ("cluster-autoscaler-defaults",
     "scale down after 10 min unneeded, 10 min after a scale-up, utilisation threshold 0.5, "
     "10 s scan interval"),
    ("karpenter-defaults", "WhenEmptyOrUnderutilized, consolidateAfter 0s, on-demand"),
]


def simulate_json(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str],
                  policy: str, rows: str) -> dict:
    """`teamstack simulate --format json` of a trace of ``rows`` on 4-GPU nodes, parsed."""
    monkeypatch.setattr(infra.cli, "COMMAND_MODULES", ("infra.commands.simulate",))
    trace = tmp_path / "t.csv"
    trace.write_text("submit_time_s,duration_s,num_gpus\n" + rows)
    assert infra.cli.main(["simulate", "--trace", str(trace), "--policy", policy,
                           "--node-gpus", "4", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("name", "description"), BASELINE_REPORTS)
def test_simulate_reports_a_baseline_as_such_with_its_description(
        monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str],
        name: str, description: str) -> None:
    data = simulate_json(monkeypatch, tmp_path, capsys, name, "0,600,1\n60,600,1\n")
    assert (data["policy"], data["kind"], data["description"]) == (name, "baseline",
                                                                   description)
    assert infra.cli.main(["simulate", "--trace", str(tmp_path / "t.csv"), "--policy", name,
                           "--node-gpus", "4"]) == 0
    assert f"policy: {description}" in " ".join(capsys.readouterr().out.split())
