"""The Rate value and the hits the rate scanners report."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from flows.parsing._core import ParseProblem, section

RateKind = Literal["daily", "monthly", "annual", "monthly_fee"]

_PLACES = Decimal("1e-10")


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

    @property
    def period(self) -> RateKind:
        """The period the rate is charged per (the same as `kind`, named for what it is)."""
        return self.kind

    @property
    def canonical(self) -> str:
        """The rate written with its period word and a percent, e.g. a daily 0.2% for "two per mille a day".

        This is the text to store: `parse_rate` (and so the analysis's RateParser) reads it back to the
        same kind and per-period fraction whatever words the person used.
        """
        word = str(section("rates", "canonical", self.kind))
        percent = (self.per_period * 100).normalize()
        return f"{word}{percent:f}%"


@dataclass(frozen=True)
class RateHit:
    """A rate found in text, with where it lies.

    Attributes:
        start: Where it starts in the prepared text.
        end: Where it ends.
        rate: The rate, or None when it is not usable.
        problem: Why not (negative, too large).
        explicit: True when a word said the period ("daily interest", "every day"); False when it was taken by default.
        approx: True when a word said the rate is approximate ("about").
        form: How the figure was written: "percent", "ten_thousand" (wan-wu (0.05%)), "fen" (three fen interest),
        "bare", "money".
        claim_start: Where a message reader's claim on the text starts, when not at `start` (a money
            rate leaves its principal to be read as what was borrowed).
    """

    start: int
    end: int
    rate: Rate | None
    problem: ParseProblem | None = None
    explicit: bool = True
    approx: bool = False
    form: str = ""
    claim_start: int | None = None


def make_rate(text: str, kind: RateKind, fraction: Decimal, *, negative: bool = False) -> tuple[
        Rate | None, ParseProblem | None]:
    """Build a Rate from a per-period fraction, or say why it is not a believable rate."""
    if negative:
        return None, ParseProblem.negative
    if fraction != fraction.quantize(_PLACES):
        fraction = fraction.quantize(_PLACES)
    periods = int(section("rates", "periods_per_year", kind))
    annual = fraction * periods
    if annual > Decimal(str(section("rates", "max_annual_simple"))):
        return None, ParseProblem.too_large
    return Rate(text=text, kind=kind, per_period=fraction, annual_simple=annual), None
