"""The pending queue and the scheduling pass: which waiting job starts on which nodes.

Split from the event loop because it is the one place that decides placement, with its own
rules (the engine's module docstring states the model):

* Pending jobs wait in one heap per demand key (thousandths of a GPU below a node's capacity,
  whole nodes of the largest type above it), so each pass looks at one job per key.
* A pass starts jobs greedily in submit order, skipping those that do not fit yet (the
  Kubernetes scheduler's behaviour); the earliest waiting multi-node job keeps the empty
  nodes it needs, so that small jobs cannot take each node as it becomes ready.
* A job smaller than a node goes best-fit onto one partly used or empty node; a gang takes
  whole empty nodes. Empty nodes held for the queue are looked at again after a pass that
  started something (they may now be free to go).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from typing import TYPE_CHECKING

from infra.simulate.model import _IDLE

if TYPE_CHECKING:
    from infra.simulate.engine import Simulator
    from infra.simulate.model import _Node


def enqueue(sim: Simulator, job: int) -> None:
    """Queue ``job`` (again) from now, at its submit-order priority, and ask for capacity."""
    sim.pending_since[job] = sim.now
    heap = sim.pending.get(sim.key[job])
    if heap is None:
        heap = sim.pending[sim.key[job]] = []
    heapq.heappush(heap, job)
    sim.pending_count += 1
    sim._request_provisioning()


def start(sim: Simulator, job: int, key: int) -> None:
    """Place ``job`` (demand ``key``) best-fit, or on whole empty nodes, and run it."""
    sim.wait[job] += sim.now - sim.pending_since[job]
    if key < sim.cap:
        free = sim.free_keys[bisect_left(sim.free_keys, key)]
        node = sim.nodes[next(iter(sim.buckets[free]))]
        chosen: tuple[_Node, ...] = (node,)
        sim._set_free(node, free - key)
    else:
        ids = list(sim.buckets[sim.cap])[: key // sim.cap]
        chosen = tuple(sim.nodes[i] for i in ids)
        for node in chosen:
            sim._set_free(node, 0)
    for node in chosen:
        node.jobs.add(job)
        node.version += 1
        sim.held.discard(node.id)
    sim._run(job, chosen)


def schedule(sim: Simulator) -> None:
    """Start every pending job that fits now, earliest submitted first."""
    cap = sim.cap
    placed = False
    while sim.pending_count:
        keys = sim.free_keys
        empties = len(sim.buckets.get(cap, ()))
        below_cap = bisect_left(keys, cap)
        partial_max = keys[below_cap - 1] if below_cap else 0
        # The earliest waiting multi-node job holds the empty nodes it needs, so that a
        # stream of small jobs cannot take every node the moment it becomes ready.
        gang_job, gang_nodes = -1, 0
        for key, heap in sim.pending.items():
            if key >= cap and (gang_job < 0 or heap[0] < gang_job):
                gang_job, gang_nodes = heap[0], key // cap
        best_job = -1
        best_key = 0
        for key, heap in sim.pending.items():
            job = heap[0]
            spare = empties - gang_nodes if 0 <= gang_job < job else empties
            if key < cap:
                if key > partial_max and spare < 1:
                    continue
            elif key // cap > spare:
                continue
            if best_job < 0 or job < best_job:
                best_job, best_key = job, key
        if best_job < 0:
            break
        heap = sim.pending[best_key]
        heapq.heappop(heap)
        if not heap:
            del sim.pending[best_key]
        sim.pending_count -= 1
        start(sim, best_job, best_key)
        placed = True
    if placed and sim.held:
        recheck_held(sim)


def recheck_held(sim: Simulator) -> None:
    """Let the empty nodes kept for the queue go after their idle delay, from now on."""
    for node_id in list(sim.held):
        node = sim.nodes.get(node_id)
        sim.held.discard(node_id)
        if node is not None and node.ready and node.free == node.cap:
            when = max(sim.now, node.empty_since + sim.policy.empty_delay_s)
            sim._push(when, _IDLE, node.id, node.version)
