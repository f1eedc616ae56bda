"""The promise (docs/profiles.md, `teamstack simulate`): the replay's figures mean what their
names say, checked on traces small enough to work out by hand.

* gpu_utilisation is busy GPU-seconds over provisioned GPU-seconds: a 4-GPU job counts four.
* span_hours is the replayed time, from the first arrival to the last completion.
* A sizing where nothing can run reports no wait at all, never a crash.
* The family catalog offers every GPU type of a family, one-GPU types included.
"""

from __future__ import annotations

import pytest

from infra.cost.prices import load_catalog
from infra.simulate.engine import NodeType, SimOptions, simulate
from infra.simulate.policy import SimPolicy
from infra.simulate.pool import family_types
from infra.simulate.trace import Trace

QUIET = SimOptions(spot_interruptions_per_node_hour=0.0)
INSTANT = SimPolicy(name="p", kind="profile", spot=False, empty_delay_s=0.0, boot_delay_s=0.0)
FOUR = NodeType("t.four", 4, on_demand_hourly=14.4, spot_hourly=7.2)


@pytest.mark.parametrize(("jobs", "busy_gpu_s", "provisioned_gpu_s"), [
    ([(0, 3600, 4)], 4 * 3600, 4 * 3600),          # one node, full, for an hour
    ([(0, 3600, 2)], 2 * 3600, 4 * 3600),          # half of it
    ([(0, 3600, 1), (0, 1800, 3)], 3600 + 3 * 1800, 4 * 3600),
])
def test_utilisation_is_busy_gpu_seconds_over_provisioned(
        jobs: list[tuple[int, int, float]], busy_gpu_s: float, provisioned_gpu_s: float) -> None:
    result = simulate(Trace.from_jobs("t", jobs), INSTANT, (FOUR,), QUIET)
    assert result.node_hours == pytest.approx(provisioned_gpu_s / 4 / 3600)
    assert result.gpu_utilisation == pytest.approx(busy_gpu_s / provisioned_gpu_s)


def test_span_is_first_arrival_to_last_completion() -> None:
    trace = Trace.from_jobs("t", [(600, 3600, 1), (1800, 5400, 1)])
    result = simulate(trace, INSTANT, (FOUR,), QUIET)
    assert result.span_hours == pytest.approx((1800 + 5400 - 600) / 3600)


def test_a_sizing_where_nothing_can_run_reports_no_wait() -> None:
    trace = Trace.from_jobs("t", [(0, 600, 8), (60, 600, 6)])
    capped = SimPolicy(name="p", kind="profile", spot=False, empty_delay_s=0.0,
                       boot_delay_s=0.0, max_gpus=4)
    result = simulate(trace, capped, (FOUR,), QUIET)
    assert (result.unschedulable, result.wait_p95_s, result.wait_max_s) == (2, 0.0, 0.0)


def test_the_family_catalog_offers_one_gpu_types_too() -> None:
    catalog = load_catalog()
    g5 = family_types(catalog, ("g5",))
    assert "g5.xlarge" in g5 and "g5.48xlarge" in g5
    assert all(catalog.instance(name).gpus >= 1 for name in g5)


@pytest.mark.parametrize(("own_rate", "default_rate", "interrupted"), [
    (0.0, 3.0, False),    # the type's own band says never: the default does not apply
    (3.0, 0.0, True),     # the type's own band says often, whatever the default
    (None, 3.0, True),    # no band of its own: the replay's default
    (None, 0.0, False),
])
def test_a_types_own_spot_band_sets_its_interruption_rate(
        own_rate: float | None, default_rate: float, interrupted: bool) -> None:
    spot_type = NodeType("t.four", 4, on_demand_hourly=14.4, spot_hourly=7.2,
                         spot_interruptions_per_hour=own_rate)
    spot = SimPolicy(name="p", kind="profile", spot=True, empty_delay_s=0.0, boot_delay_s=0.0)
    # Twenty 10-minute jobs, a node each: at 3 an hour, about 10 interruptions expected.
    trace = Trace.from_jobs("t", [(0, 600, 4)] * 20)
    result = simulate(trace, spot, (spot_type,),
                      SimOptions(spot_interruptions_per_node_hour=default_rate))
    assert (result.interruptions > 0) is interrupted
