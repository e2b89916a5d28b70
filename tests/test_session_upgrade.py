"""Sessions stored by every earlier release load and carry on; a state the code no longer knows resets kindly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from conversation import Conversation

from flows.core.clock import FixedClock
from flows.core.engine import Engine
from flows.core.models import Input
from flows.core.session import SCHEMA_VERSION, Session
from flows.core.texts import render
from flows.intake.machine import IntakePart, IntakeState
from flows.intake.slots import PROFILE_FORM
from flows.negotiation.dialog import NegotiationPart, NegotiationState
from flows.reminders.models import RemindersPart
from flows.roleplay.state import RoleplayPart, RoleplayStage
from flows.storage import open_store
from flows.storage.base import Store

SESSIONS = Path(__file__).parent / "data" / "sessions"
RELEASES = sorted(path.name for path in SESSIONS.iterdir())
CLOCK = FixedClock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
ERROR = render("core/error_try_again")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(db_path=str(tmp_path / "coach.db"))
    yield opened
    opened.close()


def _stored(store: Store, release: str, name: str) -> Conversation:
    """Put a session exactly as an earlier release stored it, and open a chat with it."""
    session = Session.model_validate_json((SESSIONS / release / f"{name}.json").read_text(encoding="utf-8"))
    assert session.schema_version == SCHEMA_VERSION
    store.save_session(session)
    return Conversation(Engine(store, CLOCK), session.user_id)


def _load(store: Store, user_id: str) -> Session:
    session = store.load_session(user_id)
    assert session is not None
    return session


def test_every_release_has_the_same_kinds_of_sessions() -> None:
    assert RELEASES == ["stop10", "stop9"]
    for release in RELEASES:
        assert {p.stem for p in (SESSIONS / release).glob("*.json")} == {
            "mid_intake", "home_profile", "roleplay_call", "reminders_agreement", "crisis_over_intake",
            "complaint_midway", "script_shown"}


@pytest.mark.parametrize("release", RELEASES)
def test_mid_intake_keeps_every_answer_and_asks_what_is_missing(store: Store, release: str) -> None:
    chat = _stored(store, release, "mid_intake")
    session = _load(store, "tg:1001")
    part = session.part(IntakePart)
    assert PROFILE_FORM.typed(part.person)["monthly_income"] == Decimal(8500)
    assert part.state is IntakeState.loan and part.loans[0].values["platform"] == "借呗"
    chat.say("一万二")
    assert ERROR not in chat.text and "逾期" in chat.text  # the loan goes on where it was


@pytest.mark.parametrize("release", RELEASES)
def test_home_with_a_profile_keeps_the_profile_and_the_chosen_order(store: Store, release: str) -> None:
    chat = _stored(store, release, "home_profile")
    session = _load(store, "tg:1002")
    assert session.stack == ["home"] and session.plan_strategy == "snowball"
    assert session.profile is not None and [loan.platform for loan in session.profile.loans] == ["借呗", "美团借钱"]
    chat.say("/plan")
    assert ERROR not in chat.text and "还款计划" in chat.text


@pytest.mark.parametrize("release", RELEASES)
def test_a_call_under_way_goes_on(store: Store, release: str) -> None:
    chat = _stored(store, release, "roleplay_call")
    part = _load(store, "tg:1003").part(RoleplayPart)
    assert part.state is RoleplayStage.call and part.call is not None and part.call.persona == "pushy"
    chat.say("我每个月能还一千，下个月1号开始")
    assert ERROR not in chat.text and chat.text.startswith("📞")


@pytest.mark.parametrize("release", RELEASES)
def test_reminders_and_logged_agreements_are_kept(store: Store, release: str) -> None:
    chat = _stored(store, release, "reminders_agreement")
    data = _load(store, "tg:1004").part(RemindersPart).data
    assert data.settings is not None and data.settings.payday == 15
    [agreement] = data.agreements
    assert (agreement.loan, agreement.count, agreement.amount) == ("借呗", 6, Decimal(1000))
    chat.say("/progress")
    assert ERROR not in chat.text and "借呗" in chat.text


@pytest.mark.parametrize("release", RELEASES)
def test_a_crisis_stays_open_over_the_intake_it_paused(store: Store, release: str) -> None:
    chat = _stored(store, release, "crisis_over_intake")
    assert _load(store, "tg:1005").stack == ["intake", "crisis"]
    chat.say("嗯")
    assert "12356" in chat.text
    chat.tap("crisis:safe")
    assert "收入" in chat.text and _load(store, "tg:1005").stack == ["intake"]


@pytest.mark.parametrize("release", RELEASES)
def test_a_complaint_half_written_goes_on(store: Store, release: str) -> None:
    chat = _stored(store, release, "complaint_midway")
    part = _load(store, "tg:1006").part(NegotiationPart)
    assert part.state is NegotiationState.complaint and part.complaint.values["platform"] == "借呗"
    chat.say("11月20日晚上")
    assert ERROR not in chat.text and "做了什么" in chat.text


@pytest.mark.parametrize("release", RELEASES)
def test_a_script_shown_offers_the_next_steps(store: Store, release: str) -> None:
    chat = _stored(store, release, "script_shown")
    assert _load(store, "tg:1007").part(NegotiationPart).platform == "借呗"
    replies = chat.engine.handle("tg:1007", Input.of_choice("sc:og"))  # the button under the script shown then
    assert ERROR not in replies[0].text and "想谈什么" in replies[-1].text


def test_a_state_the_code_no_longer_knows_resets_that_dialogue_kindly(store: Store) -> None:
    raw = json.loads(Session.new("tg:9").model_dump_json())
    raw["consent"] = True
    raw["parts"] = {"intake": {"state": "ask_favourite_colour", "person": {"values": {"monthly_income": "8000"}}}}
    store.save_session(Session.model_validate(raw))
    chat = Conversation(Engine(store, CLOCK), "tg:9")
    chat.say("8000")
    assert ERROR not in chat.text and render("core/state_reset") in chat.text
    chat.say("/restart")
    chat.tap("confirm_yes")
    assert "从头开始" in chat.text and ERROR not in chat.text


def test_a_dialogue_the_code_no_longer_has_is_dropped_kindly(store: Store) -> None:
    raw = json.loads(Session.new("tg:10").model_dump_json())
    raw["consent"], raw["stack"] = True, ["intake", "karaoke"]
    store.save_session(Session.model_validate(raw))
    chat = Conversation(Engine(store, CLOCK), "tg:10")
    chat.say("你好")
    assert ERROR not in chat.text and render("core/state_reset") in chat.text
    assert _load(store, "tg:10").stack == ["intake"]
