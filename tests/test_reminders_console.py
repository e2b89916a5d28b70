"""A console user's reminders: the terminal cannot push, so the missed nudge is shown at the next chat."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from test_reminders_support import MONDAY, clock_at, user, utc

from bot.console import chat
from flows.core.engine import Engine
from flows.reminders.models import RemindersPart
from flows.storage import SqlStore, open_store

CONSOLE, TELEGRAM = "console:7", "tg:7"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    opened = open_store(db_path=str(tmp_path / "coach.db"))
    for user_id in (CONSOLE, TELEGRAM):
        session = user(user_id)
        session.updated_at = utc(MONDAY, 20)  # they last chatted on Monday evening
        opened.save_session(session)
    yield opened
    opened.close()


def test_the_missed_nudge_comes_once_at_the_next_chat(store: SqlStore) -> None:
    engine = Engine(store, clock_at(MONDAY + timedelta(days=1), 10))  # Tuesday 10:00, after the 09:00 nudge
    held = engine.notices(CONSOLE)
    assert len(held) == 1 and held[0].text and held[0].choices  # the day's message, with its buttons
    assert engine.notices(CONSOLE) == []  # shown once
    assert engine.notices(TELEGRAM) == []  # Telegram users get theirs on time from the dispatcher


def test_a_week_away_is_one_message_not_seven(store: SqlStore) -> None:
    assert len(Engine(store, clock_at(MONDAY + timedelta(days=7), 10)).notices(CONSOLE)) == 1


def test_nothing_is_due_before_the_nudge_time(store: SqlStore) -> None:
    assert Engine(store, clock_at(MONDAY + timedelta(days=1), 8)).notices(CONSOLE) == []


def test_the_terminal_chat_shows_it_before_anything_else(store: SqlStore) -> None:
    engine = Engine(store, clock_at(MONDAY + timedelta(days=1), 10))
    expected = engine.notices(CONSOLE)[0].text
    session = store.load_session(CONSOLE)
    assert session is not None
    session.updated_at = utc(MONDAY, 20)
    session.part(RemindersPart).data.held_until = None
    store.save_session(session)
    out = io.StringIO()
    assert chat(engine, CONSOLE, io.StringIO(""), out) == 0
    assert out.getvalue().startswith(expected)
