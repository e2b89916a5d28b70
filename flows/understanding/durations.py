"""Readers for how long (days overdue), a loan's term in months, and small counts."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from flows.parsing._amounts import amount_hits
from flows.parsing._calendar import find_day
from flows.parsing._core import (
    MASK,
    ParseError,
    alternation,
    ends_with_any,
    first_kept,
    prepare,
    section,
    starts_with_any,
    words,
)
from flows.parsing._durations import DurationHit, duration_hits, keyword_before, months_in, phrase_days, term_hits
from flows.parsing._numerals import numeral_range, syntax
from flows.understanding._numeric import LEXICON, bounded, is_unsure, question_phrase, unclear, unknown
from flows.understanding.reading import Outcome, Question, Reading

_APPROX_GAP = 2


def _approx_around(text: str, start: int, end: int) -> bool:
    """Whether a word right before or after text[start:end] makes it approximate ("nearly two months", "about 40
    days")."""
    before = words("durations", "approx_before")
    for pos in range(start, max(start - _APPROX_GAP, 0) - 1, -1):
        if ends_with_any(text, pos, before):
            return True
    return starts_with_any(text, end, words("durations", "approx_after")) is not None


def _chosen(prepared: str, hits: list[DurationHit]) -> list[DurationHit]:
    if len(hits) > 1:
        marked = [hit for hit in hits if keyword_before(prepared, hit.start, words("durations", "overdue_before"))]
        return marked if len(marked) == 1 else hits
    return hits


def _middle(low: int, high: int) -> int:
    return int((Decimal(low + high) / 2).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _picks(low: int, high: int) -> tuple[int, ...]:
    step = max((high - low) // 3, 1)
    return tuple(sorted({low + step // 2, low + step + step // 2, min(high, low + 2 * step + step // 2)}))


def _from_hits(question: Question, prepared: str, hits: list[DurationHit]) -> Reading:
    if any(hit.negative for hit in hits):
        return unclear("days", prepared)
    low, high = min(hit.low for hit in hits), max(hit.high for hit in hits)
    start, end = hits[0].start, hits[-1].end
    said = prepared[start:end]
    approx = any(hit.approx for hit in hits) or _approx_around(prepared, start, end)
    if low == high:
        return bounded(question, Reading(Outcome.value, value=low, approx=approx, said=said))
    if high - low <= int(section("durations", "narrow_range_days")):
        return bounded(question, Reading(Outcome.value, value=_middle(low, high), approx=True, low=low, high=high,
                                         said=said))
    return Reading(Outcome.ambiguous, options=_picks(low, high), low=low, high=high, approx=True, said=said)


def _since_day(question: Question, prepared: str, today: date) -> Reading | None:
    """Days overdue from the day it started ("overdue since the 15th of last month") or the day it fell due ("fell due
    on Oct 24th")."""
    hit = find_day(prepared, today=today, direction="past")
    if hit is None or hit.day > today:
        return None
    marks: dict[str, int] = {str(k): int(v) for k, v in section(LEXICON, "overdue_since_marks").items()}
    mark = starts_with_any(prepared, hit.end, marks)
    offset = marks[mark] if mark else int(section(LEXICON, "overdue_since_default"))
    days = (today - hit.day).days + offset
    said = prepared[hit.start : hit.end + len(mark or "")]
    reading = Reading(Outcome.value, value=days, approx=hit.approx, said=said, sure=mark is not None)
    return bounded(question, reading)


def _bare_count(prepared: str) -> tuple[int, str, bool] | None:
    """One whole number typed alone ("35", "twelve"), with the words read and whether it was approximate."""
    hits = [hit for hit in amount_hits(prepared, whole_answer=True) if hit.problem is None]
    if len(hits) != 1 or hits[0].low is None or hits[0].low != hits[0].high:
        return None
    value = hits[0].low
    if value != value.to_integral_value():
        return None
    return int(value), prepared[hits[0].start : hits[0].end], hits[0].approx is not None


def read_days(question: Question, text: str, *, today: date) -> Reading:
    """Read a number of days (how long a loan is overdue).

    Args:
        question: The question; its own words ("not overdue yet" = 0) and its bounds.
        text: "35 days overdue", "nearly two months", "forty-ish days", "ten-odd days", "over a month", "overdue since
        the 15th of last month", "35".
        today: The local date, for a day named instead of a duration.

    Returns:
        value: int days (a month is 30); a narrow range ("ten-odd days") is its middle with `low`/`high`;
        ambiguous: a wide range ("over a month", 30-59), `options` a few day counts to offer; unknown;
        unclear with problem "days", "too_small", "too_large" or "empty".
    """
    prepared = prepare(text)
    if not prepared:
        return unclear("empty")
    hits = [hit for hit in duration_hits(prepared)
            if not starts_with_any(prepared, hit.end, words("durations", "not_duration_after"))]
    if hits and is_unsure(prepared) and all(hit.approx == "few" and hit.low <= 1 for hit in hits):
        return unknown(prepared)  # "forgot how many days": "how many days", not a few days
    hits = hits[first_kept(prepared, [(hit.start, hit.end) for hit in hits]) :]  # "40 days, no, 50 days" is 50
    if hits:
        return _from_hits(question, prepared, _chosen(prepared, hits))
    phrase = phrase_days(prepared, whole_answer=True)
    if phrase is not None:
        return Reading(Outcome.value, value=phrase[2], said=prepared[phrase[0] : phrase[1]])
    special = question_phrase(question.name, prepared)
    if special is not None and special[0] == "zero":
        return Reading(Outcome.value, value=0, said=special[1])
    since = _since_day(question, prepared, today)
    if since is not None:
        return since
    bare = _bare_count(prepared)
    if bare is not None:
        return bounded(question, Reading(Outcome.value, value=bare[0], approx=bare[2], said=bare[1]))
    return unknown(prepared) if is_unsure(prepared) else unclear("days", prepared)


def read_months(question: Question, text: str, *, today: date) -> Reading:
    """Read a loan's term in months: "12 instalments", "split into 12 instalments", "one year", "two years", "half a
    year", "24 months", "6".

    Returns:
        value: int months; unknown; unclear with problem "months", "too_small", "too_large" or "empty".
    """
    prepared = prepare(text)
    if not prepared:
        return unclear("empty")
    special = question_phrase(question.name, prepared)
    if special is not None and special[0] == "one":
        return Reading(Outcome.value, value=1, said=special[1])
    terms = term_hits(prepared, limit=10**6)
    if terms:
        said = prepared[terms[0].start : terms[0].end]
        return bounded(question, Reading(Outcome.value, value=terms[0].months, said=said))
    for hit in duration_hits(prepared):
        months = months_in(hit)
        if months is not None and not hit.negative:
            approx = _approx_around(prepared, hit.start, hit.end)
            reading = Reading(Outcome.value, value=months, approx=approx, said=prepared[hit.start : hit.end])
            return bounded(question, reading)
    bare = _bare_count(prepared)
    if bare is not None:
        return bounded(question, Reading(Outcome.value, value=bare[0], approx=bare[2], said=bare[1]))
    return unknown(prepared) if is_unsure(prepared) else unclear("months", prepared)


@cache
def _count_regex() -> re.Pattern[str]:
    syn = syntax()
    units = alternation(words(LEXICON, "count_units"))
    return re.compile(rf"(?<![0-9.{re.escape(syn.cn_chars)}])(?P<num>{syn.core})(?:{units})?")


def read_quantity(question: Question, text: str, *, today: date) -> Reading:
    """Read a small count: "6", "in 6 instalments", "three times", "two instalments", "about ten times".

    Returns:
        value: int; unknown; unclear with problem "quantity", "too_small", "too_large" or "empty".
    """
    prepared = prepare(text)
    if not prepared:
        return unclear("empty")
    special = question_phrase(question.name, prepared)
    if special is not None and special[0] == "one":
        return Reading(Outcome.value, value=1, said=special[1])
    for match in _count_regex().finditer(prepared):
        if MASK in match.group(0):
            continue
        try:
            low, high = numeral_range(match.group("num"))
        except ParseError:
            continue
        if low != high or low != low.to_integral_value():
            continue
        approx = _approx_around(prepared, match.start(), match.end())
        return bounded(question, Reading(Outcome.value, value=int(low), approx=approx, said=match.group(0)))
    return unknown(prepared) if is_unsure(prepared) else unclear("quantity", prepared)
