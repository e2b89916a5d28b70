"""One rehearsal call, without transport: start it, take a line, give a hint.

Each line is read (`reading.py`) and what it promises is worked out (`promise.py`); everything it
shows is recorded for the score card before the persona acts, so no line is ever lost, the last
one included. The persona answers every question the line asks (`answers.py`), its policy decides
offers (`policy.py`), its machine moves (`machine.py`), and it speaks in the new stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flows.analysis import LoanAnalysis
from flows.core.models import COLLECTION_PRESSURE, Collection
from flows.core.money import yuan
from flows.core.texts import render
from flows.negotiation.script import CallScript
from flows.roleplay.answers import answer_context, answer_questions
from flows.roleplay.figures import CallFigures, call_figures
from flows.roleplay.lines import make_agent, next_threat, persona_words, spoken
from flows.roleplay.machine import fire, stages
from flows.roleplay.policy import next_request, opening_ask, policy, respond
from flows.roleplay.promise import Promise, promise_of, remember
from flows.roleplay.reading import Flag, Label, ReplyReading, read_reply
from flows.roleplay.state import STAGE_ORDER, Mark, Persona, RoleplayState, Stage

MAX_CLOSING_TURNS = 3
"""Lines the persona answers at the close before it says goodbye: questions, and (until the user asked for
written confirmation and its ID) any line but a goodbye, so the user always has a turn to ask for both."""
COPIED: tuple[tuple[Label | Flag, Mark], ...] = (
    (Label.hardship, Mark.hardship), (Label.temporary, Mark.temporary), (Label.will, Mark.will),
    (Label.written, Mark.written), (Label.agent_id, Mark.agent_id), (Label.rights, Mark.rights),
    (Label.refusal, Mark.refusal), (Label.vague, Mark.vague), (Flag.admits_false, Mark.admits_false),
)
THREATENING = frozenset({Stage.threat, Stage.proposal, Stage.objection})
"""Stages in which the hostile persona's lines carry a threat (until the user names their rights)."""


@dataclass(frozen=True)
class Turn:
    """What one line led to: the lines to show, and whether the call is over."""

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


def _context(call: RoleplayState, **extra: Any) -> dict[str, Any]:
    deal = call.deal
    context = answer_context(call)
    context.update({
        "name": call.name, "stage": call.stage.value, "push": call.pushes, "ask_kind": deal.ask_kind or "",
        "offer": yuan(deal.user_offer) if deal.user_offer else "", "agreed_kind": deal.agreed_kind or "",
        "agreed_amount": yuan(deal.agreed_amount) if deal.agreed_amount else "", "missing": "", "threat": "",
        "threat_words": "", "accepted": False, "request": next_request(call) or "", "rights": call.has(Mark.rights),
        "written": call.agent.written_promised, "id_given": call.agent.id_given, "next_step": False,
        "empty": False, "drill": False, "date_given": False, "can_pay": call.figures.can_pay,
        "plan": yuan(call.figures.steady_monthly),
        "deal": render("roleplay/deal_words", kind=deal.agreed_kind or "",
                       amount=yuan(deal.agreed_amount) if deal.agreed_amount else ""),
    })
    context.update(extra)
    return context


def _first_threat_due(call: RoleplayState) -> bool:
    """Tell whether a call that went past the reason stage has not heard a threat yet (it skipped the
    threat stage: an offer or a promise taken in the reason stage, or rights named from the start)."""
    past_reason = STAGE_ORDER.index(call.stage) > STAGE_ORDER.index(Stage.reason) and call.stage is not Stage.ended
    return past_reason and not call.threats and call.start in (Stage.opening, Stage.reason)


def _threat(call: RoleplayState, part: str) -> dict[str, str]:
    """The threat the hostile persona adds in its threatening stages, unless the user named their rights.

    A call that goes past the reason stage hears at least one, as calls with such agents do.
    """
    if not policy(call.persona).threatens:
        return {}
    backed_down = call.has(Mark.rights) and part != "threat"
    if not _first_threat_due(call) and (call.stage not in THREATENING or backed_down):
        return {}
    threat = next_threat(call)
    words = render("roleplay/threat_words", threat=threat, due=call.deal.agreed)
    return {"threat": threat, "threat_words": words}


