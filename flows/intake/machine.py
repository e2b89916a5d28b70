"""The intake as a state machine: its states, one transitions table, and the one Machine all users share.

Within a state, the question asked comes from the slot tables (`flows.intake.slots`), so adding a
question never touches this table. Per transitions' FAQ, the Machine is built once with `model=None`
and events are fired on a per-turn wrapper around the person's intake part: nobody gets a Machine
of their own. `machine.md` beside this file is drawn from the table by transitions' GraphMachine.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field
from transitions import Machine

from flows.core.forms import FormState
from flows.core.session import Part


class IntakeState(StrEnum):
    """Where a person is in the intake."""

    welcome = "welcome"
    """Asking for consent."""
    profile = "profile"
    """Asking about the money in and out."""
    loan = "loan"
    """Asking about one loan."""
    review = "review"
    """Showing one loan back, and asking whether there are more."""
    summary = "summary"
    """Everything at once, to correct any item (`/profile`)."""
    details = "details"
    """The few facts a call script needs, asked when the first script is wanted."""
    done = "done"


S = IntakeState


class IntakePart(Part):
    """The intake's part of the session."""

    key: ClassVar[str] = "intake"
    state: IntakeState = S.welcome
    person: FormState = Field(default_factory=FormState)
    loans: list[FormState] = Field(default_factory=list)
    current: int = 0
    """The loan being asked about or shown."""
    editing: bool = False
    """The answer being asked edits one item; afterwards the review (or the summary) is shown again."""
    from_summary: bool = False
    """The loan being reviewed was opened from the summary (its review returns there)."""
    for_loan: int | None = None
    """In the details state: the loan whose call script is waiting for the details."""


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "agree", "source": S.welcome, "dest": S.profile},
    {"trigger": "profile_done", "source": S.profile, "dest": S.loan, "before": "open_loan"},
    {"trigger": "loan_done", "source": S.loan, "dest": S.review},
    {"trigger": "add_loan", "source": [S.review, S.summary], "dest": S.loan, "before": "open_loan"},
    {"trigger": "edit", "source": [S.review, S.summary], "dest": S.loan},
    {"trigger": "edit_person", "source": S.summary, "dest": S.profile},
    {"trigger": "review", "source": [S.summary, S.loan, S.profile], "dest": S.review},
    {"trigger": "summarise", "source": [S.welcome, S.review, S.profile, S.loan, S.done, S.details, S.summary],
     "dest": S.summary},
    {"trigger": "finish", "source": [S.review, S.summary, S.details], "dest": S.done},
    {"trigger": "ask_details", "source": [S.welcome, S.done, S.summary, S.review, S.details], "dest": S.details},
    {"trigger": "back", "source": S.profile, "dest": S.welcome},
    {"trigger": "back", "source": S.loan, "dest": S.review, "conditions": "has_previous_loan",
     "before": "drop_current_loan"},
    {"trigger": "back", "source": S.loan, "dest": S.profile, "before": "drop_current_loan"},
    {"trigger": "back", "source": S.review, "dest": S.loan},
    {"trigger": "restart", "source": "*", "dest": S.welcome, "before": "clear"},
]


class IntakeModel:
    """The per-turn face an intake part shows the shared machine: state plus the callbacks it names."""

    def __init__(self, part: IntakePart) -> None:
        self.part = part

    @property
    def state(self) -> IntakeState:
        """Return the intake state."""
        return self.part.state

    @state.setter
    def state(self, value: IntakeState | str) -> None:
        self.part.state = IntakeState(value)

    def open_loan(self) -> None:
        """Start a new loan and point at it."""
        self.part.loans.append(FormState())
        self.part.current = len(self.part.loans) - 1
        self.part.editing = False

    def has_previous_loan(self) -> bool:
        """Tell whether the loan being entered is not the first."""
        return self.part.current > 0

    def drop_current_loan(self) -> None:
        """Discard the loan being entered (going back from its first question) and point at the one before."""
        loan = self.part.loans[self.part.current] if self.part.current < len(self.part.loans) else None
        if loan is not None and not loan.values:
            del self.part.loans[self.part.current]
        self.part.current = max(min(self.part.current, len(self.part.loans)) - 1, 0)

    def clear(self) -> None:
        """Forget every answer."""
        self.part.person, self.part.loans, self.part.current = FormState(), [], 0
        self.part.editing = self.part.from_summary = False


MACHINE = Machine(model=None, states=IntakeState, transitions=TRANSITIONS, initial=S.welcome,
                  auto_transitions=False, ignore_invalid_triggers=False)


def fire(part: IntakePart, trigger: str) -> bool:
    """Fire one trigger of the shared machine on a person's intake part.

    Returns:
        True when a transition happened; False when its conditions did not hold.

    Raises:
        transitions.core.MachineError: when the trigger is not valid in the current state.
    """
    return bool(MACHINE.events[trigger].trigger(IntakeModel(part)))
