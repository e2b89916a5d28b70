"""A message of despair is answered first, with the hotlines, in every intake state; the same question follows."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from conversation import Conversation

from flows.core.engine import Engine
from flows.core.models import LoanDraft, ProfileDraft, Session
from flows.intake.machine import IntakeState
from flows.intake.view import ask
from flows.storage import open_store
from flows.storage.base import Store

STATES: list[IntakeState] = [state for state in IntakeState if state is not IntakeState.done]
DESPAIR = ["不想活了", "活着没意思", "我想死", "真想一了百了", "撑不下去了，死了算了"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(db_path=str(tmp_path / "coach.db"))
    yield opened
    opened.close()


def _session_in(state: IntakeState) -> Session:
    loan = LoanDraft(platform="借呗", principal=Decimal(12000), term_months=12, answered=["platform", "principal"])
    draft = ProfileDraft(monthly_income=Decimal(8000), monthly_expenses=Decimal(3000), loans=[loan],
                         answered=["monthly_income", "monthly_expenses"])
    return Session(user_id="tg:42", consent=state is not IntakeState.welcome, state=state.value, draft=draft,
                   loan_index=0)


@pytest.mark.parametrize("state", STATES, ids=[state.value for state in STATES])
def test_crisis_interrupts_and_the_same_question_resumes(state: IntakeState, store: Store) -> None:
    session = _session_in(state)
    store.save_session(session)
    question = ask(session.model_copy(deep=True)).text
    chat = Conversation(Engine(store), "tg:42")
    chat.say(DESPAIR[STATES.index(state) % len(DESPAIR)])
    assert chat.text.startswith("先放下这些账单") and "12356" in chat.text
    assert chat.text.index("12356") < chat.text.index("120")
    chat.say("8000")  # not a wish to go on: the coach stays with the person
    assert "12356" in chat.text and question not in chat.text
    chat.tap("resume")
    assert question in chat.text
    after = store.load_session("tg:42")
    assert after is not None and after.state == state.value and after.draft == session.draft
