"""After the intake: the plan with its chart, the menu, and switching the repayment order."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from conversation import Conversation
from sessions import at_home

from flows.analysis import Analysis
from flows.core.engine import Engine
from flows.core.models import Loan, Profile
from flows.core.session import Session
from flows.storage import open_store
from flows.storage.base import Store

PROFILE = Profile(
    monthly_income=Decimal(9000),
    monthly_expenses=Decimal(5000),
    hardship="失业",
    loans=[
        Loan(platform="A平台", principal=Decimal(10000), rate="年化24%", collection="frequent", overdue_days=20),
        Loan(platform="B平台", principal=Decimal(3000), rate="年化15%", overdue_days=20),
    ],
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(db_path=str(tmp_path / "coach.db"))
    session = at_home("tg:7", PROFILE)
    opened.save_session(session)
    yield opened
    opened.close()


def test_plan_comes_with_chart_and_order_can_switch(store: Store) -> None:
    chat = Conversation(Engine(store), "tg:7")
    replies = chat.say("/plan")
    photos = [a for r in replies for a in r.attachments if a.kind == "photo"]
    assert len(photos) == 1 and photos[0].data.startswith(b"\x89PNG")
    assert "A平台" in chat.text and "B平台" in chat.text
    avalanche = chat.text
    chat.tap("plan:snowball")
    session = store.load_session("tg:7")
    assert session is not None and session.plan_strategy == "snowball"
    assert chat.text != avalanche and "改回先还利率高的" in chat.labels


def test_menu_buttons_route_to_commands(store: Store) -> None:
    chat = Conversation(Engine(store), "tg:7")
    chat.say("/menu")
    chat.tap("menu:profile")
    assert "请核对" in chat.text
    chat.tap("confirm")
    assert "接下来想做什么" in chat.text


def test_commands_that_need_a_profile_say_so(tmp_path: Path) -> None:
    opened = open_store(db_path=str(tmp_path / "empty.db"))
    try:
        chat = Conversation(Engine(opened), "tg:8")
        chat.say("/start")
        chat.say("/plan")
        assert "先了解您的收入" in chat.text and "同意" in chat.text
        chat.say("/nonsense")
        assert "还不认识" in chat.text
    finally:
        opened.close()


def test_back_outside_the_intake_stays_where_the_user_is(store: Store) -> None:
    chat = Conversation(Engine(store), "tg:7")
    chat.say("/menu")
    chat.say("/back")
    assert "接下来想做什么" in chat.text
    session = store.load_session("tg:7")
    assert session is not None and session.top == "home"


def test_the_chart_is_drawn_after_the_turn_commits(store: Store) -> None:
    probes: list[bool] = []

    def draw(analysis: Analysis) -> bytes:
        # On SQLite a turn holds the one writer lock: another user's turn can only finish now if
        # the plan's turn has already committed (a hung probe means the chart held everyone up).
        probe = threading.Thread(target=store.save_session, args=(Session.new("tg:8"),))
        probe.start()
        probe.join(5)
        probes.append(not probe.is_alive())
        return b"\x89PNG drawn"

    chat = Conversation(Engine(store, draw_chart=draw), "tg:7")
    replies = chat.say("/plan")
    assert probes == [True]
    assert [a.data for r in replies for a in r.attachments] == [b"\x89PNG drawn"]


def test_a_chart_that_fails_leaves_the_plan_in_words(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    def broken(analysis: Analysis) -> bytes:
        raise RuntimeError("no font")

    chat = Conversation(Engine(store, draw_chart=broken), "tg:7")
    replies = chat.say("/plan")
    assert "A平台" in chat.text and not [a for r in replies for a in r.attachments]
    assert any("file failed" in record.getMessage() for record in caplog.records)
    assert "no font" not in caplog.text


def test_a_question_a_feeling_or_a_correction_at_the_menu_is_answered(store: Store) -> None:
    chat = Conversation(Engine(store), "tg:7")
    chat.say("会坐牢吗")
    assert "一般不会坐牢" in chat.text and "menu:plan" in [choice.id for choice in chat.offered]
    chat.say("我好怕")
    assert "很正常" in chat.text
    chat.say("借呗其实欠一万五")
    assert [choice.id for choice in chat.offered] == ["menu:profile"]
    session = store.load_session("tg:7")
    assert session is not None and session.profile == PROFILE  # nothing is changed without asking
