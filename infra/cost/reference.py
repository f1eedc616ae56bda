"""Reference workloads: the "expected" GPU bill of a profile, from a replay, not a guess.

A team's GPU pool has a quota (its NodePool limit) but no history yet, so its expected cost is
what its profile costs on a synthetic four-week trace of the work that profile is for, sized
to the quota, replayed by the same simulator that ``teamstack simulate`` uses. The traces are
generated here, deterministically (fixed seeds), and documented in docs/profiles.md:

* interactive: weekday sessions of 1-3 h starting 09:00-17:00; half the quota in use mid-day.
* experiment: weekday bursts of 10-60 min 1-GPU runs 09:00-19:00 (40% of the quota busy),
  plus a few evening runs.
* scheduled-retrain: every night at 02:00 one job on half the quota for about three hours.
* adhoc-training: two large runs a month (the whole quota for 3 days, half for 2 days), each
  preceded by short debug runs.
* service: a quarter of the quota always busy, another quarter on weekdays 08:00-20:00.

Quotas above ``MAX_REFERENCE_GPUS`` are replayed at that size and scaled linearly, which keeps
a plan fast; a pool's cost is close to linear in its size at these scales.
"""

from __future__ import annotations

import random
from functools import lru_cache

from infra.simulate.engine import NodeType, SimOptions, SimResult, simulate
from infra.simulate.policy import profile_policy
from infra.simulate.trace import Trace

DAYS = 28
HOURS = DAYS * 24.0
MAX_REFERENCE_GPUS = 64
_SEEDS = {"interactive": 11, "experiment": 12, "scheduled-retrain": 13, "adhoc-training": 14,
          "service": 15}


def _weekdays() -> list[int]:
    return [d for d in range(DAYS) if d % 7 < 5]  # trace day 0 is a Monday


def reference_trace(profile: str, quota_gpus: int) -> Trace:
    """The four-week reference workload of ``profile`` for a pool of ``quota_gpus`` GPUs."""
    rng = random.Random(_SEEDS[profile])
    q = max(1, quota_gpus)
    jobs: list[tuple[float, float, float]] = []
    hour = 3600.0
    if profile == "interactive":
        for day in _weekdays():
            for _ in range(max(1, round(2 * q))):
                start = day * 86400 + rng.uniform(9, 17) * hour
                jobs.append((start, rng.uniform(1, 3) * hour, 1))
    elif profile == "experiment":
        for day in _weekdays():
            per_day = max(1, round(6.9 * q))
            for _ in range(per_day):
                burst = day * 86400 + rng.choice((9.5, 11, 14, 16.5)) * hour
                jobs.append((burst + rng.expovariate(1 / 1800.0), rng.uniform(10, 60) * 60, 1))
            for _ in range(max(1, per_day // 10)):
                jobs.append((day * 86400 + rng.uniform(19, 23) * hour,
                             rng.uniform(10, 60) * 60, 1))
    elif profile == "scheduled-retrain":
        for day in range(DAYS):
            jobs.append((day * 86400 + 2 * hour, rng.uniform(2.5, 3.5) * hour, max(1, q // 2)))
    elif profile == "adhoc-training":
        for day, size, length in ((3, q, 72), (15, max(1, q // 2), 48)):
            start = day * 86400 + 9 * hour
            for i in range(10):
                jobs.append((start - (10 - i) * 1800.0, 20 * 60.0, 1))
            jobs.append((start, length * hour, size))
    elif profile == "service":
        base = max(1, q // 4)
        for _ in range(base):
            jobs.append((0.0, DAYS * 86400.0, 1))
        for day in _weekdays():
            for _ in range(base):
                jobs.append((day * 86400 + 8 * hour + rng.uniform(0, 600), 12 * hour, 1))
    else:
        raise KeyError(f"no reference workload for profile {profile!r}")
    return Trace.from_jobs(f"reference-{profile}", jobs)


@lru_cache(maxsize=256)
def _replay(profile: str, quota: int, node: NodeType, timezone: str) -> SimResult:
    trace = reference_trace(profile, quota)
    policy = profile_policy(profile, node_gpus=node.gpus, max_gpus=max(quota, node.gpus),
                            timezone=timezone)
    return simulate(trace, policy, node, SimOptions())


def expected_monthly(profile: str, quota_gpus: int, node: NodeType,
                     timezone: str = "UTC") -> tuple[float, float]:
    """(USD per month, node-hours per month) of ``profile`` on its reference workload."""
    replayed = min(quota_gpus, MAX_REFERENCE_GPUS)
    result = _replay(profile, replayed, node, timezone)
    scale = (quota_gpus / replayed) * (730.0 / HOURS)
    return result.cost_usd * scale, result.node_hours * scale
