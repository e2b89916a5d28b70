"""Result models of the analysis: what the chat, the JSON command, the scripts and the reminders read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from flows.analysis.calendar import add_months
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

ReasonCode = Literal[
    "collection", "contacted_others", "third_party", "overdue", "second_overdue", "rate", "amount", "licensed"
]
Strategy = Literal["avalanche", "snowball"]
LenderKind = Literal["licensed", "unlicensed", "unknown"]
"""Whether the lender is a licensed institution: the user's answer, else the platform's usual lender."""
LoanStatus = Literal["arrears", "current", "at_risk", "advice", "cleared"]
"""Where a loan stands.

- arrears: overdue or being collected: negotiate.
- current: paid on time: stays on its contract, no negotiation call.
- at_risk: on time, but the money does not cover its contract instalment: call before it falls due.
- advice: overdue longer than the limitation period: get advice before paying or acknowledging anything.
- cleared: nothing owed.
"""
PlanRole = Literal["steady", "waiting", "contract", "agreed", "held", "none"]
"""What the plan does with a loan.

- steady: a steady monthly instalment from `start_month` (the ask in the call script);
- waiting: no money yet; it starts when another loan clears (`start_month`), or never within the horizon;
- contract: a current loan paid as its contract says;
- agreed: paid as a logged agreement says;
- held: not paid (limitation advice first);
- none: nothing owed.
"""
LONGEST_WAIT_MONTHS = 3
"""The longest extension the plan asks a lender for (seed 000: extensions of 1 to 3 months)."""
LineKind = Literal["fin_24", "lpr_4x", "lpr_4x_pre_2020"]
"""Which legal reference line the loan's interest is measured against.

- fin_24: a licensed lender: the 24% line of the 2017 financial-adjudication opinion;
- lpr_4x: private lending (an unlicensed lender, or one not known to be licensed): 4x the one-year
  LPR at the contract date (private-lending provisions art. 25);
- lpr_4x_pre_2020: private lending under a contract made before 2020-08-20 (art. 31: older rules
  up to 2020-08-19, the 4x LPR cap from 2020-08-20).
