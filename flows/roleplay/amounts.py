"""The amounts and counts in one line of the user, read with the intake's number parser.

This module is the only place role-play touches `flows.parsing`: when the shared readers of
`flows.understanding` land, re-point `_hits` and `_count` here and nothing else changes.

A line is cut into clauses (`clauses`); a clause's amount is offered only when a word of paying
stands in the clause or a money unit follows it, and the clause does not talk about money spent,
lost, earned or paid before (a car repair that cost 30,000). Each amount is monthly, a first payment or a lump sum
by the nearest marker before it (else right after it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from flows.core.texts import lexicon
from flows.parsing import ParseError
from flows.parsing._amounts import amount_hits
from flows.parsing._core import prepare
from flows.parsing._numerals import numeral_value

KINDS = ("monthly", "first_payment", "lump_sum", "amount")
MAX_COUNT = 1000


@dataclass(frozen=True)
class Clause:
    """One clause of a line: its prepared text and the amounts it names, by kind."""

    text: str
    amounts: tuple[tuple[str, Decimal], ...] = ()
    offered: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class LineFigures:
    """What a line offers in figures, and what it refuses.

    Attributes:
        monthly: An amount per month or per instalment.
        first_payment: One to pay first, now or on a day.
        lump_sum: One to pay in one go.
        amount: One with no marker.
        full: The whole balance was offered ("pay it all off"), with or without a figure.
        installments: A number of instalments or months.
        refused: Amounts in clauses the user refused ("12000 in one go, I cannot").
    """

    monthly: Decimal | None = None
    first_payment: Decimal | None = None
    lump_sum: Decimal | None = None
    amount: Decimal | None = None
    full: bool = False
    installments: int | None = None
    refused: tuple[Decimal, ...] = field(default=())

    @property
    def offered(self) -> tuple[Decimal, ...]:
        """Every amount offered, of any kind."""
        found = (self.monthly, self.first_payment, self.lump_sum, self.amount)
        return tuple(value for value in found if value is not None)

    @property
    def largest(self) -> Decimal | None:
        """The largest amount offered, or None."""
        return max(self.offered, default=None)


@cache
def _words() -> dict[str, Any]:
    data: dict[str, Any] = lexicon("rp_reading")["amounts"]
    return data


@cache
def _clause_split() -> re.Pattern[str]:
    return re.compile(str(_words()["clause_split"]))


@cache
def _not_money() -> re.Pattern[str]:
    return re.compile("|".join(str(word) for word in _words()["not_money"]))


@cache
def _cut() -> re.Pattern[str]:
    words = "|".join(re.escape(str(word)) for word in _words()["cut_before"])
    return re.compile(f"(?<=[{_words()['numeral_chars']}])(?={words})")


@cache
def _markers() -> re.Pattern[str]:
    words = _words()
    alternatives = [
        f"(?P<{kind}>{'|'.join(re.escape(w) for w in sorted(words[kind], key=len, reverse=True))})"
        for kind in ("monthly", "first", "total")
    ]
    return re.compile("|".join(alternatives))


@cache
def _pair() -> tuple[re.Pattern[str], dict[str, int]]:
    numbers = lexicon("numbers")
    values: dict[str, int] = numbers["cn_digit_values"]
    digits = "".join(values)
    units = "".join(numbers["cn_units"])
    return re.compile(f"([{digits}])([{digits}])([{units}])"), values


def _top_of_pairs(text: str) -> str:
    """Write an approximate pair of digits before a unit ("seven-eight hundred") as its top: its cost at worst.

    The intake parser reads no such pairs; the shared readers of flows.understanding will.
    """
    pattern, values = _pair()

    def top(match: re.Match[str]) -> str:
        low, high = values[match.group(1)], values[match.group(2)]
        return match.group(2) + match.group(3) if high == low + 1 else match.group(0)

    return pattern.sub(top, text)


@cache
def _installment_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in lexicon("rp_reading")["installments"])


def _hits(text: str) -> list[tuple[int, int, Decimal]]:
    """Amounts in prepared text: (start, end, value); a range counts at its top, what it costs at worst."""
    return [(hit.start, hit.end, hit.high) for hit in amount_hits(text)
            if hit.problem is None and hit.low is not None and hit.high is not None and hit.low > 0]


def _count(numeral: str) -> int | None:
    try:
        value = numeral_value(numeral)
    except (ParseError, ValueError, KeyError):
        return None
    return int(value) if 0 < value < MAX_COUNT else None


def _kind(markers: list[tuple[int, int, str]], previous_end: int, start: int, end: int) -> str:
    before = [kind for m_start, m_end, kind in markers if previous_end <= m_start and m_end <= start]
    after = [kind for m_start, _, kind in markers if end <= m_start <= end + 2]
    kind = before[-1] if before else (after[0] if after else "amount")
    return {"total": "lump_sum", "first": "first_payment"}.get(kind, kind)


def _offered(text: str, end: int) -> bool:
    words = _words()
    if any(word in text for word in words["not_offer"]):
        return False
    return any(word in text for word in words["pay"]) or text[end:end + 1] in words["units"]


def clauses(text: str) -> list[Clause]:
    """Cut a normalised line into clauses and read the amounts of each."""
    found: list[Clause] = []
    for raw in _clause_split().split(text):
        prepared = _cut().sub("/", _top_of_pairs(prepare(raw)))
        if not prepared.strip("/"):
            continue
        if _not_money().search(prepared):
            found.append(Clause(prepared))
            continue
        markers = [(m.start(), m.end(), m.lastgroup or "") for m in _markers().finditer(prepared)]
        amounts: list[tuple[str, Decimal]] = []
        offered: list[tuple[str, Decimal]] = []
        previous_end = 0
        for start, end, value in _hits(prepared):
            kind = _kind(markers, previous_end, start, end)
            amounts.append((kind, value))
            if _offered(prepared, end):
                offered.append((kind, value))
            previous_end = end
        found.append(Clause(prepared, tuple(amounts), tuple(offered)))
    return found


def _installments(parts: list[Clause]) -> int | None:
    for part in parts:
        for pattern in _installment_patterns():
            match = pattern.search(part.text)
            if match:
                return _count(match.group(1))
    return None


def line_figures(kept: list[Clause], refused: list[Clause], *, full: bool) -> LineFigures:
    """Gather the figures of a line from its clauses.

    Args:
        kept: The clauses the user did not refuse.
        refused: The clauses they refused.
        full: Whether a kept clause offers the whole balance.

    Returns:
        The first amount of each kind offered, the instalments, and the amounts refused.
    """
    by_kind: dict[str, Decimal] = {}
    for part in kept:
        for kind, value in part.offered:
            by_kind.setdefault(kind, value)
    return LineFigures(
        monthly=by_kind.get("monthly"), first_payment=by_kind.get("first_payment"),
        lump_sum=by_kind.get("lump_sum"), amount=by_kind.get("amount"), full=full,
        installments=_installments(kept),
        refused=tuple(value for part in refused for _, value in part.amounts))