def _stage_words(call: RoleplayState, part: str, **extra: Any) -> str:
    if call.stage is Stage.proposal and call.deal.ask is None:
        call.deal.ask, call.deal.ask_kind = opening_ask(call)
    return persona_words(call, part, **_context(call, **{**_threat(call, part), **extra}))


def _first_stage(persona: Persona, wanted: Stage) -> Stage:
    """The stage a call starts at: the wanted one, or the next one this persona has (never the objection)."""
    wanted = Stage.proposal if wanted in (Stage.objection, Stage.ended) else wanted
    return next(stage for stage in stages(persona) if STAGE_ORDER.index(stage) >= STAGE_ORDER.index(wanted))


def open_call(platform: str, figures: CallFigures, persona: Persona, *, seed: int, name: str = "",
              attempt: int = 1, stage: Stage = Stage.opening) -> tuple[RoleplayState, list[str]]:
    """Open a call from its figures (`start_call` reads them from the plan).

    Args:
        platform: The loan's key, as the persona names it.
        figures: The balance and the plan's steady monthly amount.
        persona: Who the coach plays.
        seed: Chooses the lines and the agent's name.
        name: The user's name, for the persona to check identity.
        attempt: Which attempt this is.
        stage: Where to start (the objection starts at the proposal; a persona without the stage
            starts at its next one).

    Returns:
        The call's state, and the coach's introduction followed by the persona's first line.
    """
    first = _first_stage(persona, stage)
    call = RoleplayState(platform=platform, persona=persona, seed=seed, attempt=attempt, start=first, stage=first,
                         figures=figures, name=name, agent=make_agent(persona, seed))
    if first is Stage.closing:
        call.deal.agreed, call.deal.agreed_amount = True, figures.steady_monthly
        call.deal.agreed_kind = "monthly" if figures.can_pay else "extension"
    intro = render("roleplay/call_intro", persona=persona, platform=platform, plan=yuan(figures.steady_monthly),
                   can_pay=figures.can_pay, start=first.value,
                   start_label=render("roleplay/stage_name", stage=first.value))
    line = _stage_words(call, first.value, drill=first is not Stage.opening)
    return call, [intro, spoken(call, [line])]


def start_call(loan: LoanAnalysis, persona: Persona, *, seed: int, name: str = "", attempt: int = 1,
               script: CallScript | None = None, stage: Stage = Stage.opening) -> tuple[RoleplayState, list[str]]:
    """Open a call with the platform of one loan.

    Args:
        loan: The loan's analysis (its balance and overdue days).
        persona: Who the coach plays.
        seed: Chooses the lines and the agent's name; the same seed gives the same call.
        name: The user's name, for the persona to check identity.
        attempt: Which attempt this is (1 for the first).
        script: The user's script for this platform (the plan's steady amount and first date).
        stage: Where to start: a replay starts at the weakest stage of the last card (`weakest_stage`).

    Returns:
        The call's state, and the coach's introduction followed by the persona's first line.
    """
    return open_call(loan.key, call_figures(loan, script), persona, seed=seed, name=name, attempt=attempt,
                     stage=stage)


def record(call: RoleplayState, reading: ReplyReading, promise: Promise | None) -> None:
    """Note what the line shows, for the score card (first sentence kept per mark)."""
    text = reading.text
    call.keep_line(text)
    for what, mark in COPIED:
        if reading.says(what):
            call.add(mark, text)
    if promise is not None:
        if promise.has_amount:
            call.deal.promised = max(promise.amount, call.deal.promised or Decimal(0))
        for mistake in (promise.mistake, *promise.also):
            if mistake is not None:
                call.add(mistake, text)
        own = promise.mistake in (None, Mark.over_promise)
        if promise.concrete and own:
            call.add(Mark.concrete, text)
        elif promise.has_amount and own:
            call.add(Mark.amount_only, text)
        elif not call.deal.agreed:
            call.add(Mark.schedule_only, text)
    closing = call.stage is Stage.closing or call.deal.agreed
    if closing and (reading.says(Flag.next_step) or reading.says(Label.schedule)):
        call.add(Mark.next_step, text)
    caved = promise is not None and promise.mistake is not None
    if call.threats and (reading.says(Flag.panic) or caved):
        call.add(Mark.panic, text)
    elif call.threats and (promise is None or promise.mistake is None):
        call.add(Mark.calm, text)


