"""The lawful balance: what the plan takes as owed, and the instalment a current loan keeps paying.

An upfront deduction (kantouxi) makes the money received the principal (Civil Code art. 670; for private
lending also private-lending provisions art. 26). So the plan repays what was received, minus what was repaid,
plus interest no higher than the loan's line (24% for a licensed lender, 4x the LPR at the contract
date otherwise) for the time the loan ran, and never more than the lender itself says is owed.
The time is the months from the contract date to today, else the contract term; with neither, no
interest is counted and the figure is marked as a lower bound. Interest is counted as simple interest
on the whole amount received for the whole time: a ceiling, since repayments lower the balance.

Every other loan's lawful balance is the lender's own figure: the flags say where its charges may be
above a line, but the coach does not guess how a court would split them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from flows.analysis.apr import RateLike, scheduled_payments
from flows.analysis.calendar import months_between
from flows.core.models import Loan

FEN = Decimal("0.01")
MONTHS_PER_YEAR = 12
ESTIMATE_TERM_MONTHS = 12
"""A current loan whose instalment and term are both unknown is budgeted as if it ran 12 more months,
and the plan says it is an estimate (most consumer loans run 12 months or less)."""


@dataclass(frozen=True)
class Lawful:
    """The lawful balance of one loan and how it was reached."""

    balance: Decimal
    interest: Decimal = Decimal(0)
    months: int | None = None
    estimate: bool = False


def lawful_balance(loan: Loan, *, line_rate: Decimal | None, estimate: bool, today: date) -> Lawful:
    """Work out what the plan takes as owed on one loan.

    Args:
        loan: The loan as told.
        line_rate: The yearly line its interest is measured against (None: not known for its date).
        estimate: Part of the time is judged by rules the coach cannot compute (older contracts).
        today: Today's date.

    Returns:
        The lawful balance; for loans without an upfront deduction, the lender's own figure.
    """
    owed = loan.owed
    received = loan.received
    if received is None or received >= loan.principal:
        return Lawful(owed)
    if loan.contract_date is not None:
        months: int | None = months_between(loan.contract_date, today)
    else:
        months = loan.term_months
    rate = line_rate if line_rate is not None else Decimal(0)
    interest = Decimal(0)
    if months:
        interest = (received * rate * months / MONTHS_PER_YEAR).quantize(FEN, rounding=ROUND_HALF_UP)
    balance = min(owed, max(received + interest - loan.repaid, Decimal(0)))
    unsure = estimate or line_rate is None or months is None
    return Lawful(balance, interest, months, unsure)


def contract_monthly(loan: Loan, rate: RateLike | None) -> tuple[Decimal, bool]:
    """Return a current loan's monthly instalment, and whether it is an estimate.

    The instalment told; else the contract's own schedule rebuilt from rate and term; else the
    principal over the term (a lower bound without the rate); else the balance over
    `ESTIMATE_TERM_MONTHS`, whole yuan up, marked as an estimate.

    Args:
        loan: The loan as told.
        rate: Its parsed rate, if any.

    Returns:
        The instalment (never above what is owed) and whether it is estimated.
    """
    owed = loan.owed
    if loan.installment is not None and loan.installment > 0:
        return min(loan.installment, owed), False
    if rate is not None and loan.term_months is not None:
        payments = scheduled_payments(loan, rate)
        if payments:
            return min(payments[0].quantize(FEN, rounding=ROUND_CEILING), owed), False
    if loan.term_months is not None:
        return min((loan.principal / loan.term_months).quantize(FEN, rounding=ROUND_CEILING), owed), True
    guess = (owed / ESTIMATE_TERM_MONTHS).to_integral_value(rounding=ROUND_CEILING)
    return min(guess, owed), True
