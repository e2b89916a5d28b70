"""One rehearsal call, without transport: start it, take a reply, give a hint.

The reply is read (`reading.py`), what it shows is recorded for the score card, the persona's
machine moves (`machine.py`), and the persona answers in the new stage (`lines.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from flows.analysis import LoanAnalysis
from flows.core.models import COLLECTION_PRESSURE, Collection
from flows.core.money import yuan
from flows.core.texts import render
from flows.negotiation.script import CallScript
from flows.roleplay.lines import next_threat, persona_line
from flows.roleplay.machine import fire
from flows.roleplay.reading import ReplyReading, read_reply
from flows.roleplay.state import Mark, Persona, RoleplayState, Stage

STANDARD_INSTALMENTS = 12
"""The polite agent's standard offer: the balance over this many months (plus a fee, unnamed)."""
FIRST_PAYMENT_SHARE = Decimal("0.5")
"""The share of the balance the pushy and hostile collectors ask for as a first payment."""
THREATENING = frozenset({Stage.threat, Stage.proposal, Stage.objection})
"""Stages in which the hostile persona's lines carry a threat."""
COPIED_FLAGS: tuple[tuple[str, Mark], ...] = (
    ("hardship", Mark.hardship), ("temporary", Mark.temporary), ("will", Mark.will),
    ("written", Mark.written), ("name_time", Mark.name_time), ("rights", Mark.rights),
    ("admits_false", Mark.admits_false), ("borrow_elsewhere", Mark.borrow_elsewhere),
    ("extension", Mark.extension),
)


@dataclass(frozen=True)
class Turn:
    """What one reply led to: the lines to show, and whether the call is over."""

    lines: tuple[str, ...]
    ended: bool
    trigger: str


def coach_persona(loan: LoanAnalysis) -> Persona:
    """Choose a persona by how hard the platform collects: threats or third parties get the hostile one."""
    pressure = COLLECTION_PRESSURE[loan.collection]
    if pressure >= COLLECTION_PRESSURE[Collection.threats] or loan.third_party:
        return "hostile"
    if pressure >= COLLECTION_PRESSURE[Collection.calls]:
        return "pushy"
    return "polite"


def _whole_yuan_up(amount: Decimal) -> Decimal:
    return amount.to_integral_value(rounding=ROUND_CEILING)


def standard_monthly(call: RoleplayState) -> Decimal:
    """The polite agent's standard instalment: the balance over `STANDARD_INSTALMENTS`, whole yuan up."""
    return _whole_yuan_up(call.outstanding / STANDARD_INSTALMENTS)


def first_payment_ask(call: RoleplayState) -> Decimal:
    """The larger first payment a collector asks for: a share of the balance, whole yuan up."""
    return _whole_yuan_up(call.outstanding * FIRST_PAYMENT_SHARE)


def _context(call: RoleplayState, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "platform": call.platform, "outstanding": yuan(call.outstanding), "overdue_days": call.overdue_days,
        "name": call.name, "standard_monthly": yuan(standard_monthly(call)), "standard_count": STANDARD_INSTALMENTS,
        "first_ask": yuan(first_payment_ask(call)), "promised": yuan(call.promised) if call.promised else "",
        "agreed": call.agreed, "push": call.pushes, "missing": "", "threat": "", "threat_words": "", "softened": False,
        "accepted": False, "written": call.has(Mark.written), "name_time": call.has(Mark.name_time),
        "rights": call.has(Mark.rights), "stage": call.stage.value,
    }
    context.update(extra)
    return context


def _stage_line(call: RoleplayState, part: str, **extra: Any) -> str:
    """The persona's line for its stage; records what it demands and any threat it makes."""
    backed_down = call.stage is Stage.proposal and call.has(Mark.rights) and part == Stage.proposal.value
    if call.persona == "hostile" and call.stage in THREATENING and not backed_down:
        threat = next_threat(call)
        extra.setdefault("threat", threat)
        extra.setdefault("threat_words", render("roleplay/threat_words", threat=threat))
    if call.stage is Stage.proposal:
        call.asked_amount = standard_monthly(call) if call.persona == "polite" else call.outstanding
    elif call.stage is Stage.objection:
        call.asked_amount = standard_monthly(call) if call.persona == "polite" else first_payment_ask(call)
    return persona_line(call, part, **_context(call, **extra))


def start_call(loan: LoanAnalysis, persona: Persona, *, seed: int, name: str = "",
               attempt: int = 1) -> tuple[RoleplayState, list[str]]:
    """Open a call with the platform of one loan.

    Args:
        loan: The loan's analysis (its balance, overdue days and the plan's monthly amount).
        persona: Who the coach plays.
        seed: Chooses the lines; the same seed gives the same call.
        name: The user's name, for the persona to check identity.
        attempt: Which attempt this is (1 for the first).

    Returns:
        The call's state, and the coach's introduction followed by the persona's opening line.
    """
    call = RoleplayState(platform=loan.key, persona=persona, seed=seed, attempt=attempt,
                         plan_monthly=max(loan.proposed_monthly, Decimal(0)), outstanding=loan.outstanding,
                         overdue_days=loan.overdue_days, name=name)
    intro = render("roleplay/call_intro", persona=persona, platform=loan.key, plan=yuan(call.plan_monthly),
                   can_pay=call.plan_monthly > 0)
    return call, [intro, _stage_line(call, "opening")]


