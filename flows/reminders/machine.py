"""The reminders dialogue as data: its states, one transitions table, one Machine shared by all users.

As in `flows/intake/machine.py`, the Machine is built once with `model=None` and triggers
are fired on a light per-turn wrapper around the Session; no user ever gets a Machine of their own.
"""

from __future__ import annotations

import itertools
from enum import StrEnum
from typing import Any

from transitions import Machine

from flows.core.models import Session


class RemindState(StrEnum):
    """Every state of the reminders dialogue."""

    idle = "idle"
    ask_time = "ask_time"
    ask_quiet = "ask_quiet"
    ask_tz = "ask_tz"
    ask_payday = "ask_payday"
    summary = "summary"
    call_platform = "call_platform"
    call_agent = "call_agent"
    call_kind = "call_kind"
    call_count = "call_count"
    call_amount = "call_amount"
    call_first_date = "call_first_date"
    call_until = "call_until"
    call_settle_amount = "call_settle_amount"
    call_settle_date = "call_settle_date"
    call_written = "call_written"


S = RemindState
SETUP = [S.ask_time, S.ask_quiet, S.ask_tz, S.ask_payday]
CALL = [S.call_platform, S.call_agent, S.call_kind, S.call_count, S.call_amount, S.call_first_date,
        S.call_until, S.call_settle_amount, S.call_settle_date, S.call_written]


def _linear(trigger: str, order: list[RemindState]) -> list[dict[str, Any]]:
    return [{"trigger": trigger, "source": a, "dest": b} for a, b in itertools.pairwise(order)]


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "next", "source": SETUP, "dest": S.summary, "conditions": "editing", "after": "end_edit"},
    {"trigger": "setup", "source": "*", "dest": S.ask_time, "before": "end_edit"},
    *_linear("next", [*SETUP, S.summary]),
    *[{"trigger": f"edit_{state.value.removeprefix('ask_')}", "source": S.summary, "dest": state,
       "before": "begin_edit"} for state in SETUP],
    {"trigger": "show", "source": "*", "dest": S.summary, "before": "end_edit"},
    {"trigger": "log_call", "source": "*", "dest": S.call_platform},
    *_linear("next", [S.call_platform, S.call_agent, S.call_kind]),
    {"trigger": "instalments", "source": S.call_kind, "dest": S.call_count},
    *_linear("next", [S.call_count, S.call_amount, S.call_first_date, S.call_written]),
    {"trigger": "extension", "source": S.call_kind, "dest": S.call_until},
    {"trigger": "next", "source": S.call_until, "dest": S.call_written},
    {"trigger": "waiver", "source": S.call_kind, "dest": S.call_settle_amount},
    *_linear("next", [S.call_settle_amount, S.call_settle_date, S.call_written]),
    {"trigger": "leave", "source": "*", "dest": S.idle, "before": "end_edit"},
]


class RemindModel:
    """The per-turn face a Session shows the shared machine."""

    EDITING_KEY = "rm_editing"

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def state(self) -> RemindState:
        """Return the session's reminders state (idle when another dialogue holds the session)."""
        try:
            return RemindState(self.session.state)
        except ValueError:
            return RemindState.idle

    @state.setter
    def state(self, value: RemindState | str) -> None:
        self.session.state = RemindState(value).value

    def editing(self) -> bool:
        """Tell whether this answer edits one setting from the summary."""
        return bool(self.session.pending.get(self.EDITING_KEY))

    def begin_edit(self) -> None:
        """Mark the next answer as an edit from the summary."""
        self.session.pending[self.EDITING_KEY] = True

    def end_edit(self) -> None:
        """Forget that an edit was under way."""
        self.session.pending.pop(self.EDITING_KEY, None)


MACHINE = Machine(
    model=None,
    states=RemindState,
    transitions=TRANSITIONS,
    initial=RemindState.idle,
    auto_transitions=False,
    ignore_invalid_triggers=False,
)


def fire(session: Session, trigger: str) -> bool:
    """Fire one trigger of the shared machine on a user's session.

    Returns:
        Whether a transition happened.

    Raises:
        transitions.core.MachineError: The trigger is not valid in the session's state.
    """
    model = RemindModel(session)
    result: bool = MACHINE.events[trigger].trigger(model)
    return result
