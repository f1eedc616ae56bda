"""Event-driven replay of a job trace on a GPU node pool under one scaling policy.

Model (the assumptions every figure rests on):

* Nodes all have ``node.gpus`` GPUs. A job asking for fewer GPUs than a node holds is packed
  best-fit onto one node (fractional GPUs, as in GPU-sharing traces, are packed in thousandths);
  a job asking for a node or more takes ``ceil(gpus / node.gpus)`` whole, empty nodes.
* Pending jobs are started greedily in submit order, skipping those that do not fit yet
  (the Kubernetes scheduler's behaviour), except that the earliest waiting multi-node job
  keeps the empty nodes it needs (as its pods would be bound to them one by one): small jobs
  may not starve it by taking each node as it becomes ready.
* Provisioning packs the pending jobs that do not fit onto booting and empty nodes, then
  launches new nodes for the rest (first-fit decreasing), up to ``max_nodes``; a node is
  usable ``boot_delay_s`` after launch and billed from launch, per second.
* A node is removed once empty for ``empty_delay_s``, unless that would take the pool below
  its floor (``min_nodes`` and any active warm window), jobs are waiting for whole empty
  nodes, a blackout blocks it, or a scale-up happened within ``scale_down_delay_after_add_s``.
* With ``consolidate_underutilized``, a node that has been under-used for
  ``underutilized_delay_s`` (under the threshold, or any node if there is none) is removed if
  all its jobs fit on other partly used nodes; they restart there from their last checkpoint.
  Checks run when a job leaves the node (a node never re-checked later for space freed
  elsewhere: a simplification). ``protect_running`` (do-not-disrupt) forbids it.
* Spot nodes are interrupted at ``spot_interruptions_per_node_hour`` (exponential, seeded);
  their jobs lose the work since their last checkpoint and queue again at their original
  priority. The billing window ends when the last job ends.

While the pool is idle (no job queued or running) and the next job is weeks away, the warm-window
calendar would otherwise be replayed day by day: a week that repeats exactly (same nodes, floors
and blackouts at the same opening of the first window) is instead repeated arithmetically up
to the week before the next arrival, so a replay costs what its jobs cost, not what the time
span between them does. In a time zone with daylight saving, the one window opening at the
jump may be an hour off its local time.

A job's wait is all the time it spends pending: before its first start and after each
interruption. The oracle (see ``oracle.py``) prices the jobs' GPU-seconds at the cheapest
rate the policy allows, with no idle, boot or wait; every result carries its ratio to it.
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect_left, insort
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from infra.simulate.oracle import oracle_cost
from infra.simulate.policy import SimPolicy, Window
from infra.simulate.trace import Trace

# Event kinds; at equal times they run in this order (capacity is freed before it is asked
# for, and provisioning sees everything that happened at that instant).
_COMPLETE, _READY, _INTERRUPT, _ARRIVE, _WINDOW, _IDLE, _CONSOLIDATE, _PROVISION = range(8)
MILLI = 1000
WEEK_S = 7 * 86400.0


@dataclass(frozen=True)
class NodeType:
    """The pool's node: GPUs per node and its hourly prices."""

    instance_type: str
    gpus: int
    on_demand_hourly: float
    spot_hourly: float


@dataclass(frozen=True)
class SimOptions:
    """Environment of a replay, as opposed to the policy under test."""

    # ~1.5 interruptions per node-month: AWS Spot Advisor's "5-10%" monthly band for GPU
    # instances is per instance; busy GPU pools see more. Set 0 to ignore interruptions.
    spot_interruptions_per_node_hour: float = 0.002
    checkpoint_interval_s: float = 1800.0
    seed: int = 1
    # Trace time 0; 2024-01-01 was a Monday, so windows line up with a working week.
    trace_start: datetime = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SimResult:
    """Figures of one replay (plain data; ``to_dict`` for JSON)."""

    policy: str
    kind: str
    capacity: str
    instance_type: str
    node_gpus: int
    jobs: int
    unschedulable: int
    node_hours: float
    cost_usd: float
    oracle_cost_usd: float
    cost_ratio: float
    gpu_utilisation: float
    wait_p50_s: float
    wait_p95_s: float
    wait_max_s: float
    wait_mean_s: float
    interruptions: int
    disruptions: int
    lost_gpu_hours: float
    nodes_launched: int
    peak_nodes: int
    span_hours: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: list[float], fraction: float) -> float:
    """Linear-interpolation percentile of sorted ``values`` (numpy's default method)."""
    if not values:
        return 0.0
    position = fraction * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


