"""Result models of the analysis: what the chat, the JSON command and the negotiation scripts read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from flows.core.models import Collection

AprMethod = Literal["irr", "simple_daily", "stated_monthly", "stated_annual", "needs_term", "unknown"]
"""How a loan's yearly cost was found.

- irr: periodic IRR of the actual cash flows times periods a year (PBOC announcement 2021 No. 3).
- simple_daily: a bare daily rate times 365.
- stated_monthly / stated_annual: a stated rate on the declining balance, no deduction: already the APR.
- needs_term: a flat fee or an upfront deduction was given but not the number of months, so only a
  lower bound (`cost_floor`) is known.
- unknown: nothing to compute from.
"""

ReasonCode = Literal["collection", "third_party", "overdue", "second_overdue", "rate", "amount", "licensed"]
Strategy = Literal["avalanche", "snowball"]


class Reason(BaseModel):
    """One explainable part of a platform's priority score: the rule, its input and its points."""

    model_config = ConfigDict(frozen=True)

    code: ReasonCode
    points: Decimal
    value: Decimal | int | str | None = None
    """The figure the rule used: collection level, overdue days, rate fraction, share of total."""
    amount: Decimal | None = None
    """For `amount`: the balance in yuan whose share gave the points."""
    rate_is_floor: bool = False
    """For `rate`: the figure is a lower bound (the real cost is at least this)."""


class LoanAnalysis(BaseModel):
    """Everything the analysis found about one loan."""

    key: str
    """Unique name in JSON keys: the platform, with " #2", " #3" appended to repeated names."""
    index: int
    platform: str
    outstanding: Decimal
    principal: Decimal
    received: Decimal | None = None
    apr: Decimal | None = None
    apr_method: AprMethod = "unknown"
    cost_floor: Decimal | None = None
    """Best known yearly cost: the APR when known, else a lower bound (stated rate), else None."""
    rate_kind: str | None = None
    stated_per_period: Decimal | None = None
    stated_annual_simple: Decimal | None = None
    flags: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    lpr: Decimal | None = None
    lpr_cap: Decimal | None = None
    lpr_date: date | None = None
    lpr_date_assumed: bool = False
    licensed: bool | None = None
    collection: Collection = Collection.none
    third_party: bool = False
    overdue_days: int = 0
    previous_overdue: bool = False
    score: Decimal = Decimal(0)
    reasons: list[Reason] = Field(default_factory=list)
    proposed_monthly: Decimal = Decimal(0)
    cleared_month: int | None = None


class MonthPlan(BaseModel):
    """One month of the plan: what goes to each loan and what is left after paying it."""

    month: int
    payments: dict[str, Decimal]
    remaining: dict[str, Decimal]


class Analysis(BaseModel):
    """The whole analysis of a profile, built by `analyse`."""

    total_outstanding: Decimal
    monthly_available: Decimal
    months_to_clear: int | None
    pace_months: int | None
    """Months at this pace ignoring the 60-month horizon (None when nothing is available)."""
    priority: list[str]
    loans: list[LoanAnalysis]
    warnings: list[str]
    schedule: list[MonthPlan]
    """The plan, month by month; empty when no plan can clear the debt within the horizon."""
    projection: list[MonthPlan]
    """The same rule run up to the horizon even when it cannot clear the debt (for the chart)."""
    lpr_checked_to: date
    strategy: Strategy
    today: date
    pro_rata: bool = False
    """True when the money could not cover a contact payment for every platform and was shared."""
    assumption: Literal["interest_frozen"] = "interest_frozen"
    horizon_months: int = 60
