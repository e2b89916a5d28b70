"""The score card after a call: item by item, the user's own sentence beside a better wording.

The rubric is data (`rubric.py`): each item scores its weight when done and half of it when half
done; the score is out of 100 over the items that applied (a replay skips the items of the stages
before it started), then capped by the costliest mistake made. Lessons come costliest mistake
first, then the heaviest items missed; a replay starts at the stage of the first lesson
(`weakest_stage`). A call with nothing agreed says so, and tells the user not to pay until an
agreement is in writing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from flows.core.money import yuan
from flows.core.texts import render
from flows.negotiation.script import CallScript
from flows.negotiation.toolkit import cjk_punctuation
from flows.roleplay.rubric import better_wording, rubric
from flows.roleplay.state import Attempt, Mark, Persona, RoleplayState, Stage, Threat

Status = Literal["ok", "partial", "missed", "flagged"]
TOUGHER: dict[Persona, Persona] = {"polite": "pushy", "pushy": "hostile", "hostile": "hostile"}
PROMISE_MISTAKES = (Mark.borrow_elsewhere, Mark.agree_any, Mark.pay_full, Mark.over_promise)
TRAIL = 5


@dataclass(frozen=True)
class CardItem:
    """One line of the score card."""

    key: str
    status: Status
    said: str
    """The user's own sentence for this item ("" when they said nothing that fits)."""
    better: str = ""
    """A better wording, from the user's script when there is one."""
    detail: str = ""
    """Why a half mark or a flag: "no_temporary", "incomplete", "vague", a mistake's key ..."""


@dataclass(frozen=True)
class ScoreCard:
    """How the call went."""

    persona: Persona
    platform: str
    start: Stage
    items: tuple[CardItem, ...]
    mistakes: tuple[CardItem, ...]
    """The mistakes made, costliest first (status "flagged")."""
    lessons: tuple[str, ...]
    """Mistakes, then items missed or half done by weight: what to work on, first thing first."""
    score: int
    """Out of 100, after the cap."""
    cap: int | None
    cap_key: str
    """The mistake that capped the score ("" when none did)."""
    plan_monthly: Decimal
    promised: Decimal | None
    agreed: bool
    deal: str
    written_promised: bool
    threats: tuple[Threat, ...]
    named_rights: bool
    lender: str

    def item(self, key: str) -> CardItem | None:
        """Return the item with this key, or None when it did not apply to this call."""
        return next((item for item in self.items if item.key == key), None)

    def attempt(self) -> Attempt:
        """Return this call as a progress entry (without its date)."""
        return Attempt(persona=self.persona, platform=self.platform, score=self.score, start=self.start,
                       agreed=self.agreed, first_mistake=self.lessons[0] if self.lessons else "")


def _said(call: RoleplayState, *keys: str | Mark) -> str:
    for key in keys:
        value = call.quotes.get(key.value if isinstance(key, Mark) else key, "")
        if value:
            return cjk_punctuation(value)
    return ""


def _judge(call: RoleplayState, key: str) -> tuple[Status, str, str]:
    """Judge one item: its status, the user's sentence and why."""
    has = call.has
    said_here = cjk_punctuation(call.said_in(rubric().item(key).stage))
    if key == "hardship":
        if has(Mark.hardship):
            return ("ok", _said(call, Mark.hardship), "") if has(Mark.temporary) else (
                "partial", _said(call, Mark.hardship), "no_temporary")
        return "missed", _said(call, Mark.vague) or said_here, ""
    if key == "will":
        return ("ok", _said(call, Mark.will), "") if has(Mark.will) else ("missed", said_here, "")
    if key == "concrete":
        if has(Mark.concrete):
            return "ok", _said(call, Mark.concrete), ""
        if has(Mark.amount_only) or has(Mark.schedule_only):
            return "partial", _said(call, Mark.amount_only, Mark.schedule_only), "incomplete"
        return "missed", _said(call, Mark.vague, Mark.refusal) or said_here, "vague" if has(Mark.vague) else ""
    if key == "within_plan":
        made = next((mark for mark in PROMISE_MISTAKES if has(mark)), None)
        if made is not None:
            return "flagged", _said(call, made), made.value
        return "ok", _said(call, Mark.concrete, Mark.amount_only, Mark.refusal), ""
    if key == "calm":
        if has(Mark.rights):
            return ("partial", _said(call, Mark.rights), "recovered") if has(Mark.panic) else (
                "ok", _said(call, Mark.rights), "")
        if has(Mark.panic):
            return "flagged", _said(call, Mark.panic), "panic"
        return ("partial", _said(call, Mark.calm), "calm_only") if has(Mark.calm) else ("missed", "", "")
    if key == "next_step":
        if has(Mark.next_step):
            return "ok", _said(call, Mark.next_step), ""
        if call.deal.agreed and has(Mark.concrete):
            return "partial", _said(call, Mark.concrete), "not_restated"
        return "missed", cjk_punctuation(call.said_in(Stage.closing)), ""
    mark = Mark(key)
    return ("ok", _said(call, mark), "") if has(mark) else ("missed", said_here, "")


def _applies(call: RoleplayState, key: str) -> bool:
    item = rubric().item(key)
    if item.when == "threats" and not call.threats:
        return False
    if key == "within_plan" and call.deal.promised is None and not any(call.has(m) for m in PROMISE_MISTAKES):
        return False
    return call.after_start(item.stage) or (key == "within_plan" and call.deal.promised is not None)