class _Node:
    __slots__ = ("alive", "empty_since", "free", "id", "jobs", "launched", "ready", "spot",
                 "version")

    def __init__(self, node_id: int, spot: bool, launched: float, capacity: int) -> None:
        self.id = node_id
        self.spot = spot
        self.launched = launched
        self.ready = False
        self.alive = True
        self.free = capacity
        self.jobs: set[int] = set()
        self.version = 0
        self.empty_since = launched


class Simulator:
    """One replay. Use ``simulate()``; the class keeps the state between events."""

    def __init__(self, trace: Trace, policy: SimPolicy, node: NodeType,
                 options: SimOptions | None = None) -> None:
        if node.gpus < 1:
            raise ValueError("a node needs at least one GPU")
        self.trace = trace
        self.policy = policy
        self.node_type = node
        self.options = options or SimOptions()
        self.cap = node.gpus * MILLI
        self.rng = random.Random(self.options.seed)
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
        self.booting = 0
        self.buckets: dict[int, dict[int, None]] = {}
        self.free_keys: list[int] = []
        self.pending: dict[int, list[int]] = {}
        self.pending_count = 0
        self.held: set[int] = set()
        self.provision_queued = False
        self.last_scale_up = -math.inf
        self.active_floors: Counter[int] = Counter()
        self.blackouts: Counter[str] = Counter()
        self.window_iters: list[croniter | None] = []
        self.windows: list[Window] = [*policy.warm_windows, *policy.blackouts]
        # accounting
        self.node_seconds = {True: 0.0, False: 0.0}
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
        bucket = self.buckets.get(node.free)
        if bucket is None:
            bucket = self.buckets[node.free] = {}
            insort(self.free_keys, node.free)
        bucket[node.id] = None

    def _bucket_remove(self, node: _Node) -> None:
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
        top = max(self.active_floors) if self.active_floors else 0
        floor = max(self.policy.min_nodes, top)
        return floor if self.policy.max_nodes is None else min(floor, self.policy.max_nodes)

    def _blocked(self, reason: str) -> bool:
        return bool(self.blackouts["*"] or self.blackouts[reason])

    # ------------------------------------------------------------------------------ nodes
    def _launch(self, count: int) -> None:
        rate = self.options.spot_interruptions_per_node_hour
        for _ in range(count):
            node = _Node(self.next_node_id, self.policy.spot, self.now, self.cap)
            self.next_node_id += 1
            self.nodes[node.id] = node
            self.alive += 1
            self.booting += 1
            self.launched += 1
            self._push(self.now + self.policy.boot_delay_s, _READY, node.id)
            if node.spot and rate > 0:
                self._push(self.now + self.rng.expovariate(rate / 3600.0), _INTERRUPT, node.id)
        if count:
            self.last_scale_up = self.now
            self.peak = max(self.peak, self.alive)

    def _terminate(self, node: _Node) -> None:
        node.alive = False
        self.alive -= 1
        if node.ready:
            self._bucket_remove(node)
        else:
            self.booting -= 1
        self.held.discard(node.id)
        self.node_seconds[node.spot] += self.now - node.launched
        del self.nodes[node.id]

    def _became_empty(self, node: _Node) -> None:
        node.empty_since = self.now
        if math.isfinite(self.policy.empty_delay_s):
            self._push(self.now + self.policy.empty_delay_s, _IDLE, node.id, node.version)

    # ------------------------------------------------------------------------------- jobs
    def _enqueue(self, job: int) -> None:
        self.pending_since[job] = self.now
        heap = self.pending.get(self.key[job])
        if heap is None:
            heap = self.pending[self.key[job]] = []
        heapq.heappush(heap, job)
        self.pending_count += 1
        self._request_provisioning()

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
            if node.free == self.cap:
                self._became_empty(node)
            elif self.policy.consolidate_underutilized:
                self._push(self.now + self.policy.underutilized_delay_s, _CONSOLIDATE, node.id,
                           node.version)

    def _start(self, job: int, key: int) -> None:
        self.wait[job] += self.now - self.pending_since[job]
        if key < self.cap:
            free = self.free_keys[bisect_left(self.free_keys, key)]
            node = self.nodes[next(iter(self.buckets[free]))]
            chosen: tuple[_Node, ...] = (node,)
            self._set_free(node, free - key)
        else:
            ids = list(self.buckets[self.cap])[: key // self.cap]
            chosen = tuple(self.nodes[i] for i in ids)
            for node in chosen:
                self._set_free(node, 0)
        for node in chosen:
            node.jobs.add(job)
            node.version += 1
            self.held.discard(node.id)
        self._run(job, chosen)

    def _schedule(self) -> None:
        cap = self.cap
        placed = False
        while self.pending_count:
            keys = self.free_keys
            empties = len(self.buckets.get(cap, ()))
            below_cap = bisect_left(keys, cap)
            partial_max = keys[below_cap - 1] if below_cap else 0
            # The earliest waiting multi-node job holds the empty nodes it needs, so that a
            # stream of small jobs cannot take every node the moment it becomes ready.
            gang_job, gang_nodes = -1, 0
            for key, heap in self.pending.items():
                if key >= cap and (gang_job < 0 or heap[0] < gang_job):
                    gang_job, gang_nodes = heap[0], key // cap
            best_job = -1
            best_key = 0
            for key, heap in self.pending.items():
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
            heap = self.pending[best_key]
            heapq.heappop(heap)
            if not heap:
                del self.pending[best_key]
            self.pending_count -= 1
            self._start(best_job, best_key)
            placed = True
        if placed and self.held:
            self._recheck_held()

    def _recheck_held(self) -> None:
        for node_id in list(self.held):
            node = self.nodes.get(node_id)
            self.held.discard(node_id)
            if node is not None and node.ready and node.free == self.cap:
                when = max(self.now, node.empty_since + self.policy.empty_delay_s)
                self._push(when, _IDLE, node.id, node.version)

    # ------------------------------------------------------------------------ provisioning
    def _request_provisioning(self) -> None:
        if not self.provision_queued:
            self.provision_queued = True
            self._push(self.now + self.policy.provision_delay_s, _PROVISION)

    def _provision(self) -> None:
        self.provision_queued = False
        if self.alive < self.floor:
            self._launch(self.floor - self.alive)
        if not self.pending_count:
            return
        budget = math.inf if self.policy.max_nodes is None else self.policy.max_nodes - self.alive
        if budget <= 0:
            return
        cap = self.cap
        # Projected bins: empty ready nodes and booting nodes (all will be empty).
        bins: dict[int, int] = {}
        bin_keys: list[int] = []
        if len(self.buckets.get(cap, ())) + self.booting:
            bins[cap] = len(self.buckets.get(cap, ())) + self.booting
            bin_keys.append(cap)
        launches = 0
        for key in sorted(self.pending, reverse=True):
            for _job in self.pending[key]:
                if budget <= 0:
                    break
                if key >= cap:
                    need_nodes = key // cap
                    use = min(need_nodes, bins.get(cap, 0))
                    extra = need_nodes - use
                    if extra > budget:
                        continue
                    if use:
                        bins[cap] -= use
                        if not bins[cap]:
                            del bins[cap]
                            del bin_keys[bisect_left(bin_keys, cap)]
                    launches += extra
                    budget -= extra
                    continue
                i = bisect_left(bin_keys, key)
                if i < len(bin_keys):
                    free = bin_keys[i]
                    bins[free] -= 1
                    if not bins[free]:
                        del bins[free]
                        del bin_keys[i]
                else:
                    free = cap
                    launches += 1
                    budget -= 1
                rest = free - key
                if rest and rest not in bins:
                    insort(bin_keys, rest)
                    bins[rest] = 0
                if rest:
                    bins[rest] += 1
            if budget <= 0:
                break
        self._launch(launches)

    # ---------------------------------------------------------------------------- windows
    def _to_seconds(self, moment: datetime) -> float:
        return (moment - self.options.trace_start).total_seconds()

    def _window_start_iter(self, window: Window, start: float) -> croniter:
        zone = ZoneInfo(window.timezone)
        base = (self.options.trace_start + timedelta(seconds=start)).astimezone(zone)
        return croniter(window.cron, base)

    def _apply_window(self, index: int, opening: bool) -> None:
        window = self.windows[index]
        delta = 1 if opening else -1
        if index < len(self.policy.warm_windows):
            self.active_floors[window.value] += delta
            if self.active_floors[window.value] <= 0:
                del self.active_floors[window.value]
            if opening:
                self._request_provisioning()
            else:
                self._release_held_and_recheck()
        else:
            for reason in window.reasons or ("*",):
                self.blackouts[reason] += delta
            if not opening:
                self._release_held_and_recheck()

    def _release_held_and_recheck(self) -> None:
        for node in self.nodes.values():
            if not node.ready:
                continue
            if node.free == self.cap:
                self.held.add(node.id)
            elif self.policy.consolidate_underutilized:
                self._push(self.now, _CONSOLIDATE, node.id, node.version)
        self._recheck_held()

    def _start_windows(self, t0: float) -> None:
        for index, window in enumerate(self.windows):
            if window.cron is None:
                if index < len(self.policy.warm_windows):
                    self.active_floors[window.value] += 1
                else:
                    for reason in window.reasons or ("*",):
                        self.blackouts[reason] += 1
                self.window_iters.append(None)
                continue
            it = self._window_start_iter(window, t0 - window.duration_s)
            self.window_iters.append(it)
            start = self._to_seconds(it.get_next(datetime))
            while start <= t0:  # windows already open when the trace begins
                if start + window.duration_s > t0:
                    self._apply_window(index, True)
                    self._push(start + window.duration_s, _WINDOW, index, 0)
                start = self._to_seconds(it.get_next(datetime))
            self._push(start, _WINDOW, index, 1)

    def _on_window(self, index: int, opening: int) -> None:
        window = self.windows[index]
        if opening:
            self._apply_window(index, True)
            self._push(self.now + window.duration_s, _WINDOW, index, 0)
            it = self.window_iters[index]
            if it is not None:
                self._push(self._to_seconds(it.get_next(datetime)), _WINDOW, index, 1)
        else:
            self._apply_window(index, False)

    # ------------------------------------------------------------------ idle calendar
    def _idle_state(self) -> tuple[Any, ...] | None:
        """What the pool looks like, if it is idle (else None): equal states a week apart
        mean the week repeats until a job arrives."""
        if self.pending_count or self.booting or any(n.jobs for n in self.nodes.values()):
            return None
        spot = sum(1 for n in self.nodes.values() if n.spot)
        return (spot, self.alive - spot, len(self.held), sorted(self.active_floors.items()),
                sorted(self.blackouts.items()))

    def _accrued(self) -> dict[bool, float]:
        """Node-seconds billed so far, counting alive nodes up to now."""
        accrued = dict(self.node_seconds)
        for node in self.nodes.values():
            accrued[node.spot] += self.now - node.launched
        return accrued

    def _skip_idle_weeks(self) -> None:
        """At an opening of the first window: once two idle weeks in a row were the same
        (state at both ends, node-seconds and launches), repeat that week up to the week
        before the next arrival."""
        state = self._idle_state()
        if state is None or not self.fast_forward:
            self.idle_weeks = []
            return
        weeks_seen = self.idle_weeks
        snapshot = (self.now, state, self._accrued(), self.launched, self.interruptions)
        if weeks_seen and self.now - weeks_seen[-1][0] < WEEK_S:
            return
        if not weeks_seen or self.now - weeks_seen[-1][0] > WEEK_S or state != weeks_seen[-1][1]:
            self.idle_weeks = [snapshot]
            return
        weeks_seen.append(snapshot)
        if len(weeks_seen) < 3:
            return
        del weeks_seen[:-3]
        first, second = (_week_delta(weeks_seen[0], weeks_seen[1]),
                         _week_delta(weeks_seen[1], weeks_seen[2]))
        if any(abs(x - y) > 1e-6 for x, y in zip(first, second, strict=True)):
            return
        following = bisect_left(self.trace.submit, self.now)
        if following >= len(self.trace):
            return
        weeks = int((self.trace.submit[following] - self.now) // WEEK_S) - 1
        if weeks < 1:
            return
        shift = weeks * WEEK_S
        spot_s, on_demand_s, launches = second
        for spot, per_week in ((True, spot_s), (False, on_demand_s)):
            alive = sum(1 for n in self.nodes.values() if n.spot == spot)
            self.node_seconds[spot] += weeks * per_week - alive * shift
        self.launched += weeks * int(launches)
        # Interruptions of idle spot nodes cost nothing but are counted: their expected number.
        rate = self.options.spot_interruptions_per_node_hour / 3600.0
        self.interruptions += round(weeks * spot_s * rate)
        self.events[:] = [(t if kind == _ARRIVE else t + shift, kind, seq, a, b)
                          for t, kind, seq, a, b in self.events]  # in place: run() holds it
        heapq.heapify(self.events)
        self.now += shift
        self.last_scale_up += shift
        for node in self.nodes.values():
            node.empty_since += shift
        openings = {a: t for t, kind, _, a, b in self.events if kind == _WINDOW and b == 1}
        openings[0] = self.now
        for index, window in enumerate(self.windows):
            if self.window_iters[index] is not None and index in openings:
                self.window_iters[index] = self._window_start_iter(window, openings[index])
        self.idle_weeks = [(self.now, state, self._accrued(), self.launched, self.interruptions)]

    # ---------------------------------------------------------------------- scale-down
    def _on_idle(self, node: _Node, version: int) -> None:
        if node.version != version or not node.ready or node.free != self.cap:
            return
        if self.pending_count or self.alive - 1 < self.floor or self._blocked("Empty"):
            self.held.add(node.id)  # revisited when the queue moves or a window closes
            return
        hold_until = self.last_scale_up + self.policy.scale_down_delay_after_add_s
        if self.now < hold_until:
            self._push(hold_until, _IDLE, node.id, version)
            return
        self._terminate(node)

    def _on_consolidate(self, node: _Node, version: int) -> None:
        policy = self.policy
        if node.version != version or not node.ready or node.free in (0, self.cap):
            return
        used = self.cap - node.free
        if policy.underutilized_threshold is not None and \
                used >= policy.underutilized_threshold * self.cap:
            return
        if policy.protect_running or self.pending_count or self.alive - 1 < self.floor:
            return
        if self._blocked("Underutilized"):
            return  # a closing blackout re-checks every node
        hold_until = self.last_scale_up + policy.scale_down_delay_after_add_s
        if self.now < hold_until:
            self._push(hold_until, _CONSOLIDATE, node.id, version)
            return
        jobs = sorted(node.jobs, key=lambda j: -self.demand[j])
        if any(self.key[j] >= self.cap for j in jobs):
            return
        self._bucket_remove(node)
        moves: list[tuple[int, _Node]] = []
        fits = True
        for job in jobs:
            i = bisect_left(self.free_keys, self.demand[job])
            if i == len(self.free_keys) or self.free_keys[i] == self.cap:
                fits = False  # moving onto an empty node saves nothing
                break
            target = self.nodes[next(iter(self.buckets[self.free_keys[i]]))]
            self._set_free(target, target.free - self.demand[job])
            moves.append((job, target))
        if not fits:
            for job, target in reversed(moves):
                self._set_free(target, target.free + self.demand[job])
            self._bucket_add(node)
            return
        self._bucket_add(node)
        for job, target in moves:
            self.busy_gpu_s += (self.now - self.run_start[job]) * self.trace.gpus[job]
            self._lose_progress(job)
            node.jobs.discard(job)
            target.jobs.add(job)
            target.version += 1
            self.disruptions += 1
            self._run(job, (target,))
        self._terminate(node)

    # -------------------------------------------------------------------------------- run
    def run(self) -> SimResult:
        trace, policy = self.trace, self.policy
        n = len(trace)
        t0 = self.now
        self._start_windows(t0)
        for _ in range(self.floor):  # the pool exists before the trace begins
            node = _Node(self.next_node_id, policy.spot, t0, self.cap)
            self.next_node_id += 1
            node.ready = True
            self.nodes[node.id] = node
            self.alive += 1
            self._bucket_add(node)
            self._became_empty(node)
            if node.spot and self.options.spot_interruptions_per_node_hour > 0:
                rate = self.options.spot_interruptions_per_node_hour / 3600.0
                self._push(t0 + self.rng.expovariate(rate), _INTERRUPT, node.id)
        self.peak = self.alive
        max_nodes = policy.max_nodes
        for job in range(n):
            if max_nodes is not None and self.key[job] >= self.cap and \
                    self.key[job] // self.cap > max_nodes:
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
                self._enqueue(a)
                self._schedule()
            elif kind == _READY:
                node = self.nodes.get(a)
                if node is None:
                    continue
                node.ready = True
                self.booting -= 1
                self._bucket_add(node)
                self._schedule()
                if node.alive and node.free == self.cap and not node.jobs:
                    self._became_empty(node)
                self._request_provisioning()
            elif kind == _PROVISION:
                self._provision()
            elif kind == _IDLE:
                node = self.nodes.get(a)
                if node is not None:
                    self._on_idle(node, b)
            elif kind == _CONSOLIDATE:
                node = self.nodes.get(a)
                if node is not None:
                    self._on_consolidate(node, b)
            elif kind == _INTERRUPT:
                node = self.nodes.get(a)
                if node is None:
                    continue
                self.interruptions += 1
                released: list[_Node] = []
                for job in list(node.jobs):
                    others = self._detach(job)
                    self._lose_progress(job)
                    self.run_id[job] += 1
                    released.extend(o for o in others if o is not node)
                    self._enqueue(job)
                self._terminate(node)
                self._after_release(tuple(released))
                self._schedule()
                self._request_provisioning()
            elif kind == _WINDOW:
                if a == 0 and b == 1:
                    self._skip_idle_weeks()
                self._on_window(a, b)
        if self.done < target:  # a bug, never the input's fault: say so loudly
            raise RuntimeError(f"simulation of {policy.name} stalled with "
                               f"{target - self.done} jobs unfinished")
        for node in list(self.nodes.values()):
            self._terminate(node)
        return self._result(t0)

    def _result(self, t0: float) -> SimResult:
        node = self.node_type
        spot_s, od_s = self.node_seconds[True], self.node_seconds[False]
        cost = (spot_s * node.spot_hourly + od_s * node.on_demand_hourly) / 3600.0
        scheduled = [j for j in range(len(self.trace))
                     if not (self.policy.max_nodes is not None and self.key[j] >= self.cap
                             and self.key[j] // self.cap > self.policy.max_nodes)]
        gpu_s = math.fsum(self.trace.duration[j] * self.trace.gpus[j] for j in scheduled)
        oracle = oracle_cost(gpu_s, node, spot_allowed=self.policy.spot)
        waits = sorted(self.wait[j] for j in scheduled)
        capacity_gpu_s = (spot_s + od_s) * node.gpus
        return SimResult(
            policy=self.policy.name, kind=self.policy.kind, capacity=self.policy.capacity,
            instance_type=node.instance_type, node_gpus=node.gpus, jobs=len(scheduled),
            unschedulable=self.unschedulable, node_hours=(spot_s + od_s) / 3600.0,
            cost_usd=cost, oracle_cost_usd=oracle,
            cost_ratio=cost / oracle if oracle > 0 else (1.0 if cost == 0 else math.inf),
            gpu_utilisation=self.busy_gpu_s / capacity_gpu_s if capacity_gpu_s else 0.0,
            wait_p50_s=percentile(waits, 0.50), wait_p95_s=percentile(waits, 0.95),
            wait_max_s=waits[-1] if waits else 0.0,
            wait_mean_s=math.fsum(waits) / len(waits) if waits else 0.0,
            interruptions=self.interruptions, disruptions=self.disruptions,
            lost_gpu_hours=self.lost_gpu_s / 3600.0, nodes_launched=self.launched,
            peak_nodes=self.peak, span_hours=(self.now - t0) / 3600.0)


def _week_delta(start: tuple[Any, ...], end: tuple[Any, ...]) -> tuple[float, float, float]:
    """Spot node-seconds, on-demand node-seconds and launches between two idle snapshots."""
    return (end[2][True] - start[2][True], end[2][False] - start[2][False],
            float(end[3] - start[3]))


def simulate(trace: Trace, policy: SimPolicy, node: NodeType,
             options: SimOptions | None = None) -> SimResult:
    """Replay ``trace`` on a pool of ``node`` under ``policy``."""
    return Simulator(trace, policy, node, options).run()
