"""The plan as it stands after the real calls: balances after payments, agreements, what is left.

The profile keeps what the user told at intake; payments and agreements are applied on top here,
so the plan is recomputed from the same pure analysis whenever something is paid or agreed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flows.analysis import Analysis, Strategy, analyse
from flows.analysis.core import unique_keys
from flows.core.models import Loan, Profile
from flows.reminders.models import Agreement, RemindersState

BAR_CELLS = 10


@dataclass(frozen=True)
class PlanView:
    """What the reminder rules read from the plan.

    Attributes:
        keys: Every loan's key, in profile order.
        priority: Whom to contact first (loans still owed).
        balances: What each loan still owes after marked payments (a settled waiver owes 0).
        monthly: The plan's payment this month for each loan without an agreement.
        agreed: The current agreement of each loan that has one.
        months_to_go: Months until everything is paid at this pace (None: not within the horizon).
        analysis: The analysis of the loans without an agreement (None when every loan has one).
    """

    keys: list[str]
    priority: list[str]
    balances: dict[str, Decimal]
    monthly: dict[str, Decimal]
    agreed: dict[str, Agreement]
    months_to_go: int | None
    analysis: Analysis | None = None

    @property
    def left(self) -> Decimal:
        """Return what is still owed in total."""
        return sum(self.balances.values(), Decimal(0))


@dataclass(frozen=True)
class Progress:
    """What `/progress` shows."""

    paid: Decimal
    left: Decimal
    months_to_go: int | None
    percent: int
    bar: str
    new_milestones: list[str] = field(default_factory=list)


def paid_by_loan(state: RemindersState) -> dict[str, Decimal]:
    """Return the sum of marked payments per loan key."""
    paid: dict[str, Decimal] = {}
    for payment in state.payments:
        paid[payment.loan] = paid.get(payment.loan, Decimal(0)) + payment.amount
    return paid


def _balance(owed: Decimal, paid: Decimal, agreement: Agreement | None, state: RemindersState) -> Decimal:
    if agreement is not None and agreement.kind == "waiver":
        towards = sum((p.amount for p in state.payments if p.agreement == agreement.id), Decimal(0))
        return max(agreement.total - towards, Decimal(0))
    return max(owed - paid, Decimal(0))


def _months_between(start: date, end: date) -> int:
    return max((end.year - start.year) * 12 + end.month - start.month + 1, 0)


def replan(profile: Profile, state: RemindersState, *, today: date, strategy: Strategy = "avalanche") -> PlanView:
    """Recompute the plan with what has been paid and agreed since the intake.

    Loans with an agreement follow it; the money left after the agreed monthly instalments goes to
    the other loans by the usual plan rule.

    Args:
        profile: The user's profile as told.
        state: Payments and agreements.
        today: The user's local date.
        strategy: The plan's order for extra money.

    Returns:
        The view the reminder rules and `/progress` read.
    """
    keys = unique_keys([loan.platform for loan in profile.loans])
    paid = paid_by_loan(state)
    agreed = {key: found for key in keys if (found := state.current_agreement(key)) is not None}
    balances = {key: _balance(loan.owed, paid.get(key, Decimal(0)), agreed.get(key), state)
                for key, loan in zip(keys, profile.loans, strict=True)}
    committed = sum((a.amount or Decimal(0) for k, a in agreed.items()
                     if a.kind == "instalments" and balances[k] > 0), Decimal(0))
    free = [(key, loan) for key, loan in zip(keys, profile.loans, strict=True)
            if key not in agreed and balances[key] > 0]
    analysis = None
    monthly: dict[str, Decimal] = {}
    months: int | None = 0
    if free:
        rest = Profile(monthly_income=profile.monthly_income,
                       monthly_expenses=profile.monthly_expenses + committed,
                       loans=[_with_balance(loan, balances[key]) for key, loan in free])
        analysis = analyse(rest, today=today, strategy=strategy)
        back = {analysed.key: free[analysed.index][0] for analysed in analysis.loans}
        monthly = {back[k]: v for k, v in (analysis.schedule[0].payments.items() if analysis.schedule else ())}
        months = analysis.months_to_clear
    for key, agreement in agreed.items():
        unpaid = [i for i in agreement.instalments() if not state.is_paid(agreement.id, i.index)]
        if balances[key] > 0 and unpaid and months is not None:
            months = max(months, _months_between(today, unpaid[-1].due))
    order = _priority(profile, keys, balances, today)
    return PlanView(keys=keys, priority=order, balances=balances, monthly=monthly, agreed=agreed,
                    months_to_go=months, analysis=analysis)


def _with_balance(loan: Loan, balance: Decimal) -> Loan:
    return loan.model_copy(update={"outstanding": balance})


def _priority(profile: Profile, keys: list[str], balances: dict[str, Decimal], today: date) -> list[str]:
    owed = [(key, loan) for key, loan in zip(keys, profile.loans, strict=True) if balances[key] > 0]
    if not owed:
        return []
    whole = Profile(monthly_income=profile.monthly_income, monthly_expenses=profile.monthly_expenses,
                    loans=[_with_balance(loan, balances[key]) for key, loan in owed])
    analysis = analyse(whole, today=today)
    back = {loan.key: owed[loan.index][0] for loan in analysis.loans}
    return [back[key] for key in analysis.priority]


def progress(profile: Profile, state: RemindersState, plan: PlanView) -> Progress:
    """Sum up what was paid and what is left, and find milestones not yet celebrated.

    Args:
        profile: The user's profile.
        state: Payments and the milestones already celebrated.
        plan: The current plan view.

    Returns:
        The progress; `new_milestones` names each milestone reached for the first time
        ("first_payment", "cleared:<loan key>").
    """
    paid = sum((p.amount for p in state.payments), Decimal(0))
    left = plan.left
    total = paid + left
    percent = int(paid * 100 / total) if total > 0 else 100
    filled = min(BAR_CELLS, percent * BAR_CELLS // 100)
    bar = "\u2593" * filled + "\u2591" * (BAR_CELLS - filled)
    reached = []
    if state.payments:
        reached.append("first_payment")
    paid_keys = {p.loan for p in state.payments}
    reached += [f"cleared:{key}" for key in plan.keys if plan.balances.get(key) == 0 and key in paid_keys]
    new = [name for name in reached if name not in state.celebrated]
    return Progress(paid=paid, left=left, months_to_go=plan.months_to_go, percent=percent, bar=bar,
                    new_milestones=new)
