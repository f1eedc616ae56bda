"""The promise (docs/profiles.md, infra/profiles/hours.py): Karpenter's disruption budgets take
a UTC cron, so a team's working hours are widened into a UTC window that covers them on every
working day of the year, in every season, whatever the zone's offsets.

Checked with croniter (not the module's own day parser) on real calendar days: for each local
working day, the latest UTC window start before local opening time must last past local closing
time. The days sampled cover every weekday in January, April, July and October, so both sides of
daylight saving; the zones include half-hour offsets, a half-hour DST shift (Lord Howe), and
offsets that move the window to the previous (Kiritimati, +14) or next (Pago Pago, -11) UTC day.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter

from infra.profiles.hours import utc_window

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
         "Pacific/Auckland", "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
# Cron day-of-week fields (0 = Sunday) and local hours [start, end).
DAYS = ["1-5", "*", "0,6", "1,3,5", "5-6", "0-2,4", "0", "6"]
HOURS = [(8, 19), (0, 6), (13, 23), (6, 22)]
SAMPLE_DAYS = [date(2025, month, day) for month in (1, 4, 7, 10) for day in range(1, 15)]


def _cron_days(spec: str) -> set[int]:
    """Independent reading of a day-of-week field, for the sample only."""
    if spec == "*":
        return set(range(7))
    out: set[int] = set()
    for part in spec.split(","):
        low, _, high = part.partition("-")
        out.update(range(int(low), int(high or low) + 1))
    return out


def _seconds(duration: str) -> int:
    match = re.fullmatch(r"(\d+)h(?:(\d+)m)?", duration)
    assert match, duration
    return int(match[1]) * 3600 + int(match[2] or 0) * 60


@pytest.mark.parametrize("zone", ZONES)
def test_utc_window_covers_the_local_hours_on_every_working_day(zone: str) -> None:
    tz = ZoneInfo(zone)
    for days in DAYS:
        wanted = _cron_days(days)
        for start_hour, end_hour in HOURS:
            cron, duration = utc_window(zone, days, start_hour, end_hour)
            length = timedelta(seconds=_seconds(duration))
            assert length <= timedelta(hours=end_hour - start_hour + 2), (zone, days, duration)
            for day in SAMPLE_DAYS:
                if (day.weekday() + 1) % 7 not in wanted:  # Python: Monday 0; cron: Sunday 0
                    continue
                opens = datetime(day.year, day.month, day.day, start_hour, tzinfo=tz)
                closes = opens + timedelta(hours=end_hour - start_hour)
                opens_utc = opens.astimezone(UTC).replace(tzinfo=None)
                closes_utc = closes.astimezone(UTC).replace(tzinfo=None)
                window = croniter(cron, opens_utc + timedelta(seconds=1)).get_prev(datetime)
                assert window <= opens_utc and closes_utc <= window + length, (
                    f"{zone} {days} {start_hour}-{end_hour}h on {day}: window {cron} for "
                    f"{duration} misses {opens_utc}..{closes_utc} UTC")


def test_utc_window_is_no_wider_than_the_zone_needs() -> None:
    """Widened by the zone's DST shift only: a window of a whole day would also 'cover'."""
    assert utc_window("UTC", "1-5", 8, 19) == ("0 8 * * 1-5", "11h")
    assert utc_window("Asia/Kolkata", "*", 8, 19) == ("30 2 * * *", "11h")
    assert utc_window("Australia/Lord_Howe", "1-5", 8, 19)[1] == "11h30m"
    assert utc_window("Pacific/Kiritimati", "1,3,5", 8, 19) == ("0 18 * * 0,2,4", "11h")
    assert utc_window("Pacific/Pago_Pago", "5-6", 13, 23) == ("0 0 * * 0,6", "10h")
