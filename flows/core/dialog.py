"""What every dialogue offers the engine, and the per-turn context it receives."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from flows.analysis import Analysis, chart_png
from flows.core.clock import Clock
from flows.core.models import Choice, Input, Reply, Session
from flows.core.texts import label

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Context:
    """What a dialogue may know about the world during one turn."""

    clock: Clock
    features: frozenset[str] = frozenset()
    draw_chart: Callable[[Analysis], bytes] = chart_png
    """Draws the plan's chart; the bot hands in one that draws in a child process (`bot/charts.py`)."""

    @property
    def now(self) -> datetime:
        """Return the current time in the user's default time zone."""
        return self.clock.now().astimezone(LOCAL_TZ)

    @property
    def today(self) -> date:
        """Return today's local date."""
        return self.now.date()


class Dialog(Protocol):
    """A dialogue the engine can route turns to.

    `commands` maps a slash command (without the slash) to what it means for this dialogue;
    the engine hands those commands to `on_command` whatever dialogue the user is in.
    """

    name: str
    commands: Mapping[str, str]

    def enter(self, ctx: Context, session: Session, arg: str = "") -> list[Reply]:
        """Move the session into this dialogue and return its first replies."""
        ...

    def handle(self, ctx: Context, session: Session, inp: Input) -> list[Reply]:
        """Answer one input while the session is in this dialogue."""
        ...

    def reprompt(self, ctx: Context, session: Session) -> list[Reply]:
        """Ask the current question again (after an interruption or a stale button)."""
        ...


def choices(*ids: str) -> list[Choice]:
    """Build buttons from choice ids, each labelled from the buttons lexicon."""
    return [Choice(id=choice_id, label=label(choice_id)) for choice_id in ids]
