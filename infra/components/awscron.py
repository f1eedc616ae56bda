"""Five-field cron (what requests and profiles use) to the six-field form EventBridge wants.

EventBridge Scheduler's ``cron(min hour day-of-month month day-of-week year)`` differs from
Unix cron in three ways that matter here: a year field, day-of-week numbered 1-7 from Sunday
(names are unambiguous, so they are used), and exactly one of day-of-month and day-of-week must
be ``?``. Pure logic, no Pulumi.
"""

from __future__ import annotations

import re

DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_DAY = re.compile(r"^(\d|[A-Za-z]{3})$")


def _day(token: str) -> str:
    if not _DAY.match(token):
        raise ValueError(f"unsupported day of week {token!r}")
    if token.isdigit():
        number = int(token)
        if number > 7:
            raise ValueError(f"day of week {number} is out of range 0-7")
        return DAY_NAMES[number % 7]
    name = token.upper()
    if name not in DAY_NAMES:
        raise ValueError(f"unknown day of week {token!r}")
    return name


def _days(field: str) -> str:
    parts = []
    for item in field.split(","):
        if "/" in item:
            raise ValueError(f"day-of-week steps ({item!r}) are not supported; list the days")
        parts.append("-".join(_day(t) for t in item.split("-")))
    return ",".join(parts)


def aws_cron(expression: str) -> str:
    """``"45 7 * * 1-5"`` -> ``"cron(45 7 ? * MON-FRI *)"``."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"{expression!r} is not a 5-field cron expression")
    minute, hour, dom, month, dow = fields
    if dom != "*" and dow != "*":
        raise ValueError(f"{expression!r} sets both day of month and day of week; EventBridge "
                         "allows only one")
    if dow == "*":
        dow = "?"
    else:
        dom, dow = "?", _days(dow)
    return f"cron({minute} {hour} {dom} {month} {dow} *)"
