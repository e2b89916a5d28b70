"""`/export`: the user's own profile and plan as JSON, the schedule as a calendar phones import."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from conversation import Conversation
from icalendar import Calendar
from sessions import at_home

from flows.core.clock import FixedClock
from flows.core.engine import Engine
from flows.core.models import Loan, Profile
from flows.storage import open_store
from flows.storage.base import Store

PROFILE = Profile(
    monthly_income=Decimal(8000),
    monthly_expenses=Decimal(5000),
    hardship="降薪",
    loans=[
        Loan(platform="借呗", principal=Decimal(6000), rate="日息万五", overdue_days=30, collection="calls"),
        Loan(platform="A&B<贷>", principal=Decimal(1500), rate="年化24%"),
    ],
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(db_path=str(tmp_path / "coach.db"))
    opened.save_session(at_home("tg:5", PROFILE))
    yield opened
    opened.close()


def test_export_sends_profile_plan_and_calendar(store: Store) -> None:
    clock = FixedClock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
    chat = Conversation(Engine(store, clock), "tg:5")
    replies = chat.say("/export")
    files = {a.filename: a for r in replies for a in r.attachments}
    assert set(files) == {"debt-plan.json", "repayment-schedule.ics"}

    document = json.loads(files["debt-plan.json"].data)
    assert Profile.model_validate(document["profile"]) == PROFILE
    plan = document["plan"]
    assert plan["total_outstanding"] == 7500 and plan["monthly_available"] == 3000

    calendar = Calendar.from_ical(files["repayment-schedule.ics"].data)
    events = [c for c in calendar.walk("VEVENT")]
    planned = sum(1 for month in plan["schedule"] for amount in month["payments"].values() if amount > 0)
    assert len(events) == planned
    starts = sorted({e.decoded("dtstart") for e in events})
    assert starts[0] == date(2026, 12, 1)  # the next 1st or 15th at least a week after 24 November
    assert all(later.day == starts[0].day for later in starts)
    summaries = {str(e.get("summary")) for e in events}
    assert any("借呗" in s and "元" in s for s in summaries)
    assert any("A&B<贷>" in s for s in summaries)  # names kept exactly as typed
    assert len({str(e.get("uid")) for e in events}) == len(events)
    assert "tg:5" not in files["repayment-schedule.ics"].data.decode()


def test_export_before_the_intake_asks_for_it_first(tmp_path: Path) -> None:
    opened = open_store(db_path=str(tmp_path / "empty.db"))
    try:
        chat = Conversation(Engine(opened), "tg:6")
        replies = chat.say("/export")
        assert not [a for r in replies for a in r.attachments]
        assert "先了解" in chat.text
    finally:
        opened.close()
