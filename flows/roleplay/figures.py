"""The plan's figures a call is played with, read through one adapter (`call_figures`).

Role-play never reads the plan anywhere else: when the plan's fields change (issue 15 gives each
lender a steady whole-yuan monthly amount within at most 36 months), only this function moves.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from pydantic import BaseModel

from flows.analysis import LoanAnalysis
from flows.negotiation.script import CallScript, lender_kind


class CallFigures(BaseModel):
    """The loan and plan figures a call needs, frozen at the start of the call.

    Attributes:
        balance: What is still owed on this loan.
        steady_monthly: The most the user should promise this lender each month, whole yuan (0: nothing
            to spare this month, the plan asks for an extension).
        overdue_days: How many days the loan is overdue.
        first_date: The day the script proposes for the first payment (or the call back), if known.
        lender: Whether the lender is licensed (12378 takes complaints about licensed lenders only).
    """

    balance: Decimal
    steady_monthly: Decimal
    overdue_days: int = 0
    first_date: date | None = None
    lender: Literal["licensed", "unlicensed", "unknown"] = "unknown"

    @property
    def can_pay(self) -> bool:
        """Tell whether the plan leaves anything for this lender each month."""
        return self.steady_monthly > 0


def call_figures(loan: LoanAnalysis, script: CallScript | None) -> CallFigures:
    """Read a call's figures from the loan's analysis and the user's script for it.

    Args:
        loan: The loan's analysis.
        script: The user's call script for this platform, when one could be built.

    Returns:
        The balance, the plan's steady monthly amount (the script's proposal when there is one, else
        the plan's), the overdue days, the first payment date and the kind of lender.
    """
    monthly = script.steady_monthly if script is not None else loan.ask_monthly
    steady = max(monthly, Decimal(0)).to_integral_value(rounding=ROUND_FLOOR)
    return CallFigures(balance=loan.outstanding, steady_monthly=steady, overdue_days=loan.said_overdue_days,
                       first_date=script.proposal.first_payment if script is not None else None,
                       lender=lender_kind(loan))
