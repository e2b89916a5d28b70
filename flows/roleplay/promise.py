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


def _scheduled(reading: ReplyReading) -> bool:
    return reading.says(Label.schedule) or reading.figures.installments is not None


def _largest(call: RoleplayState, reading: ReplyReading) -> Decimal | None:
    largest, balance = reading.figures.largest, call.figures.balance
    if reading.figures.full and (largest is None or largest < balance):
        largest = balance
    return largest


def _pending_offer(call: RoleplayState, reading: ReplyReading) -> Promise | None:
    """The amount of an earlier line completed by this line's date or count ("meiyue 1000" then "12 yue 1 hao")."""
    pending, deal = call.deal.pending_amount, call.deal
    if pending is None or not _scheduled(reading) or _largest(call, reading) is not None:
        return None
    if reading.says(Label.refusal) or reading.says(Label.borrow_elsewhere) or reading.says(Label.agree_any):
        return None
    kind: AskKind = deal.pending_kind or "monthly"
    full = kind == "full" or pending >= call.figures.balance
    mistake = Mark.pay_full if full else (Mark.over_promise if pending > call.figures.steady_monthly else None)
    return Promise(pending, kind, True, mistake)


def _own_offer(call: RoleplayState, reading: ReplyReading) -> Promise | None:
    balance, steady = call.figures.balance, call.figures.steady_monthly
    largest = _largest(call, reading)
    concrete = _scheduled(reading)
    if largest is not None:
        kind = _kind(reading, largest, balance)
        mistake = Mark.pay_full if kind == "full" else (Mark.over_promise if largest > steady else None)
        return Promise(largest, kind, concrete or call.deal.pending_schedule, mistake)
    pending = _pending_offer(call, reading)
    if pending is not None:
        return pending
    if reading.says(Flag.extension) and concrete and not call.figures.can_pay:
        return Promise(Decimal(0), "extension", True, has_amount=False)
    if concrete:
        return Promise(Decimal(0), "monthly", True, has_amount=False)
    return None


def remember(call: RoleplayState, promise: Promise | None) -> None:
    """Keep half a promise (an amount without a date, or a date without an amount) for the next line.

    Args:
        call: The call; its deal is updated.
        promise: What the line promised, or None.
    """
    deal = call.deal
    if promise is None:
        return
    if promise.concrete or promise.mistake is not None:
        deal.pending_amount, deal.pending_kind, deal.pending_schedule = None, None, False
    elif promise.has_amount:
        deal.pending_amount, deal.pending_kind = promise.amount, promise.kind
    elif promise.dated:
        deal.pending_schedule = True


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
    pending = _pending_offer(call, reading)
    if pending is not None:
        return pending  # "OK, on the 1st" answers the persona's question about the user's own amount
    if reading.says(Flag.accept) and asked is not None and not reading.says(Label.refusal):
        kind = deal.ask_kind or "full"
        return Promise(asked, kind, True, Mark.agree_any if asked > steady else None)
    return _own_offer(call, reading)
