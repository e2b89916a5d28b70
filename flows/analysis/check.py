"""Before an agreement is saved: what in it a counsellor would question, from the plan's own figures.

`check_agreement(analysis, proposal)` takes the plan as it stands *before* the agreement (so the
loan's ceiling still counts every other lender's minimum) and returns the concerns, each with the
figure questioned and the plan's figure. The /call form shows them and asks the user to confirm or
correct; an empty list means nothing to question.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from flows.analysis.calendar import month_index
from flows.analysis.commitments import AgreedKind
from flows.analysis.result import Analysis

ConcernCode = Literal["above_lawful", "above_ceiling", "lump_over_budget", "extension_full", "limitation",
                      "hold_unlicensed"]


@dataclass(frozen=True)
class ProposedAgreement:
    """What the user says was agreed on a call, before it is saved."""

    loan: str
    kind: AgreedKind
    count: int | None = None
    amount: Decimal | None = None
    """Per instalment; for a waiver, the settlement amount."""
    first_date: date | None = None


@dataclass(frozen=True)
class Concern:
    """One thing to question: what the agreement says, and the plan's figure it goes past.

    Codes:
        above_lawful: it asks more in all than the lawful balance (`limit`); whole-yuan instalments
            whose last one only needs to be smaller are not questioned.
        above_ceiling: its instalment is more than the plan can give this lender (`limit`) without
            eating into the buffer or another lender's minimum.
        lump_over_budget: a one-off payment larger than a month's budget (`limit`).
        extension_full: an extension makes the whole balance (`amount`) due at once; the plan's steady
            amount (`limit`) is what to agree before that day.
        limitation: the loan is older than the limitation period: advice before agreeing to pay.
        hold_unlicensed: an unlicensed lender: pay only after a written breakdown, never to a person.
    """

    code: ConcernCode
    loan: str
    amount: Decimal | None = None
    limit: Decimal | None = None


def _ceiling(analysis: Analysis, key: str, first: date | None) -> Decimal:
    loan = analysis.loan(key)
    if loan.role == "waiting":
        starts = loan.start_month
        month = month_index(analysis.first_payment, first) if first is not None else 1
        return loan.steady_monthly if starts is not None and month >= starts else Decimal(0)
    return max(loan.max_monthly, loan.steady_monthly)


def check_agreement(analysis: Analysis, proposal: ProposedAgreement) -> list[Concern]:
    """List what to question in a proposed agreement before it is saved.

    Args:
        analysis: The plan as it stands now (without this agreement).
        proposal: What the user says was agreed.

    Returns:
        The concerns, most serious first; empty when the agreement fits the plan.

    Raises:
        KeyError: No loan has the proposal's key.
    """
    loan = analysis.loan(proposal.loan)
    concerns: list[Concern] = []
    if loan.status == "advice":
        concerns.append(Concern("limitation", loan.key))
    amount = proposal.amount or Decimal(0)
    if proposal.kind == "instalments":
        total = amount * (proposal.count or 1)
        if total - amount >= loan.balance or (total > loan.balance and proposal.count in (None, 1)):
            concerns.append(Concern("above_lawful", loan.key, total, loan.balance))
        ceiling = _ceiling(analysis, loan.key, proposal.first_date)
        if amount > ceiling:
            concerns.append(Concern("above_ceiling", loan.key, amount, ceiling))
    elif proposal.kind == "waiver":
        if amount > loan.balance:
            concerns.append(Concern("above_lawful", loan.key, amount, loan.balance))
        if amount > max(analysis.budget, Decimal(0)):
            concerns.append(Concern("lump_over_budget", loan.key, amount, max(analysis.budget, Decimal(0))))
    else:
        concerns.append(Concern("extension_full", loan.key, loan.balance, loan.steady_monthly))
    if loan.hold_until_breakdown:
        concerns.append(Concern("hold_unlicensed", loan.key))
    return concerns
