"""Scripted people through the engine: how many turns to the plan, and nothing asked twice.

Issue 14's measures: two loans answered one fact at a time reach the plan in at most 12 turns, two
loans described one message each in at most 6, six loans in at most 30; a question already answered
is never asked again. A person who asks three questions and voices a worry mid-intake gets each
answered, nothing of it stored, and the intake ends with the right profile. The people live in
tests/intake_people.py; `bench/bench_intake_turns.py` prints their counts for bench/README.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from conversation import Conversation
from intake_people import ASIDES, PEOPLE, PLAN, QUESTIONS_AND_A_WORRY, USER, Person, play, profile

from flows.core.engine import Engine
from flows.core.models import Profile
from flows.storage import open_store
from flows.storage.base import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(db_path=str(tmp_path / "people.db"))
    yield opened
    opened.close()


def assert_profile(found: Profile, person: Person) -> None:
    """The stored profile holds the person's figures, loan by loan."""
    assert (found.monthly_income, found.monthly_expenses) == (Decimal(person.income), Decimal(person.expenses))
    assert {loan.platform: loan.principal for loan in found.loans} == {
        platform: Decimal(owed) for platform, owed in person.loans.items()}
    for loan in found.loans:
        if loan.platform in person.overdue:
            assert loan.overdue_days == person.overdue[loan.platform]


@pytest.mark.parametrize("name", PEOPLE)
def test_turns_to_the_plan(name: str, store: Store) -> None:
    person, most = PEOPLE[name]
    turns, asked_again = play(store, person)
    assert turns <= most
    assert asked_again == []
    assert_profile(profile(store), person)


def test_questions_and_a_worry_mid_intake_are_answered_and_never_stored(store: Store) -> None:
    chat = Conversation(Engine(store), USER)
    chat.say("/start")
    for line in QUESTIONS_AND_A_WORRY.lines:
        question = chat.replies[-1].text
        chat.tap(line[1:]) if line.startswith("@") else chat.say(line)
        if line in ASIDES:
            assert ASIDES[line] in chat.text, chat.text
            assert question.splitlines()[-1] in chat.text  # the same question follows the answer
    assert PLAN in chat.text
    found = profile(store)
    assert_profile(found, QUESTIONS_AND_A_WORRY)
    stored = found.model_dump_json()
    assert not any(aside.rstrip("？") in stored for aside in ASIDES)


@pytest.mark.parametrize("said", ["记不清了", "不太确定", "@od:unsure"])
def test_a_forgotten_overdue_time_is_kept_apart_from_thirty_days(said: str, store: Store) -> None:
    chat = Conversation(Engine(store), USER)
    chat.say("/start")
    for line in ["@consent_yes", "3000", "2000", "借呗欠一万", said, "@col:sms"]:
        chat.tap(line[1:]) if line.startswith("@") else chat.say(line)
    assert "记不清多久" in chat.text and "30 天" not in chat.text
    chat.tap("more_no")
    loan = profile(store).loans[0]
    assert loan.overdue_unsure and loan.overdue_days == 30  # the plan's assumption, flagged as one
    chat.say("/script")
    chat.tap("分期还款")
    chat.tap("hs:job_loss")
    while "sc:menu" not in [choice.id for choice in chat.offered]:
        chat.tap("skip") if "skip" in [choice.id for choice in chat.offered] else chat.tap("no")
    assert "逾期 30 天" not in chat.text  # a call never names a figure the person did not give


def test_thirty_days_typed_is_thirty_days(store: Store) -> None:
    chat = Conversation(Engine(store), USER)
    chat.say("/start")
    for line in ["@consent_yes", "3000", "2000", "借呗欠一万", "30天", "@col:sms"]:
        chat.tap(line[1:]) if line.startswith("@") else chat.say(line)
    assert "30 天" in chat.text and "记不清多久" not in chat.text


def test_a_loan_begun_by_mistake_is_taken_back_and_figures_are_not_platforms(store: Store) -> None:
    chat = Conversation(Engine(store), USER)
    chat.say("/start")
    for line in ["@consent_yes", "8000", "3000", "借呗欠一万，逾期10天，只发短信", "嗯嗯", "三千", "还有"]:
        chat.tap(line[1:]) if line.startswith("@") else chat.say(line)
        assert PLAN not in chat.text
    assert "more_no" in [choice.id for choice in chat.offered]  # the new loan's question offers a way back
    chat.say("没有了")
    assert PLAN in chat.text
    assert [loan.platform for loan in profile(store).loans] == ["借呗"]


def test_a_platform_whose_name_is_forgotten_still_makes_a_loan(store: Store) -> None:
    chat = Conversation(Engine(store), USER)
    chat.say("/start")
    for line in ["@consent_yes", "3000", "2000", "不记得了", "三千", "40天", "@col:sms", "@unknown"]:
        chat.tap(line[1:]) if line.startswith("@") else chat.say(line)
    while "more_no" not in [choice.id for choice in chat.offered]:
        chat.tap("skip")  # what the loan's rate and terms were: not known either
    chat.tap("more_no")
    assert PLAN in chat.text
    assert [loan.platform for loan in profile(store).loans] == ["名字记不清的平台（第 1 笔）"]
