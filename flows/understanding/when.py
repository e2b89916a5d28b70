"""Readers for a calendar day ("the 5th next month", "the 15th", "tomorrow") and a month ("May 2023", "end of last
year", "two years ago")."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import cast

from flows.parsing._calendar import Direction, find_day
from flows.parsing._core import alternation, normalise, prepare, section
from flows.parsing.dates import MAX_DATE_TEXT, parse_month, to_arabic
from flows.understanding._numeric import LEXICON, is_unsure, unclear, unknown
from flows.understanding.reading import Outcome, Question, Reading


def _direction(name: str) -> Direction:
    table: dict[str, str] = section(LEXICON, "date_direction")
    return cast(Direction, table.get(name, "nearest"))


def read_date(question: Question, text: str, *, today: date) -> Reading:
    """Read a calendar day.

    Args:
        question: The question; the lexicon's `date_direction` says whether its day lies ahead
            ("rm_call_first_date") or behind ("loan_overdue_since"); otherwise the nearest such day.
        text: "the 5th next month", "Dec 5th", "tomorrow", "2026-12-10", "the 15th", "next Friday", "three days ago".
        today: The person's local date.

    Returns:
        value: a datetime.date (`sure` is False when neither month nor direction was known);
        unknown; unclear with problem "date" (none, or on the wrong side of today) or "empty".
    """
    prepared = prepare(text)
    if not prepared:
        return unclear("empty")
    direction = _direction(question.name)
    hit = find_day(prepared, today=today, direction=direction)
    if hit is None:
        return unknown(prepared) if is_unsure(prepared) else unclear("date", prepared)
    if (direction == "future" and hit.day < today) or (direction == "past" and hit.day > today):
        return unclear("date", prepared)
    sure = not (hit.guessed and direction == "nearest")
    return Reading(Outcome.value, value=hit.day, approx=hit.approx, said=prepared[hit.start : hit.end], sure=sure)


@cache
def _month_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    dates = section("dates", "relative_years")
    years = alternation(dates)
    parts = alternation(section("dates", "year_parts"))
    ago = alternation(section("dates", "ago_units"))
    before = alternation(section("dates", "ago"))
    half = re.escape(str(section("dates", "half_year")))
    year, month = re.escape(str(section("dates", "year_marker"))), re.escape(str(section("dates", "month_marker")))
    of = alternation(section("dates", "year_part_joiners"))
    more = alternation(section("numbers", "more"))
    short_year = re.compile(rf"(?<![0-9])(?P<y>[0-9]{{2}}){year}(?P<m>[0-9]{{1,2}}){month}?")
    year_part = re.compile(rf"(?P<y>(?:19|20)[0-9]{{2}}{year}?|{years})(?:{of})?(?P<part>{parts})")
    months_ago = re.compile(rf"(?:(?P<n>[0-9]{{1,2}})(?P<unit>{ago})|(?P<half>{half}))(?:{more})?(?:{before})")
    return short_year, year_part, months_ago


def _shift(today: date, months: int) -> date:
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _extra_month(text: str, today: date) -> tuple[date, bool] | None:
    """Months `parse_month` does not read: "May '23", "end of last year", "two years ago", "half a year ago" (with
    approx)."""
    short_year, year_part, months_ago = _month_patterns()
    if found := short_year.search(text):
        month = int(found["m"])
        return (date(2000 + int(found["y"]), month, 1), False) if 1 <= month <= 12 else None
    if found := year_part.search(text):
        relative: dict[str, int] = section("dates", "relative_years")
        token = found["y"]
        year = today.year + relative[token] if token in relative else int(token.rstrip(str(section("dates",
                                                                                                  "year_marker"))))
        month = int(section("dates", "year_parts", found["part"]))
        return date(year, month, 1), True
    if found := months_ago.search(text):
        months = 6 if found["half"] else int(found["n"]) * int(section("dates", "ago_units", found["unit"]))
        return _shift(today, months), True
    return None


def read_month(question: Question, text: str, *, today: date) -> Reading:
    """Read the month something happened (when a loan contract was signed).

    Args:
        question: The question.
        text: "May 2023", "March last year", "2024.6", "October two years ago", "May '23", "early this year", "two
        years ago".
        today: The local date; a month after it is refused.

    Returns:
        value: a datetime.date, the 1st of the month (`approx` for "year end", "two years ago"); unknown;
        unclear with problem "month_date" or "empty".
    """
    cleaned = normalise(text)
    if not cleaned:
        return unclear("empty")
    found = parse_month(cleaned, today=today)
    if found is not None:
        return Reading(Outcome.value, value=found.replace(day=1), said=cleaned)
    extra = _extra_month(to_arabic(cleaned[:MAX_DATE_TEXT]).replace(" ", ""), today)
    if extra is not None and extra[0] <= today and extra[0].year >= 2000:
        return Reading(Outcome.value, value=extra[0], approx=extra[1], said=cleaned)
    return unknown(cleaned) if is_unsure(cleaned) else unclear("month_date", cleaned)
