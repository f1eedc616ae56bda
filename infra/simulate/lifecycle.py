"""A node's life in the replay: launch, boot, spot interruption, idle scale-down, termination.

Split from the event loop because these are the rules that decide what the pool bills
(the engine's module docstring states the model):

* A launch asks for spot if the policy wants it; with ``spot_unavailable_probability``
  (seeded) there is none, and the node is on-demand if the policy allows both, else the
  launch is retried after ``spot_retry_s``. A node is billed from launch, per second, and
  usable ``boot_delay_s`` later.
* A spot node is interrupted at its type's rate (exponential, seeded): its jobs lose the work
  since their last checkpoint and queue again at their original priority.
* An empty node goes after ``empty_delay_s`` unless a waiting job could use it, the floor
  needs it, a blackout blocks ``Empty`` or a scale-up happened within
  ``scale_down_delay_after_add_s``; a node kept for those reasons is held and looked at again
  when the queue moves or a window closes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from infra.simulate import scheduler
from infra.simulate.model import _IDLE, _INTERRUPT, _READY, MILLI, _Node

if TYPE_CHECKING:
    from infra.simulate.engine import Simulator


def spot_rate(sim: Simulator, node: _Node) -> float:
    """Spot interruptions per hour of ``node``'s type."""
    return type_spot_rate(sim, node.type)


def type_spot_rate(sim: Simulator, type_index: int) -> float:
    """Spot interruptions per hour of a type: its own band, else the replay's default."""
    rate = sim.types[type_index].spot_interruptions_per_hour
    return sim.options.spot_interruptions_per_node_hour if rate is None else rate


def add_node(sim: Simulator, type_index: int, spot: bool, ready: bool) -> _Node:
    """A new node, billed from now: ready at once (the floor before the trace) or booting."""
    cap = sim.types[type_index].gpus * MILLI
    node = _Node(sim.next_node_id, type_index, spot, sim.now, cap)
    sim.next_node_id += 1
    sim.nodes[node.id] = node
    sim.alive += 1
    sim.alive_cap += cap
    sim.launches_by_type[sim.types[type_index].instance_type] += 1
    if ready:
        node.ready = True
        sim._bucket_add(node)
        became_empty(sim, node)
    else:
        sim.booting += 1
        sim.booting_caps[cap] += 1
        sim.launched += 1
        sim._push(sim.now + sim.policy.boot_delay_s, _READY, node.id)
    rate = spot_rate(sim, node)
    if spot and rate > 0:
        sim._push(sim.now + sim.rng.expovariate(rate / 3600.0), _INTERRUPT, node.id)
    sim.peak = max(sim.peak, sim.alive)
    sim.peak_gpus = max(sim.peak_gpus, sim.alive_cap // MILLI)
    return node


def launch_node(sim: Simulator, type_index: int) -> _Node | None:
    """Launch one node; None if spot had no capacity and on-demand is not allowed."""
    spot = sim.policy.spot
    chance = sim.options.spot_unavailable_probability
    if spot and chance > 0 and sim.capacity_rng.random() < chance:
        sim.spot_unavailable += 1
        if not sim.policy.on_demand_fallback:
            sim._request_provisioning(sim.options.spot_retry_s)
            return None
        spot = False
        sim.on_demand_fallbacks += 1
    node = add_node(sim, type_index, spot, ready=False)
    sim.last_scale_up = sim.now
    return node


def launch(sim: Simulator, count: int, type_index: int | None = None) -> None:
    """Launch ``count`` nodes of a type (default: the largest, as gangs need)."""
    for _ in range(count):
        launch_node(sim, sim.big if type_index is None else type_index)


def terminate(sim: Simulator, node: _Node) -> None:
    """Remove ``node`` from the pool and bill its life."""
    node.alive = False
    sim.alive -= 1
    sim.alive_cap -= node.cap
    if node.ready:
        sim._bucket_remove(node)
    else:
        sim.booting -= 1
        sim.booting_caps[node.cap] -= 1
    sim.held.discard(node.id)
    lived = sim.now - node.launched
    sim.node_seconds[node.spot] += lived
    sim.node_gpu_seconds += lived * node.cap / MILLI
    sim.cost_usd += lived * sim.types[node.type].hourly(node.spot) / 3600.0
    del sim.nodes[node.id]


def became_empty(sim: Simulator, node: _Node) -> None:
    """Start ``node``'s idle clock (no scale-down check when the policy never removes)."""
    node.empty_since = sim.now
    if math.isfinite(sim.policy.empty_delay_s):
        sim._push(sim.now + sim.policy.empty_delay_s, _IDLE, node.id, node.version)


def on_interrupt(sim: Simulator, node: _Node) -> None:
    """Spot took ``node`` back: its jobs lose their work since the last checkpoint and
    queue again at their original priority; a gang's other nodes are freed."""
    sim.interruptions += 1
    released: list[_Node] = []
    for job in list(node.jobs):
        others = sim._detach(job)
        sim._lose_progress(job)
        sim.run_id[job] += 1
        released.extend(o for o in others if o is not node)
        scheduler.enqueue(sim, job)
    terminate(sim, node)
    sim._after_release(tuple(released))
    sim._schedule()
    sim._request_provisioning()


def on_idle(sim: Simulator, node: _Node, version: int) -> None:
    """The scale-down check of an empty ``node`` as of its ``version``."""
    if node.version != version or not node.ready or node.free != node.cap:
        return
    if wanted(sim, node) or sim.alive - 1 < sim.floor or sim._blocked("Empty"):
        sim.held.add(node.id)  # revisited when the queue moves or a window closes
        return
    hold_until = sim.last_scale_up + sim.policy.scale_down_delay_after_add_s
    if sim.now < hold_until:
        sim._push(hold_until, _IDLE, node.id, version)
        return
    terminate(sim, node)
    if sim.pending_count:
        sim._request_provisioning()  # under a cap, its room may go to another type


def wanted(sim: Simulator, node: _Node) -> bool:
    """Whether a waiting job could use this empty node (a gang, or a job it fits).

    An empty node no waiting job fits is not kept: under a GPU cap it would block the
    launch of a type the queue needs.
    """
    if not sim.pending_count:
        return False
    keys = sim.pending.keys()
    return min(keys) <= node.cap or (node.cap == sim.cap and max(keys) >= sim.cap)
