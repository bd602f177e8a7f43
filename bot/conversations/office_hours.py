"""Is the team working now, and if not, when does it start again (from the site file)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.knowledge.schema import OfficeHours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _spans(hours: OfficeHours, day: dt.date, zone: ZoneInfo) -> list[tuple[dt.datetime, dt.datetime]]:
    spans = []
    for span in hours.weekly.get(WEEKDAYS[day.weekday()]) or []:  # type: ignore[call-overload]
        start, end = (dt.time.fromisoformat(part.strip()) for part in span.split("-"))
        spans.append((dt.datetime.combine(day, start, zone), dt.datetime.combine(day, end, zone)))
    return spans


def next_opening(hours: OfficeHours, now: dt.datetime) -> dt.datetime | None:
    """None while the team is working; otherwise when it starts again (within two weeks)."""
    zone = ZoneInfo(hours.timezone)
    local = now.astimezone(zone)
    for offset in range(15):
        for start, end in _spans(hours, local.date() + dt.timedelta(days=offset), zone):
            if start <= local < end:
                return None
            if start > local:
                return start
    raise ValueError("the site file has no staff hours in the next two weeks")
