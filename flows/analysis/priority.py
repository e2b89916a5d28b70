"""Which lender first: tiers a debt counsellor would recognise, each reason shown with its own figure.

The order is, tier by tier (a later tier only breaks ties of the earlier ones):
1. harm: threats, or collectors contacting family, friends or an employer (1000 points each);
   then heavy pressure: daily calls, a collection agency (100 each);
2. the true yearly cost, in whole percent (1 point per percent, at most 99);
3. reporting to the credit bureau and the risk of being sued: a licensed lender reports (0.5), overdue longer
   (0.1 up to 30 days, 0.2 up to 90, 0.3 beyond, when lenders commonly go to court), a second
   overdue (0.1);
4. size: 0.09 x its share of the total still owed.
The points are scaled so that their sum sorts exactly by those tiers; two loans level on every
tier are ordered by the exact true cost, then as the user listed them: never silently by size.

Seed 004's A (10,000 yuan, 24%, daily calls: 100 + 24 + ...) comes before B (30,000 yuan, 15%, no
collection: 15 + ...), and threats outrank a costly but calmer loan.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from flows.analysis.result import LoanAnalysis, Reason
from flows.core.models import Collection

HARM_POINTS = Decimal(1000)
PRESSURE_POINTS = Decimal(100)
RATE_POINTS_MAX = Decimal(99)
LICENSED_POINTS = Decimal("0.5")
OVERDUE_BUCKETS: tuple[tuple[int, Decimal], ...] = ((90, Decimal("0.3")), (30, Decimal("0.2")), (0, Decimal("0.1")))
SECOND_OVERDUE_POINTS = Decimal("0.1")
AMOUNT_POINTS_PER_SHARE = Decimal("0.09")
_POINT_PLACES = Decimal("0.0001")
_SHARE_PLACES = Decimal("0.0001")
_COLLECTION_POINTS = {Collection.threats: HARM_POINTS, Collection.frequent: PRESSURE_POINTS}


def reasons_for(loan: LoanAnalysis, total: Decimal) -> list[Reason]:
    """List the reasons (with points) that push one loan up the order.

    Args:
        loan: The loan's analysis (cost, collection, overdue, lender already filled).
        total: Total still owed across the loans ranked.

    Returns:
        The reasons with positive points, largest first.
    """
    reasons: list[Reason] = []
    if loan.collection in _COLLECTION_POINTS:
        reasons.append(Reason(code="collection", points=_COLLECTION_POINTS[loan.collection],
                              value=loan.collection.value))
    if loan.contacted_others:
        reasons.append(Reason(code="contacted_others", points=HARM_POINTS))
    if loan.third_party:
        reasons.append(Reason(code="third_party", points=PRESSURE_POINTS))
    if loan.cost_floor is not None and loan.cost_floor > 0:
        points = min((loan.cost_floor * 100).to_integral_value(rounding=ROUND_DOWN), RATE_POINTS_MAX)
        reasons.append(Reason(code="rate", points=points, value=loan.cost_floor, rate_is_floor=loan.apr is None))
    if loan.lender == "licensed":
        reasons.append(Reason(code="licensed", points=LICENSED_POINTS))
    for threshold, points in OVERDUE_BUCKETS:
        if loan.overdue_days > threshold:
            reasons.append(Reason(code="overdue", points=points, value=loan.overdue_days))
            break
    if loan.previous_overdue:
        reasons.append(Reason(code="second_overdue", points=SECOND_OVERDUE_POINTS))
    if total > 0 and loan.lawful_balance > 0:
        share = (loan.lawful_balance / total).quantize(_SHARE_PLACES, rounding=ROUND_HALF_UP)
        points = (share * AMOUNT_POINTS_PER_SHARE).quantize(_POINT_PLACES, rounding=ROUND_HALF_UP)
        reasons.append(Reason(code="amount", points=points, value=share, amount=loan.lawful_balance))
    reasons = [reason for reason in reasons if reason.points > 0]
    reasons.sort(key=lambda reason: reason.points, reverse=True)
    return reasons


def rank(loans: list[LoanAnalysis]) -> list[str]:
    """Score the loans given and order them, most urgent first.

    Fills each loan's `reasons` and `score`. Ties go to the higher exact cost, then to the order given.

    Args:
        loans: The loans to rank (mutated: reasons and score).

    Returns:
        Their keys in order.
    """
    total = sum((loan.lawful_balance for loan in loans), Decimal(0))
    for loan in loans:
        loan.reasons = reasons_for(loan, total)
        loan.score = sum((reason.points for reason in loan.reasons), Decimal(0))
    ordered = sorted(loans, key=lambda loan: (-loan.score, -(loan.cost_floor or Decimal(-1)), loan.index))
    return [loan.key for loan in ordered]
