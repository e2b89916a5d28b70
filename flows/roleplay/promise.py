"""What a line commits the user to, in the loan's figures, and which mistake it is if any.

Costly mistakes (`rubric.yaml` orders them): borrowing elsewhere, paying the whole balance,
agreeing to whatever the agent says (also a bare "OK" to a demand beyond the plan), and offering
more than the plan's steady monthly amount. A promise is concrete with an amount and a date or a
count; with nothing to spare in the plan, an extension with a date to call back is the concrete ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flows.roleplay.reading import Flag, Label, ReplyReading
from flows.roleplay.state import AskKind, Mark, RoleplayState, Stage

ASKING = frozenset({Stage.threat, Stage.proposal, Stage.objection})
"""Stages where the persona has made a demand a bare yes would accept."""


@dataclass(frozen=True)
class Promise:
    """One promise of the user."""

    amount: Decimal
    """What it costs at its largest: a monthly amount, a first payment or the balance (0: none named)."""
    kind: AskKind
    dated: bool
    """A date or a count was named (or the persona's figure, which has one, was accepted)."""
    mistake: Mark | None = None
    has_amount: bool = True
    also: tuple[Mark, ...] = ()
    """Costly mistakes the same promise makes besides `mistake` (borrowing to pay in full ...)."""

    @property
    def concrete(self) -> bool:
        """An amount with a date or count, or (nothing to spare) an extension with a date."""
        return self.dated and (self.has_amount or self.kind == "extension")


def _costs(amount: Decimal, balance: Decimal, steady: Decimal) -> tuple[Mark, ...]:
    """What a promise of this amount costs besides its own mistake: the whole balance, or beyond the plan."""
    if amount >= balance:
        return (Mark.pay_full,)
    return (Mark.over_promise,) if amount > steady else ()


def _kind(reading: ReplyReading, amount: Decimal, balance: Decimal) -> AskKind:
    figures = reading.figures
    if figures.full or amount >= balance:
        return "full"
    if figures.monthly is not None and figures.monthly == amount:
        return "monthly"
    return "first"


def _own_offer(call: RoleplayState, reading: ReplyReading) -> Promise | None:
    balance, steady = call.figures.balance, call.figures.steady_monthly
    largest = reading.figures.largest
    if reading.figures.full and (largest is None or largest < balance):
        largest = balance
    concrete = reading.says(Label.schedule) or reading.figures.installments is not None
    if largest is not None:
        kind = _kind(reading, largest, balance)
        mistake = Mark.pay_full if kind == "full" else (Mark.over_promise if largest > steady else None)
        return Promise(largest, kind, concrete, mistake)
    if reading.says(Flag.extension) and concrete and not call.figures.can_pay:
        return Promise(Decimal(0), "extension", True, has_amount=False)
    if concrete:
        return Promise(Decimal(0), "monthly", True, has_amount=False)
    return None


def promise_of(call: RoleplayState, reading: ReplyReading) -> Promise | None:
    """Read what the line promises, or None when it promises nothing.

    Args:
        call: The call (its figures and what the persona last asked for).
        reading: The user's line.

    Returns:
        The promise; `mistake` names a costly mistake, `concrete` says whether it has an amount and a
        date or count.
    """
    deal, balance, steady = call.deal, call.figures.balance, call.figures.steady_monthly
    asked = deal.ask if deal.ask is not None and call.stage in ASKING else None
    if reading.says(Label.borrow_elsewhere):
        amount = reading.largest or asked or balance
        if reading.figures.full:
            amount = max(amount, balance)
        return Promise(amount, "full" if amount >= balance else "first", True, Mark.borrow_elsewhere,
                       also=_costs(amount, balance, steady))
    if reading.says(Label.agree_any):
        amount = asked or balance
        return Promise(amount, deal.ask_kind or "full", True, Mark.agree_any, also=_costs(amount, balance, steady))
    if reading.says(Label.offer):
        return _own_offer(call, reading)
    if reading.says(Flag.accept) and asked is not None and not reading.says(Label.refusal):
        kind = deal.ask_kind or "full"
        return Promise(asked, kind, True, Mark.agree_any if asked > steady else None)
    return _own_offer(call, reading)