def _mistakes(call: RoleplayState, items: dict[str, CardItem]) -> list[str]:
    made: list[str] = []
    for mistake in rubric().mistakes:
        if mistake.key == "no_offer":
            concrete = items.get("concrete")
            promised = any(call.has(mark) for mark in PROMISE_MISTAKES)
            if concrete is not None and concrete.status != "ok" and not promised:
                made.append(mistake.key)
        elif mistake.key == "panic":
            if call.has(Mark.panic) and not call.has(Mark.rights):
                made.append(mistake.key)
        elif call.has(Mark(mistake.key)):
            made.append(mistake.key)
    return made


def score_call(call: RoleplayState, script: CallScript | None) -> ScoreCard:
    """Score a finished (or abandoned) call.

    Args:
        call: The call.
        script: The user's script for this platform, for the better wordings (None: templates only).

    Returns:
        The score card.
    """
    day = call.figures.first_date
    figures = {"platform": call.platform, "plan": yuan(call.figures.steady_monthly), "agreed": call.deal.agreed,
               "can_pay": call.figures.can_pay, "lender": call.figures.lender,
               "first_date": render("negotiation/script_date", year=day.year, month=day.month, day=day.day,
                                    weekday=day.weekday()) if day else ""}
    judged: dict[str, CardItem] = {}
    for item in rubric().items:
        if _applies(call, item.key):
            status, said, detail = _judge(call, item.key)
            better = better_wording(item.key, script, **figures) if status != "ok" else ""
            judged[item.key] = CardItem(item.key, status, said, better, detail)
    made = _mistakes(call, judged)
    vague = judged["concrete"].said if "concrete" in judged else ""
    mistakes = tuple(CardItem(key, "flagged", _said(call, key) or vague, better_wording(key, script, **figures), key)
                     for key in made)
    weights = {item.key: item.weight for item in rubric().items}
    total = sum(weights[key] for key in judged)
    credit = {"ok": Decimal(1), "partial": rubric().partial, "missed": Decimal(0), "flagged": Decimal(0)}
    points = sum(weights[key] * credit[item.status] for key, item in judged.items())
    raw = int((Decimal(100) * points / total).to_integral_value(rounding=ROUND_HALF_UP)) if total else 0
    caps = sorted((mistake.cap, mistake.key) for mistake in rubric().mistakes if mistake.key in made)
    cap, cap_key = caps[0] if caps else (None, "")
    flagged_items = {mistake.item for mistake in rubric().mistakes if mistake.key in made}
    missing = sorted((key for key, item in judged.items() if item.status != "ok" and key not in flagged_items),
                     key=lambda key: -weights[key])
    deal = call.deal
    return ScoreCard(
        persona=call.persona, platform=call.platform, start=call.start, items=tuple(judged.values()),
        mistakes=mistakes, lessons=(*made, *missing), score=min(raw, cap) if cap is not None else raw, cap=cap,
        cap_key=cap_key,
        plan_monthly=call.figures.steady_monthly, promised=deal.promised, agreed=deal.agreed,
        deal=render("roleplay/deal_words", kind=deal.agreed_kind or "",
                    amount=yuan(deal.agreed_amount) if deal.agreed_amount else ""),
        written_promised=call.agent.written_promised, threats=tuple(call.threats),
        named_rights=call.has(Mark.rights), lender=call.figures.lender)


def weakest_stage(card: ScoreCard) -> Stage:
    """Where a replay should start: the stage of the card's first lesson (the opening when there is none)."""
    return rubric().stage_of(card.lessons[0]) if card.lessons else Stage.opening


def _line(card: ScoreCard, item: CardItem, *, brief: bool = False) -> str:
    return render("roleplay/card_item", key=item.key, status=item.status, said=item.said, better=item.better,
                  detail=item.detail, plan=yuan(card.plan_monthly), platform=card.platform, brief=brief)


def card_messages(card: ScoreCard, attempts: list[Attempt]) -> list[str]:
    """Render the score card as a few chat messages.

    Args:
        card: The score card.
        attempts: Every finished attempt, this one last (for progress).

    Returns:
        The card (first lesson first), what was agreed and what to do before paying, the rights
        toolkit when the persona threatened, then progress and where a replay starts.
    """
    first = card.mistakes[0] if card.mistakes else next(
        (item for item in card.items if card.lessons and item.key == card.lessons[0]), None)
    shown = [item for item in card.items if first is None or item.key != first.key]
    made = {item.key for item in card.mistakes}
    items = "\n\n".join(_line(card, item, brief=item.status == "flagged" and item.detail in made) for item in shown)
    messages = [render(
        "roleplay/card", score=card.score, cap=card.cap or 0, cap_key=card.cap_key, persona=card.persona,
        platform=card.platform,
        first=_line(card, first) if first is not None else "", items=items,
        more_mistakes=[_line(card, item) for item in card.mistakes[1:]])]
    messages.append(render("roleplay/card_deal", agreed=card.agreed, deal=card.deal,
                           written=card.written_promised, platform=card.platform))
    if card.threats:
        messages.append(render("roleplay/card_rights", threats=list(card.threats), named=card.named_rights,
                               lender=card.lender))
    same = [attempt for attempt in attempts[:-1] if attempt.persona == card.persona]
    trail = [attempt.score for attempt in [*same, card.attempt()]][-TRAIL:]
    messages.append(render(
        "roleplay/card_next", count=len(attempts), previous=attempts[-2].score if len(attempts) > 1 else -1,
        best_same=max((attempt.score for attempt in same), default=-1), score=card.score, persona=card.persona,
        tougher=TOUGHER[card.persona], trail=trail, replay=render("roleplay/stage_name", stage=weakest_stage(card)),
        perfect=not card.lessons))
    return messages
