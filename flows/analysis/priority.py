"""Which platform to contact first: an additive, explainable score.

Every point comes from one rule with one input figure, kept as a `Reason`; the chat shows those same
reasons with those same figures, so what the user reads is exactly why the ranking came out so.

Weights (points):
- collection pressure: 15 per level (none 0, sms 15, calls 30, frequent 45, threats 60);
- third-party collectors: +15;
- overdue days: 5 (1-30 days), 10 (31-90), 15 (over 90, when lenders commonly escalate);
- a repeated (second) overdue: +10;
- yearly cost (APR, or its known lower bound): 50 x the rate, at most 25 (24% -> 12, 36% -> 18);
- amount: 10 x its share of the total still owed;
- a licensed lender: +5 (more room to negotiate, so an early agreement is likelier).

Pressure dominates on purpose: seed 004's A (10,000 yuan, 24%, frequent calls: 45 + 12 + 2.5) comes
before B (30,000 yuan, 15%, no collection: 7.5 + 7.5), and threats outrank a costly but calmer loan.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flows.analysis.result import LoanAnalysis, Reason
from flows.core.models import COLLECTION_PRESSURE

POINTS_PER_PRESSURE_LEVEL = Decimal(15)
THIRD_PARTY_POINTS = Decimal(15)
OVERDUE_BUCKETS: tuple[tuple[int, Decimal], ...] = ((90, Decimal(15)), (30, Decimal(10)), (0, Decimal(5)))
SECOND_OVERDUE_POINTS = Decimal(10)
RATE_POINTS_PER_UNIT = Decimal(50)
RATE_POINTS_MAX = Decimal(25)
AMOUNT_POINTS_PER_SHARE = Decimal(10)
LICENSED_POINTS = Decimal(5)
_TENTH = Decimal("0.1")
_SHARE_PLACES = Decimal("0.0001")


def _pts(value: Decimal) -> Decimal:
    return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


def reasons_for(loan: LoanAnalysis, total: Decimal) -> list[Reason]:
    """List the reasons (with points) that push one loan up the contact order.

    Args:
        loan: The loan's analysis (cost, collection, overdue, licence already filled).
        total: Total still owed across all loans.

    Returns:
        The reasons with positive points, largest first.
    """
    reasons: list[Reason] = []
    level = COLLECTION_PRESSURE[loan.collection]
    if level:
        reasons.append(Reason(code="collection", points=POINTS_PER_PRESSURE_LEVEL * level, value=loan.collection.value))
    if loan.third_party:
        reasons.append(Reason(code="third_party", points=THIRD_PARTY_POINTS))
    for threshold, points in OVERDUE_BUCKETS:
        if loan.overdue_days > threshold:
            reasons.append(Reason(code="overdue", points=points, value=loan.overdue_days))
            break
    if loan.previous_overdue:
        reasons.append(Reason(code="second_overdue", points=SECOND_OVERDUE_POINTS))
    if loan.cost_floor is not None and loan.cost_floor > 0:
        points = _pts(min(loan.cost_floor * RATE_POINTS_PER_UNIT, RATE_POINTS_MAX))
        reasons.append(Reason(code="rate", points=points, value=loan.cost_floor, rate_is_floor=loan.apr is None))
    if total > 0 and loan.outstanding > 0:
        share = (loan.outstanding / total).quantize(_SHARE_PLACES, rounding=ROUND_HALF_UP)
        reasons.append(
            Reason(code="amount", points=_pts(share * AMOUNT_POINTS_PER_SHARE), value=share, amount=loan.outstanding)
        )
    if loan.licensed is True:
        reasons.append(Reason(code="licensed", points=LICENSED_POINTS))
    reasons = [reason for reason in reasons if reason.points > 0]
    reasons.sort(key=lambda reason: reason.points, reverse=True)
    return reasons


def rank(loans: list[LoanAnalysis], total: Decimal) -> list[str]:
    """Score every loan still owed and order them, most urgent first.

    Fills each loan's `reasons` and `score`. Ties go to the larger balance, then to the order given.

    Args:
        loans: The loans' analyses (mutated: reasons and score).
        total: Total still owed.

    Returns:
        The loans' keys in contact order; loans with nothing owed are left out.
    """
    for loan in loans:
        loan.reasons = reasons_for(loan, total)
        loan.score = sum((reason.points for reason in loan.reasons), Decimal(0))
    owed = [loan for loan in loans if loan.outstanding > 0]
    owed.sort(key=lambda loan: (-loan.score, -loan.outstanding, loan.index))
    return [loan.key for loan in owed]
