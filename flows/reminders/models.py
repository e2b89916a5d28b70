"""What the reminders keep in a user's Session: settings, agreements from real calls, payments.

Everything lives in the reminders dialogue's part of the session (`RemindersPart`), so it is encrypted
with the session and erased with it; the reminder rows in the database only say *when* to look again.
"""

from __future__ import annotations

import calendar
import secrets
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from flows.core.forms import FormState
from flows.core.models import Yuan
from flows.core.session import Part, Session

DEFAULT_TZ = "Asia/Shanghai"

AgreementKind = Literal["instalments", "extension", "waiver"]


def valid_zone(name: str) -> bool:
    """Tell whether `name` is an IANA time zone this machine knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def add_months(day: date, months: int) -> date:
    """Move a date forward by whole months, keeping the day or the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class ReminderSettings(BaseModel):
    """When the user wants to hear from the coach."""

    model_config = ConfigDict(extra="ignore")

    enabled: bool = True
    nudge_time: time = time(9, 0)
    quiet_start: time = time(22, 0)
    quiet_end: time = time(8, 0)
    tz: str = DEFAULT_TZ
    payday: int | None = Field(default=None, ge=1, le=31)

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not valid_zone(value):
            raise ValueError("unknown time zone")
        return value

    @property
    def zone(self) -> ZoneInfo:
        """Return the user's time zone."""
        return ZoneInfo(self.tz)


class Instalment(BaseModel):
    """One payment an agreement asks for."""

    model_config = ConfigDict(frozen=True)

    index: int
    due: date
    amount: Decimal


class Agreement(BaseModel):
    """What was agreed on one real call with one platform."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(default_factory=lambda: secrets.token_hex(3), min_length=1, max_length=8)
    loan: str = Field(min_length=1, max_length=80)
    """The loan's key in the analysis (the platform name, "#2" for a repeated one)."""
    kind: AgreementKind
    agent: str = Field(default="", max_length=40)
    count: int | None = Field(default=None, ge=1, le=120)
    amount: Yuan | None = None
    """Per instalment; for a waiver, the amount to pay in full settlement."""
    first_date: date | None = None
    """The first instalment, the extended due date, or the settlement date."""
    written: bool = False
    made_on: date
    owed: Yuan = Decimal(0)
    """What the loan owed when the agreement was made (an extension asks for all of it)."""

    def instalments(self) -> list[Instalment]:
        """Return the payments this agreement asks for, in date order."""
        if self.first_date is None:
            return []
        if self.kind == "instalments":
            amount = self.amount or Decimal(0)
            count = self.count or 1
            # Whole-yuan instalments rarely divide the balance: the last one is what is left of it.
            last = self.owed - amount * (count - 1)
            return [Instalment(index=i, due=add_months(self.first_date, i),
                               amount=last if i == count - 1 and 0 < last < amount else amount)
                    for i in range(count)]
        amount = self.owed if self.kind == "extension" or self.amount is None else self.amount
        return [Instalment(index=0, due=self.first_date, amount=amount)]

    @property
    def total(self) -> Decimal:
        """Return what the agreement asks for in all."""
        return sum((item.amount for item in self.instalments()), Decimal(0))


class FailedCall(BaseModel):
    """A real call where nothing was agreed (refused, hung up, "all or nothing"): kept, never planned on."""

    model_config = ConfigDict(extra="ignore")

    loan: str = Field(min_length=1, max_length=80)
    """The loan's key in the analysis, as for an agreement."""
    agent: str = Field(default="", max_length=40)
    made_on: date


class Payment(BaseModel):
    """A payment the user marked as made."""

    model_config = ConfigDict(extra="ignore")

    loan: str
    amount: Yuan
    on: date
    agreement: str | None = None
    index: int | None = None
    month: str | None = None
    """For a payday payment of the plan (no agreement): the month it was for, "YYYY-MM"."""


class Snooze(BaseModel):
    """A request to hear about a day again later that day."""

    model_config = ConfigDict(frozen=True)

    day: date
    at: datetime


