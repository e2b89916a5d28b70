"""The reminders dialogue: set up in a few taps, log a real call, mark paid, snooze, skip, off, progress."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from conversation import Conversation
from test_reminders_support import MONDAY, SATURDAY, clock_at, scheduler, user, utc

from flows.core.clock import FixedClock
from flows.core.engine import Engine
from flows.core.models import Input
from flows.reminders.models import MAX_FAILED_CALLS, RemindersPart, load_state, save_state
from flows.reminders.scheduler import preview
from flows.storage import SqlStore, open_store
from flows.storage.reminders_sql import SENT


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[SqlStore]:
    opened = open_store(db_path=str(tmp_path / "coach.db"))
    session = user()
    session.drop(RemindersPart.key)
    opened.save_session(session)
    yield opened
    opened.close()


def _engine(store: SqlStore, clock: FixedClock) -> Engine:
    return Engine(store, clock, after_turn=scheduler(store, clock).sync_session)


def _chat(store: SqlStore, clock: FixedClock) -> Conversation:
    return Conversation(_engine(store, clock), "tg:7")


def _tap(store: SqlStore, clock: FixedClock, choice: str) -> str:
    """Tap a button under a sent reminder while the user is elsewhere in the chat (the home menu)."""
    with store.turn("tg:7") as turn:
        session = turn.session
        assert session is not None
        session.stack = ["home"]
        turn.save(session)
    replies = _engine(store, clock).handle("tg:7", Input.of_choice(choice))
    after = store.load_session("tg:7")
    assert after is not None and after.stack == ["home"]
    return "\n".join(reply.text for reply in replies)


def test_setup_takes_four_taps_and_schedules_the_next_nudge(sqlite: SqlStore) -> None:
    clock = clock_at(MONDAY, 10)
    chat = _chat(sqlite, clock)
    chat.say("/remind")
    assert "几点" in chat.text
    chat.tap("rm:t:0900")
    chat.tap("rm:q:2200-0800")
    chat.tap("rm:tz:default")
    chat.tap("rm:pd:15")
    assert "提醒已开启" in chat.text and "每月 15 号" in chat.text and "7月15日（周二） 09:00" in chat.text
    [row] = scheduler(sqlite, clock).repo.pending("tg:7")
    assert row.due_at == utc(MONDAY + timedelta(days=1), 9)
    chat.tap("rm:e:nudge_time")
    chat.say("23:00")
    assert "安静时段" in chat.text
    chat.say("晚上8点")
    assert "每天提醒：20:00" in chat.text
    assert scheduler(sqlite, clock).repo.pending("tg:7")[0].due_at == utc(MONDAY, 20)
    chat.tap("rm:preview")
    assert "7月14日（周一） 20:00" in chat.text and "7月19日" not in chat.text  # no call nudge on Saturday
    chat.say("/remind off")
    assert "关闭" in chat.text and scheduler(sqlite, clock).repo.pending("tg:7") == []
    chat.say("/remind on")
    assert "提醒已开启" in chat.text and len(scheduler(sqlite, clock).repo.pending("tg:7")) == 1
    chat.tap("rm:off")
    assert "关闭" in chat.text and scheduler(sqlite, clock).repo.pending("tg:7") == []


def test_logging_a_call_replans_and_asks_for_it_in_writing(sqlite: SqlStore) -> None:
    clock = clock_at(MONDAY, 10)
    chat = _chat(sqlite, clock)
    chat.say("/call")
    chat.tap("rm:cp:1")
    chat.say("李女士 工号 8866")
    chat.tap("rm:ck:instalments")
    chat.say("6期")
    chat.say("五百")
    chat.say("7月20日")
    chat.tap("rm:cw:no")
    assert "分 6 期，每期 500 元，第一期 7月20日（周日）" in chat.text
    # The one plan: 3,800 a month after the 200 buffer, 500 to B, so A gets 2,500 x 4 (3,300 would end on 100).
    assert "A平台：每月 2,500 元" in chat.text and "请以短信或书面形式确认" in chat.text
    session = sqlite.load_session("tg:7")
    assert session is not None
    state = load_state(session)
    [agreement] = state.agreements
    assert agreement.agent == "李女士 工号 8866" and not agreement.written and state.active
    days = [item.at.date() for item in preview(session, clock.now(), 7)]
    assert date(2025, 7, 17) in days and SATURDAY in days and date(2025, 7, 20) in days  # 3 days, 1 day, the day
    texts = {item.at.date(): item.reply.text for item in preview(session, clock.now(), 7)}
    assert "书面确认" in texts[date(2025, 7, 15)] and "B平台" in texts[SATURDAY]
    assert "书面确认" in _tap(sqlite, clock, f"rm:written:{agreement.id}")


def test_mark_paid_updates_progress_and_the_plan_and_celebrates_once(sqlite: SqlStore) -> None:
    clock = clock_at(MONDAY, 10)
    chat = _chat(sqlite, clock)
    for step in ("/call", "rm:cp:1", "skip", "rm:ck:extension", "7月20日", "rm:cw:yes", "rm:csave"):
        chat.tap(step) if step.startswith(("rm:", "skip")) else chat.say(step)
    session = sqlite.load_session("tg:7")
    assert session is not None
    agreement = load_state(session).agreements[0]
    clock.set(utc(date(2025, 7, 20), 9, 30))
    text = _tap(sqlite, clock, f"rm:paid:{agreement.id}:0")
    assert "3,000 元" in text and "还剩 10,000 元" in text and "第一笔" in text and "B平台已经还清" in text
    assert "已经记过" in _tap(sqlite, clock, f"rm:paid:{agreement.id}:0")
    chat.say("/progress")
    assert "已还：3,000 元" in chat.text and "还剩：10,000 元" in chat.text and "第一笔" not in chat.text
    session = sqlite.load_session("tg:7")
    assert session is not None
    assert all("B平台" not in item.reply.text for item in preview(session, clock.now(), 7))


def test_snooze_comes_back_in_two_hours_and_skip_silences_the_day(sqlite: SqlStore) -> None:
    clock = clock_at(MONDAY, 8)
    session = user()
    sqlite.save_session(session)
    sched = scheduler(sqlite, clock)
    sched.sync_user("tg:7")
    clock.set(utc(MONDAY, 9))
    [nudge] = sched.claim("w", 5)
    reply = sched.render(nudge)
    assert reply is not None and "今天可以给A平台打电话" in reply.text
    assert [c.label for c in reply.choices] == ["📞 记录通话", "稍后提醒", "今天跳过"]
    sched.finish(nudge, "w", SENT)
    clock.set(utc(MONDAY, 9, 5))
    assert "11:05" in _tap(sqlite, clock, "rm:snooze:20250714")
    kinds = [(row.kind, row.due_at) for row in sched.repo.pending("tg:7")]
    assert ("snooze", utc(MONDAY, 11, 5)) in kinds
    clock.set(utc(MONDAY, 11, 5))
    [again] = sched.claim("w", 5)
    assert again.kind == "snooze" and sched.render(again) is not None
    clock.set(utc(MONDAY, 11, 10))
    _tap(sqlite, clock, "rm:snooze:20250714")
    _tap(sqlite, clock, "rm:skip:20250714")
    assert [row.kind for row in sched.repo.pending("tg:7")] == ["nudge"]
    clock.set(utc(MONDAY, 20, 30))
    assert "不再提醒" in _tap(sqlite, clock, "rm:snooze:20250714")


def test_reminders_state_survives_the_session_round_trip(sqlite: SqlStore) -> None:
    session = user()
    state = load_state(session)
    state.skipped.append(MONDAY)
    save_state(session, state)
    sqlite.save_session(session)
    loaded = sqlite.load_session("tg:7")
    assert loaded is not None and load_state(loaded) == state


def test_remind_off_and_preview_arguments(sqlite: SqlStore) -> None:
    clock = clock_at(MONDAY, 8)
    sqlite.save_session(user())
    chat = _chat(sqlite, clock)
    chat.say("/remind preview")
    assert "7月14日（周一） 09:00" in chat.text
    chat.say("/remind off")
    session = sqlite.load_session("tg:7")
    assert session is not None and "关闭" in chat.text and not load_state(session).active
    assert preview(session, clock.now(), 7) == []
    chat.say("/remind on")
    session = sqlite.load_session("tg:7")
    assert session is not None and load_state(session).active and "提醒已开启" in chat.text


@pytest.mark.parametrize("kind", ["分期还款", "分6期", "就是分期"])
def test_a_typed_kind_of_deal_is_the_button_it_names_and_the_agreement_saves(kind: str, sqlite: SqlStore) -> None:
    chat = _chat(sqlite, clock_at(MONDAY, 10))
    chat.say("/call")
    chat.tap("rm:cp:1")
    chat.say("李女士")
    chat.say(kind)
    assert "分几期" in chat.text
    for line in ("6期", "五百", "7月20日"):
        chat.say(line)
    chat.tap("rm:cw:no")
    assert "分 6 期，每期 500 元" in chat.text
    session = sqlite.load_session("tg:7")
    assert session is not None
    [agreement] = load_state(session).agreements
    assert agreement.kind == "instalments" and agreement.count == 6


@pytest.mark.parametrize("outcome", ["rm:ck:none", "没谈成，他们说只能全额还"])
def test_a_call_where_nothing_was_agreed_is_kept_and_changes_neither_plan_nor_reminders(
        outcome: str, sqlite: SqlStore) -> None:
    clock = clock_at(MONDAY, 10)
    chat = _chat(sqlite, clock)
    chat.say("/remind preview")
    session = sqlite.load_session("tg:7")
    assert session is not None
    before = [(item.at, item.reply.text) for item in preview(session, clock.now(), 7)]
    chat.say("/plan")
    plan_before = chat.text
    chat.say("/call")
    chat.tap("rm:cp:1")
    chat.say("王先生")
    chat.tap(outcome) if outcome.startswith("rm:") else chat.say(outcome)
    assert "没有谈成" in chat.text and "/script" in chat.text and "/complaint" in chat.text
    assert "书面确认" not in chat.text  # no "did it come in writing?" for a call with nothing agreed
    session = sqlite.load_session("tg:7")
    assert session is not None and session.top != "reminders"
    state = load_state(session)
    assert state.agreements == [] and [(c.loan, c.agent) for c in state.failed_calls] == [("B平台", "王先生")]
    assert [(item.at, item.reply.text) for item in preview(session, clock.now(), 7)] == before
    chat.say("/plan")
    assert chat.text == plan_before


def test_a_failed_call_after_a_deal_leaves_the_deal_standing(sqlite: SqlStore) -> None:
    clock = clock_at(MONDAY, 10)
    chat = _chat(sqlite, clock)
    for step in ("/call", "rm:cp:1", "skip", "rm:ck:extension", "7月20日", "rm:cw:yes", "rm:csave"):
        chat.tap(step) if step.startswith(("rm:", "skip")) else chat.say(step)
    chat.say("/progress")
    progress_before = chat.text
    for step in ("/call", "rm:cp:1", "skip", "rm:ck:none"):
        chat.tap(step) if step.startswith(("rm:", "skip")) else chat.say(step)
    assert "没有谈成" in chat.text
    session = sqlite.load_session("tg:7")
    assert session is not None
    state = load_state(session)
    assert [a.kind for a in state.agreements] == ["extension"] and len(state.failed_calls) == 1
    chat.say("/progress")
    assert chat.text == progress_before


def test_failed_calls_keep_the_most_recent_and_count_the_tries(sqlite: SqlStore) -> None:
    chat = _chat(sqlite, clock_at(MONDAY, 10))
    for _ in range(MAX_FAILED_CALLS + 2):
        for step in ("/call", "rm:cp:1", "skip", "rm:ck:none"):
            chat.tap(step) if step.startswith(("rm:", "skip")) else chat.say(step)
    assert "没有谈成" in chat.text
    session = sqlite.load_session("tg:7")
    assert session is not None
    assert len(load_state(session).failed_calls) == MAX_FAILED_CALLS
