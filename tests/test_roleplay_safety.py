"""No persona line may say what could frighten a vulnerable person into self-harm.

Every variant of every persona template is rendered in every context it can meet and scanned
against `scripts_zh/lexicons/rp_forbidden.yaml` (prison, arrest tonight, violence, death, insults,
family insults, public shaming). The hostile persona threatens only as such agents really do:
a lawsuit, a visit, calling contacts, all of which the card then shows to be improper.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from flows.core.matching import PhraseMatcher
from flows.core.texts import SCRIPTS_DIR, lexicon, render, template_names
from flows.roleplay import call as call_module
from flows.roleplay.call import open_call
from flows.roleplay.figures import CallFigures
from flows.roleplay.lines import variant_count
from flows.roleplay.state import PERSONAS, THREATS, Persona, Stage

FORBIDDEN = PhraseMatcher.from_lexicon(lexicon("rp_forbidden"))
TOPICS = ("agent_id", "written", *lexicon("rp_reading")["topics"], "other")
REQUESTS = ("", "date", "proof", "larger_first", "family", "assets", "contacts")
MISSING = ("identity", "reason", "calm", "date", "amount", "figure", "plan")


def _varied(source: str) -> dict[str, tuple[Any, ...]]:
    """The context values a template is rendered with: every value of the variables it reads."""
    choices: dict[str, tuple[Any, ...]] = {
        "stage": ("opening", "reason", "threat", "proposal", "closing"), "threat": THREATS, "missing": MISSING,
        "request": REQUESTS, "topic": TOPICS, "flag": (False, True), "kind": ("monthly", "first", "full", "extension"),
    }
    used = {name for name in choices if re.search(rf"\b{name}\b", source)}
    return {name: values for name, values in choices.items() if name in used or name == "flag"}


def _rendered(persona: Persona) -> set[str]:
    figures = CallFigures(balance=Decimal(20000), steady_monthly=Decimal(1200), overdue_days=10,
                          first_date=date(2026, 12, 1))
    call, _ = open_call("某某贷", figures, persona, seed=5, name="李明")
    call.deal.ask, call.deal.user_offer = Decimal(6000), Decimal(1200)
    texts: set[str] = set()
    names = [name for name in template_names() if name.startswith(f"roleplay/{persona}_")]
    assert len(names) >= 10, names
    for name in names:
        varied = _varied((SCRIPTS_DIR / f"{name}.j2").read_text(encoding="utf-8"))
        for values in itertools.product(*varied.values()):
            chosen = dict(zip(varied, values, strict=True))
            flag, threat = chosen.pop("flag"), chosen.get("threat", "sue")
            flags = dict.fromkeys(("agreed", "accepted", "rights", "written", "id_given", "next_step", "empty",
                                   "drill", "gives", "promises"), flag)
            context = call_module._context(call, **flags, threat_words=render("roleplay/threat_words", threat=threat))
            context.update(chosen)
            context.setdefault("topic", "other")
            texts.update(render(name, variant=variant, **context) for variant in range(variant_count(name)))
    return texts


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_persona_line_says_anything_forbidden(persona: Persona) -> None:
    texts = _rendered(persona)
    assert len(texts) > 40
    bad = sorted(text for text in texts if FORBIDDEN.matches(text))
    assert not bad, bad[:5]


def test_every_threat_is_one_the_card_explains() -> None:
    threats = {threat: render("roleplay/threat_words", threat=threat) for threat in THREATS}
    assert not [text for text in threats.values() if FORBIDDEN.matches(text)]
    card = render("roleplay/card_rights", threats=list(THREATS), named=False, lender="unknown")
    assert card.count("·") == len(THREATS) and "110" in card and "12378" in card


@pytest.mark.parametrize("line", ["今晚就抓你去坐牢", "你全家都不要脸", "你去死吧", "我们会把你的照片发到网上曝光",
                                  "让你单位的人都知道你欠钱不还", "信不信我找人收拾你"])
def test_the_forbidden_lexicon_catches_what_must_never_be_said(line: str) -> None:
    assert FORBIDDEN.matches(line)


def test_personas_call_the_user_ni_and_the_coach_says_nin() -> None:
    coach = [render("roleplay/card_deal", agreed=False, deal="", written=False, platform="某某贷"),
             render("roleplay/hint", stage="objection", persona="pushy", plan="1,200 元", can_pay=True, ask="6,000 元",
                    script="")]
    assert all("您" in text and not re.search(r"你(?!们)", text) for text in coach)
    hostile = _rendered("hostile")
    assert any("你" in text for text in hostile)
    assert not [text for text in hostile if "您" in text and "（" not in text]


def test_drill_notes_are_the_coach_speaking() -> None:
    note = render("roleplay/hostile_threat", variant=0, drill=True, threat_words="")
    assert note.startswith("（") and "您" in note.split("）")[0]


def test_stage_names_cover_every_start() -> None:
    assert {render("roleplay/stage_name", stage=stage.value) for stage in Stage if stage is not Stage.ended}


HOTLINES = {"110", "12378", "12363"}
"""The numbers a role-play line may name (tests/test_citations.py checks the channels themselves)."""
LEGAL = Path(__file__).resolve().parents[1].parent / "shared" / "legal"


def test_roleplay_cites_only_checked_titles_and_hotlines() -> None:
    bodies = {name: (SCRIPTS_DIR / f"{name}.j2").read_text(encoding="utf-8")
              for name in template_names() if name.startswith("roleplay/")}
    numbers = {number for body in bodies.values() for number in re.findall(r"(?<![\d,./])\d{3,}(?![\d,.])", body)}
    assert numbers <= HOTLINES, numbers
    titles = {title for body in bodies.values() for title in re.findall(r"《[^》]+》", body)}
    assert titles == {"《互联网金融贷后催收业务指引》"}
    if LEGAL.exists():  # compare with the checked texts when ../shared is there
        legal = (LEGAL / "texts.md").read_text(encoding="utf-8")
        channels = (LEGAL / "channels.md").read_text(encoding="utf-8")
        assert all(title in legal for title in titles) and all(number in channels for number in numbers)
