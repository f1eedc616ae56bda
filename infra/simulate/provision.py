"""Which new nodes to launch for the jobs nothing else can hold: Karpenter's choice, simplified.

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

from dataclasses import dataclass


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
