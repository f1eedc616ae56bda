"""Promises of time windows in the replay: warm floors, blackouts, and idle weeks.

* A warm floor keeps its nodes for each window, every week: N weeks of a weekday 09:00-17:00
  floor bill N x 40 node-hours, however many idle weeks the replay jumps over.
* A window opens on its own timezone's clock (10:00 in Tokyo is 01:00 UTC).
* A blackout of ``Empty`` disruptions (or of every reason) keeps an empty node until it
  closes; a blackout of ``Underutilized`` only does not.

One GPU per node at one dollar per node-second: the bill reads as node-seconds.
"""

from __future__ import annotations

import pytest

from infra.simulate.engine import NodeType, SimOptions, simulate
from infra.simulate.policy import SimPolicy, Window
from infra.simulate.trace import Trace

QUIET = SimOptions(spot_interruptions_per_node_hour=0.0)
NODE = NodeType("x", 1, on_demand_hourly=3600.0, spot_hourly=1800.0)
WEEK_S = 7 * 86400


@pytest.mark.parametrize("weeks", [1, 2, 3, 10, 30])
def test_a_weekday_floor_bills_forty_node_hours_a_week(weeks: int) -> None:
    # Trace time 0 is Monday 2024-01-01 00:00 UTC; a one-minute job then and one `weeks`
    # later (the bill ends with it). Between them, five 8-hour windows a week.
    trace = Trace.from_jobs("weeks", [(0, 60, 1), (weeks * WEEK_S, 60, 1)])
    policy = SimPolicy(name="floor", kind="profile", spot=False, empty_delay_s=0.0,
                       boot_delay_s=0.0,
                       warm_windows=(Window(cron="0 9 * * 1-5", duration_s=8 * 3600, value=1),))
    result = simulate(trace, policy, NODE, QUIET)
    assert result.cost_usd == pytest.approx(weeks * 5 * 8 * 3600 + 2 * 60)
    assert result.node_hours == pytest.approx(weeks * 40 + 2 / 60)


@pytest.mark.parametrize(("timezone", "cost", "wait_p50"), [
    # 10:00 UTC: no floor before the 01:10 job; it waits for a node's 240 s boot.
    ("UTC", 300 + 300, 240.0),
    ("America/New_York", 300 + 300, 240.0),
    # 10:00 Tokyo = 01:00 UTC: the floor node is up (ready 01:04) when the job comes at 01:10;
    # billed from 3600 to the job's end at 4260.
    ("Asia/Tokyo", 300 + (4260 - 3600), 120.0),
])
def test_a_window_opens_on_its_own_timezone(timezone: str, cost: float,
                                            wait_p50: float) -> None:
    # The first job (00:00 UTC) always waits for a node: 240 s boot + 60 s run.
    trace = Trace.from_jobs("tz", [(0, 60, 1), (4200, 60, 1)])
    policy = SimPolicy(name="tz", kind="profile", spot=False, empty_delay_s=0.0,
                       boot_delay_s=240.0,
                       warm_windows=(Window(cron="0 10 * * *", duration_s=3600,
                                            timezone=timezone, value=1),))
    result = simulate(trace, policy, NODE, QUIET)
    assert result.cost_usd == pytest.approx(cost)
    assert result.wait_p50_s == wait_p50


@pytest.mark.parametrize(("reasons", "cost"), [
    # the node empties at 660 inside the 00:00-01:00 blackout: kept to 3600
    (None, (3600 - 60) + 60),
    (("Empty",), (3600 - 60) + 60),
    (("Drifted", "Empty"), (3600 - 60) + 60),
    # the blackout does not cover empty nodes: removed at once
    (("Underutilized",), 600 + 60),
])
def test_a_blackout_of_empty_disruptions_keeps_an_empty_node(
        reasons: tuple[str, ...] | None, cost: float) -> None:
    trace = Trace.from_jobs("blackout", [(60, 600, 1), (7200, 60, 1)])
    policy = SimPolicy(name="b", kind="profile", spot=False, empty_delay_s=0.0,
                       boot_delay_s=0.0,
                       blackouts=(Window(cron="0 0 * * *", duration_s=3600, reasons=reasons),))
    result = simulate(trace, policy, NODE, QUIET)
    assert result.cost_usd == pytest.approx(cost)
    assert result.nodes_launched == 2


@pytest.mark.parametrize("weeks", [3, 10, 30])
@pytest.mark.parametrize("spot", [False, True])
def test_an_always_on_node_and_a_weekday_floor_bill_every_week(weeks: int, spot: bool) -> None:
    # One node always on (billed for the whole span, to the last job's end) and a second
    # one for each weekday's 09:00-17:00 window; spot nodes at half the on-demand rate.
    trace = Trace.from_jobs("weeks", [(0, 60, 1), (weeks * WEEK_S, 60, 1)])
    policy = SimPolicy(name="floor", kind="profile", spot=spot, empty_delay_s=0.0,
                       boot_delay_s=0.0, min_nodes=1,
                       warm_windows=(Window(cron="0 9 * * 1-5", duration_s=8 * 3600, value=2),))
    result = simulate(trace, policy, NODE, QUIET)
    node_s = (weeks * WEEK_S + 60) + weeks * 5 * 8 * 3600
    assert result.node_hours == pytest.approx(node_s / 3600)
    assert result.cost_usd == pytest.approx(node_s * (0.5 if spot else 1.0))
    assert result.launches_by_type == {"x": 1 + weeks * 5}


@pytest.mark.parametrize("weeks", [20, 40])
def test_idle_spot_nodes_are_interrupted_at_their_rate_over_skipped_weeks(weeks: int) -> None:
    # Two always-on spot nodes at 0.05 interruptions per node-hour: 2 x 168 x 0.05 = 16.8 a
    # week expected (Poisson: +-25% is over 4 standard deviations at 20 weeks, and a rate
    # off by a factor of 2 falls far outside), whether weeks are replayed or skipped.
    trace = Trace.from_jobs("weeks", [(0, 60, 1), (weeks * WEEK_S, 60, 1)])
    policy = SimPolicy(name="spot", kind="profile", spot=True, empty_delay_s=0.0,
                       boot_delay_s=0.0, min_nodes=2,
                       warm_windows=(Window(cron="0 9 * * 1", duration_s=3600, value=2),))
    options = SimOptions(spot_interruptions_per_node_hour=0.05, seed=5)
    result = simulate(trace, policy, NODE, options)
    expected = 2 * weeks * 168 * 0.05
    assert expected * 0.75 <= result.interruptions <= expected * 1.25


@pytest.mark.parametrize("weeks", [1, 3, 10, 30])
def test_a_floor_node_keeps_its_idle_delay_every_week(weeks: int) -> None:
    # Mondays a floor of one node from 08:55 to 09:10 (and another from 09:00 to 09:01): the
    # node, empty since its launch at 08:55, goes 30 min (the idle delay) after it, at 09:25,
    # every week, also after weeks the replay jumps over. The first job's node idles 30 min
    # too; the bill ends with the last job.
    trace = Trace.from_jobs("weeks", [(0, 60, 1), (weeks * WEEK_S, 60, 1)])
    policy = SimPolicy(name="floor", kind="profile", spot=False, empty_delay_s=1800.0,
                       boot_delay_s=0.0,
                       warm_windows=(Window(cron="0 9 * * 1", duration_s=60, value=1),
                                     Window(cron="55 8 * * 1", duration_s=900, value=1)))
    result = simulate(trace, policy, NODE, QUIET)
    assert result.cost_usd == pytest.approx((60 + 1800) + weeks * 1800 + 60)
