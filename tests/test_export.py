"""`/export`: the user's own profile and plan as JSON, the schedule as a calendar phones import."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from botapi_server import TOKEN, Call, FakeBotApi, RecordingRequest
from conversation import Conversation
from icalendar import Calendar
from pydantic import SecretStr
from sessions import at_home
from telegram import Update

from bot.settings import Settings
from bot.telegram.app import build_application
from flows.core.clock import FixedClock
from flows.core.engine import Engine
from flows.core.models import Loan, Profile
from flows.core.texts import render
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
    assert "备份" in str(files["debt-plan.json"].caption) and "日历" in str(files["repayment-schedule.ics"].caption)

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


async def _export_over_telegram(store: Store, refuse: str | None) -> list[Call]:
    """Send /export through the Telegram adapter to the fake Bot API; return what chat 5 received."""
    api = FakeBotApi()
    api.chat(5)
    if refuse is not None:
        api.refuse_next("sendDocument", 5, refuse)
    settings = Settings(_env_file=None, telegram_bot_token=SecretStr(TOKEN), coach_button_secret=SecretStr("s" * 32))
    app = build_application(settings, Engine(store, FixedClock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))),
                            request=RecordingRequest(api))  # fmt: skip
    async with app:
        await app.process_update(Update.de_json(api.push_text(5, "/export"), app.bot))
    return [c for c in api.sent(5) if c.method in {"sendMessage", "sendDocument"}]


async def test_export_sends_the_files_before_the_text_that_presents_them(store: Store) -> None:
    received = await _export_over_telegram(store, refuse=None)
    assert [c.method for c in received] == ["sendDocument", "sendDocument", "sendMessage"]
    assert received[-1].plain.startswith(render("export/ready", has_calendar=True).split("\n")[0])


async def test_a_failed_document_is_named_kindly_with_what_did_arrive(store: Store) -> None:
    received = await _export_over_telegram(store, refuse="repayment-schedule.ics")
    assert [c.method for c in received] == ["sendDocument", "sendMessage"]
    assert received[0].files["document"][0] == "debt-plan.json"
    text = received[-1].plain
    expected = render("telegram/files_missing", sent=["debt-plan.json"], missing=["repayment-schedule.ics"])
    assert text == expected and "debt-plan.json" in text and "repayment-schedule.ics" in text
    assert render("telegram/error") not in text and render("export/ready", has_calendar=True) not in text
