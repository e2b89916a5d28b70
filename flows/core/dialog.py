"""What every dialogue offers the engine, what it answers with, and the per-turn context it receives.

A dialogue answers each input with a `Step`: `Stay` (replies, the person stays), `Go` (open another
dialogue with typed arguments, on top of this one or in its place) or `Finish` (close this dialogue
with a result for the one below). The engine keeps the stack; dialogues never enter each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from flows.core.clock import Clock
from flows.core.models import Choice, Input, Reply
from flows.core.session import Session
from flows.core.texts import label

if TYPE_CHECKING:
    from flows.analysis import Analysis

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
Base = Literal["", "new", "known"]


@dataclass(frozen=True)
class Stay:
    """The person stays in this dialogue."""

    replies: list[Reply] = field(default_factory=list)


@dataclass(frozen=True)
class Go:
    """Open another dialogue: on top of this one (`replace=False`) or in its place.

    Attributes:
        dialog: The name of the dialogue to open.
        args: Its typed arguments (the target's `Args` model), or None.
        replies: What to say before the other dialogue speaks.
        replace: True to close this dialogue first (its part is kept for a later visit).
    """

    dialog: str
    args: BaseModel | None = None
    replies: list[Reply] = field(default_factory=list)
    replace: bool = False


@dataclass(frozen=True)
class Finish:
    """Close this dialogue; the one below resumes with the result."""

    result: BaseModel | None = None
    replies: list[Reply] = field(default_factory=list)


Step = Stay | Go | Finish


class Turn:
    """What a dialogue may know about the world during one turn, and the session it works on.

    The plan is computed once per turn, on first use, from the profile, the chosen order and the
    agreements logged on real calls; a dialogue that changes any of those calls `replan()`.
    """

    def __init__(self, session: Session, clock: Clock, *, features: frozenset[str] = frozenset(),
                 draw_chart: Callable[[Analysis], bytes] | None = None,
                 plan_for: Callable[[Session, date], Analysis] | None = None) -> None:
        """Start a turn for one session.

        Args:
            session: The person's session, loaded for this turn.
            clock: The time source.
            features: The commands this engine answers (menus offer only these).
            draw_chart: Draws the plan's chart (after the turn commits).
            plan_for: Computes the plan of a session on a day (the engine hands in the one function).
        """
        self.session = session
        self.clock = clock
        self.features = features
        self._draw_chart = draw_chart
        self._plan_for = plan_for

    @cached_property
    def now(self) -> datetime:
        """Return the current time in the user's default time zone (fixed for the turn)."""
        return self.clock.now().astimezone(LOCAL_TZ)

    @property
    def today(self) -> date:
        """Return today's local date."""
        return self.now.date()

    @cached_property
    def plan(self) -> Analysis:
        """Return this turn's plan (the profile must exist); every view reads this one object."""
        if self._plan_for is None:
            raise RuntimeError("this engine computes no plan")
        return self._plan_for(self.session, self.today)

    def replan(self) -> None:
        """Forget the plan computed so far this turn (the profile or an agreement changed)."""
        self.__dict__.pop("plan", None)

    def draw_chart(self, analysis: Analysis) -> bytes:
        """Draw the plan's chart with the engine's drawer."""
        if self._draw_chart is None:
            from flows.analysis import chart_png

            return chart_png(analysis)
        return self._draw_chart(analysis)


@dataclass(frozen=True)
class Command:
    """One slash command a dialogue answers: a row of the engine's command table.

    Attributes:
        dialog: The dialogue that answers it.
        args: Builds the dialogue's arguments from the text typed after the command.
        needs_profile: True when the command needs a finished intake.
        in_place: True for commands that act on the dialogue the person is in (`/hint`) and open nothing.
    """

    dialog: str
    args: Callable[[str], BaseModel | None] = lambda _text: None
    needs_profile: bool = False
    in_place: bool = False


class Dialog(Protocol):
    """A dialogue the engine can route turns to."""

    name: ClassVar[str]
    base: ClassVar[Base]
    """Where a person lives: "new" (no profile yet: the intake), "known" (home); "" for dialogues opened on top."""
    commands: ClassVar[Mapping[str, Command]]
    """The slash commands this dialogue answers, wherever the person is."""
    choice_prefixes: ClassVar[tuple[str, ...]]
    """Buttons that reach this dialogue from any other (a sent reminder's "paid") without moving the person."""

    def enter(self, turn: Turn, args: Any) -> Step:
        """Open this dialogue with its arguments (or None) and say its first words."""
        ...

    def handle(self, turn: Turn, inp: Input) -> Step:
        """Answer one input while this dialogue is on top."""
        ...

    def reprompt(self, turn: Turn) -> list[Reply]:
        """Ask the current question again, changing nothing."""
        ...

    def resume(self, turn: Turn, result: Any) -> Step:
        """Carry on after the dialogue opened on top of this one finished (result may be None)."""
        ...

    def back(self, turn: Turn) -> Step:
        """Go one step back (`/back`); Finish when there is no step left to go back to."""
        ...

    def interrupted(self, turn: Turn) -> None:
        """Note that the person left this dialogue without it asking (a crisis message, another command)."""
        ...

    def notices(self, turn: Turn) -> list[Reply]:
        """Return what the dialogue holds for a person whose transport cannot push (a missed reminder)."""
        ...

    def command(self, turn: Turn, name: str, args: Any) -> Step:
        """Answer one of this dialogue's `in_place` commands while it is on top."""
        ...


class DialogBase:
    """Defaults for the optional parts of the protocol."""

    base: ClassVar[Base] = ""
    commands: ClassVar[Mapping[str, Command]] = {}
    choice_prefixes: ClassVar[tuple[str, ...]] = ()

    def resume(self, turn: Turn, result: Any) -> Step:
        """Ask the current question again."""
        return Stay(self.reprompt(turn))

    def back(self, turn: Turn) -> Step:
        """Leave this dialogue."""
        return Finish()

    def interrupted(self, turn: Turn) -> None:
        """Nothing to do by default: the part already holds where the person was."""

    def notices(self, turn: Turn) -> list[Reply]:
        """Nothing held by default."""
        return []

    def command(self, turn: Turn, name: str, args: Any) -> Step:
        """Ask the current question again (an in-place command this dialogue does not know)."""
        return Stay(self.reprompt(turn))

    def reprompt(self, turn: Turn) -> list[Reply]:
        """Nothing to ask by default."""
        return []


def choices(*ids: str) -> list[Choice]:
    """Build buttons from choice ids, each labelled from the buttons lexicon."""
    return [Choice(id=choice_id, label=label(choice_id)) for choice_id in ids]


def text_reply(template: str, /, **context: Any) -> Reply:
    """Render one template as a reply without buttons."""
    from flows.core.texts import render

    return Reply(text=render(template, **context))
