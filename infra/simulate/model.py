"""The plain records of a replay: instance types, the replay's environment, a live node and
the kinds of event.

Kept apart from the event loop so that pools, searches and reports can build and read them
without the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

MILLI = 1000  # GPUs are counted in thousandths (GPU-sharing traces ask for fractions)

# The replay's event kinds, here so that every module that queues events names the same ones.
# At equal times they run in this order (capacity is freed before it is asked for, and
# provisioning sees everything that happened at that instant).
_COMPLETE, _READY, _INTERRUPT, _ARRIVE, _WINDOW, _IDLE, _CONSOLIDATE, _PROVISION = range(8)


@dataclass(frozen=True)
class NodeType:
    """An instance type of the pool: GPUs per node, hourly prices, spot interruption rate.

    ``spot_interruptions_per_hour`` None means the replay's default
    (``SimOptions.spot_interruptions_per_node_hour``).
    """

    instance_type: str
    gpus: int
    on_demand_hourly: float
    spot_hourly: float
    spot_interruptions_per_hour: float | None = None

    def hourly(self, spot: bool) -> float:
        return self.spot_hourly if spot else self.on_demand_hourly


@dataclass(frozen=True)
class SimOptions:
    """Environment of a replay, as opposed to the policy under test."""

    # ~1.5 interruptions per node-month: AWS Spot Advisor's "5-10%" monthly band for GPU
    # instances is per instance; busy GPU pools see more. Set 0 to ignore interruptions.
    spot_interruptions_per_node_hour: float = 0.002
    checkpoint_interval_s: float = 1800.0
    seed: int = 1
    # Chance that a spot launch finds no capacity (seeded, per launch; 0 in the engine's
    # default so that hand-worked tests stay exact; the CLI passes its own figure).
    spot_unavailable_probability: float = 0.0
    spot_retry_s: float = 60.0
    # Per-GPU hourly rate of the cost floor; None: cheapest of the pool's types, spot or not.
    floor_gpu_hourly: float | None = None
    # Trace time 0; 2024-01-01 was a Monday, so windows line up with a working week.
    trace_start: datetime = datetime(2024, 1, 1, tzinfo=UTC)


class _Node:
    __slots__ = ("alive", "cap", "empty_since", "free", "id", "jobs", "launched", "ready",
                 "replacing", "spot", "type", "version")

    def __init__(self, node_id: int, type_index: int, spot: bool, launched: float,
                 capacity: int) -> None:
        self.id = node_id
        self.type = type_index
        self.cap = capacity
        self.replacing = False
        self.spot = spot
        self.launched = launched
        self.ready = False
        self.alive = True
        self.free = capacity
        self.jobs: set[int] = set()
        self.version = 0
        self.empty_since = launched
