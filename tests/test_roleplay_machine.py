"""The personas' machines and policies: shared machines, diagrams, the negotiation in real figures."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from transitions import Machine

from flows.core.diagram import diagrams
from flows.roleplay import call as call_module
from flows.roleplay.call import open_call, take_turn
from flows.roleplay.figures import CallFigures
from flows.roleplay.lines import make_agent, next_threat, pick_variant, variant_count
from flows.roleplay.machine import MACHINES, fire, stages
from flows.roleplay.policy import counter_ask, opening_ask, policy, respond, standard_fee, standard_instalment
from flows.roleplay.promise import promise_of
from flows.roleplay.reading import read_reply
from flows.roleplay.state import PERSONAS, THREATS, Persona, RoleplayState, Stage

FIGURES = CallFigures(balance=Decimal(20000), steady_monthly=Decimal(1200), overdue_days=10,
                      first_date=date(2026, 12, 1))


def _call(persona: Persona, stage: Stage = Stage.opening, seed: int = 1, **update: object) -> RoleplayState:
    call = RoleplayState(platform="某某贷", persona=persona, seed=seed, figures=FIGURES, name="李明",
                         agent=make_agent(persona, seed), stage=stage)
    return call.model_copy(update=update)


def test_one_shared_machine_per_persona_without_models() -> None:
    assert set(MACHINES) == set(PERSONAS)
    for machine in MACHINES.values():
        assert isinstance(machine, Machine) and machine.models == []


def test_the_hostile_diagram_shows_the_ways_on_from_a_threat_and_an_objection() -> None:
    hostile = next(text for path, text in diagrams().items() if path.name == "hostile.md")
    assert "threat --> proposal:" in hostile and "objection --> closing:" in hostile


LINES = ["", "今天天气不错", "是我", "没钱", "我失业了，暂时困难，会还的", "每月1200，12月1号还", "每月3000，下个月1号",
         "好的", "您定多少就多少", "我去借钱还你", "求求你别告诉我家人", "我在录音，我会投诉", "你工号多少",
         "请短信发给我确认", "一次性还清我做不到", "再见", "我想延期三个月，下个月15号再联系"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_trigger_chooser_only_fires_what_the_table_has(persona: Persona) -> None:
    for stage, line, pushes, marks in itertools.product(stages(persona)[:-1], LINES, (0, 9), ([], ["hardship"])):
        call = _call(persona, stage, pushes=pushes, marks=marks)
        reading = read_reply(line)
        trigger = call_module.choose_trigger(call, reading, promise_of(call, reading))
        assert fire(call, trigger), (persona, stage, line, trigger)


def _stage(call: RoleplayState) -> Stage:
    return call.stage  # read through a function: mypy would keep an earlier narrowing


def test_vague_lines_are_pressed_then_the_call_moves_on() -> None:
    call = _call("pushy", Stage.reason)
    assert take_turn(call, "没钱").trigger == "vague" and _stage(call) is Stage.reason
    take_turn(call, "没钱")
    assert _stage(call) is Stage.reason and call.pushes == 2
    take_turn(call, "没钱")
    assert _stage(call) is Stage.proposal and call.pushes == 0 and call.total_pushes == 2


def test_hang_up_ends_from_any_live_stage() -> None:
    for persona in PERSONAS:
        for stage in stages(persona)[:-1]:
            call = _call(persona, stage)
            call_module.hang_up(call)
            assert call.stage is Stage.ended


def test_standard_instalment_and_fee_come_from_the_balance() -> None:
    assert standard_instalment(Decimal(20000)) == 1667 and standard_fee(Decimal(20000)) == 120
    assert opening_ask(_call("polite")) == (Decimal(1787), "monthly")
    assert opening_ask(_call("pushy")) == (Decimal(20000), "full")


def test_pushy_refuses_a_first_offer_below_the_standard_instalment_and_takes_one_at_it() -> None:
    call = _call("pushy", Stage.proposal)
    assert not respond(call, Decimal(1200), rights=False).accept
    assert respond(call, Decimal(1667), rights=False).accept
    call.deal.offers_refused = 1
    assert respond(call, Decimal(1200), rights=False).accept


def test_hostile_refuses_two_offers_and_one_fewer_once_rights_are_named() -> None:
    call = _call("hostile", Stage.proposal)
    for refused, rights, accepted in [(0, False, False), (1, False, False), (2, False, True), (1, True, True)]:
        call.deal.offers_refused = refused
        assert respond(call, Decimal(1200), rights=rights).accept is accepted


def test_counters_concede_per_round_and_stay_above_the_offer() -> None:
    call = _call("hostile", Stage.objection)
    asks = []
    for rounds in range(4):
        call.deal.rounds = rounds
        asks.append(counter_ask(call, Decimal(1200)))
    assert asks[0] == 10000 and asks == sorted(asks, reverse=True) and asks[-1] > 1200
    assert all(ask % 100 == 0 for ask in asks)
    assert counter_ask(_call("pushy", Stage.objection), Decimal(1200)) == 6000


def test_policies_are_data() -> None:
    assert policy("polite").written == "agrees" and policy("hostile").agent_id == "on_insist"
    assert policy("pushy").asks[0] == "larger_first" and policy("hostile").threatens


def test_an_over_promise_is_accepted_at_once() -> None:
    call = _call("hostile", Stage.threat, marks=["hardship"], threats=["sue"])
    turn = take_turn(call, "好好好，我每月还3000，明天就还")
    assert turn.trigger == "mistake" and call.stage is Stage.closing and call.deal.agreed
    assert call.deal.promised == 3000 and call.has("over_promise")  # type: ignore[arg-type]


def test_a_bare_yes_to_the_demand_promises_the_demand() -> None:
    call = _call("pushy", Stage.proposal, marks=["hardship"])
    call.deal.ask, call.deal.ask_kind = Decimal(20000), "full"
    take_turn(call, "好的")
    assert call.deal.agreed_amount == 20000 and call.has("agree_any")  # type: ignore[arg-type]


def test_with_nothing_to_spare_an_extension_with_a_date_is_the_concrete_ask() -> None:
    figures = FIGURES.model_copy(update={"steady_monthly": Decimal(0)})
    call, _ = open_call("某某贷", figures, "polite", seed=2, stage=Stage.proposal)
    turn = take_turn(call, "我现在拿不出钱，想申请延期三个月，下个月15号之前我再联系你们")
    assert turn.trigger == "offer" and call.deal.agreed_kind == "extension" and call.has("concrete")  # type: ignore[arg-type]
    assert "延期" in turn.lines[0]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("stage", [Stage.opening, Stage.reason, Stage.threat, Stage.proposal, Stage.closing])
def test_a_replay_can_start_at_any_stage_the_persona_has(persona: Persona, stage: Stage) -> None:
    call, lines = open_call("某某贷", FIGURES, persona, seed=4, stage=stage)
    assert call.stage in stages(persona) and call.stage is call.start
    assert call.stage is stage or (stage is Stage.threat and persona != "hostile" and call.stage is Stage.proposal)
    assert lines[1].startswith("📞")
    if stage is not Stage.opening:
        assert "这一段练起" in lines[0]
    if call.stage is Stage.closing:
        assert call.deal.agreed and "1,200 元" in lines[1]


def test_same_seed_same_lines_and_no_immediate_repeats() -> None:
    first, second = _call("pushy", seed=5), _call("pushy", seed=5)
    picks = [pick_variant(first, "roleplay/pushy_push") for _ in range(6)]
    assert picks == [pick_variant(second, "roleplay/pushy_push") for _ in range(6)]
    assert all(a != b for a, b in itertools.pairwise(picks))
    assert set(picks[:3]) == set(range(variant_count("roleplay/pushy_push")))


def test_different_seeds_read_differently_and_name_different_agents() -> None:
    openings = {pick_variant(_call("polite", seed=seed), "roleplay/polite_opening") for seed in range(12)}
    agents = {make_agent("polite", seed).number for seed in range(12)}
    assert len(openings) > 1 and len(agents) > 1
    assert make_agent("hostile", 7) == make_agent("hostile", 7)


def test_threats_are_all_made_before_any_is_repeated() -> None:
    call = _call("hostile", seed=3)
    assert sorted(next_threat(call) for _ in THREATS) == sorted(THREATS)
