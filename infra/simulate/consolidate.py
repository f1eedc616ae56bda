"""Consolidation of under-used nodes: move their jobs elsewhere, or onto a cheaper node.

Split from the event loop because it is one policy decision with its own rules:

* A node qualifies when it is partly used, under the policy's threshold if it has one (the
  cluster autoscaler's 0.5), nothing protects its jobs, nothing is waiting, no blackout
  blocks ``Underutilized`` and no scale-up happened within the policy's delay.
* Delete: if every job fits on another partly used node (moving onto an empty node saves
  nothing), the jobs move there and restart from their last checkpoint, and the node goes.
* Replace (Karpenter only, no threshold): otherwise, if a cheaper instance type of the pool
  holds all of the node's jobs, that node is launched; when it is ready the jobs move onto
  it (restarting from their checkpoint) and the old node goes. If the old node changed in
  the meantime the replacement is abandoned and the new node simply idles out.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

from infra.simulate import lifecycle
from infra.simulate.model import _CONSOLIDATE

if TYPE_CHECKING:
    from infra.simulate.engine import Simulator, _Node


def _partial_target(sim: Simulator, demand: int) -> _Node | None:
    """A partly used ready node with room for ``demand`` (best fit), or None."""
    keys = sim.free_keys
    for i in range(bisect_left(keys, demand), len(keys)):
        for node_id in sim.buckets[keys[i]]:
            node = sim.nodes[node_id]
            if node.free < node.cap:
                return node
    return None


def on_consolidate(sim: Simulator, node: _Node, version: int) -> None:
    """The consolidation check of ``node`` as of its ``version``."""
    policy = sim.policy
    if node.version != version or not node.ready or node.free in (0, node.cap) or \
            node.replacing:
        return
    used = node.cap - node.free
    if policy.underutilized_threshold is not None and \
            used >= policy.underutilized_threshold * node.cap:
        return
    if policy.protect_running or sim.pending_count or sim.alive - 1 < sim.floor:
        return
    if sim._blocked("Underutilized"):
        return  # a closing blackout re-checks every node
    hold_until = sim.last_scale_up + policy.scale_down_delay_after_add_s
    if sim.now < hold_until:
        sim._push(hold_until, _CONSOLIDATE, node.id, version)
        return
    jobs = sorted(node.jobs, key=lambda j: -sim.demand[j])
    if any(sim.key[j] >= sim.cap for j in jobs):
        return
    sim._bucket_remove(node)
    moves: list[tuple[int, _Node]] = []
    fits = True
    for job in jobs:
        target = _partial_target(sim, sim.demand[job])
        if target is None:
            fits = False
            break
        sim._set_free(target, target.free - sim.demand[job])
        moves.append((job, target))
    if not fits:
        for job, target in reversed(moves):
            sim._set_free(target, target.free + sim.demand[job])
        sim._bucket_add(node)
        if policy.underutilized_threshold is None:
            _replace_if_cheaper(sim, node, used)
        return
    sim._bucket_add(node)
    for job, target in moves:
        _move(sim, job, node, target)
    lifecycle.terminate(sim, node)


def _move(sim: Simulator, job: int, source: _Node, target: _Node) -> None:
    sim.busy_gpu_s += (sim.now - sim.run_start[job]) * sim.trace.gpus[job]
    sim._lose_progress(job)
    source.jobs.discard(job)
    target.jobs.add(job)
    target.version += 1
    sim.disruptions += 1
    sim._run(job, (target,))


def _replace_if_cheaper(sim: Simulator, node: _Node, used: int) -> None:
    current = sim.types[node.type].hourly(node.spot)
    room = sim.gpu_cap - sim.alive_cap
    best = None
    for offer in sim.offers:
        if offer.cap >= used and offer.cap <= room and offer.hourly < current * (1 - 1e-9) \
                and (best is None or offer.hourly < best.hourly):
            best = offer
    if best is None or (sim.policy.max_nodes is not None and
                        sim.alive >= sim.policy.max_nodes):
        return
    new = lifecycle.launch_node(sim, best.index)
    if new is not None:
        node.replacing = True
        sim.replacements[new.id] = (node.id, node.version)


def complete_replacement(sim: Simulator, new: _Node) -> None:
    """``new`` is ready: move the old node's jobs onto it, unless the old node changed."""
    old_id, version = sim.replacements.pop(new.id)
    old = sim.nodes.get(old_id)
    if old is None:
        return
    if old.version != version or not old.ready or not old.jobs:
        old.replacing = False
        return
    for job in sorted(old.jobs, key=lambda j: -sim.demand[j]):
        if sim.demand[job] > new.free:
            old.replacing = False
            return  # cannot happen by construction; never lose a job over it
        sim._set_free(new, new.free - sim.demand[job])
        sim._set_free(old, old.free + sim.demand[job])
        _move(sim, job, old, new)
    sim.replaced += 1
    lifecycle.terminate(sim, old)
