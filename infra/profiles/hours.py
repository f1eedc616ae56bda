"""Working hours in a team's time zone, and the UTC window that covers them all year.

Most schedulers that the profiles drive accept a time zone (Kubernetes CronJobs, EC2 Auto
Scaling scheduled actions, EventBridge Scheduler), so their cron lines stay local. Karpenter's
disruption budgets do not: their cron is UTC. A fixed UTC translation would be an hour off for
half the year wherever daylight saving applies, so the UTC window is widened to cover the local
window under every offset the zone uses during the year.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

WORK_DAYS = "1-5"
WORK_START_HOUR = 8
WORK_END_HOUR = 19


def _parse_days(spec: str) -> set[int]:
    """Cron day-of-week field (numbers, ranges, lists, ``*``) -> set of 0..6 (0 = Sunday)."""
    if spec == "*":
        return set(range(7))
    days: set[int] = set()
    for part in spec.split(","):
        if "-" in part:
            low, high = (int(x) for x in part.split("-", 1))
            days.update(range(low, high + 1))
        else:
            days.add(int(part))
    return {d % 7 for d in days}


def _render_days(days: set[int]) -> str:
    if len(days) == 7:
        return "*"
    ordered = sorted(days)
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _offsets_minutes(timezone: str) -> list[int]:
    zone = ZoneInfo(timezone)
    offsets = set()
    for month in range(1, 13):
        offset = datetime(2025, month, 15, 12, tzinfo=zone).utcoffset()
        offsets.add(int(offset.total_seconds() // 60) if offset is not None else 0)
    return sorted(offsets)


def utc_window(timezone: str, days: str, start_hour: int, end_hour: int) -> tuple[str, str]:
    """UTC cron and duration ("11h" or "11h30m") covering a local window in every season."""
    offsets = _offsets_minutes(timezone)
    start = start_hour * 60 - offsets[-1]
    end = end_hour * 60 - offsets[0]
    length = end - start
    shift = 0
    if start < 0:
        start, shift = start + 1440, -1
    elif start >= 1440:
        start, shift = start - 1440, 1
    shifted = {(d + shift) % 7 for d in _parse_days(days)}
    return f"{start % 60} {start // 60} * * {_render_days(shifted)}", duration_text(length)


def duration_text(minutes: int) -> str:
    """A duration as Karpenter budgets and the runner floor write it: "11h" or "11h15m"."""
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest}m" if rest else f"{hours}h"


def local_cron(minute: int, hour: int, days: str = WORK_DAYS) -> str:
    """A local cron line at ``hour:minute`` on ``days``."""
    return f"{minute} {hour} * * {days}"
