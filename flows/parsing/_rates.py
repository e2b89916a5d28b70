"""Interest rates (annual %, daily per-ten-thousand, folk fen/li, monthly fees) as exact fractions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Literal, cast

from flows.parsing._amounts import amount_hits, parse_amount
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
from flows.parsing._money_rates import money_rate_hits
from flows.parsing._numerals import numeral_value, syntax
from flows.parsing._rate_types import Rate, RateHit, RateKind, make_rate

__all__ = ["Rate", "RateHit", "RateKind", "parse_rate", "rate_hits"]

_MAX_GAP = 6


@dataclass(frozen=True)
class _KindWord:
    kind: RateKind | None  # None: the word names a rate, not its period ("interest")
    strong: bool


@cache
def _kind_words() -> dict[str, _KindWord]:
    table: dict[str, _KindWord] = {}
    for kind, groups in section("rates", "kinds").items():
        for strength in ("weak", "strong"):
            for word in groups.get(strength, []):
                period = None if kind == "implied" else cast(RateKind, kind)
                table[str(word)] = _KindWord(period, strength == "strong")
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


@cache
def _period_after() -> tuple[dict[str, RateKind], tuple[str, ...]]:
    table = {str(word): cast(RateKind, kind) for kind, items in section("rates", "period_after").items()
             for word in items}
    return table, tuple(words("rates", "period_after_filler"))


def period_after(text: str, pos: int) -> tuple[RateKind, int] | None:
    """The period word right after a figure ("every day" in "two per mille a day"), with where it ends."""
    table, fillers = _period_after()
    for skip in ("", *fillers):
        if skip and not text.startswith(skip, pos):
            continue
        found = starts_with_any(text, pos + len(skip), table)
        if found:
            return table[found], pos + len(skip) + len(found)
    return None


@cache
def _value_starts() -> frozenset[str]:
    """Characters a rate's figure may start with: digits, numerals, and the first of "per cent", "wan"..."""
    marks = [*words("rates", "percent_before"), *words("rates", "permille_before"),
             *words("rates", "per_ten_thousand_before"), str(section("rates", "ten_thousand_short"))]
    return frozenset("0123456789" + syntax().cn_chars + "".join(mark[0] for mark in marks if mark))


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
        digits, first = syntax().digit_values, pos + len(short)
        if number and number[1] - first > 1 and all(ch in digits for ch in text[first : number[1]]):
            # "wan-wu a day": one digit, then the period word's own digit (cn2an would read 51).
            number = (Decimal(digits[text[first]]), first + 1, number[2])
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


def _approx_around(text: str, begin: int, end: int, value_at: int) -> tuple[int, int, bool]:
    """Take in approximating words before the rate, after it, or between its period word and figure."""
    before = ends_with_any(text, begin, words("rates", "approx_before"))
    after = starts_with_any(text, end, words("rates", "approx_after"))
    inside = any(word in text[begin:value_at] for word in words("rates", "approx_before"))
    return begin - len(before or ""), end + len(after or ""), bool(before or after or inside)


def _finish(text: str, begin: int, value: _Value, kind: RateKind | None, *, explicit: bool,
            value_at: int | None = None) -> RateHit:
    """Make the hit for a value read at text[begin:value.end], taking a period word said after it."""
    end = value.end
    after = period_after(text, end)
    if after is not None and (kind is None or not explicit):
        kind, end, explicit = after[0], after[1], True
    if kind is None:
        if value.form == "ten_thousand":
            kind = cast(RateKind, section("rates", "ten_thousand_default_kind"))
        elif value.form == "fen":
            kind = cast(RateKind, section("rates", "fen_default_kind"))
        else:
            kind = cast(RateKind, section("rates", "default_kind"))
    start, stop, approx = _approx_around(text, begin, end, begin if value_at is None else value_at)
    rate, problem = make_rate(text[begin:end], kind, value.fraction, negative=value.negative)
    return RateHit(start, stop, rate, problem, explicit=explicit, approx=approx, form=value.form)


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


