"""Domain models: the Profile JSON contract and the engine's Input and Reply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PrivateAttr, model_validator


def _decimal_to_json_number(value: Decimal) -> int | float:
    """Serialise yuan as a JSON number: an int when whole, else a 2-place float (only at the JSON edge)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value.quantize(Decimal("0.01")))


MAX_LOANS = 20
"""Loans one profile holds: the intake stops asking at this many, an import refuses more."""
MAX_EXTRA_FIELDS = 20
"""Keys beyond the contract's that a profile or one loan may carry."""

Yuan = Annotated[
    Decimal,
    Field(ge=0, max_digits=14, decimal_places=2),
    PlainSerializer(_decimal_to_json_number, return_type=int | float, when_used="json"),
]
"""An amount of money in yuan, exact, never negative."""


class Collection(StrEnum):
    """How hard a lender is collecting, from nothing to threats."""

    none = "none"
    sms = "sms"
    calls = "calls"
    frequent = "frequent"
    threats = "threats"


COLLECTION_PRESSURE: dict[Collection, int] = {
    Collection.none: 0,
    Collection.sms: 1,
    Collection.calls: 2,
    Collection.frequent: 3,
    Collection.threats: 4,
}


class Loan(BaseModel):
    """One loan on one platform, as the user told it (Profile JSON contract)."""

    model_config = ConfigDict(extra="allow")

    platform: str = Field(min_length=1, max_length=60)
    principal: Yuan
    repaid: Yuan = Decimal(0)
    outstanding: Yuan | None = None
    overdue_days: int = Field(default=0, ge=0, le=3650)
    overdue_unsure: bool = False
    """The person did not remember how long: `overdue_days` is the plan's assumption, never said on a call."""
    rate: str | None = Field(default=None, max_length=60)
    received: Yuan | None = None
    term_months: int | None = Field(default=None, ge=1, le=120)
    installment: Yuan | None = None
    licensed: bool | None = None
    collection: Collection = Collection.none
    third_party: bool = False
    contract_date: date | None = None
    previous_overdue: bool = False
    contacted_others: bool | None = None
    """Collectors contacted family, friends, an employer or other people unrelated to the debt."""
    guaranteed: bool | None = None
    """A guarantee company (danbao) stands behind the loan and may pay the lender, then claim from the borrower."""
    guarantor: str | None = Field(default=None, max_length=60)
    """The guarantee company's name, when known."""

    @model_validator(mode="after")
    def _default_outstanding(self) -> Loan:
        _check_extra(self)
        if self.outstanding is None:
            self.outstanding = max(self.principal - self.repaid, Decimal(0))
        return self

    @property
    def owed(self) -> Decimal:
        """Return what is still owed on this loan (outstanding is always set after validation)."""
        return self.outstanding if self.outstanding is not None else self.principal - self.repaid


def _check_extra(model: BaseModel) -> None:
    # Extra keys are kept for forward compatibility, not as free storage: a bound keeps one
    # imported file from making every turn of its user slow.
    if len(model.model_extra or {}) > MAX_EXTRA_FIELDS:
        raise ValueError(f"at most {MAX_EXTRA_FIELDS} fields beyond the contract's")


class Profile(BaseModel):
    """A borrower's situation (Profile JSON contract: names and meanings are stable)."""

    model_config = ConfigDict(extra="allow")

    monthly_income: Yuan
    monthly_expenses: Yuan
    hardship: str = Field(default="", max_length=500)
    new_loans_to_repay_old: bool = False
    loans: list[Loan] = Field(default_factory=list, max_length=MAX_LOANS)
    name: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _bounded_extra(self) -> Profile:
        _check_extra(self)
        return self

    @property
    def monthly_available(self) -> Decimal:
        """Return income minus necessary expenses, never below zero."""
        return max(self.monthly_income - self.monthly_expenses, Decimal(0))

    @property
    def total_outstanding(self) -> Decimal:
        """Return the sum still owed across every loan."""
        return sum((loan.owed for loan in self.loans), Decimal(0))


class Input(BaseModel):
    """One user turn, transport-neutral: typed text, a tapped choice, or a command."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["text", "choice", "command"]
    text: str = ""
    choice: str | None = None
    command: str | None = None

    @classmethod
    def of_text(cls, text: str) -> Input:
        """Wrap typed text, turning a leading /command into a command input."""
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, rest = stripped[1:].partition(" ")
            return cls(kind="command", command=head.split("@", 1)[0].lower(), text=rest.strip())
        return cls(kind="text", text=text)

    @classmethod
    def of_choice(cls, choice_id: str) -> Input:
        """Wrap a tapped button's id."""
        return cls(kind="choice", choice=choice_id)


class Choice(BaseModel):
    """A button: a short id the engine understands and a label the user reads."""

    id: str = Field(min_length=1, max_length=48)
    label: str


class Attachment(BaseModel):
    """A file sent with a reply: a chart, a calendar, an export."""

    kind: Literal["photo", "document"]
    filename: str
    mime: str
    data: bytes = b""
    caption: str | None = None
    _make: Callable[[], bytes] | None = PrivateAttr(default=None)

    @classmethod
    def made_after_turn(cls, make: Callable[[], bytes], **fields: Any) -> Attachment:
        """Return an attachment whose bytes `make()` produces once the turn has committed.

        For slow files (the chart): the user's row stays locked, and on SQLite every other turn
        waits, only while the turn decides, not while the file is drawn (`Engine.handle`).
        """
        attachment = cls(**fields)
        attachment._make = make
        return attachment

    @property
    def pending(self) -> bool:
        """Whether the bytes are still to be made."""
        return self._make is not None

    def make(self) -> None:
        """Produce the bytes now, if they are still to be made."""
        if self._make is not None:
            self.data = self._make()
            self._make = None


class Reply(BaseModel):
    """One message back to the user."""

    text: str
    choices: list[Choice] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
