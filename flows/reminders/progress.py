"""The plan as it stands after the real calls: one analysis with the agreements and payments in it.

The profile keeps what the user told at intake; the agreements logged with /call and the payments
marked are handed to the same pure `flows.analysis.analyse` as its `commitments`, so /plan,
/progress, the reminders, the scripts for the other lenders, the role-play and export all read one
plan. `plan_for(profile, state, ...)` (or `session_plan(session, ...)`) computes it; `view` derives
what the reminder rules read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flows.analysis import AgreedTerms, Analysis, Commitments, Strategy, analyse
from flows.core.models import Profile
from flows.core.session import Session
from flows.reminders.models import Agreement, RemindersState, load_state
from flows.roleplay.state import history

BAR_CELLS = 10


def paid_by_loan(state: RemindersState) -> dict[str, Decimal]:
    """Return the sum of marked payments per loan key."""
    paid: dict[str, Decimal] = {}
    for payment in state.payments:
        paid[payment.loan] = paid.get(payment.loan, Decimal(0)) + payment.amount
    return paid


def _terms(agreement: Agreement, state: RemindersState) -> AgreedTerms:
    if agreement.kind == "extension":
        return AgreedTerms(loan=agreement.loan, kind="extension", until=agreement.first_date,
                           amount=agreement.amount or Decimal(0))
    due = tuple((item.due, item.amount) for item in agreement.instalments()
                if not state.is_paid(agreement.id, item.index))
    return AgreedTerms(loan=agreement.loan, kind=agreement.kind, due=due, amount=agreement.amount or Decimal(0))


def commitments(state: RemindersState) -> Commitments:
    """Turn the logged agreements (the latest per loan) and marked payments into the plan's commitments."""
    loans = dict.fromkeys(agreement.loan for agreement in state.agreements)
    agreed = {key: _terms(found, state) for key in loans if (found := state.current_agreement(key)) is not None}
    return Commitments(agreed=agreed, paid=paid_by_loan(state))


def plan_for(profile: Profile, state: RemindersState, *, today: date, strategy: Strategy = "avalanche") -> Analysis:
    """Compute the one plan: the profile with every logged agreement and marked payment.

    Args:
        profile: The user's profile as told.
        state: The reminders state (agreements, payments).
        today: The user's local date.
        strategy: The plan's order for freed money.

    Returns:
        The analysis every view reads.
    """
    return analyse(profile, today=today, strategy=strategy, commitments=commitments(state))


def session_plan(session: Session, *, today: date) -> Analysis:
    """Compute the one plan for a session (its profile, strategy and reminders state).

    Raises:
        ValueError: The session has no profile yet.
    """
    if session.profile is None:
        raise ValueError("no profile")
    return plan_for(session.profile, load_state(session), today=today, strategy=session.plan_strategy)


def rehearsed_platforms(session: Session) -> frozenset[str]:
    """Return the loan keys the user has rehearsed a call with (the role-play's history)."""
    return frozenset(attempt.platform for attempt in history(session))


@dataclass(frozen=True)
class PlanView:
    """What the reminder rules read from the one plan.

    Attributes:
        keys: Every loan's key, in profile order.
        priority: Whom to call, in order (loans in arrears or at risk).
        balances: What each loan still owes under the plan (lawful balance after payments; what an
            agreement still asks).
        monthly: Contract instalments due this month outside any agreement (current loans): what a
            payday "paid" records.
        agreed: The current agreement of each loan that has one.
        months_to_go: Months until everything is paid (None: not within the horizon, or money short).
        analysis: The one plan.
        calls: Lenders still to negotiate with, in contact order (no agreement, something owed).
        held: Loans to get advice on before paying.
        steady: What to ask each lender still to negotiate with (its steady amount; 0: ask for time).
        set_aside: What to keep this month for lenders not agreed yet (paid once agreed in writing).
        buffer: The savings kept back this month (the buffer, and any money no lender can take yet).
        guaranteed: Lenders with a guarantee company.
        rehearsed: Lenders the user has rehearsed a call with.
    """

    keys: list[str]
    priority: list[str]
    balances: dict[str, Decimal]
    monthly: dict[str, Decimal]
    agreed: dict[str, Agreement]
    months_to_go: int | None
    analysis: Analysis | None = None
    calls: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    steady: dict[str, Decimal] = field(default_factory=dict)
    set_aside: Decimal = Decimal(0)
    buffer: Decimal = Decimal(0)
    guaranteed: frozenset[str] = frozenset()
    rehearsed: frozenset[str] = frozenset()

    @property
    def left(self) -> Decimal:
        """Return what is still owed in total."""
        return sum(self.balances.values(), Decimal(0))

    def others_monthly(self) -> list[tuple[str, Decimal]]:
        """Return each loan without an agreement and what the plan pays it monthly (steady or contract)."""
        if self.analysis is None:
            return []
        out = []
        for loan in self.analysis.loans:
            if loan.key in self.agreed or loan.balance <= 0:
                continue
            amount = loan.steady_monthly if loan.steady_monthly > 0 else (loan.contract_monthly or Decimal(0))
            if amount > 0:
                out.append((loan.key, amount))
        return out


def view(analysis: Analysis, state: RemindersState, *, rehearsed: frozenset[str] = frozenset()) -> PlanView:
    """Derive what the reminder rules read from the one plan.

    Args:
        analysis: `plan_for(...)`: the plan with the agreements and payments in it.
        state: The same reminders state.
        rehearsed: Lenders the user has rehearsed (`rehearsed_platforms`).

    Returns:
        The view.
    """
    keys = [loan.key for loan in analysis.loans]
    agreed = {key: found for key in keys if (found := state.current_agreement(key)) is not None}
    first = analysis.projection[0].payments if analysis.projection else {}
    calls = [key for key in analysis.priority if key not in agreed and analysis.loan(key).balance > 0]
    return PlanView(
        keys=keys,
        priority=list(analysis.priority),
        balances={loan.key: loan.balance for loan in analysis.loans},
        monthly={loan.key: first.get(loan.key, Decimal(0)) for loan in analysis.loans
                 if loan.role == "contract" and first.get(loan.key, Decimal(0)) > 0},
        agreed=agreed,
        months_to_go=analysis.months_to_clear,
        analysis=analysis,
        calls=calls,
        held=list(analysis.held),
        steady={key: analysis.loan(key).ask_monthly for key in calls},
        set_aside=sum((first.get(key, Decimal(0)) for key in calls), Decimal(0)),
        buffer=analysis.projection[0].saved if analysis.projection else analysis.buffer,
        guaranteed=frozenset(loan.key for loan in analysis.loans if loan.guaranteed),
        rehearsed=rehearsed,
    )


def replan(profile: Profile, state: RemindersState, *, today: date, strategy: Strategy = "avalanche",
           rehearsed: frozenset[str] = frozenset()) -> PlanView:
    """Compute the one plan and its reminders view (`view(plan_for(...), state)`).

    Args:
        profile: The user's profile as told.
        state: Payments and agreements.
        today: The user's local date.
        strategy: The plan's order for freed money.
        rehearsed: Lenders the user has rehearsed.

    Returns:
        The view the reminder rules and `/progress` read.
    """
    return view(plan_for(profile, state, today=today, strategy=strategy), state, rehearsed=rehearsed)


@dataclass(frozen=True)
class Progress:
    """What `/progress` shows."""

    paid: Decimal
    left: Decimal
    months_to_go: int | None
    percent: int
    bar: str
    new_milestones: list[str] = field(default_factory=list)


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
