"""The reminders dialogue as data: its states, one transitions table, one Machine shared by all users.

Which question is asked inside a state comes from the slot tables (`flows.reminders.forms`). As in
`flows/intake/machine.py`, the Machine is built once with `model=None` and triggers are fired on a
per-turn wrapper around the person's reminders part.
"""

from __future__ import annotations

from typing import Any

from transitions import Machine

from flows.reminders.models import RemindersPart, RemindStage

S = RemindStage

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "setup", "source": [S.idle, S.summary, S.call, S.setup], "dest": S.setup},
    {"trigger": "edit", "source": S.summary, "dest": S.setup, "before": "begin_edit"},
    {"trigger": "show", "source": [S.idle, S.setup, S.summary, S.call], "dest": S.summary, "before": "end_edit"},
    {"trigger": "log_call", "source": [S.idle, S.setup, S.summary, S.call], "dest": S.call},
    {"trigger": "leave", "source": [S.idle, S.setup, S.summary, S.call], "dest": S.idle, "before": "end_edit"},
]


class RemindModel:
    """The per-turn face a reminders part shows the shared machine."""

    def __init__(self, part: RemindersPart) -> None:
        self.part = part

    @property
    def state(self) -> RemindStage:
        """Return the reminders state."""
        return self.part.state

    @state.setter
    def state(self, value: RemindStage | str) -> None:
        self.part.state = RemindStage(value)

    def begin_edit(self) -> None:
        """Mark the next answer as an edit from the summary."""
        self.part.editing = True

    def end_edit(self) -> None:
        """Forget that an edit was under way."""
        self.part.editing = False


MACHINE = Machine(model=None, states=RemindStage, transitions=TRANSITIONS, initial=S.idle,
                  auto_transitions=False, ignore_invalid_triggers=False)


def fire(part: RemindersPart, trigger: str) -> bool:
    """Fire one trigger of the shared machine on a person's reminders part.

    Returns:
        Whether a transition happened.

    Raises:
        transitions.core.MachineError: The trigger is not valid in the part's state.
    """
    result: bool = MACHINE.events[trigger].trigger(RemindModel(part))
    return result
