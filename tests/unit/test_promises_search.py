"""Promises of the sizing search behind ``teamstack recommend``.

* After the first round, the cheapest profile meeting the target is retried under GPU caps
  of 50%, 70% and 85% of its peak, each rounded up to whole nodes of the largest type and
  kept only below the peak; each capped candidate is replayed under its own cap.
* Every candidate that loses says why: a p95 wait over the target in minutes, or, when it
  meets the target, that it costs more (both monthly figures) or costs the same.
* ``recommend`` picks the cheapest profile meeting the wait target; only costs equal to
  the micro-dollar are ties, broken by the lower p95 wait, then the name.
* With one job the search runs in this process (no worker processes).
"""

from __future__ import annotations

import dataclasses

import pytest

import infra.simulate.search as search_module
from infra.simulate.engine import NodeType, SimOptions, simulate
from infra.simulate.policy import SimPolicy
from infra.simulate.recommend import Replay, recommend
from infra.simulate.search import Outcome, search
from infra.simulate.trace import Trace

QUIET = SimOptions(spot_interruptions_per_node_hour=0.0)
ONE = NodeType("g.one", 1, on_demand_hourly=1.2, spot_hourly=0.5)
EIGHT = NodeType("g.eight", 8, on_demand_hourly=8.0, spot_hourly=3.2)
NO_LIMIT_S = 1e9  # a wait target every candidate meets


def four_gangs() -> Trace:
    """Four 8-GPU jobs at once for an hour: 32 GPUs at the peak, whole 8-GPU nodes."""
    return Trace.from_jobs("gangs", [(0, 3600, 8)] * 4)


def test_the_best_profile_is_retried_under_caps_below_its_peak_each_replayed_capped() -> None:
    replay = Replay(node=(ONE, EIGHT), options=QUIET)
    _, outcomes, _ = search(four_gangs(), replay, NO_LIMIT_S, budget_monthly=None, jobs=1)
    first = [o for o in outcomes if o.candidate.instance_types == ("g.one", "g.eight")
             and o.candidate.max_gpus is None]
    best = min(first, key=lambda o: o.result.cost_usd)
    assert best.result.peak_gpus == 32
    # 50% of 32 = 16 -> 16; 70% = 22.4 -> 24; 85% = 27.2 -> 32, not below the peak: dropped.
    capped = sorted((o for o in outcomes if o.candidate.max_gpus is not None),
                    key=lambda o: o.candidate.max_gpus or 0)
    assert [(o.candidate.policy, o.candidate.instance_types, o.candidate.max_gpus)
            for o in capped] == [(best.candidate.policy, ("g.one", "g.eight"), 16),
                                 (best.candidate.policy, ("g.one", "g.eight"), 24)]
    # Under a cap of 16 the four gangs run two at a time; under 24, three then one.
    assert [o.result.peak_gpus for o in capped] == [16, 24]
    assert [o.result.max_gpus for o in capped] == [16, 24]


def _monthly(o: Outcome) -> float:
    return o.result.cost_usd / o.result.span_hours * 730.0


def test_eligible_candidates_that_lose_say_whether_they_cost_more() -> None:
    replay = Replay(node=(ONE, EIGHT), options=QUIET)
    chosen, outcomes, _ = search(four_gangs(), replay, NO_LIMIT_S, budget_monthly=None, jobs=1)
    assert chosen is not None and chosen.rejected_because is None
    dearer = [o for o in outcomes if o.result.cost_usd > chosen.result.cost_usd + 0.005]
    assert dearer, "the trace must have candidates costing more than the choice"
    for o in dearer:
        assert o.rejected_because == (f"costs more: ${_monthly(o):,.0f}/month vs "
                                      f"${_monthly(chosen):,.0f}")
    for o in outcomes:
        if o is not chosen and o not in dearer:
            assert o.rejected_because == "same cost; larger cap, more types or longer wait"


@pytest.mark.parametrize(("target_min", "shown"), [(1.0, "1"), (1.5, "1.5")])
def test_a_wait_over_the_target_is_given_in_minutes(target_min: float, shown: str) -> None:
    """One job on an empty pool waits for a node: the boot (600 s = 10.0 min), plus the
    cluster autoscaler's 10 s scan (610 s = 10.2 min); the static pool is always on."""
    replay = Replay(node=EIGHT, options=QUIET, boot_delay_s=600.0)
    _, _, baselines = search(Trace.from_jobs("one", [(0, 60, 1)]), replay, target_min * 60,
                             budget_monthly=None, jobs=1)
    verdicts = {o.candidate.policy: o.rejected_because for o in baselines}
    assert verdicts == {
        "static-peak": None,
        "cluster-autoscaler-defaults": f"p95 wait 10.2 min > target {shown} min",
        "karpenter-defaults": f"p95 wait 10.0 min > target {shown} min",
    }


def test_one_job_searches_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_workers(*args: object, **kwargs: object) -> None:
        raise AssertionError("--jobs 1 started worker processes")

    monkeypatch.setattr(search_module, "ProcessPoolExecutor", no_workers)
    replay = Replay(node=EIGHT, options=QUIET)
    chosen, _, _ = search(Trace.from_jobs("one", [(0, 60, 1)]), replay, NO_LIMIT_S,
                          budget_monthly=None, jobs=1)
    assert chosen is not None


# ------------------------------------------------------------------------- recommend

def _results(rows: list[tuple[str, float, float]]):
    """Profile results with the given (name, cost, p95 wait), from one real replay."""
    base = simulate(Trace.from_jobs("t", [(0, 60, 1)]),
                    SimPolicy(name="p", kind="profile", spot=False, empty_delay_s=0.0),
                    EIGHT, QUIET)
    return [dataclasses.replace(base, policy=n, cost_usd=c, wait_p95_s=w) for n, c, w in rows]


@pytest.mark.parametrize(("rows", "target", "winner"), [
    # 40 cents cheaper wins over a shorter wait
    ([("a", 100.4, 50.0), ("b", 100.0, 100.0)], 600.0, "b"),
    ([("a", 100.0, 100.0), ("b", 100.4, 50.0)], 600.0, "a"),
    # a tenth of a cent cheaper still wins
    ([("a", 10.001, 0.0), ("b", 10.0, 300.0)], 600.0, "b"),
    # equal cost: the shorter wait, then the name
    ([("a", 10.0, 300.0), ("b", 10.0, 200.0)], 600.0, "b"),
    ([("b", 10.0, 200.0), ("a", 10.0, 200.0)], 600.0, "a"),
    # the cheapest misses the target: the next one
    ([("a", 1.0, 700.0), ("b", 2.0, 600.0)], 600.0, "b"),
])
def test_recommend_picks_the_cheapest_meeting_the_target(
        rows: list[tuple[str, float, float]], target: float, winner: str) -> None:
    chosen = recommend(_results(rows), target)
    assert chosen is not None and chosen.policy == winner
