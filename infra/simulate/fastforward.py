"""Idle weeks repeated arithmetically, so a replay costs what its jobs cost, not its span.

While the pool is idle (no job queued or running) and the next job is weeks away, the
warm-window calendar would otherwise be replayed day by day. A week that repeats exactly
(same nodes, floors and blackouts at the same opening of the first window, same billing and
launches) is instead repeated up to the week before the next arrival. Kept apart from the
event loop because it reaches into the simulator's accumulators as a whole; it changes no
figure of a deterministic replay (tests/unit/test_simulate_idle_calendar.py). In a time zone
with daylight saving, the one window opening at the jump may be an hour off its local time;
idle spot interruptions are counted at their expected number.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import Counter
from typing import TYPE_CHECKING, Any

from infra.simulate import lifecycle
from infra.simulate.model import _ARRIVE, _WINDOW, MILLI

if TYPE_CHECKING:
    from infra.simulate.engine import Simulator

WEEK_S = 7 * 86400.0


def idle_state(sim: Simulator) -> tuple[Any, ...] | None:
    """What the pool looks like, if it is idle (else None): equal states a week apart
    mean the week repeats until a job arrives."""
    if sim.pending_count or sim.booting or any(n.jobs for n in sim.nodes.values()):
        return None
    nodes = sorted((n.type, n.spot) for n in sim.nodes.values())
    return (tuple(nodes), len(sim.held),
            sorted(sim.calendar.active_floors.items()),
            sorted(sim.calendar.blackouts.items()))

def _rates(sim: Simulator) -> tuple[float, float, float, float]:
    """What the alive nodes add per second to the four billing accumulators."""
    spot = sum(1.0 for n in sim.nodes.values() if n.spot)
    cost = sum(sim.types[n.type].hourly(n.spot) / 3600.0 for n in sim.nodes.values())
    gpus = sum(n.cap / MILLI for n in sim.nodes.values())
    return (spot, len(sim.nodes) - spot, cost, gpus)

def _accrued(sim: Simulator) -> tuple[float, ...]:
    """Spot and on-demand node-seconds, dollars and GPU-seconds billed so far, counting
    alive nodes up to now."""
    accrued = [sim.node_seconds[True], sim.node_seconds[False], sim.cost_usd,
               sim.node_gpu_seconds]
    for node in sim.nodes.values():
        lived = sim.now - node.launched
        accrued[0 if node.spot else 1] += lived
        accrued[2] += lived * sim.types[node.type].hourly(node.spot) / 3600.0
        accrued[3] += lived * node.cap / MILLI
    return tuple(accrued)

def skip_idle_weeks(sim: Simulator) -> None:
    """At an opening of the first window: once two idle weeks in a row were the same
    (state at both ends, what was billed and launched), repeat that week up to the week
    before the next arrival."""
    state = idle_state(sim)
    if state is None or not sim.fast_forward:
        sim.idle_weeks = []
        return
    weeks_seen = sim.idle_weeks
    snapshot = (sim.now, state, _accrued(sim), sim.launched, sim.interruptions,
                Counter(sim.launches_by_type))
    if weeks_seen and sim.now - weeks_seen[-1][0] < WEEK_S:
        return
    if not weeks_seen or sim.now - weeks_seen[-1][0] > WEEK_S or state != weeks_seen[-1][1]:
        sim.idle_weeks = [snapshot]
        return
    weeks_seen.append(snapshot)
    if len(weeks_seen) < 3:
        return
    del weeks_seen[:-3]
    first, second = (_week_delta(weeks_seen[0], weeks_seen[1]),
                     _week_delta(weeks_seen[1], weeks_seen[2]))
    if any(abs(x - y) > 1e-6 * max(1.0, abs(x)) for x, y in zip(first, second, strict=True)):
        return
    by_type = weeks_seen[2][5] - weeks_seen[1][5]
    if by_type != weeks_seen[1][5] - weeks_seen[0][5]:
        return
    following = bisect_left(sim.trace.submit, sim.now)
    if following >= len(sim.trace):
        return
    weeks = int((sim.trace.submit[following] - sim.now) // WEEK_S) - 1
    if weeks < 1:
        return
    shift = weeks * WEEK_S
    spot_s, on_demand_s, cost, gpu_s, launches = second
    # Alive nodes are billed from their launch at termination, so only what the repeated
    # weeks add beyond their own running is added here.
    r_spot, r_on_demand, r_cost, r_gpus = _rates(sim)
    sim.node_seconds[True] += weeks * spot_s - r_spot * shift
    sim.node_seconds[False] += weeks * on_demand_s - r_on_demand * shift
    sim.cost_usd += weeks * cost - r_cost * shift
    sim.node_gpu_seconds += weeks * gpu_s - r_gpus * shift
    sim.launched += weeks * int(launches)
    for instance_type, count in by_type.items():
        sim.launches_by_type[instance_type] += weeks * count
    # Interruptions of idle spot nodes cost nothing but are counted: their expected number.
    # The week's spot nodes are those alive now or launched during it: their mean rate.
    rates = [lifecycle.spot_rate(sim, n) for n in sim.nodes.values() if n.spot]
    rates += [lifecycle.type_spot_rate(sim, sim.type_by_name[name]) for name in by_type]
    rate = (sum(rates) / len(rates) if rates
            else sim.options.spot_interruptions_per_node_hour) / 3600.0
    sim.interruptions += round(weeks * spot_s * rate)
    sim.events[:] = [(t if kind == _ARRIVE else t + shift, kind, seq, a, b)
                      for t, kind, seq, a, b in sim.events]  # in place: run() holds it
    heapq.heapify(sim.events)
    sim.now += shift
    sim.last_scale_up += shift
    for node in sim.nodes.values():
        node.empty_since += shift
    openings = {a: t for t, kind, _, a, b in sim.events if kind == _WINDOW and b == 1}
    openings[0] = sim.now
    for index, opening in openings.items():
        sim.calendar.restart(index, opening)
    sim.idle_weeks = [(sim.now, state, _accrued(sim), sim.launched, sim.interruptions,
                        Counter(sim.launches_by_type))]


def _week_delta(start: tuple[Any, ...], end: tuple[Any, ...]) -> tuple[float, ...]:
    """What was billed (node-seconds by capacity type, dollars, GPU-seconds) and launched
    between two idle snapshots."""
    return (*(b - a for a, b in zip(start[2], end[2], strict=True)), float(end[3] - start[3]))
