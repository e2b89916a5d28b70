"""What one rehearsal call keeps between turns (`RoleplayState`), and the finished attempts (`Attempt`).

Both live in the role-play dialogue's part of the session (`flows.roleplay.dialog.RoleplayPart`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from flows.core.session import Part, Session
from flows.roleplay.figures import CallFigures

Persona = Literal["polite", "pushy", "hostile"]
PERSONAS: tuple[Persona, ...] = get_args(Persona)
Threat = Literal["sue", "visit", "contacts"]
THREATS: tuple[Threat, ...] = get_args(Threat)
AskKind = Literal["full", "first", "monthly", "extension"]

MAX_HISTORY = 20
MAX_QUOTE_CHARS = 80
MAX_LINES = 40


class Stage(StrEnum):
    """Where the call is; every persona uses a subset (only the hostile one has `threat`)."""

    opening = "opening"
    reason = "reason"
    threat = "threat"
    proposal = "proposal"
    objection = "objection"
    closing = "closing"
    ended = "ended"


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)


class Mark(StrEnum):
    """Something the user did at least once during the call (good or bad)."""

    hardship = "hardship"
    temporary = "temporary"
    will = "will"
    concrete = "concrete"
    amount_only = "amount_only"
    schedule_only = "schedule_only"
    vague = "vague"
    refusal = "refusal"
    written = "written"
    agent_id = "agent_id"
    rights = "rights"
    calm = "calm"
    panic = "panic"
    next_step = "next_step"
    over_promise = "over_promise"
    pay_full = "pay_full"
    agree_any = "agree_any"
    borrow_elsewhere = "borrow_elsewhere"
    admits_false = "admits_false"


class Said(BaseModel):
    """One line of the user, as the card may quote it."""

    stage: Stage
    text: str


class Deal(BaseModel):
    """What the persona asks for and what was agreed, in the loan's real figures."""

    ask: Decimal | None = None
    """What the persona demands now (a bare "OK" promises this)."""
    ask_kind: AskKind | None = None
    user_offer: Decimal | None = None
    """The user's last concrete offer."""
    offers_refused: int = 0
    rounds: int = 0
    """Times the persona countered an offer."""
    asks_made: int = 0
    """How many of the policy's requests (date, proof, family, contacts...) it has made."""
    agreed: bool = False
    agreed_amount: Decimal | None = None
    agreed_kind: AskKind | None = None
    promised: Decimal | None = None
    """The largest amount the user promised at any point (monthly, first payment or lump sum)."""
    pending_amount: Decimal | None = None
    """An amount the user named without a date or count, kept for the date a later line gives."""
    pending_kind: AskKind | None = None
    pending_schedule: bool = False
    """A date or count the user named without an amount, kept for the amount a later line gives."""


class Agent(BaseModel):
    """Who the persona says it is, and what it already told the user."""

    name: str
    number: str
    id_asks: int = 0
    id_given: bool = False
    written_asks: int = 0
    written_promised: bool = False


class RoleplayState(BaseModel):
    """One call under way: the figures as they were at the start, and everything that happened."""

    model_config = ConfigDict(extra="ignore")

    platform: str
    persona: Persona
    seed: int
    attempt: int = 1
    start: Stage = Stage.opening
    """Where the call started: a replay starts at the weakest stage of the last card."""
    stage: Stage = Stage.opening
    turns: int = 0
    pushes: int = 0
    """Pushes in the current stage; reset when the stage changes."""
    total_pushes: int = 0
    closing_turns: int = 0
    last_line: str = ""
    """What the persona said last, shown again when the call resumes after an interruption."""
    figures: CallFigures
    name: str = ""
    agent: Agent
    deal: Deal = Field(default_factory=Deal)
    threats: list[Threat] = Field(default_factory=list)
    marks: list[Mark] = Field(default_factory=list)
    quotes: dict[str, str] = Field(default_factory=dict)
    """The user's own sentence per mark, first occurrence kept (the last line counts like any other)."""
    lines: list[Said] = Field(default_factory=list)
    used_lines: dict[str, list[int]] = Field(default_factory=dict)

    def has(self, mark: Mark) -> bool:
        """Tell whether the user did this at least once."""
        return mark in self.marks

    def add(self, mark: Mark, text: str) -> None:
        """Record a mark and the sentence that earned it (the first one is kept)."""
        if mark not in self.marks:
            self.marks.append(mark)
        self.quotes.setdefault(mark.value, quote(text))

    def keep_line(self, text: str) -> None:
        """Keep a line of the user with its stage (the first `MAX_LINES`)."""
        if text.strip() and len(self.lines) < MAX_LINES:
            self.lines.append(Said(stage=self.stage, text=quote(text)))

    def said_in(self, *stages: Stage) -> str:
        """Return the user's first line in one of these stages ("" when none)."""
        return next((line.text for line in self.lines if line.stage in stages), "")

    def after_start(self, stage: Stage) -> bool:
        """Tell whether a stage was played (it is not before the stage the call started at)."""
        return STAGE_ORDER.index(stage) >= STAGE_ORDER.index(self.start)


class Attempt(BaseModel):
    """One finished call, kept for progress across attempts."""

    persona: Persona
    platform: str
    score: int
    start: Stage = Stage.opening
    agreed: bool = False
    first_mistake: str = ""
    day: date | None = None


def quote(text: str) -> str:
    """Tidy a user's sentence for the score card: one line, at most `MAX_QUOTE_CHARS` characters."""
    line = " ".join(text.split())
    return line if len(line) <= MAX_QUOTE_CHARS else line[: MAX_QUOTE_CHARS - 1] + "\u2026"


class RoleplayStage(StrEnum):
    """Where the person is in a rehearsal."""

    platform = "platform"
    persona = "persona"
    call = "call"
    paused = "paused"
    """A call interrupted (by a crisis message): kept, waiting for the person to go on or leave it."""
    card = "card"


class RoleplayPart(Part):
    """The role-play dialogue's part: the call under way and the attempts so far."""

    key: ClassVar[str] = "roleplay"
    state: RoleplayStage = RoleplayStage.platform
    platform: str | None = None
    call: RoleplayState | None = None
    history: list[Attempt] = Field(default_factory=list)
    replay_from: Stage = Stage.opening
    """Where "try again" starts: the stage the last card found weakest."""


def history(session: Session) -> list[Attempt]:
    """Return the finished attempts of a session, oldest first."""
    return session.part(RoleplayPart).history