"""


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
    """Everything the analysis found about one loan, and what the plan does with it."""

    key: str
    """Unique name in JSON keys: the platform, with " #2", " #3" appended to repeated names."""
    index: int
    platform: str
    outstanding: Decimal
    """What the lender says is owed (the profile's figure)."""
    principal: Decimal
    received: Decimal | None = None
    repaid: Decimal = Decimal(0)
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
    """The user's own answer (None: not asked or not known); `lender` adds the platform's usual lender."""
    lender: LenderKind = "unknown"
    line: LineKind = "lpr_4x"
    line_rate: Decimal | None = None
    """The yearly rate of `line` (None when the folder gives no LPR for the contract date)."""
    collection: Collection = Collection.none
    third_party: bool = False
    contacted_others: bool = False
    guaranteed: bool = False
    guarantor: str = ""
    overdue_days: int = 0
    overdue_unsure: bool = False
    previous_overdue: bool = False
    contract_date: date | None = None
    status: LoanStatus = "arrears"
    score: Decimal = Decimal(0)
    reasons: list[Reason] = Field(default_factory=list)
    lawful_balance: Decimal = Decimal(0)
    """What the plan takes as owed: the lender's figure, or for an upfront deduction what was received
    minus what was repaid plus interest no higher than the loan's line (never above the lender's figure)."""
    lawful_interest: Decimal = Decimal(0)
    """The most interest counted in `lawful_balance` for an upfront deduction."""
    lawful_months: int | None = None
    """Months of interest counted for an upfront deduction (None: unknown, none counted)."""
    lawful_is_estimate: bool = False
    """The line for part of the time is not known here (older rules, or no LPR for the date)."""
    paid: Decimal = Decimal(0)
    """Payments marked since the intake."""
    balance: Decimal = Decimal(0)
    """What the plan still pays: the lawful balance minus payments (or what an agreement still asks)."""
    role: PlanRole = "none"
    contract_monthly: Decimal | None = None
    """A current loan's instalment: as told, else rebuilt from rate and term, else estimated."""
    contract_estimated: bool = False
    proposed_monthly: Decimal = Decimal(0)
    """What the plan pays in its first month (JSON contract)."""
    steady_monthly: Decimal = Decimal(0)
    """The steady whole-yuan instalment to ask this lender for (0: none yet). The role-play's ask."""
    term_months_proposed: int | None = None
    """How many steady instalments clear the balance (the last may be smaller)."""
    last_installment: Decimal | None = None
    start_month: int | None = None
    """The plan month of the first steady payment (1 unless waiting or extended)."""
    max_monthly: Decimal = Decimal(0)
    """The most this lender can be promised each month while every other lender keeps its minimum and
    the buffer stays: the role-play's ceiling (over it is an over-promise)."""
    counter_low: Decimal | None = None
    counter_high: Decimal | None = None
    """The monthly range a lender commonly counters with (12 to 24 instalments), when the ask is longer."""
    hold_until_breakdown: bool = False
    """An unlicensed lender: pay nothing before a written breakdown, and never to a personal account."""
    cleared_month: int | None = None

    @property
    def said_overdue_days(self) -> int:
        """The overdue days a call may name: none when the person did not remember them (the plan's guess)."""
        return 0 if self.overdue_unsure else self.overdue_days

    @property
    def asks_time(self) -> bool:
        """Tell whether a call today asks for time (an extension) rather than for the steady amount.

        True when the plan has no money for this lender, or reaches it only after more than
        `LONGEST_WAIT_MONTHS`: no lender waits that long, so the honest ask is time and a call back.
        """
        return self.steady_monthly <= 0 or (self.start_month or 1) - 1 > LONGEST_WAIT_MONTHS

    @property
    def ask_monthly(self) -> Decimal:
        """The monthly amount to ask for on a call today (0 when asking for time)."""
        return Decimal(0) if self.asks_time else self.steady_monthly


class MonthPlan(BaseModel):
    """One month of the plan: what goes to each loan and what is left after paying it."""

    month: int
    payments: dict[str, Decimal]
    remaining: dict[str, Decimal]
    saved: Decimal = Decimal(0)
    """Kept back this month: the buffer and any money no lender can take yet."""
    over_budget: Decimal = Decimal(0)
    """What the logged agreements alone ask this month beyond the month's budget (nothing else is paid)."""


class Analysis(BaseModel):
    """The whole analysis and plan of a profile (with any logged agreements and payments), by `analyse`."""

    total_outstanding: Decimal
    monthly_available: Decimal
    """Income minus necessary expenses, never below zero (JSON contract)."""
    income_gap: Decimal = Decimal(0)
    """How much necessary expenses exceed income each month (0 when they do not)."""
    buffer: Decimal = Decimal(0)
    """Kept back every month as savings: at least 5% of the money available and not under 100 yuan."""
    budget: Decimal = Decimal(0)
    """The money for debts each month: available minus the buffer (whole yuan)."""
    shortfall: Decimal = Decimal(0)
    """How much is missing each month to pay every contract and every lender its minimum instalment."""
    months_to_clear: int | None
    pace_months: int | None
    """When the projection clears everything (even if only by starting some lenders late), else None."""
    priority: list[str]
    """Whom to call, in order: loans in arrears, or at risk of falling behind (not current, not held)."""
    funding_order: list[str] = Field(default_factory=list)
    """Where freed money goes first (the strategy's order over the lenders in the plan)."""
    held: list[str] = Field(default_factory=list)
    """Loans to get advice on before paying anything (older than the limitation period)."""
    agreed: list[str] = Field(default_factory=list)
    """Loans that follow a logged agreement."""
    loans: list[LoanAnalysis]
    warnings: list[str]
    schedule: list[MonthPlan]
    """The plan, month by month; empty when it cannot clear everything within the horizon."""
    projection: list[MonthPlan]
    """The same rule run to the horizon even when it cannot clear everything (for the chart)."""
    lpr_checked_to: date
    strategy: Strategy
    today: date
    first_payment: date
    """The date of the first payment; plan month 1 is its calendar month."""
    pro_rata: bool = False
    """True when the money could not cover every lender's minimum, so some wait (JSON contract name)."""
    assumption: Literal["interest_frozen"] = "interest_frozen"
    horizon_months: int = 60
    max_term_months: int = 36

    def month_date(self, month: int) -> date:
        """Return the payment date of a plan month (month 1: `first_payment`)."""
        return add_months(self.first_payment, month - 1)

    def loan(self, key: str) -> LoanAnalysis:
        """Return the loan with this key.

        Raises:
            KeyError: No loan has this key.
        """
        for loan in self.loans:
            if loan.key == key:
                return loan
        raise KeyError(key)
