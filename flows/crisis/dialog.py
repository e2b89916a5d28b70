"""The crisis dialogue: opened on top of anything by the guard; closed only when the person says so.

While it is open the coach stays with the person, not the debt: nothing typed here is stored as an
answer, and every further message gets a reply that keeps the helplines in reach. "I'm safe" (the
button, or words saying they are fine) closes it, and the dialogue below resumes exactly where it was.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from flows.core.dialog import DialogBase, Finish, Stay, Step, Turn, choices
from flows.core.models import Input, Reply
from flows.core.session import Part
from flows.crisis.replies import CHOICES, SAFE, TALK, crisis_text, resumed_text, stay_text, talk_text, wants_to_resume

WATCH_TURNS = 10
"""After a crisis reply, the next this-many messages are read with more care (a weaker signal is enough)."""


class CrisisState(StrEnum):
    """Where the person is in the crisis dialogue."""

    closed = "closed"
    listening = "listening"
    talking = "talking"


class CrisisPart(Part):
    """The crisis dialogue's part: its state, and the memory that outlives it."""

    key: ClassVar[str] = "crisis"
    state: CrisisState = CrisisState.closed
    watch: int = 0
    """Messages left in the memory window after the last crisis reply."""
    owe_line: bool = False
    """The person said they are fine: the next reply still carries the 12356 line once."""


class CrisisDialog(DialogBase):
    """Hold the conversation on the person until they choose to go on."""

    name: ClassVar[str] = "crisis"

    def enter(self, turn: Turn, args: Any) -> Step:
        """Answer a message of despair: warm, short, asks whether they are safe, the helplines, two ways on."""
        part = turn.session.part(CrisisPart)
        first = part.state is CrisisState.closed
        part.state, part.watch, part.owe_line = CrisisState.listening, WATCH_TURNS, False
        text = crisis_text() if first else stay_text(danger=True)
        return Stay([Reply(text=text, choices=choices(*CHOICES))])

    def handle(self, turn: Turn, inp: Input) -> Step:
        """Stay with the person; close only on their wish to go on."""
        part = turn.session.part(CrisisPart)
        if inp.choice == SAFE or (inp.kind == "text" and wants_to_resume(inp.text)):
            part.state, part.owe_line = CrisisState.closed, True
            return Finish(replies=[Reply(text=resumed_text())])
        if inp.choice == TALK:
            part.state = CrisisState.talking
            return Stay([Reply(text=talk_text(), choices=choices(SAFE))])
        return Stay(self.reprompt(turn))

    def reprompt(self, turn: Turn) -> list[Reply]:
        """Stay with the person, helplines in reach."""
        return [Reply(text=stay_text(), choices=choices(*CHOICES))]

    def back(self, turn: Turn) -> Step:
        """Going back does not leave the crisis dialogue: only the person's wish to go on does."""
        return Stay(self.reprompt(turn))

    def interrupted(self, turn: Turn) -> None:
        """The person chose another command: the dialogue closes, but the helpline line still follows once."""
        part = turn.session.part(CrisisPart)
        part.state, part.owe_line = CrisisState.closed, True


CRISIS = CrisisDialog()
