"""The warm-window and blackout calendar of a replay: when each recurring window opens and shuts.

Kept apart from the event loop (``engine.py``) because it is the only part that knows about
wall-clock time: cron expressions in a time zone, and trace time 0 as a date. The engine asks
it which windows are open when the trace begins and when each opens next, and tells it when
one opens or shuts; the calendar keeps the resulting floors and blackout counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from infra.simulate.policy import Window


class WindowCalendar:
    """Warm floors (node counts) and blackouts (disruption reasons) in force at any time."""

    def __init__(self, warm_windows: tuple[Window, ...], blackouts: tuple[Window, ...],
                 trace_start: datetime) -> None:
        self.trace_start = trace_start
        self.warm_count = len(warm_windows)
        self.windows: list[Window] = [*warm_windows, *blackouts]
        self.active_floors: Counter[int] = Counter()
        self.blackouts: Counter[str] = Counter()
        self._iters: list[croniter | None] = []

    def is_warm(self, index: int) -> bool:
        return index < self.warm_count

    @property
    def top_floor(self) -> int:
        """The largest warm floor in force (0 if none)."""
        return max(self.active_floors) if self.active_floors else 0

    def blocked(self, reason: str) -> bool:
        return bool(self.blackouts["*"] or self.blackouts[reason])

    def to_seconds(self, moment: datetime) -> float:
        return (moment - self.trace_start).total_seconds()

    def _iter_from(self, window: Window, start: float) -> croniter:
        zone = ZoneInfo(window.timezone)
        base = (self.trace_start + timedelta(seconds=start)).astimezone(zone)
        return croniter(window.cron, base)

    def apply(self, index: int, opening: bool) -> None:
        """Count a window opening or shutting."""
        window = self.windows[index]
        delta = 1 if opening else -1
        if self.is_warm(index):
            self.active_floors[window.value] += delta
            if self.active_floors[window.value] <= 0:
                del self.active_floors[window.value]
        else:
            for reason in window.reasons or ("*",):
                self.blackouts[reason] += delta

    def begin(self, t0: float) -> Iterator[tuple[str, int, float]]:
        """Set up every window at trace start ``t0``.

        Yields, in order, what the engine must do: ``("open", index, close_time)`` for a
        window already open at ``t0`` (the engine applies it and schedules its closing),
        and ``("next", index, time)`` for each window's next opening. Windows without a cron
        (always open) are applied here and yield nothing.
        """
        for index, window in enumerate(self.windows):
            if window.cron is None:
                self.apply(index, True)
                self._iters.append(None)
                continue
            it = self._iter_from(window, t0 - window.duration_s)
            self._iters.append(it)
            start = self.to_seconds(it.get_next(datetime))
            while start <= t0:  # windows already open when the trace begins
                if start + window.duration_s > t0:
                    yield ("open", index, start + window.duration_s)
                start = self.to_seconds(it.get_next(datetime))
            yield ("next", index, start)

    def restart(self, index: int, opening: float) -> None:
        """Continue window ``index``'s openings after ``opening`` (the engine jumped over idle
        weeks and the opening it holds is now at that time)."""
        if index < len(self._iters) and self._iters[index] is not None:
            self._iters[index] = self._iter_from(self.windows[index], opening)

    def next_opening(self, index: int) -> float | None:
        """When window ``index`` opens again after the opening just handled."""
        it = self._iters[index]
        return None if it is None else self.to_seconds(it.get_next(datetime))