def promised_amount(call: RoleplayState, reading: ReplyReading) -> Decimal | None:
    """What the reply promises at worst: its largest amount, or what the persona asked if it was a bare yes."""
    if reading.largest is not None:
        return reading.largest
    if reading.accept and call.stage in (Stage.proposal, Stage.objection, Stage.threat):
        return call.asked_amount
    return None


def _is_concrete(call: RoleplayState, reading: ReplyReading, promised: Decimal | None) -> bool:
    """An amount with a date (or a yes to the persona's figure); with nothing to spare, an extension with a date.

    Whether the amount fits the plan is judged apart (`_over`), so an over-promise is still concrete.
    """
    if promised is None:
        return call.plan_monthly <= 0 and (reading.extension or reading.has_schedule) and not reading.refuse
    return reading.has_schedule or (reading.accept and call.asked_amount is not None)


def record(call: RoleplayState, reading: ReplyReading) -> None:
    """Note what the reply shows, for the score card (first sentence kept per mark)."""
    text = reading.text
    call.note_stage_reply(text)
    for flag, mark in COPIED_FLAGS:
        if getattr(reading, flag):
            call.add(mark, text)
    promised = promised_amount(call, reading)
    if promised is not None:
        call.add(Mark.amount, text)
        call.promised = max(promised, call.promised or Decimal(0))
        if promised > call.plan_monthly:
            call.add(Mark.over, text)
    if _is_concrete(call, reading, promised):
        call.add(Mark.concrete, text)
    if call.threats:
        caved = reading.panic or (promised is not None and promised > call.plan_monthly)
        call.add(Mark.panic if caved else Mark.calm, text)


def choose_trigger(call: RoleplayState, reading: ReplyReading) -> str:
    """Decide what the reply did in the call's stage (see `machine.py` for what each trigger means)."""
    if reading.empty or reading.off_topic:
        return "stall"
    stage = call.stage
    if stage is Stage.closing:
        return "answer" if reading.written or reading.name_time else (
            "overpromise" if _over(call, reading) else "vague")
    if _over(call, reading):
        return "overpromise"
    if _is_concrete(call, reading, promised_amount(call, reading)) and call.has(Mark.hardship):
        return "offer"
    if stage is Stage.opening:
        return "vague" if reading.refuse else "answer"
    if stage is Stage.reason:
        return "answer" if reading.hardship else "vague"
    if stage is Stage.threat:
        return "vague" if reading.panic or reading.refuse else "answer"
    return "vague"


def _over(call: RoleplayState, reading: ReplyReading) -> bool:
    promised = promised_amount(call, reading)
    return reading.borrow_elsewhere or (promised is not None and promised > call.plan_monthly)


def _missing(call: RoleplayState, reading: ReplyReading) -> str:
    if call.stage in (Stage.opening, Stage.reason) or not call.has(Mark.hardship):
        return "reason" if call.stage is not Stage.opening else "identity"
    if call.stage is Stage.closing:
        return "questions"
    has_amount = promised_amount(call, reading) is not None
    if has_amount and not reading.has_schedule:
        return "date"
    if reading.has_schedule and not has_amount:
        return "amount"
    return "plan"


def take_turn(call: RoleplayState, text: str) -> Turn:
    """Answer one reply of the user.

    Args:
        call: The call under way; updated in place.
        text: What the user said.

    Returns:
        The persona's answer, and whether the call ended (then the score card follows).
    """
    reading = read_reply(text)
    call.turns += 1
    record(call, reading)
    trigger = choose_trigger(call, reading)
    before = call.stage
    fire(call, trigger)
    if call.stage is Stage.ended:
        return Turn((persona_line(call, "bye", **_context(call, accepted=trigger == "overpromise")),), True, trigger)
    if trigger == "stall":
        line = persona_line(call, "stall", **_context(call, empty=reading.empty))
    elif call.stage is before:
        line = _stage_line(call, "push", missing=_missing(call, reading))
    else:
        line = _stage_line(call, call.stage.value, softened=trigger == "offer", accepted=trigger == "overpromise")
    return Turn((line,), False, trigger)


def hang_up(call: RoleplayState) -> None:
    """End the call now (/endcall)."""
    if call.stage is not Stage.ended:
        fire(call, "hang_up")


def hint(call: RoleplayState, script: CallScript | None) -> str:
    """What the user's call script would say at this point of the call.

    Args:
        call: The call under way.
        script: The user's script for this platform, or None when it cannot be built.

    Returns:
        The hint text.
    """
    sections = {
        Stage.opening: ("opening",), Stage.reason: ("opening",), Stage.threat: (),
        Stage.proposal: ("ask",), Stage.objection: ("ask", "fallback"), Stage.closing: ("close",),
    }.get(call.stage, ())
    texts = [script.section(name) for name in sections] if script is not None else []
    return render("roleplay/hint", stage=call.stage.value, persona=call.persona, plan=yuan(call.plan_monthly),
                  can_pay=call.plan_monthly > 0, script="\n\n".join(text for text in texts if text))
