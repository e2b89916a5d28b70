"""The score card: a rubric as data, comparable scores, lessons costliest first, progress."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from flows.roleplay.call import hang_up, open_call, take_turn
from flows.roleplay.figures import CallFigures
from flows.roleplay.rubric import rubric
from flows.roleplay.scoring import ScoreCard, card_messages, score_call, weakest_stage
from flows.roleplay.state import PERSONAS, Attempt, Persona, Stage

FIGURES = CallFigures(balance=Decimal(20000), steady_monthly=Decimal(1200), overdue_days=10,
                      first_date=date(2026, 12, 1), lender="licensed")
PREPARED = ["是我本人", "我失业了，暂时没有收入，我不是不想还，一定会还", "我在录音，请依法催收",
            "每月1200，12月1号开始", "每月1200，12月1号开始，这是我能做到的", "每月1200，12月1号开始，这是我能做到的",
            "请短信发给我确认，您工号多少？", "收到后我12月1号按时还，再见"]


def _card(persona: Persona, lines: list[str], stage: Stage = Stage.opening) -> ScoreCard:
    call, _ = open_call("某某贷", FIGURES, persona, seed=9, name="李明", stage=stage)
    for line in lines:
        if take_turn(call, line).ended:
            break
    else:
        hang_up(call)
    return score_call(call, None)


def test_the_rubric_is_data_and_adds_up() -> None:
    items = rubric().items
    assert sum(item.weight for item in items if item.when == "always") == 90
    assert {item.key for item in items} >= {"hardship", "concrete", "within_plan", "written", "agent_id", "calm",
                                            "next_step"}
    costly = [mistake.key for mistake in rubric().mistakes][:4]
    assert set(costly) == {"borrow_elsewhere", "pay_full", "agree_any", "over_promise"}
    assert all(mistake.cap < 60 for mistake in rubric().mistakes[:5])


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_prepared_call_has_no_lessons_and_replays_from_the_start(persona: Persona) -> None:
    card = _card(persona, PREPARED)
    assert card.score >= 80 and card.lessons == () and weakest_stage(card) is Stage.opening


def test_the_costliest_mistake_comes_first_and_caps_the_score() -> None:
    card = _card("pushy", ["是我", "我失业了，暂时困难", "我去借点钱，今天全部还清", "请短信确认，工号多少？", "再见"])
    assert card.lessons[:2] == ("borrow_elsewhere", "pay_full") and card.cap == 35 and card.score <= 35
    assert weakest_stage(card) is Stage.proposal
    assert "最要紧的一条：\n❗ 答应借钱来还" in card_messages(card, [card.attempt()])[0]


def test_a_hostile_call_with_nothing_agreed_no_id_and_nothing_in_writing_scores_low() -> None:
    card = _card("hostile", ["是我", "我失业了，暂时困难，我会还", "我在录音，请依法催收", "我再想想", "以后再说",
                             "再见"])
    assert not card.agreed and card.score < 60
    messages = card_messages(card, [card.attempt()])
    assert any("没有谈成任何约定" in text and "先不要付钱" in text for text in messages)
    assert any("12378" in text and "110" in text for text in messages)


def test_an_agreement_not_yet_promised_in_writing_says_wait_for_it() -> None:
    card = _card("pushy", ["是我", "我失业了，暂时困难，会还的", "每月1200，12月1号开始", "每月1200，12月1号开始",
                           "再见"])
    assert card.agreed and not card.written_promised
    assert any("先别付钱" in text for text in card_messages(card, [card.attempt()]))


def test_scores_compare_across_attempts_and_drills() -> None:
    full = _card("polite", PREPARED)
    drill = _card("polite", PREPARED[3:], Stage.proposal)
    assert full.score == drill.score == 100
    assert {item.key for item in drill.items} < {item.key for item in full.items}
    assert "hardship" not in {item.key for item in drill.items}


def test_progress_shows_the_trail_for_the_persona() -> None:
    earlier = [Attempt(persona="pushy", platform="某某贷", score=score) for score in (35, 55)]
    card = _card("pushy", PREPARED)
    text = card_messages(card, [*earlier, Attempt(persona="hostile", platform="x", score=10), card.attempt()])[-1]
    assert f"35 → 55 → {card.score}" in text and "上次 10 分" in text and "最好成绩是 55 分" in text


def test_the_calm_item_only_applies_when_threats_were_made() -> None:
    assert _card("polite", PREPARED).item("calm") is None
    calm = _card("hostile", PREPARED).item("calm")
    assert calm is not None and calm.status == "ok"


def test_panic_under_threat_is_flagged_and_replays_at_the_threat() -> None:
    card = _card("hostile", ["是我", "我失业了，暂时困难", "求求你别告诉我家人，别上门", "再见"])
    calm = card.item("calm")
    assert calm is not None and calm.status == "flagged"
    assert "panic" in card.lessons
    stages = [rubric().stage_of(key) for key in card.lessons]
    assert Stage.threat in stages
