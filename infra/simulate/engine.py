"""Event-driven replay of a job trace on a GPU node pool under one scaling policy.

Model (the assumptions every figure rests on):

* The pool is a list of instance types (``NodeType``: GPUs and hourly prices). A job asking
  for less than the largest type holds is packed best-fit onto one node of any type
  (fractional GPUs, as in GPU-sharing traces, are packed in thousandths); a larger job takes
  ``ceil(gpus / largest)`` whole, empty nodes of the largest type (a gang).
* Pending jobs are started greedily in submit order (``scheduler.py``), skipping those that
  do not fit yet (the Kubernetes scheduler's behaviour), except that the earliest waiting
  multi-node job keeps the empty nodes it needs (as its pods would be bound to them one by
  one): small jobs may not starve it by taking each node as it becomes ready.
* Provisioning packs the pending jobs that do not fit onto booting and empty nodes, then
  launches new nodes for the rest, choosing types as Karpenter does (``provision.py``), up
  to ``max_nodes`` and ``max_gpus``; under the cap, jobs queue in submit order. A node is
  usable ``boot_delay_s`` after launch and billed from launch, per second.
* A node is removed once empty for ``empty_delay_s`` (``lifecycle.py``), unless that would
  take the pool below its floor (``min_nodes`` and any active warm window), jobs are waiting
  for whole empty nodes, a blackout blocks it, or a scale-up happened within
  ``scale_down_delay_after_add_s``.
* With ``consolidate_underutilized`` (``consolidate.py``), an under-used node is removed if
  all its jobs fit on other partly used nodes, or (Karpenter only) replaced by a cheaper type
  that holds them; moved jobs restart from their last checkpoint. ``protect_running``
  (do-not-disrupt) forbids it.
* Spot (``lifecycle.py``): each launch finds no spot capacity with
  ``spot_unavailable_probability`` (seeded); then the node is on-demand if the policy allows
  both, else the launch is retried a minute later. Spot nodes are interrupted at their type's
  rate (``NodeType.spot_interruptions_per_hour``, else ``spot_interruptions_per_node_hour``;
  exponential, seeded); their jobs lose the work since their last checkpoint and queue again
  at their original priority. The billing window ends when the last job ends.

Idle weeks that repeat are repeated arithmetically (``fastforward.py``), so a replay costs
what its jobs cost, not what the time span between them does.

A job's wait is all the time it spends pending: before its first start and after each
interruption. The oracle (see ``oracle.py``) prices the jobs' GPU-seconds at the cheapest
rate the policy allows, the floor at the cheapest rate of any type and capacity type; every
result carries its ratio to both.
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Sequence
from typing import Any

from infra.simulate import consolidate, fastforward, lifecycle, scheduler
from infra.simulate.calendar import WindowCalendar
from infra.simulate.model import (
    _ARRIVE,
    _COMPLETE,
    _CONSOLIDATE,
    _IDLE,
    _INTERRUPT,
    _PROVISION,
    _READY,
    _WINDOW,
    MILLI,
    NodeType,
    SimOptions,
    _Node,
)
from infra.simulate.policy import SimPolicy
from infra.simulate.provision import Offer, provision
from infra.simulate.summary import SimResult, percentile, summarize
from infra.simulate.trace import Trace

__all__ = ["NodeType", "SimOptions", "SimResult", "Simulator", "percentile", "simulate"]


class Simulator:
    """One replay. Use ``simulate()``; the class keeps the state between events."""

    def __init__(self, trace: Trace, policy: SimPolicy, node: NodeType | Sequence[NodeType],
                 options: SimOptions | None = None) -> None:
        pool = (node,) if isinstance(node, NodeType) else tuple(node)
        if not pool or any(t.gpus < 1 for t in pool):
            raise ValueError("a pool needs instance types with at least one GPU")
        self.pool = pool
        gpu_cap = policy.max_gpus
        if gpu_cap is not None:
            # A cap below every type is raised to one node of the smallest type.
            gpu_cap = max(gpu_cap, min(t.gpus for t in pool))
            pool = tuple(t for t in pool if t.gpus <= gpu_cap)
        # Smallest first; the gang/floor type is the largest, cheapest per hour among equals.
        self.types = tuple(sorted(pool, key=lambda t: (t.gpus, t.on_demand_hourly)))
        self.type_by_name = {t.instance_type: i for i, t in enumerate(self.types)}
        self.big = max(range(len(self.types)),
                       key=lambda i: (self.types[i].gpus, -self.types[i].on_demand_hourly))
        self.node_type = self.types[self.big]
        # Warm floors of profiles are the cheapest node per hour; static pools the largest.
        self.floor_type = self.big if policy.floor_node == "largest" else min(
            range(len(self.types)), key=lambda i: (self.types[i].hourly(policy.spot),
                                                   -self.types[i].gpus))
        self.trace = trace
        self.policy = policy
        self.options = options or SimOptions()
        self.cap = self.node_type.gpus * MILLI
        self.gpu_cap = math.inf if gpu_cap is None else gpu_cap * MILLI
        self.offers = [Offer(i, t.gpus * MILLI, t.hourly(policy.spot))
                       for i, t in enumerate(self.types)]
        if policy.spot and not policy.on_demand_fallback and \
                self.options.spot_unavailable_probability >= 1:
            raise ValueError("spot capacity is never available and the policy allows no "
                             "on-demand: it would never launch a node")
        self.rng = random.Random(self.options.seed)
        self.capacity_rng = random.Random(self.options.seed + 7919)
        n = len(trace)
        self.demand = [max(1, round(g * MILLI)) for g in trace.gpus]
        self.key = [d if d < self.cap else math.ceil(d / self.cap) * self.cap
                    for d in self.demand]
        self.remaining = list(trace.duration)
        self.run_start = [0.0] * n
        self.run_id = [0] * n
        self.pending_since = [0.0] * n
        self.wait = [0.0] * n
        self.job_nodes: list[tuple[_Node, ...]] = [()] * n
        self.events: list[tuple[float, int, int, int, int]] = []
        self.seq = 0
        self.now = trace.submit[0] if n else 0.0
        self.nodes: dict[int, _Node] = {}
        self.next_node_id = 0
        self.alive = 0
        self.alive_cap = 0
        self.booting = 0
        self.booting_caps: Counter[int] = Counter()
        self.empty_caps: Counter[int] = Counter()  # ready, empty nodes by capacity
        self.replacements: dict[int, tuple[int, int]] = {}  # new node -> (old node, version)
        self.buckets: dict[int, dict[int, None]] = {}
        self.free_keys: list[int] = []
        self.pending: dict[int, list[int]] = {}
        self.pending_count = 0
        self.held: set[int] = set()
        self.provision_queued = False
        self.last_scale_up = -math.inf
        self.calendar = WindowCalendar(policy.warm_windows, policy.blackouts,
                                       self.options.trace_start)
        # accounting
        self.node_seconds = {True: 0.0, False: 0.0}
        self.cost_usd = 0.0
        self.node_gpu_seconds = 0.0
        self.launches_by_type: Counter[str] = Counter()
        self.spot_unavailable = 0
        self.on_demand_fallbacks = 0
        self.replaced = 0
        self.peak_gpus = 0
        self.busy_gpu_s = 0.0
        self.lost_gpu_s = 0.0
        self.interruptions = 0
        self.disruptions = 0
        self.launched = 0
        self.peak = 0
        self.done = 0
        self.unschedulable = 0
        self.fast_forward = True
        self.steps = 0  # events handled: what a replay's time follows
        self.idle_weeks: list[tuple[Any, ...]] = []

    # ----------------------------------------------------------------------------- plumbing
    def _push(self, time: float, kind: int, a: int = 0, b: int = 0) -> None:
        self.seq += 1
        heapq.heappush(self.events, (time, kind, self.seq, a, b))

    def _bucket_add(self, node: _Node) -> None:
        if node.free == node.cap:
            self.empty_caps[node.cap] += 1
        bucket = self.buckets.get(node.free)
        if bucket is None:
            bucket = self.buckets[node.free] = {}
            insort(self.free_keys, node.free)
        bucket[node.id] = None

    def _bucket_remove(self, node: _Node) -> None:
        if node.free == node.cap:
            self.empty_caps[node.cap] -= 1
        bucket = self.buckets[node.free]
        del bucket[node.id]
        if not bucket:
            del self.buckets[node.free]
            del self.free_keys[bisect_left(self.free_keys, node.free)]

    def _set_free(self, node: _Node, free: int) -> None:
        self._bucket_remove(node)
        node.free = free
        self._bucket_add(node)

    @property
    def floor(self) -> int:
        floor = max(self.policy.min_nodes, self.calendar.top_floor)
        if self.gpu_cap != math.inf:
            floor = min(floor, int(self.gpu_cap // (self.types[self.floor_type].gpus * MILLI)))
        return floor if self.policy.max_nodes is None else min(floor, self.policy.max_nodes)

    def _blocked(self, reason: str) -> bool:
        return self.calendar.blocked(reason)

    # ------------------------------------------------------------------------------- jobs
    def _detach(self, job: int) -> tuple[_Node, ...]:
        """Take a running job off its nodes; account its busy time. Returns the nodes."""
        nodes = self.job_nodes[job]
        share = self.demand[job] if self.key[job] < self.cap else self.cap
        self.busy_gpu_s += (self.now - self.run_start[job]) * self.trace.gpus[job]
        for node in nodes:
            node.jobs.discard(job)
            node.version += 1
            if node.alive and node.ready:
                self._set_free(node, node.free + share)
        self.job_nodes[job] = ()
        return nodes

    def _lose_progress(self, job: int) -> None:
        """Keep the work up to the last checkpoint; count the rest as lost."""
        elapsed = self.now - self.run_start[job]
        interval = self.options.checkpoint_interval_s
        saved = elapsed if interval <= 0 else math.floor(elapsed / interval) * interval
        self.remaining[job] -= saved
        self.lost_gpu_s += (elapsed - saved) * self.trace.gpus[job]

    def _run(self, job: int, nodes: tuple[_Node, ...]) -> None:
        self.job_nodes[job] = nodes
        self.run_start[job] = self.now
        self.run_id[job] += 1
        self._push(self.now + self.remaining[job], _COMPLETE, job, self.run_id[job])

    def _after_release(self, nodes: tuple[_Node, ...]) -> None:
        for node in nodes:
            if not (node.alive and node.ready):
                continue
            if node.free == node.cap:
                lifecycle.became_empty(self, node)
            elif self.policy.consolidate_underutilized:
                self._push(self.now + self.policy.underutilized_delay_s, _CONSOLIDATE, node.id,
                           node.version)

    def _schedule(self) -> None:
        scheduler.schedule(self)  # a method, so that a test's subclass can check each pass

    # ------------------------------------------------------------------------ provisioning
    def _request_provisioning(self, delay: float | None = None) -> None:
        if not self.provision_queued:
            self.provision_queued = True
            wait = self.policy.provision_delay_s if delay is None else delay
            self._push(self.now + wait, _PROVISION)

    def _provision(self) -> None:
        provision(self)

    # ---------------------------------------------------------------------------- windows
    def _apply_window(self, index: int, opening: bool) -> None:
        self.calendar.apply(index, opening)
        if self.calendar.is_warm(index):
            if opening:
                self._request_provisioning()
            else:
                self._release_held_and_recheck()
        elif not opening:
            self._release_held_and_recheck()

    def _release_held_and_recheck(self) -> None:
        for node in self.nodes.values():
            if not node.ready:
                continue
            if node.free == node.cap:
                self.held.add(node.id)
            elif self.policy.consolidate_underutilized:
                self._push(self.now, _CONSOLIDATE, node.id, node.version)
        scheduler.recheck_held(self)

    def _start_windows(self, t0: float) -> None:
        for action, index, time in self.calendar.begin(t0):
            if action == "open":
                self._apply_window(index, True)
                self._push(time, _WINDOW, index, 0)
            else:
                self._push(time, _WINDOW, index, 1)

    def _on_window(self, index: int, opening: int) -> None:
        window = self.calendar.windows[index]
        if opening:
            self._apply_window(index, True)
            self._push(self.now + window.duration_s, _WINDOW, index, 0)
            following = self.calendar.next_opening(index)
            if following is not None:
                self._push(following, _WINDOW, index, 1)
        else:
            self._apply_window(index, False)

    # -------------------------------------------------------------------------------- run
    def schedulable(self, job: int) -> bool:
        """Whether the job can ever run under the pool's node and GPU limits."""
        key = self.key[job]
        if key < self.cap:
            return True
        max_nodes = self.policy.max_nodes
        if max_nodes is not None and key // self.cap > max_nodes:
            return False
        return key <= self.gpu_cap

    def run(self) -> SimResult:
        trace, policy = self.trace, self.policy
        n = len(trace)
        t0 = self.now
        self._start_windows(t0)
        for _ in range(self.floor):  # the pool exists before the trace begins
            lifecycle.add_node(self, self.floor_type, policy.spot, ready=True)
        self.peak = self.alive
        for job in range(n):
            if not self.schedulable(job):
                self.unschedulable += 1
                continue
            self._push(trace.submit[job], _ARRIVE, job)
        target = n - self.unschedulable
        events = self.events
        pop = heapq.heappop
        while self.done < target and events:
            time, kind, _, a, b = pop(events)
            self.steps += 1
            self.now = time
            if kind == _COMPLETE:
                if self.run_id[a] != b:
                    continue
                self.remaining[a] = 0.0
                nodes = self._detach(a)
                self.done += 1
                self._after_release(nodes)
                self._schedule()
                if self.pending_count and self.pending and max(self.pending) >= self.cap:
                    self._request_provisioning()  # freed nodes may complete a gang's set
            elif kind == _ARRIVE:
                scheduler.enqueue(self, a)
                self._schedule()
            elif kind == _READY:
                node = self.nodes.get(a)
                if node is None:
                    continue
                node.ready = True
                self.booting -= 1
                self.booting_caps[node.cap] -= 1
                self._bucket_add(node)
                if node.id in self.replacements:
                    consolidate.complete_replacement(self, node)
                self._schedule()
                if node.alive and node.free == node.cap and not node.jobs:
                    lifecycle.became_empty(self, node)
                self._request_provisioning()
            elif kind == _PROVISION:
                self._provision()
            elif kind == _IDLE:
                node = self.nodes.get(a)
                if node is not None:
                    lifecycle.on_idle(self, node, b)
            elif kind == _CONSOLIDATE:
                node = self.nodes.get(a)
                if node is not None:
                    consolidate.on_consolidate(self, node, b)
            elif kind == _INTERRUPT:
                node = self.nodes.get(a)
                if node is not None:
                    lifecycle.on_interrupt(self, node)
            elif kind == _WINDOW:
                if a == 0 and b == 1:
                    fastforward.skip_idle_weeks(self)
                self._on_window(a, b)
        unfinished = target - self.done
        if unfinished and self.pending_count == unfinished:
            # Nothing is left to happen and these jobs still wait: capacity the pool keeps for
            # good (an always-on floor node of a small type) holds part of the cap they need,
            # as it would in Karpenter. They can never start under this sizing.
            self.unschedulable += unfinished
        elif unfinished:  # a job running with nothing left to happen: a bug, say so loudly
            raise RuntimeError(f"simulation of {policy.name} stalled with "
                               f"{unfinished} jobs unfinished")
        for node in list(self.nodes.values()):
            lifecycle.terminate(self, node)
        return summarize(self, t0)


def simulate(trace: Trace, policy: SimPolicy, node: NodeType,
             options: SimOptions | None = None) -> SimResult:
    """Replay ``trace`` on a pool of ``node`` under ``policy``."""
    return Simulator(trace, policy, node, options).run()
