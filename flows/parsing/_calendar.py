"""Calendar days in text: "2026-12-10", "Dec 5th", "the 5th next month", "the 15th", "tomorrow", "three days ago",
"next Friday", "end of September"."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any, Literal

from flows.parsing._core import ParseError, alternation, section
from flows.parsing._numerals import numeral_value

Direction = Literal["past", "future", "nearest"]
"""Which way a day named without its month or year lies from today."""



@dataclass(frozen=True)
class DayHit:
    """A calendar day found in text.

    Attributes:
        start: Where it starts in the prepared text.
        end: Where it ends.
        day: The day.
        approx: True for a part of a month ("end of September" is the month's last day).
        guessed: True when the month or year was not said and `direction` chose it.
    """

    start: int
    end: int
    day: date
    approx: bool = False
    guessed: bool = False


def _lex(key: str) -> Any:
    return section("dates", key)


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    numerals = re.escape(str(section("numbers", "cn_digits")) + str(section("numbers", "leading_units")))
    num = rf"[0-9]{{1,2}}|[{numerals}]{{1,3}}"
    year, month = re.escape(str(_lex("year_marker"))), re.escape(str(_lex("month_marker")))
    suffix = re.escape(str(_lex("month_suffix")))
    day = alternation(str(word) for word in _lex("day_marker"))
    rel_months = alternation(_lex("relative_months"))
    rel_weeks = alternation(_lex("relative_weeks"))
    week = alternation(_lex("week_words"))
    weekdays = "".join(_lex("weekdays"))
    parts = alternation(_lex("month_parts"))
    units = alternation(_lex("day_units"))
    ago = alternation([*_lex("ago"), *_lex("ahead")])
    rel_days = alternation(_lex("relative_days"))
    return [
        ("full", re.compile(rf"(?P<y>(?:19|20)[0-9]{{2}}|[0-9]{{2}}(?={year}))(?:{year}|[-/.])(?P<m>{num})"
                            rf"(?:{month}|[-/.])(?P<d>{num})(?:{day})?")),
        ("rel_month_day", re.compile(rf"(?P<rm>{rel_months})(?P<d>{num})(?:{day})")),
        ("month_part", re.compile(rf"(?P<m>{num}){month}(?:{suffix})?(?P<part>{parts})")),
        ("month_day", re.compile(rf"(?<![0-9.])(?P<m>{num})(?:{month}(?:{suffix})?|[/.-])(?P<d>{num})(?:{day})?"
                                 rf"(?![0-9])")),
        ("n_days", re.compile(rf"(?P<n>{num})(?:{units})(?P<dir>{ago})")),
        ("weekday", re.compile(rf"(?:(?P<rw>{rel_weeks})(?:{week})?|(?:{week}))(?P<wd>[{re.escape(weekdays)}])")),
        ("rel_day", re.compile(rf"(?P<rd>{rel_days})")),
        ("day_only", re.compile(rf"(?<![0-9])(?P<d>{num})(?:{day})")),
    ]


def _number(text: str) -> int | None:
    try:
        value = numeral_value(text)
    except ParseError:
        return None
    return int(value) if value == value.to_integral_value() else None


def _safe(year: int, month: int, day: int) -> date | None:
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    return date(year, month, day)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _pick(candidates: list[date], today: date, direction: Direction) -> date | None:
    if direction == "past":
        past = [day for day in candidates if day <= today]
        return max(past) if past else None
    if direction == "future":
        ahead = [day for day in candidates if day >= today]
        return min(ahead) if ahead else None
    return min(candidates, key=lambda day: abs((day - today).days)) if candidates else None


def _month_day(month: int, day: int, today: date, direction: Direction) -> date | None:
    found = [d for d in (_safe(today.year + k, month, day) for k in (-1, 0, 1)) if d is not None]
    return _pick(found, today, direction)


def _day_of_month(day: int, today: date, direction: Direction) -> date | None:
    found: list[date] = []
    for offset in (-1, 0, 1):
        year, month = _add_months(today.year, today.month, offset)
        candidate = _safe(year, month, day)
        if candidate is not None:
            found.append(candidate)
    return _pick(found, today, direction)


def _read(kind: str, match: re.Match[str], today: date, direction: Direction) -> tuple[date | None, bool, bool]:
    """The day a pattern's match names, whether it is approximate and whether the direction chose it."""
    group = match.groupdict()
    if kind == "full":
        year = int(group["y"]) + (2000 if len(group["y"]) == 2 else 0)
        month, day = _number(group["m"]), _number(group["d"])
        return (_safe(year, month, day) if month and day else None), False, False
    if kind == "rel_month_day":
        year, month = _add_months(today.year, today.month, int(_lex("relative_months")[group["rm"]]))
        day = _number(group["d"])
        return (_safe(year, month, day) if day else None), False, False
    if kind == "month_part":
        month = _number(group["m"])
        if not month or not 1 <= month <= 12:
            return None, False, False
        part = str(_lex("month_parts")[group["part"]])
        candidates = []
        for year in (today.year - 1, today.year, today.year + 1):
            last = calendar.monthrange(year, month)[1]
            candidates.append(date(year, month, last if part == "last" else int(part)))
        return _pick(candidates, today, direction), True, True
    if kind == "month_day":
        month, day = _number(group["m"]), _number(group["d"])
        return (_month_day(month, day, today, direction) if month and day else None), False, True
    if kind == "n_days":
        count = _number(group["n"])
        if count is None:
            return None, False, False
        sign = -1 if group["dir"] in _lex("ago") else 1
        return today + timedelta(days=sign * count), False, False
    if kind == "weekday":
        weekday = int(_lex("weekdays")[group["wd"]])
        if group["rw"]:
            monday = today - timedelta(days=today.weekday()) + timedelta(weeks=int(_lex("relative_weeks")[group["rw"]]))
            return monday + timedelta(days=weekday), False, False
        candidates = [today + timedelta(days=(weekday - today.weekday()) % 7 - 7 * k) for k in (0, 1)]
        return _pick(candidates, today, direction), False, True
    if kind == "rel_day":
        return today + timedelta(days=int(_lex("relative_days")[group["rd"]])), False, False
    day = _number(group["d"])
    return (_day_of_month(day, today, direction) if day else None), False, True


def find_day(text: str, *, today: date, direction: Direction = "nearest") -> DayHit | None:
    """Find the calendar day a prepared text names.

    Args:
        text: Prepared text (`flows.parsing._core.prepare`).
        today: The person's local date.
        direction: Where a day named without its month or year lies ("the 15th" at a question about the
            future is the next 15th).

    Returns:
        The first day named, in the order full date, month and day, relative words; None when none.
    """
    for kind, pattern in _patterns():
        for match in pattern.finditer(text):
            day, approx, guessed = _read(kind, match, today, direction)
            if day is not None:
                return DayHit(match.start(), match.end(), day, approx, guessed)
    return None
