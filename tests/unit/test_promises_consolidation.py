"""Promises of Karpenter's replacement of an under-used node by a cheaper one.

* When the cheaper node is ready, every job of the old node moves onto it (restarting from
  its last checkpoint) and the old node is released.
* If the old node changed while the replacement booted (a job ended or arrived), the
  replacement is abandoned: the jobs stay where they are and the new node idles out.

The figures are worked out by hand: per-second rates are hourly / 3600.
"""

from __future__ import annotations

import pytest

from infra.simulate.engine import NodeType, SimOptions, simulate
from infra.simulate.policy import SimPolicy
from infra.simulate.trace import Trace

QUIET = SimOptions(spot_interruptions_per_node_hour=0.0)  # checkpoints every 1800 s
MID = NodeType("t.mid", 2, on_demand_hourly=7.2, spot_hourly=3.6)  # $0.002/s
BIG = NodeType("t.big", 8, on_demand_hourly=14.4, spot_hourly=7.2)  # $0.004/s
KARPENTER = SimPolicy(name="k", kind="profile", spot=False, empty_delay_s=0.0,
                      consolidate_underutilized=True, underutilized_delay_s=0.0,
                      boot_delay_s=240.0)


def shared_big_node(second_job_s: float) -> Trace:
    """Eight 1-GPU jobs share one 8-GPU node (ready at 240): A runs 10,000 s, B
    ``second_job_s``, six end at 340. Then A and B fit a 2-GPU node, launched at 340 as a
    cheaper replacement and ready at 580."""
    return Trace.from_jobs("shared", [(0, 10_000, 1), (0, second_job_s, 1)]
                           + [(0, 100, 1)] * 6)


def test_a_ready_replacement_takes_every_job_and_the_old_node_goes() -> None:
    # B (400 s) runs to 640, past the replacement's boot: both move at 580, restarting
    # from scratch (no checkpoint yet). The big node is billed 0..580, the new one from
    # its launch at 340 until A ends at 580 + 10,000.
    r = simulate(shared_big_node(400), KARPENTER, (MID, BIG), QUIET)
    assert r.launches_by_type == {"t.big": 1, "t.mid": 1}
    assert (r.replacements, r.disruptions) == (1, 2)
    assert r.cost_usd == pytest.approx(580 * 0.004 + (10_580 - 340) * 0.002)


@pytest.mark.parametrize("second_job_s", [200, 300])
def test_a_replacement_is_abandoned_when_the_old_node_changed(second_job_s: float) -> None:
    # B ends at 440 or 540, while the replacement boots: nothing moves, A finishes on the
    # big node at 10,240, and the 2-GPU node goes as soon as it is ready and empty (580).
    r = simulate(shared_big_node(second_job_s), KARPENTER, (MID, BIG), QUIET)
    assert r.launches_by_type == {"t.big": 1, "t.mid": 1}
    assert (r.replacements, r.disruptions) == (0, 0)
    assert r.cost_usd == pytest.approx(10_240 * 0.004 + (580 - 340) * 0.002)
