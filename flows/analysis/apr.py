"""The real yearly cost of a loan: IRR of its actual cash flows, as the central bank asks lenders to show.

Since 2021 lenders in China must disclose an annualised rate computed by the internal-rate-of-return
method: the periodic IRR of the cash flows (money actually received, then every instalment) times the
number of periods in a year. A bare daily rate with no schedule is simple interest times 365.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from flows.analysis.result import AprMethod
from flows.core.models import Loan

RATE_PLACES = Decimal("0.000001")
MONTHS_PER_YEAR = 12


class RateLike(Protocol):
    """What the parser's `Rate` gives us (flows.parsing.Rate satisfies this structurally)."""

    @property
    def kind(self) -> str:
        """One of "daily", "monthly", "annual", "monthly_fee"."""
        ...

    @property
    def per_period(self) -> Decimal:
        """The rate per its own period, as a fraction."""
        ...

    @property
    def annual_simple(self) -> Decimal:
        """The per-period rate times the periods in a year, as a fraction."""
        ...


RateParser = Callable[[str], RateLike | None]


@dataclass(frozen=True)
class Cost:
    """A loan's yearly cost as far as it can be known."""

    apr: Decimal | None
    method: AprMethod
    floor: Decimal | None
    rate: RateLike | None


def default_parser(text: str) -> RateLike | None:
    """Parse a rate with the project's parser; unreadable text gives None.

    Args:
        text: The rate as the user wrote it, e.g. a daily rate in words.

    Returns:
        The parsed rate, or None when the text holds no rate (or the parser is not installed yet,
        in which case only instalments and terms give an APR).
    """
    try:
        parsing = importlib.import_module("flows.parsing")
    except ImportError:
        return None
    parse_rate: Callable[[str], RateLike | None] | None = getattr(parsing, "parse_rate", None)
    if parse_rate is None:  # the parser lands separately; until then only cash flows give an APR
        return None
    try:
        return parse_rate(text)
    except ValueError:
        return None


def irr_annual(received: Decimal, payments: list[Decimal]) -> Decimal | None:
    """Annualise the monthly IRR of a loan's cash flows (received at month 0, then monthly payments).

    Args:
        received: Money actually in hand at the start, in yuan.
        payments: What is paid back at the end of each month, in yuan.

    Returns:
        The monthly IRR times 12 as a fraction, or None when the flows have no sensible IRR
        (nothing received, nothing paid back, or less paid back than received).
    """
    if received <= 0 or not payments or sum(payments, Decimal(0)) < received:
        return None
    # numpy-financial (and numpy, ~11 MB) loads on the first IRR, not with every bot process.
    import numpy_financial as npf

    # numpy-financial works in floats: convert only here, and come back to Decimal at once.
    flows = [float(received), *(-float(p) for p in payments)]
    monthly = float(npf.irr(flows))
    if math.isnan(monthly) or monthly < 0:
        return None
    return (Decimal(repr(monthly)) * MONTHS_PER_YEAR).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def level_payment(principal: Decimal, monthly_rate: Decimal, months: int) -> Decimal:
    """Return the equal monthly instalment (principal and interest) of an amortising loan."""
    if monthly_rate == 0:
        return principal / months
    return principal * monthly_rate / (1 - (1 + monthly_rate) ** -months)


def scheduled_payments(loan: Loan, rate: RateLike) -> list[Decimal] | None:
    """Rebuild the contract's monthly payments from its stated rate and term.

    A monthly fee is charged on the original principal every month on top of equal principal parts;
    any other rate is taken as interest on the declining balance, paid in equal instalments
    (daily rates over a month of 365/12 days).

    Args:
        loan: The loan, with `term_months` set.
        rate: Its parsed stated rate.

    Returns:
        One payment per month, or None without a term.
    """
    months = loan.term_months
    if months is None:
        return None
    principal = loan.principal
    if rate.kind == "monthly_fee":
        return [principal / months + principal * rate.per_period] * months
    monthly_rate = rate.annual_simple / MONTHS_PER_YEAR
    return [level_payment(principal, monthly_rate, months)] * months


def loan_cost(loan: Loan, parse: RateParser) -> Cost:
    """Work out a loan's real yearly cost from what the user told.

    Order of evidence: the actual instalments and term; else the stated rate and term rebuilt into a
    schedule; else the stated rate alone when that already is the yearly cost (a declining-balance
    rate with nothing deducted upfront); else only a lower bound.

    Args:
        loan: The loan as in the profile.
        parse: Turns the user's rate text into a rate.

    Returns:
        The cost: APR (or None), how it was found, and the best known lower bound.
    """
    rate = parse(loan.rate) if loan.rate else None
    received = loan.received if loan.received is not None else loan.principal
    deducted = received < loan.principal
    stated = rate.annual_simple.quantize(RATE_PLACES, rounding=ROUND_HALF_UP) if rate is not None else None

    if loan.installment is not None and loan.term_months is not None:
        apr = irr_annual(received, [loan.installment] * loan.term_months)
        if apr is not None:
            return Cost(apr, "irr", apr, rate)
    if rate is not None:
        payments = scheduled_payments(loan, rate)
        if payments is not None:
            apr = irr_annual(received, payments)
            if apr is not None:
                return Cost(apr, "irr", apr, rate)
        if rate.kind == "monthly_fee" or deducted:
            return Cost(None, "needs_term", stated, rate)
        method: AprMethod = "stated_annual"
        if rate.kind == "daily":
            method = "simple_daily"
        elif rate.kind == "monthly":
            method = "stated_monthly"
        return Cost(stated, method, stated, rate)
    return Cost(None, "unknown", None, None)
