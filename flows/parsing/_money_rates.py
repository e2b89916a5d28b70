"""Rates said as money: "20k, 8 yuan interest a day" is 8 yuan a day on 20,000, a daily 0.04%."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import cast

from flows.parsing._amounts import AmountHit, amount_hits
from flows.parsing._core import ends_with_any, section, starts_with_any, words
from flows.parsing._rate_types import RateHit, RateKind, make_rate

_GAP = 2


@cache
def _periods() -> dict[str, RateKind]:
    return {str(word): cast(RateKind, kind) for kind, items in section("rates", "money_rate", "periods").items()
            for word in items}


def _period(text: str) -> tuple[int, int, RateKind] | None:
    """The first period word in the text, outside any amount."""
    table = _periods()
    for pos in range(len(text)):
        found = starts_with_any(text, pos, table)
        if found:
            return pos, pos + len(found), table[found]
    return None


def _marked_before(text: str, hit: AmountHit, marks: Sequence[str]) -> bool:
    return any(ends_with_any(text, end, marks) for end in range(hit.start, max(hit.start - _GAP, 0) - 1, -1))


def _interest(text: str, hits: list[AmountHit], period_end: int) -> AmountHit | None:
    marks = words("rates", "money_rate", "interest")
    for hit in hits:
        if starts_with_any(text, hit.end, marks) or _marked_before(text, hit, marks):
            return hit
    repay = words("rates", "money_rate", "repay")
    following = [hit for hit in hits if period_end <= hit.start <= period_end + 1
                 and not ends_with_any(text, hit.start, repay)]
    return following[0] if following else None


def money_rate_hits(text: str) -> list[RateHit]:
    """Find a rate said as an interest amount per period on a principal, in prepared text.

    Returns:
        One hit spanning the principal, the period and the interest, or nothing.
    """
    period = _period(text)
    if period is None:
        return []
    hits = [hit for hit in amount_hits(text, whole_answer=True) if hit.problem is None and hit.value is not None]
    hits = [hit for hit in hits if hit.end <= period[0] or hit.start >= period[1]]
    if len(hits) < 2:
        return []
    interest = _interest(text, hits, period[1])
    if interest is None or interest.value is None:
        return []
    others = [hit for hit in hits if hit is not interest and hit.value is not None]
    named = [hit for hit in others if _marked_before(text, hit, words("rates", "money_rate", "principal"))]
    principal = (named or sorted(others, key=lambda hit: hit.value or 0))[-1]
    if principal.value is None or not 0 < interest.value < principal.value:
        return []
    start = min(principal.start, interest.start, period[0])
    end = max(principal.end, interest.end, period[1])
    rate, problem = make_rate(text[start:end], period[2], interest.value / principal.value)
    approx = interest.approx is not None or principal.approx is not None
    # The principal stays readable as what was borrowed or is owed: only the period and the interest
    # belong to the rate ("borrowed 10k, 5 yuan interest a day").
    claim = min(interest.start, period[0]) if principal.start < min(interest.start, period[0]) else start
    return [RateHit(start, end, rate, problem, explicit=True, approx=approx, form="money", claim_start=claim)]
