"""Personas that listen: every question gets an answer on its topic, nothing the user says is dropped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from flows.parsing import normalise
from flows.roleplay.call import open_call, take_turn
from flows.roleplay.figures import CallFigures
from flows.roleplay.state import PERSONAS, Persona, RoleplayState, Stage

QUESTIONS = [tuple(line.split(" | ", 1)) for line in
             (Path(__file__).parent / "data" / "roleplay_questions.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
ON_TOPIC: dict[str, tuple[str, ...]] = {
    "agent_id": ("工号",), "written": ("短信", "站内信", "书面"), "balance": ("20,000 元",),
    "waiver": ("减免", "先还", "申请"), "instalment": ("分期",), "extension": ("延期",), "credit": ("征信",),
    "lawsuit": ("起诉", "法律", "诉讼"), "contacts": ("家人", "本人", "配合"), "visit": ("上门", "电话", "安排"),
    "stop_calls": ("电话",), "proof": ("证明",), "verify": ("APP",), "fee": ("服务费", "费用"),
    "supervisor": ("领导", "同事", "找谁"),
}


def _call(persona: Persona, stage: Stage = Stage.proposal) -> RoleplayState:
    figures = CallFigures(balance=Decimal(20000), steady_monthly=Decimal(1200), overdue_days=10,
                          first_date=date(2026, 12, 1))
    call, _ = open_call("某某贷", figures, persona, seed=11, name="李明", stage=stage)
    return call


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("topic", "question"), QUESTIONS, ids=[text for _, text in QUESTIONS])
def test_every_question_gets_an_on_topic_answer(persona: Persona, topic: str, question: str) -> None:
    call = _call(persona)
    stage = call.stage
    reply = take_turn(call, question).lines[0]
    assert any(word in reply for word in ON_TOPIC[topic]), reply
    assert call.stage is stage, "a question never moves the call on"


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_hostile_refusal_of_its_id_is_overcome_by_insisting(persona: Persona) -> None:
    call = _call(persona, Stage.opening)
    first = take_turn(call, "你工号多少？").lines[0]
    second = take_turn(call, "请你报一下工号，不然我没法跟你谈").lines[0]
    assert call.agent.number in (first if persona != "hostile" else second)
    if persona == "hostile":
        assert call.agent.number not in first and "工号" in first


@pytest.mark.parametrize("persona", PERSONAS)
def test_written_confirmation_gets_the_personas_realistic_answer(persona: Persona) -> None:
    call = _call(persona, Stage.closing)
    first = take_turn(call, "能不能书面确认一下？").lines[0]
    expected = {"polite": "短信和 APP 站内信", "pushy": "短信确认", "hostile": "书面什么书面"}[persona]
    assert expected in first
    if persona == "hostile":
        assert "站内信" in take_turn(call, "不发书面的我不会付钱").lines[0] or call.agent.written_promised


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("line", ["", "今天天气不错", "哈哈哈", "😂😂", "你是机器人吗"])
def test_off_topic_and_empty_lines_keep_the_call_going(persona: Persona, line: str) -> None:
    call = _call(persona, Stage.reason)
    turn = take_turn(call, line)
    assert turn.lines[0].startswith("📞") and not turn.ended and call.stage is Stage.reason


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_line_is_kept_for_the_card(persona: Persona) -> None:
    call = _call(persona, Stage.opening)
    lines = ["是我", "今天天气不错", "我失业了，暂时困难", "你工号多少", "每月1200，12月1号开始"]
    for line in lines:
        take_turn(call, line)
    assert [said.text for said in call.lines] == [normalise(line) for line in lines]


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_call_resumes_identically_from_its_stored_state(persona: Persona) -> None:
    call = _call(persona, Stage.opening)
    take_turn(call, "是我")
    stored = RoleplayState.model_validate_json(call.model_dump_json())
    assert stored == call
    lines = ["我失业了，暂时没有收入，我会还", "每月1200，12月1号开始", "每月1200，12月1号开始，我只能做到这些"]
    assert [take_turn(call, line).lines for line in lines] == [take_turn(stored, line).lines for line in lines]
    assert stored == call
