"""Dates in a message, resolved against today in the office's time zone.

- numbers: 15.12.2026, 15/12/2026, 2026-12-15, 15.12. or 15/12 (a date without a year is this
  year's, unless that lies more than half a year back: then next year's; "1.5" is a decimal);
- a day and a month name: "15 December", "December 15th", "15. Dezember 2027";
- relative days: today, tomorrow, the day after tomorrow, yesterday, the day before yesterday;
- an offset: "in 2 weeks", "vor 3 Tagen", "через неделю", "3 gün önce", "بعد أسبوعين";
- a weekday: "next Friday" (the first one after today), "last Monday", "am Freitag", "bis Montag";
  a bare weekday counts only when the message speaks of a deadline ("Friday prayers" is no date).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from bot.rasa_ext.entities.lexicon import DateWords, TermList, fits

HALF_YEAR = dt.timedelta(days=183)
_NUMERIC = re.compile(
    r"(?<![\w./-])(?:(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    r"|(?P<d>\d{1,2})(?P<sep>[./])(?P<m>\d{1,2})(?:[./](?P<y>\d{4}|\d{2})(?![\d])|\.(?!\d)|(?![./\d])))(?![\w/-])")
_DAY_NUMBER = re.compile(r"(\d{1,2})(?:st|nd|rd|th|er|e|\.|-?(?:ого|го|е|а))?")
_YEAR = re.compile(r"(\d{4})")
_UNIT_DAYS = {"day": 1, "week": 7}


@dataclass(frozen=True)
class DateMention:
    start: int  # character offsets in the text
    end: int
    date: dt.date


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _valid(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _without_year(today: dt.date, month: int, day: int) -> dt.date | None:
    found = _valid(today.year, month, day)
    if found is not None and today - found > HALF_YEAR:
        found = _valid(today.year + 1, month, day)
    return found


def numeric_dates(text: str, today: dt.date) -> list[DateMention]:
    found = []
    for match in _NUMERIC.finditer(text):
        if match.group("iy"):
            date = _valid(int(match.group("iy")), int(match.group("im")), int(match.group("id")))
        else:
            day, month, year = int(match.group("d")), int(match.group("m")), match.group("y")
            if year is None and match.group("sep") == "." and not match.group().endswith("."):
                continue  # "1.5 hours": a decimal; a date without a year is written "5.1." or "5/1"
            if year is None:
                date = _without_year(today, month, day)
            else:
                date = _valid(int(year) + (2000 if len(year) == 2 else 0), month, day)
        if date is not None:
            found.append(DateMention(match.start(), match.end(), date))
    return found


class WordDates:
    """The date rules over one message's tokens (their normal forms and character offsets)."""

    def __init__(self, words: DateWords, forms: list[str], spans: list[tuple[int, int]], today: dt.date,
                 deadline: bool) -> None:
        self.words, self.forms, self.spans, self.today, self.deadline = words, forms, spans, today, deadline

    def find(self) -> list[DateMention]:
        found: list[DateMention] = []
        i = 0
        while i < len(self.forms):
            hit = (self._relative_day(i) or self._month_date(i) or self._offset(i) or self._weekday(i))
            if hit is None:
                i += 1
                continue
            first, last, date = hit
            found.append(DateMention(self.spans[first][0], self.spans[last][1], date))
            i = last + 1
        return found

    # -- helpers over token positions
    def _is(self, pattern: re.Pattern[str] | None, i: int) -> bool:
        return 0 <= i < len(self.forms) and fits(pattern, self.forms[i])

    def _number(self, i: int) -> int | None:
        if not 0 <= i < len(self.forms):
            return None
        form = self.forms[i]
        if form.isdigit():
            return int(form)
        for pattern, value in self.words.numbers:
            if pattern.fullmatch(form):
                return value
        return None

    def _named(self, names: TermList, i: int) -> tuple[int, int] | None:
        """The weekday or month named from token i (its number, the index after its last token)."""
        if not 0 <= i < len(self.forms):
            return None
        hit = names.longest_at(self.forms, i)
        return (int(hit[1].value), hit[0]) if hit else None

    # -- the rules; each returns (first token, last token, date) or None
    def _relative_day(self, i: int) -> tuple[int, int, dt.date] | None:
        hit = self.words.days.longest_at(self.forms, i)
        if hit is None:
            return None
        end, term = hit
        offset = int(term.value)
        if offset == 1 and i > 0 and self.words.days.longest_at(self.forms, i - 1):  # "heute Morgen": this morning
            return None
        return i, end - 1, self.today + dt.timedelta(days=offset)

    def _month_date(self, i: int) -> tuple[int, int, dt.date] | None:
        day_match = _DAY_NUMBER.fullmatch(self.forms[i])
        if day_match:  # 15 December [2027]   (a lone "." token may sit between)
            j = i + 1 + (self.forms[i + 1:i + 2] == [""])
            month = self._named(self.words.months, j)
            if month is not None:
                return self._with_year(i, month[1] - 1, int(day_match.group(1)), month[0])
        month = self._named(self.words.months, i)
        if month is not None and month[1] < len(self.forms):  # December 15th [, 2027]
            day_match = _DAY_NUMBER.fullmatch(self.forms[month[1]])
            if day_match:
                return self._with_year(i, month[1], int(day_match.group(1)), month[0])
        return None

    def _with_year(self, first: int, last: int, day: int, month: int) -> tuple[int, int, dt.date] | None:
        for j in (last + 1, last + 2):  # "15 Dezember 2027", "December 15, 2027"
            year = _YEAR.fullmatch(self.forms[j]) if j < len(self.forms) else None
            if year:
                date = _valid(int(year.group(1)), month, day)
                return (first, j, date) if date else None
            if j < len(self.forms) and self.forms[j] != "":
                break
        date = _without_year(self.today, month, day)
        return (first, last, date) if date else None

    def _offset(self, i: int) -> tuple[int, int, dt.date] | None:
        unit = next((u for u, p in self.words.units.items() if self._is(p, i)), None)
        count: int | None = 1
        first = i
        if unit is None:
            unit = next((u for u, p in self.words.duals.items() if self._is(p, i)), None)
            count = 2
        elif (number := self._number(i - 1)) is not None:
            count, first = number, i - 1
        if unit is None or count is None or count > 366:
            return None
        nearest_first = [first - 1, i + 1, first - 2, i + 2]  # "in Germany 3 weeks ago": "ago" decides
        word = next((j for j in nearest_first if self._is(self.words.future, j) or self._is(self.words.past, j)), None)
        if word is None:
            return None
        direction = +1 if self._is(self.words.future, word) else -1
        first, last = min(first, word), max(i, word)
        if unit == "month":
            return first, last, add_months(self.today, direction * count)
        if unit not in _UNIT_DAYS:
            return None
        return first, last, self.today + dt.timedelta(days=direction * count * _UNIT_DAYS[unit])

    def _weekday(self, i: int) -> tuple[int, int, dt.date] | None:
        named = self._named(self.words.weekdays, i)
        if named is None:
            return None
        weekday, end = named
        before, after = [i - 2, i - 1], [end]
        if any(self._is(self.words.last, j) for j in before + after):
            back = (self.today.weekday() - weekday) % 7 or 7
            return i, end - 1, self.today - dt.timedelta(days=back)
        qualified = any(self._is(self.words.next, j) or self._is(self.words.this, j) for j in before + after)
        if not (qualified or self.deadline):
            return None
        ahead = (weekday - self.today.weekday()) % 7 or 7
        return i, end - 1, self.today + dt.timedelta(days=ahead)
