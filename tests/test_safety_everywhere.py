"""A message of despair is answered first, with the hotlines, at every intake step; the same question follows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conversation import Conversation

from flows.core.engine import Engine
from flows.core.session import Session
from flows.intake.machine import IntakePart
from flows.storage import open_store
from flows.storage.base import Store

DESPAIR = ["不想活了", "家里没有我反而轻松", "我想死", "真想一了百了", "撑不下去了，死了算了"]
# What a person answers at each step of the intake, one fact at a time (a tap when it starts with "@").
WALK = ["@consent_yes", "8000", "3000", "借呗", "一万二", "40天", "@col:frequent", "@more_yes", "某某贷", "5000",
        "10天", "@col:sms", "@no", "日息万五", "@skip", "@received_full", "@repaid_none", "@skip"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(db_path=str(tmp_path / "coach.db"))
    yield opened
    opened.close()


def _answer(chat: Conversation, step: str) -> None:
    chat.tap(step[1:]) if step.startswith("@") else chat.say(step)


def _intake(store: Store) -> IntakePart:
    session = store.load_session("tg:42")
    assert session is not None
    return session.part(IntakePart)


@pytest.mark.parametrize("steps", range(len(WALK)), ids=lambda n: f"after_{n}_answers")
def test_crisis_interrupts_and_the_same_question_resumes(steps: int, store: Store) -> None:
    chat = Conversation(Engine(store), "tg:42")
    chat.say("/start")
    for step in WALK[:steps]:
        _answer(chat, step)
    question = chat.replies[-1].text
    before = _intake(store)
    chat.say(DESPAIR[steps % len(DESPAIR)])
    assert "12356" in chat.text and chat.text.index("12356") < chat.text.index("120")
    assert question not in chat.text
    chat.say("8000")  # not a wish to go on: the coach stays with the person
    assert "12356" in chat.text and question not in chat.text
    chat.tap("crisis:safe")
    assert question in chat.text
    after = _intake(store)
    assert after == before  # nothing of what was typed during the crisis was stored as an answer
    session = store.load_session("tg:42")
    assert isinstance(session, Session) and session.top == "intake"