class LoanPause(BaseModel):
    """The user asked not to be nudged about one lender for a while ("skip this lender for now")."""

    model_config = ConfigDict(frozen=True)

    loan: str
    until: date
    """The first day the lender is nudged again."""


PAUSE_DAYS = 7
"""How long "skip this lender for now" lasts."""

MAX_FAILED_CALLS = 30
"""Failed calls kept (the most recent): enough to count the tries per lender, never a growing session."""


class RemindersState(BaseModel):
    """Everything reminders keep about one user."""

    model_config = ConfigDict(extra="ignore")

    settings: ReminderSettings | None = None
    """None until `/remind` is set up."""
    agreements: list[Agreement] = Field(default_factory=list)
    failed_calls: list[FailedCall] = Field(default_factory=list)
    """Calls that ended with nothing agreed; the plan and the reminders read `agreements` only."""
    payments: list[Payment] = Field(default_factory=list)
    skipped: list[date] = Field(default_factory=list)
    snoozes: list[Snooze] = Field(default_factory=list)
    celebrated: list[str] = Field(default_factory=list)
    started: date | None = None
    """The day the plan's daily steps began (the walk through the contact order starts here)."""
    paused: list[LoanPause] = Field(default_factory=list)
    held_until: datetime | None = None
    """For a transport that cannot push (the console): when missed reminders were last shown."""

    def begin(self, day: date) -> None:
        """Start the daily steps on `day`, unless they already started."""
        if self.started is None:
            self.started = day

    def pause(self, loan: str, day: date, days: int = PAUSE_DAYS) -> None:
        """Stop nudging about one lender until `days` after `day` (replacing an earlier pause)."""
        self.paused = [p for p in self.paused if p.loan != loan]
        self.paused.append(LoanPause(loan=loan, until=day + timedelta(days=days)))

    def is_paused(self, loan: str, day: date) -> bool:
        """Tell whether nudges about a lender are paused on `day`."""
        return any(p.loan == loan and day < p.until for p in self.paused)

    @property
    def active(self) -> bool:
        """Tell whether reminders are set up and on."""
        return self.settings is not None and self.settings.enabled

    def agreement(self, agreement_id: str) -> Agreement | None:
        """Return the agreement with this id, if any."""
        return next((item for item in self.agreements if item.id == agreement_id), None)

    def current_agreement(self, loan: str) -> Agreement | None:
        """Return the latest agreement for a loan (a newer call replaces an older deal)."""
        found = [item for item in self.agreements if item.loan == loan]
        return found[-1] if found else None

    def is_paid(self, agreement_id: str, index: int) -> bool:
        """Tell whether an instalment was marked paid."""
        return any(p.agreement == agreement_id and p.index == index for p in self.payments)

    def paid_for_month(self, month: str) -> bool:
        """Tell whether the plan's payday payments for a month were marked paid."""
        return any(p.month == month for p in self.payments)

    def forget_before(self, day: date) -> None:
        """Drop skipped days and snoozes older than `day`."""
        self.skipped = [d for d in self.skipped if d >= day]
        self.snoozes = [s for s in self.snoozes if s.day >= day]


class RemindStage(StrEnum):
    """Where the person is in the reminders dialogue."""

    idle = "idle"
    setup = "setup"
    summary = "summary"
    call = "call"


class RemindersPart(Part):
    """The reminders dialogue's part: its state, the two forms, and everything reminders keep."""

    key: ClassVar[str] = "reminders"
    state: RemindStage = RemindStage.idle
    data: RemindersState = Field(default_factory=RemindersState)
    setup: FormState = Field(default_factory=FormState)
    call: FormState = Field(default_factory=FormState)
    editing: bool = False
    checking: bool = False
    """The call form is complete and its agreement was questioned: waiting for save, change or drop."""


def load_state(session: Session) -> RemindersState:
    """Read the reminders state from a session (an empty one when none is stored)."""
    return session.part(RemindersPart).data


def save_state(session: Session, state: RemindersState) -> None:
    """Write the reminders state into a session."""
    session.part(RemindersPart).data = state
