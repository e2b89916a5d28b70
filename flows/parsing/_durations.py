"""Durations in days (overdue 35 days, a month and a bit, half a year) and loan terms in months."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from flows.parsing._amounts import parse_amount
from flows.parsing._core import (
    MASK,
    ParseError,
    ParseProblem,
    alternation,
    clause_breaks,
    ends_with_any,
    prepare,
    section,
    starts_with_any,
    words,
)
from flows.parsing._numerals import numeral_range, numeral_value, step_above, syntax

_CONTEXT_GAP = 8


@dataclass(frozen=True)
class DurationHit:
    """A duration found in text: one or more joined pieces ("1 year 3 months")."""

    start: int
    end: int
    low: int
    high: int
    units: frozenset[str]
    negative: bool = False
    approx: str | None = None
    """How it is approximate: "about" (forty-ish days), "more" (over a month), "range" (three or four days), "few"
    (twenty-some days)."""


@cache
def _piece_regex() -> re.Pattern[str]:
    syn = syntax()
    more = alternation(words("numbers", "more"))
    units = alternation(str(unit) for unit in section("durations", "units"))
    half = re.escape(str(section("durations", "half_word")))
    measure = re.escape(str(section("durations", "measure")))
    return re.compile(
        rf"(?<![0-9.{re.escape(syn.cn_chars)}])"
        rf"(?:(?P<num>{syn.core})(?P<m1>{more})?(?:{measure})?(?P<m2>{more})?(?P<h1>{half})?"
        rf"|(?P<h0>{half})(?:{measure})?(?P<m4>{more})?)"
        rf"(?P<unit>{units})(?P<h2>{half})?(?P<m3>{more})?"
    )


def _days(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@cache
def _more_kinds() -> dict[str, str]:
    return {str(k): str(v) for k, v in section("numbers", "more_kinds").items()}


def _piece_value(match: re.Match[str]) -> tuple[int, int, str | None]:
    """Low and high days of one piece, and how it is approximate."""
    unit = match.group("unit")
    unit_days = Decimal(int(section("durations", "units", unit)))
    half_days = Decimal(int(section("durations", "half", unit)))
    num = match.group("num")
    approx: str | None = None
    if num is not None and len(num) > 1 and num[0] in words("durations", "joiners"):
        num = num[1:]  # "three months and ten days": the zero joins the pieces
    if num is not None:
        num_low, num_high = numeral_range(num)
        low, high = num_low * unit_days, num_high * unit_days
        if num_low != num_high:
            approx = "few" if syntax().few in num else "range"
    else:
        low = high = Decimal(0)
    if match.group("h0") or match.group("h1") or match.group("h2"):
        low += half_days
        high += half_days
    more = match.group("m1") or match.group("m2") or match.group("m3") or match.group("m4")
    if more and _more_kinds().get(more) == "about":
        approx = "about"  # "forty-ish days" is about forty days
    elif match.group("m1") and num is not None:
        high = (numeral_range(num)[1] + step_above(numeral_range(num)[1])) * unit_days - 1
        approx = "more"
    elif match.group("m2") or match.group("m3") or match.group("m4"):
        spread = half_days if (match.group("h0") and num is None) else unit_days
        high = high + spread - 1
        approx = "more"
    return _days(low), _days(high), approx


def duration_hits(text: str) -> list[DurationHit]:
    """Find durations in prepared (possibly masked) text; adjacent pieces are summed."""
    joiners = words("durations", "joiners")
    date_marks = words("durations", "date_day_marks")
    measure = str(section("durations", "measure"))
    hits: list[DurationHit] = []
    repeated = words("numbers", "money_despite_after")
    for match in _piece_regex().finditer(text):
        if MASK in match.group(0) or starts_with_any(text, match.start("unit"), repeated):
            continue  # "owes 10k, bombarded every day": "every day", not ten thousand days
        tail = text[match.end() :]
        if measure not in match.group(0) and match.group("unit") in words("durations", "date_units"):
            number = syntax().run.match(tail)
            if number and starts_with_any(tail, number.end(), date_marks):
                continue
        try:
            low, high, approx = _piece_value(match)
        except ParseError:
            continue
        start = match.start()
        sign = ends_with_any(text, start, words("numbers", "negative"))
        negative = bool(sign) and not (start - len(sign or "") > 0 and text[start - len(sign or "") - 1].isdigit())
        if hits:
            last = hits[-1]
            gap = text[last.end : start]
            if gap == "" or gap in joiners:
                hits[-1] = DurationHit(
                    last.start, match.end(), last.low + low, last.high + high, last.units | {match.group("unit")},
                    approx=last.approx or approx,
                )
                continue
        hits.append(DurationHit(start, match.end(), low, high, frozenset({match.group("unit")}), negative, approx))
    return hits


def keyword_before(text: str, start: int, keywords: Sequence[str], max_gap: int = _CONTEXT_GAP) -> str | None:
    """Find a keyword ending at most max_gap characters before start, within the same clause."""
    breaks = clause_breaks()
    for end in range(start, max(start - max_gap, 0) - 1, -1):
        if end < start and text[end] in breaks:
            return None
        found = ends_with_any(text, end, keywords)
        if found:
            return found
    return None


def phrase_days(text: str, *, whole_answer: bool) -> tuple[int, int, int] | None:
    """Find a fixed phrase such as "just overdue" or "not overdue"; returns (start, end, days)."""
    phrases: dict[str, int] = {str(k): int(v) for k, v in section("durations", "phrases").items()}
    for phrase in sorted(phrases, key=len, reverse=True):
        index = text.find(phrase)
        if index >= 0:
            return index, index + len(phrase), phrases[phrase]
    if whole_answer:
        answers: dict[str, int] = {str(k): int(v) for k, v in section("durations", "answer_phrases").items()}
        stripped = "".join(ch for ch in text if ch.isalnum())
        for phrase in sorted(answers, key=len, reverse=True):
            if stripped.startswith(phrase) and len(stripped) <= len(phrase) + 2:
                return 0, len(text), answers[phrase]
    return None


def _checked(days: int, text: str) -> int:
    limit = int(section("durations", "max_days"))
    if days > limit:
        raise ParseError(ParseProblem.too_large, text, limit=limit)
    return days


def parse_duration_days(text: str) -> int:
    """Read how many days something has lasted (usually: how long a loan is overdue).

    Args:
        text: What the user typed, e.g. "35 days overdue", "two months", "half a year",
            "3 weeks", "just overdue", "not overdue", or a bare "35".

    Returns:
        Whole days (a month is 30, a year 365; "just overdue" and "today" are 1, "not overdue" is 0).

    Raises:
        ParseError: not_found, negative, too_large (above 3650 days), not_a_number, or ambiguous
            ("a month and a bit"; detail "low" and "high" in days).
    """
    prepared = prepare(text)
    if not prepared:
        raise ParseError(ParseProblem.not_found, text)
    hits = duration_hits(prepared)
    if hits:
        if len(hits) > 1:
            overdue = words("durations", "overdue_before")
            marked = [hit for hit in hits if keyword_before(prepared, hit.start, overdue)]
            hits = marked if len(marked) == 1 else hits
        if any(hit.negative for hit in hits):
            raise ParseError(ParseProblem.negative, text)
        low, high = min(hit.low for hit in hits), max(hit.high for hit in hits)
        if low != high:
            raise ParseError(ParseProblem.ambiguous, text, low=low, high=high)
        return _checked(low, text)
    phrase = phrase_days(prepared, whole_answer=True)
    if phrase is not None:
        return phrase[2]
    try:
        number = parse_amount(prepared)
    except ParseError as err:
        detail = {k: int(v) for k, v in err.detail.items() if k in ("low", "high")}
        raise ParseError(err.problem, text, detail) from err
    return _checked(_days(number), text)


@dataclass(frozen=True)
class TermHit:
    """A loan term in months found in text."""

    start: int
    end: int
    months: int


@cache
def _term_regex() -> re.Pattern[str]:
    syn = syntax()
    after = alternation(words("durations", "term_after"))
    return re.compile(rf"(?<![0-9.{re.escape(syn.cn_chars)}])(?P<num>{syn.core})(?:{after})")


def term_hits(text: str, *, limit: int | None = None) -> list[TermHit]:
    """Find "in 12 instalments" style loan terms (a number before the instalment word) in prepared text.

    Args:
        text: Prepared text.
        limit: The most instalments believable (default: the lexicon's `max_term_months`).
    """
    hits: list[TermHit] = []
    limit = int(section("durations", "max_term_months")) if limit is None else limit
    for match in _term_regex().finditer(text):
        if MASK in match.group(0) or ends_with_any(text, match.start(), words("durations", "term_not_after")):
            continue
        try:
            value = numeral_value(match.group("num"))
        except ParseError:
            continue
        if value == value.to_integral_value() and 1 <= value <= limit:
            begin = match.start()
            before = keyword_before(text, begin, words("durations", "term_before"), max_gap=0)
            hits.append(TermHit(begin - len(before or ""), match.end(), int(value)))
    return hits


def months_in(hit: DurationHit) -> int | None:
    """A duration said in months and years as whole months ("24 months" is 24, "a year and a half" 18), else None."""
    if hit.low != hit.high or not hit.units <= set(words("durations", "term_units")):
        return None
    year = int(section("durations", "units", str(section("durations", "year_unit"))))
    month = int(section("durations", "units", str(section("durations", "month_unit"))))
    for years in range(hit.low // year + 1):
        months, leftover = divmod(hit.low - years * year, month)
        if not leftover:
            return years * 12 + months
    return None


def months_of(hit: DurationHit) -> int | None:
    """A duration as whole months when it is a believable loan term, else None."""
    total = months_in(hit)
    return total if total is not None and 1 <= total <= int(section("durations", "max_term_months")) else None
