"""Where a scheduled window ends, as a cron line: the profile gives a start cron and a length.

Warm floors (CI runners, GPU placeholders) are applied by CronJobs, and a CronJob only knows
when to start. A window "from 07:45 on weekdays for 11h15m" therefore becomes two CronJobs:
one at the start that raises the floor and one at the end that lowers it again. The end is
computed here rather than written in the catalog so that start and length stay one fact.
Pure: no Pulumi.
"""

from __future__ import annotations

import re

from infra.profiles import duration_seconds

_NUMBER = re.compile(r"^\d+$")


def _days(spec: str) -> set[int]:
    if spec == "*":
        return set(range(7))
    days: set[int] = set()
    for part in spec.split(","):
        if "-" in part:
            low, high = (int(x) for x in part.split("-", 1))
            days.update(range(low, high + 1))
        elif _NUMBER.match(part):
            days.add(int(part))
        else:
            raise ValueError(f"unsupported day-of-week {spec!r} (use numbers, ranges or lists)")
    return {d % 7 for d in days}


def _render(days: set[int]) -> str:
    if len(days) == 7:
        return "*"
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def window_end(start: str, duration: str) -> str:
    """The cron line at ``start`` + ``duration``.

    ``start`` must name one minute and one hour; a window that runs past midnight moves the
    day-of-week field, which is only well defined when day-of-month and month are ``*``.
    """
    fields = start.split()
    if len(fields) != 5:
        raise ValueError(f"{start!r} is not a 5-field cron line")
    minute, hour, dom, month, dow = fields
    if not (_NUMBER.match(minute) and _NUMBER.match(hour)):
        raise ValueError(f"{start!r}: a window must start at one fixed minute and hour")
    seconds = duration_seconds(duration)
    if seconds == float("inf") or seconds <= 0 or seconds % 60:
        raise ValueError(f"window length {duration!r} must be a positive whole number of minutes")
    if seconds >= 7 * 86400:
        raise ValueError(f"window length {duration!r} must be shorter than a week")
    end = int(minute) + 60 * int(hour) + int(seconds) // 60
    shift, end = divmod(end, 1440)
    if shift and (dom != "*" or month != "*"):
        raise ValueError(f"{start!r} + {duration}: crosses midnight with a fixed day or month")
    days = {(d + shift) % 7 for d in _days(dow)}
    return f"{end % 60} {end // 60} {dom} {month} {_render(days) if dow != '*' else '*'}"