def rate_hits(text: str, *, money: bool = False) -> list[RateHit]:
    """Find every rate in prepared (possibly masked) text, in order, without overlaps.

    Args:
        text: Prepared text.
        money: Also read rates said as money ("10k, 5 yuan interest a day"); only where a rate is what was asked.
    """
    hits: list[RateHit] = []
    claimed_until = 0
    kinds = _kind_words()
    for match in _kind_regex().finditer(text):
        if match.start() < claimed_until:
            continue
        word = kinds[match.group(0)]
        for start in _skip_gap(text, match.end()):
            hit = _hit_at(text, match.start(), start, word)
            if hit is not None:
                hits.append(hit)
                claimed_until = hit.end
                break
    hits.extend(_unmarked_hits(text, hits))
    if money and not any(hit.rate is not None for hit in hits):
        hits.extend(money_rate_hits(text))
    hits.sort(key=lambda hit: hit.start)
    return hits


def _hit_at(text: str, begin: int, pos: int, word: _KindWord) -> RateHit | None:
    try:
        value = _value_at(text, pos, word.kind)
    except ParseError as err:
        return RateHit(begin, pos, None, err.problem)
    if value is None or (value.form == "bare" and (not word.strong or value.fraction > 1)):
        return None
    return _finish(text, begin, value, word.kind, explicit=word.kind is not None, value_at=pos)


def _unmarked_hits(text: str, taken: list[RateHit]) -> list[RateHit]:
    """Rates with no period word before them: "24%", "wan-wu (0.05%)", "three fen interest", "two per mille a day"."""
    found: list[RateHit] = []
    syn = syntax()
    occupied = [(hit.start, hit.end) for hit in taken]
    fen_suffix = words("rates", "fen_suffix")
    starts = _value_starts()
    pos = 0
    while pos < len(text):
        if text[pos] not in starts or any(start <= pos < end for start, end in occupied) or (
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
        begin = pos - len(sign) if sign and not (pos - len(sign) > 0 and text[pos - len(sign) - 1].isdigit()) else pos
        adjusted = _Value(end, value.fraction, value.form, value.negative or begin < pos)
        hit = _finish(text, begin, adjusted, None, explicit=False)
        found.append(hit)
        pos = max(hit.end, pos + 1)
    return found


def parse_rate(text: str) -> Rate:
    """Read one interest rate.

    Args:
        text: What the user typed, e.g. "annualised 24%", "5 in 10,000 a day", "1.5 fen a month",
            "monthly fee 0.6%", "24%", "2 per mille each day", "20,000 yuan, 8 yuan interest a day"
            (see tests/test_parsing.py for real phrasings).

    Returns:
        The first rate stated, with the period said before or after the figure. A rate without a
        period word is taken as annual ("24%"), the folk "5 in 10,000" as daily, and "3 fen interest"
        as monthly (`rate_hits` tells which hits had no period word).

    Raises:
        ParseError: not_found (no rate), negative, too_large (simple annual above 10000%),
            ambiguous (a bare number with no % or period word; detail "number").
    """
    prepared = prepare(text)
    hits = rate_hits(prepared, money=True)
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


_BARE_PERCENT_ANNUAL = Decimal(5)
"""A percentage said without a period and at least this large is taken as yearly."""
_BARE_PERCENT_MONTHLY = Decimal("0.2")
"""Below this a percentage said without a period is daily or monthly, never yearly."""


def unstated_periods(rate: Rate, form: str) -> tuple[RateKind, ...] | None:
    """The periods to ask about for a rate said without one; None when its form settles it.

    "wan-wu (0.05%)" and "five per ten thousand" are daily or monthly; "0.05%" daily or monthly; "2%" monthly or
    yearly; "24%" yearly.
    """
    if form == "ten_thousand":
        return _period_options()["ten_thousand"]
    if form != "percent":
        return None
    percent = rate.per_period * 100
    if percent >= _BARE_PERCENT_ANNUAL:
        return None
    return _period_options()["small_percent" if percent < _BARE_PERCENT_MONTHLY else "percent"]


@cache
def _period_options() -> dict[str, tuple[RateKind, ...]]:
    return {str(form): tuple(kinds) for form, kinds in section("answers_numbers", "rate_periods_to_ask").items()}
