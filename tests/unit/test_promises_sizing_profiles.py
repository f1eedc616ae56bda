"""Promises of profiles as the replay sees them.

* A profile whose Karpenter consolidation is ``WhenEmptyOrUnderutilized`` (and that does not
  protect running jobs) moves the jobs of an under-used node onto another; the others never
  move a running job.
* A team's timezone moves its profile's working-hours floor: at 01:00 UTC on a Monday it is
  10:00 in Tokyo, inside the 07:45-19:00 floor, so a job finds a node up; in UTC or New York
  the job waits for a node's 240 s boot.
* ``teamstack simulate`` describes a profile by its catalog summary.
"""

from __future__ import annotations

import pytest

from infra.profiles import resolve
from infra.simulate.engine import NodeType, SimOptions, simulate
from infra.simulate.recommend import Replay, build_policy
from infra.simulate.trace import Trace

from .test_promises_sizing_policy import simulate_json

QUIET = SimOptions(spot_interruptions_per_node_hour=0.0)
FOUR = NodeType("four.x", 4, on_demand_hourly=4.0, spot_hourly=2.0)


@pytest.mark.parametrize(("profile", "moves"), [
    ("experiment", 1),  # WhenEmptyOrUnderutilized
    ("service", 1),  # WhenEmptyOrUnderutilized
    ("interactive", 0),  # WhenEmpty
    ("scheduled-retrain", 0),  # WhenEmpty
    ("adhoc-training", 0),  # WhenEmpty
])
def test_only_underutilized_consolidation_moves_running_jobs(profile: str, moves: int) -> None:
    # Node 1 holds a 1-GPU job and a 3-GPU filler (ends at 1,240); node 2, launched because
    # node 1 is full, holds another 1-GPU job. Then each node is a quarter used.
    trace = Trace.from_jobs("two", [(0, 20_000, 1), (0, 1_000, 3), (300, 20_000, 1)])
    result = simulate(trace, build_policy(profile, trace, Replay(node=FOUR, options=QUIET)),
                      FOUR, QUIET)
    assert result.peak_nodes == 2
    assert result.disruptions == moves


@pytest.mark.parametrize(("timezone", "wait", "node_s"), [
    ("UTC", 240.0, 240 + 60),
    ("America/New_York", 240.0, 240 + 60),
    ("Asia/Tokyo", 0.0, 60),  # the floor node is billed from the job's arrival
])
@pytest.mark.parametrize(("profile", "hourly"), [("interactive", 4.0), ("experiment", 2.0)])
def test_the_team_timezone_moves_the_working_hours_floor(timezone: str, wait: float,
                                                        node_s: float, profile: str,
                                                        hourly: float) -> None:
    trace = Trace.from_jobs("one", [(3600, 60, 1)])
    replay = Replay(node=FOUR, options=QUIET, timezone=timezone)
    result = simulate(trace, build_policy(profile, trace, replay), FOUR, QUIET)
    assert result.wait_max_s == wait
    assert result.cost_usd == pytest.approx(node_s * hourly / 3600)


@pytest.mark.parametrize("profile", ["interactive", "experiment", "scheduled-retrain",
                                     "adhoc-training", "service"])
def test_simulate_describes_a_profile_by_its_catalog_summary(
        monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str],
        profile: str) -> None:
    data = simulate_json(monkeypatch, tmp_path, capsys, profile, "0,600,1\n")
    summary = resolve(profile).summary
    assert summary and (data["kind"], data["description"]) == ("profile", summary)
