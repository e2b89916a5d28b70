"""The score card after a call: item by item, the user's own sentence beside a better wording.

Items (each 2 points when done, 1 when half done, 0 when missed or flagged):

- hardship: said what the difficulty is, and that it is temporary (half: the difficulty only);
- will: said they want to repay;
- concrete: offered an amount and a date (half: one of the two); with nothing to spare in the
  plan, asking for an extension with a date to call back is the concrete offer;
- within_plan: promised no more than the plan's monthly amount for this platform (only when an
  amount was promised): the costliest mistake on a real call, so it also gets its own warning;
- honest: admitted nothing untrue and did not agree to borrow elsewhere to pay;
- written: asked for the agreement in writing;
- name_time: asked the agent's name or number and noted the time;
- calm (only when the persona made illegal threats): stayed calm and named the lawful response
  (recording, complaint, 12378); half when calm without naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Literal

from flows.core.money import yuan
from flows.core.texts import lexicon, render
from flows.negotiation.script import CallScript
from flows.negotiation.toolkit import cjk_punctuation
from flows.roleplay.state import Attempt, Mark, Persona, RoleplayState, Stage, Threat

Status = Literal["ok", "partial", "missed", "flagged"]
POINTS: dict[Status, int] = {"ok": 2, "partial": 1, "missed": 0, "flagged": 0}
TOUGHER: dict[Persona, Persona] = {"polite": "pushy", "pushy": "hostile", "hostile": "hostile"}
_SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n")
_QUOTES = "\u201c\u201d\u300c\u300d\"' "
_OPEN_QUOTE, _CLOSE_QUOTE = "\u201c", "\u201d"
_BULLETS = "\u00b7\u2022-"


@dataclass(frozen=True)
class CardItem:
    """One line of the score card."""

    key: str
    status: Status
    said: str
    """The user's own sentence for this item ("" when they said nothing that fits)."""
    better: str
    """A better wording, from the user's script when there is one."""
    detail: str = ""
    """Why a half mark or a flag: "no_temporary", "incomplete", "recovered", "calm_only", "over" ..."""


@dataclass(frozen=True)
class ScoreCard:
    """How the call went."""

    persona: Persona
    platform: str
    items: tuple[CardItem, ...]
    score: int
    """Out of 100."""
    plan_monthly: Decimal
    promised: Decimal | None
    over: bool
    threats: tuple[Threat, ...]
    named_rights: bool
    agreed: bool

    def item(self, key: str) -> CardItem | None:
        """Return the item with this key, or None when it did not apply to this call."""
        return next((item for item in self.items if item.key == key), None)

    def attempt(self) -> Attempt:
        """Return this call as a progress entry (without its date)."""
        return Attempt(persona=self.persona, platform=self.platform, score=self.score, over=self.over)


@cache
def _wording() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = lexicon("rp_reading")["wording"]
    return data


def better_wording(key: str, script: CallScript | None) -> str:
    """Pick the sentence of the user's script that does what an item asks ("" when none fits).

    Args:
        key: The item.
        script: The user's call script for this platform.

    Returns:
        One sentence, without its quotation marks.
    """
    entry = _wording().get(key)
    if entry is None:
        return ""
    if "template" in entry:
        return render(str(entry["template"]))
    if script is None:
        return ""
    section = script.section(str(entry["section"]))
    sentences = [part.strip() for part in _SENTENCE_END.split(section) if part.strip()]
    for marker in (str(marker) for marker in entry["markers"]):
        for sentence in sentences:
            if marker in sentence:
                return _speakable(sentence, marker)
    return ""


def _speakable(sentence: str, marker: str) -> str:
    """The words to say from a script sentence: the quoted part holding the marker when there is one."""
    opening = sentence.find(_OPEN_QUOTE)
    if opening >= 0 and marker in sentence[opening:]:
        sentence = sentence[opening + 1:]
    return sentence.split(_CLOSE_QUOTE)[0].strip(_QUOTES + _BULLETS)


def _said(call: RoleplayState, *keys: str) -> str:
    return cjk_punctuation(next((call.quotes[key] for key in keys if key in call.quotes), ""))


def _stage(stage: Stage) -> str:
    return f"stage:{stage.value}"


