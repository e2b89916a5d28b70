"""Interest rates (annual %, daily per-ten-thousand, folk fen/li, monthly fees) as exact fractions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Literal, cast

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
from flows.parsing._numbers import amount_hits, numeral_value, parse_amount, syntax

RateKind = Literal["daily", "monthly", "annual", "monthly_fee"]

_MAX_GAP = 6


@dataclass(frozen=True)
class Rate:
    """A cost of borrowing as the user stated it.

    Attributes:
        text: The words it was read from (normalised), parse_rate(text) gives the same rate back.
        kind: The period: "daily", "monthly", "annual", or "monthly_fee" (a flat fee charged each
            month on the ORIGINAL principal, however much has been repaid).
        per_period: The fraction per period, e.g. Decimal("0.0005") a day.
        annual_simple: per_period times periods a year, without compounding (for a monthly fee
            this understates the true annual cost, because the fee does not shrink with the balance).
    """

    text: str
    kind: RateKind
    per_period: Decimal
    annual_simple: Decimal


@dataclass(frozen=True)
class RateHit:
    """A rate found in text, with where it lies."""

    start: int
    end: int
    rate: Rate | None
    problem: ParseProblem | None = None


@dataclass(frozen=True)
class _KindWord:
    kind: RateKind
    strong: bool


@cache
def _kind_words() -> dict[str, _KindWord]:
    table: dict[str, _KindWord] = {}
    for kind, groups in section("rates", "kinds").items():
        for strength in ("weak", "strong"):
            for word in groups.get(strength, []):
                table[str(word)] = _KindWord(cast(RateKind, kind), strength == "strong")
    return table


@cache
def _kind_regex() -> re.Pattern[str]:
    return re.compile(alternation(_kind_words()))


@cache
def _value_regex() -> re.Pattern[str]:
    """A numeral, allowing a Chinese decimal point and a leading sign."""
    syn = syntax()
    negative = alternation(words("numbers", "negative"))
    return re.compile(rf"(?P<sign>{negative})?(?P<num>{syn.core})")


@dataclass(frozen=True)
class _Value:
    end: int
    fraction: Decimal
    form: Literal["percent", "ten_thousand", "fen", "bare"]
    negative: bool


def _number_at(text: str, pos: int) -> tuple[Decimal, int, bool] | None:
    match = _value_regex().match(text, pos)
    if not match or MASK in match.group(0):
        return None
    value = numeral_value(match.group("num"))
    return value, match.end(), bool(match.group("sign"))


def _value_at(text: str, pos: int, kind: RateKind | None) -> _Value | None:
    """Read a rate value starting exactly at pos, in any of the accepted forms."""
    hundred, thousand, ten_thousand = Decimal(100), Decimal(1000), Decimal(10000)
    for words_key, divisor in (
        ("percent_before", hundred),
        ("permille_before", thousand),
        ("per_ten_thousand_before", ten_thousand),
    ):
        mark = starts_with_any(text, pos, words("rates", words_key))
        if mark:
            number = _number_at(text, pos + len(mark))
            if number:
                return _Value(number[1], number[0] / divisor, "percent", number[2])
    short = str(section("rates", "ten_thousand_short"))
    if text.startswith(short, pos):
        number = _number_at(text, pos + len(short))
        if number:
            return _Value(number[1], number[0] / ten_thousand, "ten_thousand", number[2])
    number = _number_at(text, pos)
    if number is None:
        return None
    value, end, negative = number
    for words_key, divisor in (("percent_after", hundred), ("permille_after", thousand)):
        mark = starts_with_any(text, end, words("rates", words_key))
        if mark:
            return _Value(end + len(mark), value / divisor, "percent", negative)
    fen, li = str(section("rates", "fen")), str(section("rates", "li"))
    fen_kind: RateKind = kind or cast(RateKind, section("rates", "fen_default_kind"))
    fen_unit = Decimal(str(section("rates", "fen_value", fen_kind)))
    if text.startswith(fen, end) and not starts_with_any(text, end + len(fen), words("rates", "fen_not_before")):
        amount, stop = value, end + len(fen)
        tail = _number_at(text, stop)
        if tail and tail[0] < 10:
            amount += tail[0] / 10
            stop = tail[1] + (len(li) if text.startswith(li, tail[1]) else 0)
        return _Value(stop, amount * fen_unit, "fen", negative)
    if text.startswith(li, end):
        return _Value(end + len(li), value / 10 * fen_unit, "fen", negative)
    return _Value(end, value / hundred, "bare", negative)


def _make(text: str, kind: RateKind, value: _Value) -> RateHit:
    raise_problem: ParseProblem | None = None
    if value.negative:
        raise_problem = ParseProblem.negative
    periods = int(section("rates", "periods_per_year", kind))
    annual = value.fraction * periods
    if annual > Decimal(str(section("rates", "max_annual_simple"))):
        raise_problem = raise_problem or ParseProblem.too_large
    rate = Rate(text=text, kind=kind, per_period=value.fraction, annual_simple=annual)
    return RateHit(0, 0, None if raise_problem else rate, raise_problem)


def _skip_gap(text: str, pos: int) -> list[int]:
    """Positions a value may start at after a kind word: right away or after a few filler characters."""
    breaks = clause_breaks()
    syn = syntax()
    starts = [pos]
    for offset in range(1, _MAX_GAP + 1):
        index = pos + offset - 1
        if index >= len(text) or text[index] in breaks or text[index] == MASK:
            break
        if text[index].isdigit() or text[index] in syn.cn_chars:
            break
        starts.append(pos + offset)
    return starts


def rate_hits(text: str) -> list[RateHit]:
    """Find every rate in prepared (possibly masked) text, in order, without overlaps."""
    hits: list[RateHit] = []
    claimed_until = 0
    kinds = _kind_words()
    for match in _kind_regex().finditer(text):
        if match.start() < claimed_until:
            continue
        word = kinds[match.group(0)]
        for start in _skip_gap(text, match.end()):
            hit = _hit_at(text, match.start(), start, word.kind, strong=word.strong)
            if hit is not None:
                hits.append(hit)
                claimed_until = hit.end
                break
    hits.extend(_unmarked_hits(text, hits))
    hits.sort(key=lambda hit: hit.start)
    return hits


def _hit_at(text: str, begin: int, pos: int, kind: RateKind, *, strong: bool) -> RateHit | None:
    try:
        value = _value_at(text, pos, kind)
    except ParseError as err:
        return RateHit(begin, pos, None, err.problem)
    if value is None or (value.form == "bare" and (not strong or value.fraction > 1)):
        return None
    made = _make(text[begin : value.end], kind, value)
    return RateHit(begin, value.end, made.rate, made.problem)


def _unmarked_hits(text: str, taken: list[RateHit]) -> list[RateHit]:
    """Rates with no period word: "24%" (annual), per-ten-thousand (daily), fen with interest word (monthly)."""
    found: list[RateHit] = []
    syn = syntax()
    occupied = [(hit.start, hit.end) for hit in taken]
    default_kind = cast(RateKind, section("rates", "default_kind"))
    ten_kind = cast(RateKind, section("rates", "ten_thousand_default_kind"))
    fen_suffix = words("rates", "fen_suffix")
    pos = 0
    while pos < len(text):
        if any(start <= pos < end for start, end in occupied) or (
            pos > 0 and (text[pos - 1].isdigit() or text[pos - 1] in syn.cn_chars or text[pos - 1] == ".")
        ):
            pos += 1
            continue
        sign = ends_with_any(text, pos, words("numbers", "negative"))
        try:
            value = _value_at(text, pos, None)
        except ParseError:
            value = None
        if value is None or value.form == "bare":
            pos += 1
            continue
        end = value.end
        if value.form == "fen":
            suffix = starts_with_any(text, end, fen_suffix)
            if not suffix:
                pos += 1
                continue
            end += len(suffix)
        kind = ten_kind if value.form == "ten_thousand" else default_kind
        if value.form == "fen":
            kind = cast(RateKind, section("rates", "fen_default_kind"))
        begin = pos - len(sign) if sign and not (pos - len(sign) > 0 and text[pos - len(sign) - 1].isdigit()) else pos
        negative = value.negative or begin < pos
        adjusted = _Value(end, value.fraction, value.form, negative)
        made = _make(text[begin:end], kind, adjusted)
        found.append(RateHit(begin, end, made.rate, made.problem))
        pos = end
    return found


def parse_rate(text: str) -> Rate:
    """Read one interest rate.

    Args:
        text: What the user typed, e.g. "annualised 24%", "5 in 10,000 a day", "1.5 fen a month",
            "monthly fee 0.6%", "24%" (see tests/test_parsing.py for real phrasings).

    Returns:
        The first rate stated. A rate without a period word is taken as annual ("24%"),
        the folk "5 in 10,000" as daily, and "3 fen interest" as monthly.

    Raises:
        ParseError: not_found (no rate), negative, too_large (simple annual above 10000%),
            ambiguous (a bare number with no % or period word; detail "number").
    """
    prepared = prepare(text)
    hits = rate_hits(prepared)
    if hits:
        hit = hits[0]
        if hit.problem is not None or hit.rate is None:
            raise ParseError(hit.problem or ParseProblem.not_a_number, text)
        return hit.rate
    if not amount_hits(prepared):
        raise ParseError(ParseProblem.not_found, text)
    try:
        number = parse_amount(prepared)
    except ParseError as err:
        if err.problem in (ParseProblem.negative, ParseProblem.not_a_number):
            raise ParseError(err.problem, text) from err
        raise ParseError(ParseProblem.not_found, text) from err
    raise ParseError(ParseProblem.ambiguous, text, number=number)
