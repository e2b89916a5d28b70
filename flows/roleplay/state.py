"""What one rehearsal call keeps between turns, stored as JSON in `session.extras`.

`session.extras["roleplay"]` holds the call under way (`RoleplayState.model_dump(mode="json")`);
`session.extras["roleplay_history"]` holds the last `MAX_HISTORY` finished attempts (`Attempt`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from flows.core.models import Session

Persona = Literal["polite", "pushy", "hostile"]
PERSONAS: tuple[Persona, ...] = get_args(Persona)
Threat = Literal["sue", "visit", "contacts"]
THREATS: tuple[Threat, ...] = get_args(Threat)

STATE_KEY = "roleplay"
HISTORY_KEY = "roleplay_history"
MAX_HISTORY = 20
MAX_QUOTE_CHARS = 80


class Stage(StrEnum):
    """Where the call is; every persona uses a subset (only the hostile one has `threat`)."""

    opening = "opening"
    reason = "reason"
    threat = "threat"
    proposal = "proposal"
    objection = "objection"
    closing = "closing"
    ended = "ended"


class Mark(StrEnum):
    """Something the user did at least once during the call (good or bad)."""

    hardship = "hardship"
    temporary = "temporary"
    will = "will"
    amount = "amount"
    concrete = "concrete"
    over = "over"
    admits_false = "admits_false"
    borrow_elsewhere = "borrow_elsewhere"
    written = "written"
    name_time = "name_time"
    rights = "rights"
    panic = "panic"
    calm = "calm"
    extension = "extension"


class RoleplayState(BaseModel):
    """One call under way: the loan's figures as they were at the start, and what happened so far."""

    model_config = ConfigDict(extra="ignore")

    platform: str
    persona: Persona
    seed: int
    attempt: int = 1
    stage: Stage = Stage.opening
    turns: int = 0
    pushes: int = 0
    """Pushes in the current stage; reset when the stage changes."""
    total_pushes: int = 0
    plan_monthly: Decimal
    """The plan's monthly amount for this platform: the most the user should promise."""
    outstanding: Decimal
    overdue_days: int = 0
    name: str = ""
    asked_amount: Decimal | None = None
    """What the persona last demanded; a bare "OK" promises this."""
    promised: Decimal | None = None
    """The largest amount the user promised (monthly, first payment or lump sum)."""
    agreed: bool = False
    threats: list[Threat] = Field(default_factory=list)
    marks: list[Mark] = Field(default_factory=list)
    quotes: dict[str, str] = Field(default_factory=dict)
    """The user's own sentence per mark or stage ("stage:<name>"), first occurrence kept."""
    used_lines: dict[str, list[int]] = Field(default_factory=dict)

    def has(self, mark: Mark) -> bool:
        """Tell whether the user did this at least once."""
        return mark in self.marks

    def add(self, mark: Mark, text: str) -> None:
        """Record a mark and the sentence that earned it (the first one is kept)."""
        if mark not in self.marks:
            self.marks.append(mark)
        self.quotes.setdefault(mark.value, quote(text))

    def note_stage_reply(self, text: str) -> None:
        """Keep the user's first reply in the current stage, for the score card."""
        if text.strip():
            self.quotes.setdefault(f"stage:{self.stage.value}", quote(text))


class Attempt(BaseModel):
    """One finished call, kept for progress across attempts."""

    persona: Persona
    platform: str
    score: int
    over: bool = False
    day: date | None = None


def quote(text: str) -> str:
    """Tidy a user's sentence for the score card: one line, at most `MAX_QUOTE_CHARS` characters."""
    line = " ".join(text.split())
    return line if len(line) <= MAX_QUOTE_CHARS else line[: MAX_QUOTE_CHARS - 1] + "\u2026"


def load_state(session: Session) -> RoleplayState | None:
    """Return the call under way, or None (also when the stored data no longer validates)."""
    raw = session.extras.get(STATE_KEY)
    if not isinstance(raw, dict):
        return None
    try:
        return RoleplayState.model_validate(raw)
    except ValueError:
        return None


def save_state(session: Session, state: RoleplayState | None) -> None:
    """Store the call under way, or drop it when `state` is None."""
    if state is None:
        session.extras.pop(STATE_KEY, None)
    else:
        session.extras[STATE_KEY] = state.model_dump(mode="json")


def history(session: Session) -> list[Attempt]:
    """Return the finished attempts, oldest first (entries that no longer validate are skipped)."""
    raw: Any = session.extras.get(HISTORY_KEY)
    attempts: list[Attempt] = []
    for entry in raw if isinstance(raw, list) else []:
        try:
            attempts.append(Attempt.model_validate(entry))
        except ValueError:
            continue
    return attempts


def add_attempt(session: Session, attempt: Attempt) -> list[Attempt]:
    """Append a finished attempt, keeping only the last `MAX_HISTORY`; returns the new history."""
    attempts = [*history(session), attempt][-MAX_HISTORY:]
    session.extras[HISTORY_KEY] = [item.model_dump(mode="json") for item in attempts]
    return attempts