def _only_asks(reading: ReplyReading) -> bool:
    return bool(reading.topics) and not reading.labels - {Label.agent_id, Label.written}


def _stage_trigger(call: RoleplayState, reading: ReplyReading) -> str:
    stage = call.stage
    if _only_asks(reading):
        return "question"
    if stage is Stage.opening:
        return "vague" if reading.says(Label.refusal) and not reading.says(Label.will) else "answer"
    if stage is Stage.reason:
        return "answer" if reading.says(Label.hardship) else "vague"
    if stage is Stage.threat:
        return "vague" if reading.says(Flag.panic) else "answer"
    return "answer" if reading.says(Label.refusal) else "vague"


def choose_trigger(call: RoleplayState, reading: ReplyReading, promise: Promise | None) -> str:
    """Decide what the line did in the call's stage (see `machine.py` for what each trigger means)."""
    if reading.empty or reading.says(Label.off_topic):
        return "stall"
    if reading.says(Flag.bye) and not reading.labels and not reading.topics and call.stage is not Stage.closing:
        return "done"
    if promise is not None and promise.mistake is not None:
        return "mistake"
    if promise is not None and promise.concrete:
        if call.stage in (Stage.opening, Stage.reason) and not call.has(Mark.hardship) and call.start in (
                Stage.opening, Stage.reason):
            call.deal.user_offer = promise.amount
            return "answer" if call.stage is Stage.opening else "vague"
        answer = respond(call, promise.amount, rights=call.has(Mark.rights))
        call.deal.user_offer = promise.amount
        if answer.accept:
            call.deal.agreed_amount, call.deal.agreed_kind = promise.amount, promise.kind
            return "offer"
        call.deal.ask, call.deal.ask_kind = answer.ask, "first"
        return "counter"
    if call.stage is Stage.closing:
        room = bool(reading.topics) or not (call.has(Mark.written) and call.has(Mark.agent_id))
        if room and call.closing_turns < MAX_CLOSING_TURNS and not reading.says(Flag.bye):
            call.closing_turns += 1
            return "question"
        return "done"
    return _stage_trigger(call, reading)


def _missing(call: RoleplayState, reading: ReplyReading, promise: Promise | None) -> str:
    if call.stage is Stage.opening:
        return "identity"
    if call.stage is Stage.reason:
        return "reason"
    if call.stage is Stage.threat:
        return "calm"
    if promise is not None and promise.has_amount and not promise.dated:
        return "date"
    if promise is not None and not promise.has_amount:
        return "amount"
    return "figure" if reading.says(Label.refusal) else "plan"


def take_turn(call: RoleplayState, text: str) -> Turn:
    """Answer one line of the user.

    Args:
        call: The call under way; updated in place.
        text: What the user said.

    Returns:
        The persona's answer (one message), and whether the call ended (then the score card follows).
    """
    reading = read_reply(text)
    call.turns += 1
    promise = promise_of(call, reading)
    record(call, reading, promise)
    remember(call, promise)
    words = answer_questions(call, reading)
    if promise is not None and promise.mistake is not None:
        call.deal.agreed_amount, call.deal.agreed_kind = promise.amount, promise.kind
    trigger = choose_trigger(call, reading, promise)
    before = call.stage
    fire(call, trigger)
    if call.stage is Stage.ended:
        words.append(persona_words(call, "bye", **_context(call, next_step=call.has(Mark.next_step))))
    elif trigger == "stall":
        words.append(persona_words(call, "stall", **_context(call, empty=reading.empty)))
    elif trigger == "question" or (before is Stage.closing and call.stage is Stage.closing):
        words.append(persona_words(call, "back", **_context(call)))
    elif trigger == "counter":
        words.append(_stage_words(call, "objection"))
        call.deal.asks_made += 1
    elif call.stage is before:
        words.append(_stage_words(call, "push", missing=_missing(call, reading, promise), date_given=reading.dated))
    else:
        words.append(_stage_words(call, call.stage.value, accepted=trigger == "mistake"))
    return Turn((spoken(call, words),), call.stage is Stage.ended, trigger)


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
    return render("roleplay/hint", stage=call.stage.value, persona=call.persona, plan=yuan(call.figures.steady_monthly),
                  can_pay=call.figures.can_pay, ask=yuan(call.deal.ask) if call.deal.ask else "",
                  script="\n\n".join(text for text in texts if text))
