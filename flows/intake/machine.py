"""The intake dialogue as data: its states, one transitions table, and the one Machine all users share.

Per transitions' FAQ, a Machine is built once with `model=None` and events are fired on a light
per-turn wrapper around the user's Session, so no user ever gets a Machine (or an `add_model`) of
their own. The diagram `machine.md` next to this file is generated from `TRANSITIONS`.
"""

from __future__ import annotations

import itertools
from enum import StrEnum
from typing import Any

from transitions import Machine

from flows.core.models import LoanDraft, Session
from flows.intake.slots import LOAN_SLOTS, PROFILE_SLOTS


class IntakeState(StrEnum):
    """Every state of the intake, in the order a first-time user meets them."""

    welcome = "welcome"
    ask_name = "ask_name"
    ask_monthly_income = "ask_monthly_income"
    ask_monthly_expenses = "ask_monthly_expenses"
    ask_hardship = "ask_hardship"
    ask_new_loans_to_repay_old = "ask_new_loans_to_repay_old"
    ask_loan_platform = "ask_loan_platform"
    ask_loan_principal = "ask_loan_principal"
    ask_loan_repaid = "ask_loan_repaid"
    ask_loan_overdue_days = "ask_loan_overdue_days"
    ask_loan_rate = "ask_loan_rate"
    ask_loan_received = "ask_loan_received"
    ask_loan_term_months = "ask_loan_term_months"
    ask_loan_installment = "ask_loan_installment"
    ask_loan_contract_date = "ask_loan_contract_date"
    ask_loan_licensed = "ask_loan_licensed"
    ask_loan_collection = "ask_loan_collection"
    ask_loan_third_party = "ask_loan_third_party"
    ask_loan_previous_overdue = "ask_loan_previous_overdue"
    ask_more_loans = "ask_more_loans"
    summary = "summary"
    done = "done"


S = IntakeState
PROFILE_ASKS = [S(slot.state) for slot in PROFILE_SLOTS]
LOAN_ASKS = [S(slot.state) for slot in LOAN_SLOTS]
ASKS = PROFILE_ASKS + LOAN_ASKS


def _linear(trigger: str, order: list[IntakeState]) -> list[dict[str, Any]]:
    return [{"trigger": trigger, "source": a, "dest": b} for a, b in itertools.pairwise(order)]


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "agree", "source": S.welcome, "dest": S.ask_name},
    *_linear("next", [*PROFILE_ASKS, S.ask_loan_platform]),
    *_linear("next", [*LOAN_ASKS, S.ask_more_loans]),
    {"trigger": "next", "source": ASKS, "dest": S.summary, "conditions": "editing"},
    {"trigger": "back", "source": ASKS, "dest": S.summary, "conditions": "editing"},
    {"trigger": "add_loan", "source": [S.ask_more_loans, S.summary], "dest": S.ask_loan_platform,
     "before": "start_new_loan"},
    {"trigger": "finish_loans", "source": S.ask_more_loans, "dest": S.summary},
    *[{"trigger": f"edit_{state.value.removeprefix('ask_')}", "source": S.summary, "dest": state,
       "before": "begin_edit"} for state in ASKS],
    {"trigger": "confirm", "source": S.summary, "dest": S.done, "conditions": "has_loans"},
    {"trigger": "reopen", "source": S.done, "dest": S.summary},
    {"trigger": "back", "source": S.ask_name, "dest": S.welcome},
    {"trigger": "back", "source": S.ask_loan_platform, "dest": S.ask_more_loans,
     "conditions": "has_previous_loan", "before": "drop_current_loan"},
    *_linear("back", list(reversed([*PROFILE_ASKS, S.ask_loan_platform]))),
    *_linear("back", list(reversed([*LOAN_ASKS, S.ask_more_loans]))),
    {"trigger": "back", "source": S.summary, "dest": S.ask_more_loans},
    {"trigger": "restart", "source": "*", "dest": S.welcome, "before": "clear_draft"},
]
# While editing, "next" and "back" return to the summary: transitions tries a trigger's
# transitions in the order they were added, so the editing rules must come first.
TRANSITIONS.sort(key=lambda t: 0 if t.get("conditions") == "editing" else 1)


class IntakeModel:
    """The per-turn face a Session shows the shared machine: state plus the callbacks it names."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def state(self) -> IntakeState:
        """Return the session's intake state."""
        return IntakeState(self.session.state)

    @state.setter
    def state(self, value: IntakeState | str) -> None:
        self.session.state = IntakeState(value).value

    def editing(self) -> bool:
        """Tell whether this answer edits one item from the summary."""
        return self.session.editing

    def has_loans(self) -> bool:
        """Tell whether at least one loan was entered."""
        return bool(self.session.draft.loans)

    def has_previous_loan(self) -> bool:
        """Tell whether the loan being entered is not the first."""
        return (self.session.loan_index or 0) > 0

    def start_new_loan(self) -> None:
        """Open a fresh loan draft and point at it."""
        self.session.draft.loans.append(LoanDraft())
        self.session.loan_index = len(self.session.draft.loans) - 1
        self.session.editing = False

    def drop_current_loan(self) -> None:
        """Discard the loan being entered and point at the one before."""
        index = self.session.loan_index or 0
        if index < len(self.session.draft.loans):
            del self.session.draft.loans[index]
        self.session.loan_index = max(index - 1, 0)

    def begin_edit(self, loan_index: int | None = None) -> None:
        """Mark the next answer as an edit from the summary."""
        self.session.editing = True
        if loan_index is not None:
            self.session.loan_index = loan_index

    def clear_draft(self) -> None:
        """Forget everything entered so far."""
        self.session.draft = type(self.session.draft)()
        self.session.loan_index = None
        self.session.editing = False
        self.session.pending.clear()


MACHINE = Machine(
    model=None,
    states=IntakeState,
    transitions=TRANSITIONS,
    initial=IntakeState.welcome,
    auto_transitions=False,
    ignore_invalid_triggers=False,
)


def fire(session: Session, trigger: str, *args: Any) -> bool:
    """Fire one trigger of the shared machine on a user's session.

    Returns:
        True when a transition happened; False when its conditions did not hold.

    Raises:
        transitions.core.MachineError: when the trigger is not valid in the current state.
    """
    return bool(MACHINE.events[trigger].trigger(IntakeModel(session), *args))
