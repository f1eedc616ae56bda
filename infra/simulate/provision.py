"""Provisioning: which new nodes to launch for the pending jobs (Karpenter's choice, simplified).

``provision(sim)`` first fits the pending jobs, in submit order, onto the nodes that are
booting or empty (best fit), counts whole nodes of the largest type for gangs, and hands
the rest to ``plan_launches``.

Karpenter batches the pending pods, and for the batch launches the cheapest instance type that
fits it, splitting the batch across several launches when that is cheaper. Here, for the jobs
that fit neither a partly used node nor an empty or booting one, each launch takes the type
with the lowest hourly price per GPU it would actually hold (first-fit of the largest jobs
first); the jobs it holds leave the batch, and the next launch is chosen for the rest. A
1-GPU job therefore gets a 1-GPU instance, and eight of them may share an 8-GPU one when
that is cheaper per GPU. Under a GPU cap the batch is the earliest-submitted jobs that fit in
what is left of the cap, so jobs queue in submit order.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from dataclasses import dataclass
from typing import TYPE_CHECKING

from infra.simulate import lifecycle

if TYPE_CHECKING:
    from infra.simulate.engine import Simulator


@dataclass(frozen=True)
class Offer:
    """An instance type as the planner sees it: GPU capacity (thousandths) and hourly price."""

    index: int
    cap: int
    hourly: float


def plan_launches(batch: list[tuple[int, int]], offers: list[Offer], gpu_budget: float,
                  node_budget: float) -> list[tuple[int, list[int]]]:
    """Launches ``[(offer index, jobs)]`` for ``batch`` ``[(job, demand)]`` in priority order.

    Jobs that fit no offer within the budgets stay out of every launch (they wait).
    """
    items: list[tuple[int, int]] = []
    taken = 0
    for job, demand in batch:  # priority order: take what the cap can ever hold
        if taken + demand <= gpu_budget:
            items.append((job, demand))
            taken += demand
    items.sort(key=lambda item: -item[1])
    launches: list[tuple[int, list[int]]] = []
    while items and node_budget >= 1:
        best: tuple[float, int, Offer, list[int]] | None = None
        smallest = items[-1][1]
        for offer in offers:
            if offer.cap > gpu_budget or offer.cap < smallest:
                continue
            room, total, packed = offer.cap, 0, []
            for k, (_job, demand) in enumerate(items):
                if demand <= room:
                    packed.append(k)
                    room -= demand
                    total += demand
                    if room < smallest:
                        break
            if not packed:
                continue
            rate = offer.hourly / total
            if best is None or rate < best[0] * (1 - 1e-12) or \
                    (rate <= best[0] * (1 + 1e-12) and total > best[1]):
                best = (rate, total, offer, packed)
        if best is None:
            break
        _, _, offer, packed = best
        chosen = set(packed)
        launches.append((offer.index, [items[k][0] for k in packed]))
        items = [item for k, item in enumerate(items) if k not in chosen]
        gpu_budget -= offer.cap
        node_budget -= 1
    return launches


def provision(sim: Simulator) -> None:
    """Launch what the pending jobs need: gangs of the largest type, then the batch."""
    sim.provision_queued = False
    if sim.alive < sim.floor:
        lifecycle.launch(sim, sim.floor - sim.alive, sim.floor_type)
    if not sim.pending_count:
        return
    node_budget = math.inf if sim.policy.max_nodes is None \
        else sim.policy.max_nodes - sim.alive
    gpu_budget = sim.gpu_cap - sim.alive_cap
    if node_budget <= 0 or gpu_budget <= 0:
        return
    cap = sim.cap
    # Projected bins: empty ready nodes and booting nodes (all will be empty).
    bins = +(sim.booting_caps + sim.empty_caps)
    bin_keys = sorted(bins)
    gangs = 0
    batch: list[tuple[int, int]] = []
    jobs = sorted(job for heap in sim.pending.values() for job in heap)
    for job in jobs:
        key = sim.key[job]
        if key >= cap:
            need = key // cap
            use = min(need, bins.get(cap, 0))
            extra = need - use
            if extra > node_budget or extra * cap > gpu_budget:
                continue  # the gang waits; the held empty nodes stay for it
            if use:
                bins[cap] -= use
                if not bins[cap]:
                    del bins[cap]
                    del bin_keys[bisect_left(bin_keys, cap)]
            gangs += extra
            node_budget -= extra
            gpu_budget -= extra * cap
            continue
        i = bisect_left(bin_keys, key)
        if i == len(bin_keys):
            batch.append((job, key))
            continue
        free = bin_keys[i]
        bins[free] -= 1
        if not bins[free]:
            del bins[free]
            del bin_keys[i]
        rest = free - key
        if rest:
            if rest not in bins:
                insort(bin_keys, rest)
            bins[rest] += 1
    lifecycle.launch(sim, gangs)
    for type_index, _jobs in plan_launches(batch, sim.offers, gpu_budget, node_budget):
        if lifecycle.launch_node(sim, type_index) is None:
            break  # no spot capacity and no fallback: retried later