def _items(call: RoleplayState) -> list[CardItem]:
    """Judge each item: (key, status, the user's sentence, why); better wordings are added by the caller."""
    has = call.has
    asking = (_stage(Stage.proposal), _stage(Stage.objection), _stage(Stage.threat))
    closing = (_stage(Stage.closing),)
    items: list[CardItem] = []

    def add(key: str, status: Status, said: str, detail: str = "") -> None:
        items.append(CardItem(key, status, said, "", detail))

    if has(Mark.hardship):
        add("hardship", "ok" if has(Mark.temporary) else "partial", _said(call, "hardship"),
            "" if has(Mark.temporary) else "no_temporary")
    else:
        add("hardship", "missed", _said(call, _stage(Stage.reason), _stage(Stage.opening)))
    add("will", "ok" if has(Mark.will) else "missed", _said(call, "will", _stage(Stage.reason), _stage(Stage.opening)))
    if has(Mark.concrete):
        add("concrete", "ok", _said(call, "concrete"))
    elif has(Mark.amount) or has(Mark.extension):
        add("concrete", "partial", _said(call, "amount", "extension"), "incomplete")
    else:
        add("concrete", "missed", _said(call, *asking))
    if has(Mark.amount):
        over = has(Mark.over)
        add("within_plan", "flagged" if over else "ok", _said(call, "over" if over else "amount"), "over" * over)
    if has(Mark.admits_false) or has(Mark.borrow_elsewhere):
        detail = "admits_false" if has(Mark.admits_false) else "borrow_elsewhere"
        add("honest", "flagged", _said(call, detail), detail)
    else:
        add("honest", "ok", "")
    add("written", "ok" if has(Mark.written) else "missed", _said(call, "written", *closing))
    add("name_time", "ok" if has(Mark.name_time) else "missed", _said(call, "name_time", *closing))
    if call.threats:
        panicked, rights = has(Mark.panic), has(Mark.rights)
        if rights:
            add("calm", "partial" if panicked else "ok", _said(call, "rights"), "recovered" if panicked else "")
        elif panicked:
            add("calm", "flagged", _said(call, "panic"), "panic")
        else:
            add("calm", "partial" if has(Mark.calm) else "missed", _said(call, "calm", _stage(Stage.threat)),
                "calm_only")
    return items


def score_call(call: RoleplayState, script: CallScript | None) -> ScoreCard:
    """Score a finished (or abandoned) call.

    Args:
        call: The call.
        script: The user's script for this platform, for the better wordings (None: none shown).

    Returns:
        The score card.
    """
    items = tuple(CardItem(item.key, item.status, item.said, better_wording(item.key, script), item.detail)
                  for item in _items(call))
    points = sum(POINTS[item.status] for item in items)
    score = round(100 * points / (2 * len(items)))
    return ScoreCard(persona=call.persona, platform=call.platform, items=items, score=score,
                     plan_monthly=call.plan_monthly, promised=call.promised, over=call.has(Mark.over),
                     threats=tuple(call.threats), named_rights=call.has(Mark.rights), agreed=call.agreed)


def card_messages(card: ScoreCard, attempts: list[Attempt]) -> list[str]:
    """Render the score card as a few chat messages.

    Args:
        card: The score card.
        attempts: Every finished attempt, this one last (for progress).

    Returns:
        The card, then the over-promise warning and the rights toolkit when they apply, then progress.
    """
    lines = [render("roleplay/card_item", key=item.key, status=item.status, said=item.said, better=item.better,
                    detail=item.detail, plan=yuan(card.plan_monthly), platform=card.platform)
             for item in card.items]
    messages = [render("roleplay/card", score=card.score, persona=card.persona, platform=card.platform,
                       items="\n\n".join(lines))]
    if card.over:
        messages.append(render("roleplay/card_over", platform=card.platform, plan=yuan(card.plan_monthly),
                               promised=yuan(card.promised or 0), can_pay=card.plan_monthly > 0))
    if card.threats:
        messages.append(render("roleplay/card_rights", threats=list(card.threats), named=card.named_rights))
    earlier = attempts[:-1]
    same = [attempt.score for attempt in earlier if attempt.persona == card.persona]
    messages.append(render(
        "roleplay/card_next", count=len(attempts), previous=earlier[-1].score if earlier else -1,
        best_same=max(same) if same else -1, score=card.score, persona=card.persona,
        tougher=TOUGHER[card.persona]))
    return messages
