"""The personas' machines, their diagrams, and how persona lines are chosen and rendered."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from transitions import Machine

from flows.core.texts import render, template_names
from flows.roleplay import call as call_module
from flows.roleplay.lines import next_threat, pick_variant, variant_count
from flows.roleplay.machine import MACHINES, TABLES, TRIGGERS, diagrams, fire
from flows.roleplay.reading import read_reply
from flows.roleplay.state import PERSONAS, THREATS, Mark, Persona, RoleplayState, Stage


def _call(persona: Persona, seed: int = 1, **update: object) -> RoleplayState:
    call = RoleplayState(platform="某某贷", persona=persona, seed=seed, plan_monthly=Decimal(1200),
                         outstanding=Decimal(20000), overdue_days=10, name="李明")
    return call.model_copy(update=update)


def test_one_shared_machine_per_persona_without_models() -> None:
    assert set(MACHINES) == set(PERSONAS)
    for machine in MACHINES.values():
        assert isinstance(machine, Machine)
        assert machine.models == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_live_stage_answers_every_trigger_the_reader_can_choose(persona: Persona) -> None:
    stages, _ = TABLES[persona]
    for stage in stages:
        if stage is Stage.ended:
            continue
        for trigger in TRIGGERS:
            if stage is not Stage.closing and trigger == "answer" and stage in (Stage.proposal, Stage.objection):
                continue  # proposals are answered by an offer or an over-promise only
            if stage is Stage.closing and trigger == "offer":
                continue
            call = _call(persona, stage=stage, pushes=9)
            assert fire(call, trigger), (persona, stage, trigger)


@pytest.mark.parametrize("persona", PERSONAS)
def test_trigger_chooser_only_fires_what_the_table_has(persona: Persona) -> None:
    replies = ["", "今天天气不错", "是我", "没钱", "我失业了，暂时困难，会还的", "每月1200，12月1号还",
               "每月3000，下个月1号", "好的", "求求你别告诉我家人", "我在录音，我会投诉", "请短信发给我确认"]
    stages, _ = TABLES[persona]
    for stage, reply, pushes in itertools.product(stages[:-1], replies, (0, 9)):
        call = _call(persona, stage=stage, pushes=pushes, marks=["hardship"])
        trigger = call_module.choose_trigger(call, read_reply(reply))
        assert fire(call, trigger), (persona, stage, reply, trigger)


def _stage(call: RoleplayState) -> Stage:
    return call.stage


def test_vague_replies_are_pushed_then_the_call_moves_on() -> None:
    call = _call("pushy", stage=Stage.reason)
    assert call_module.take_turn(call, "没钱").trigger == "vague" and _stage(call) is Stage.reason
    call_module.take_turn(call, "没钱")
    assert _stage(call) is Stage.reason and call.pushes == 2
    call_module.take_turn(call, "没钱")
    assert _stage(call) is Stage.proposal and call.pushes == 0 and call.total_pushes == 2


def test_pushy_refuses_the_first_offer_and_softens_on_the_second() -> None:
    call = _call("pushy", stage=Stage.proposal, marks=["hardship"])
    turn = call_module.take_turn(call, "每月1200，12月1号开始还")
    assert _stage(call) is Stage.objection and not call.agreed
    assert "10,000 元" in turn.lines[0]  # asks for half the balance first
    call_module.take_turn(call, "每月1200，12月1号开始还，这是我做得到的")
    assert _stage(call) is Stage.closing and call.agreed


def test_over_promise_is_accepted_at_once() -> None:
    call = _call("hostile", stage=Stage.threat, marks=["hardship"], threats=["sue"])
    turn = call_module.take_turn(call, "好好好，我每月还3000，明天就还")
    assert turn.trigger == "overpromise" and call.stage is Stage.closing and call.agreed
    assert call.promised == Decimal(3000) and call.has(Mark.over)


def test_hang_up_ends_from_any_live_stage() -> None:
    for persona in PERSONAS:
        for stage in TABLES[persona][0][:-1]:
            call = _call(persona, stage=stage)
            call_module.hang_up(call)
            assert call.stage is Stage.ended


def test_diagrams_are_up_to_date() -> None:
    for path, text in diagrams().items():
        assert path.exists(), f"missing {path.name}: regenerate the diagrams"
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale"
    hostile = diagrams()[next(p for p in diagrams() if p.name == "hostile.md")]
    assert "threat --> proposal: answer" in hostile


def test_same_seed_same_lines_and_no_immediate_repeats() -> None:
    first, second = _call("pushy", seed=5), _call("pushy", seed=5)
    picks = [pick_variant(first, "roleplay/pushy_push") for _ in range(6)]
    assert picks == [pick_variant(second, "roleplay/pushy_push") for _ in range(6)]
    assert all(a != b for a, b in itertools.pairwise(picks))
    assert set(picks[:3]) == set(range(variant_count("roleplay/pushy_push")))


def test_different_seeds_read_differently() -> None:
    openings = {pick_variant(_call("polite", seed=seed), "roleplay/polite_opening") for seed in range(12)}
    assert len(openings) > 1


def test_threats_are_all_made_before_any_is_repeated() -> None:
    call = _call("hostile", seed=3)
    made = [next_threat(call) for _ in THREATS]
    assert sorted(made) == sorted(THREATS)


PERSONA_PARTS = ("opening", "reason", "proposal", "objection", "closing", "push", "stall", "bye")
MISSING = ("identity", "reason", "date", "amount", "plan", "questions")


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_line_renders_in_every_variant(persona: Persona) -> None:
    parts = [*PERSONA_PARTS, "threat"] if persona == "hostile" else PERSONA_PARTS
    call = _call(persona)
    for part in parts:
        template = f"roleplay/{persona}_{part}"
        assert template in template_names()
        for variant, missing, threat, flag, stage in itertools.product(
                range(variant_count(template)), MISSING, THREATS, (False, True), ("reason", "threat")):
            context = call_module._context(call, missing=missing, threat=threat, agreed=flag, accepted=flag,
                                           written=flag, rights=flag, promised="1,200 元" if flag else "",
                                           threat_words=render("roleplay/threat_words", threat=threat), stage=stage)
            text = render(template, variant=variant, empty=flag, **context)
            assert text.strip(), (template, variant, missing)
