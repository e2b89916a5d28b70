"""Format money and rates for people; the one place numbers become text."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from flows.core.texts import lexicon

FEN = Decimal("0.01")


@cache
def _unit() -> str:
    unit: str = lexicon("units")["yuan"]
    return unit


def to_fen(amount: Decimal) -> int:
    """Convert yuan to whole fen, rounding half up."""
    return int((amount / FEN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_fen(fen: int) -> Decimal:
    """Convert whole fen to yuan."""
    return (Decimal(fen) * FEN).quantize(FEN)


def yuan(amount: Decimal | int) -> str:
    """Format yuan with thousands separators and the unit word: 12000 -> "12,000 <unit>"."""
    value = Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)
    if value == value.to_integral_value():
        return f"{int(value):,} {_unit()}"
    return f"{value:,.2f} {_unit()}"


def percent(fraction: Decimal, places: int = 2) -> str:
    """Format a rate given as a fraction: Decimal("0.1825") -> "18.25%"."""
    quantum = Decimal(1).scaleb(-places)
    value = (fraction * 100).quantize(quantum, rounding=ROUND_HALF_UP).normalize()
    text = f"{value:f}"
    return f"{text}%"
