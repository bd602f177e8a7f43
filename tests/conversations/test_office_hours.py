import datetime as dt
from zoneinfo import ZoneInfo

from bot.conversations.office_hours import next_opening
from bot.knowledge.schema import OfficeHours

BERLIN = ZoneInfo("Europe/Berlin")
HOURS = OfficeHours(weekly={"mon": ["08:00-12:00", "13:00-16:00"], "fri": ["08:00-13:00"]})


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


def test_open_during_hours() -> None:
    assert next_opening(HOURS, at(2026, 11, 23, 9, 30)) is None  # a Monday


def test_lunch_break_opens_after_it() -> None:
    assert next_opening(HOURS, at(2026, 11, 23, 12, 30)) == at(2026, 11, 23, 13, 0)


def test_friday_evening_opens_on_monday() -> None:
    assert next_opening(HOURS, at(2026, 11, 27, 18, 0)) == at(2026, 11, 30, 8, 0)


def test_utc_input_is_converted() -> None:
    utc = dt.datetime(2026, 11, 23, 7, 30, tzinfo=dt.UTC)  # 08:30 in Berlin (winter time)
    assert next_opening(HOURS, utc) is None
