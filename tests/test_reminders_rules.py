"""The pure rules: what is due when, in the user's time zone, outside quiet hours, only on working days."""

from __future__ import annotations

import re
import tokenize
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from test_reminders_support import MONDAY, PROFILE, SATURDAY, agreement_b, utc

from flows.reminders.answers import parse_zone
from flows.reminders.models import Payment, ReminderSettings, RemindersState
from flows.reminders.progress import progress, replan
from flows.reminders.rules import (
    can_send,
    day_message,
    in_quiet_hours,
    next_nudge,
    nudge_moment,
    snooze_moment,
    steps_for,
)

DEFAULT = ReminderSettings()


def _state(**kw: object) -> RemindersState:
    return RemindersState.model_validate({"settings": DEFAULT.model_dump(mode="json"), **kw})


def test_nudge_is_at_the_local_time_in_the_users_zone() -> None:
    assert nudge_moment(MONDAY, DEFAULT) == utc(MONDAY, 9)
    london = ReminderSettings(tz="Europe/London", nudge_time=time(9, 0))
    assert nudge_moment(MONDAY, london) == datetime(2025, 7, 14, 8, 0, tzinfo=UTC)


def test_a_nudge_time_inside_quiet_hours_moves_to_their_end() -> None:
    late = ReminderSettings(nudge_time=time(23, 0))
    assert nudge_moment(MONDAY, late) == utc(MONDAY, 8)
    assert in_quiet_hours(time(22, 0), DEFAULT) and in_quiet_hours(time(7, 59), DEFAULT)
    assert not in_quiet_hours(time(8, 0), DEFAULT) and not in_quiet_hours(time(21, 59), DEFAULT)
    daytime = ReminderSettings(quiet_start=time(12, 0), quiet_end=time(14, 0))
    assert in_quiet_hours(time(13, 0), daytime) and not in_quiet_hours(time(23, 0), daytime)


def test_next_nudge_is_today_before_the_time_and_tomorrow_after_or_when_taken() -> None:
    assert next_nudge(utc(MONDAY, 8), DEFAULT) == (MONDAY, utc(MONDAY, 9))
    tuesday = MONDAY + timedelta(days=1)
    assert next_nudge(utc(MONDAY, 9, 1), DEFAULT) == (tuesday, utc(tuesday, 9))
    assert next_nudge(utc(MONDAY, 8), DEFAULT, frozenset({MONDAY})) == (tuesday, utc(tuesday, 9))


def test_nothing_goes_out_in_quiet_hours_or_on_another_day() -> None:
    assert can_send(utc(MONDAY, 9), DEFAULT, MONDAY)
    assert not can_send(utc(MONDAY, 22, 30), DEFAULT, MONDAY)
    assert not can_send(utc(MONDAY + timedelta(days=1), 9), DEFAULT, MONDAY)


def test_snooze_is_two_hours_unless_that_reaches_quiet_hours() -> None:
    assert snooze_moment(utc(MONDAY, 10), DEFAULT) == utc(MONDAY, 12)
    assert snooze_moment(utc(MONDAY, 20, 30), DEFAULT) is None


def test_call_steps_only_on_working_days() -> None:
    state = _state()
    plan = replan(PROFILE, state, today=MONDAY)
    monday = steps_for(MONDAY, state, plan)
    assert [s.kind for s in monday] == ["call"] and monday[0].loan == plan.priority[0]
    assert steps_for(SATURDAY, state, replan(PROFILE, state, today=SATURDAY)) == []
    assert day_message(SATURDAY, state, replan(PROFILE, state, today=SATURDAY)) is None


def test_agreed_instalments_are_announced_three_days_before_the_day_before_and_on_the_day() -> None:
    first = date(2025, 7, 25)
    state = _state(agreements=[agreement_b(first, written=True).model_dump(mode="json")])
    found = {}
    for offset in range(-5, 2):
        day = first + timedelta(days=offset)
        plan = replan(PROFILE, state, today=day)
        found[offset] = [(s.kind, s.days_left) for s in steps_for(day, state, plan) if s.kind == "due"]
    assert found == {-5: [], -4: [], -3: [("due", 3)], -2: [], -1: [("due", 1)], 0: [("due", 0)], 1: []}
    state.payments.append(Payment(loan="B平台", amount=Decimal(500), on=first, agreement="b1", index=0))
    assert [s for s in steps_for(first, state, replan(PROFILE, state, today=first)) if s.kind == "due"] == []


def test_the_due_step_outranks_the_call_and_the_written_ask() -> None:
    first = date(2025, 7, 16)
    state = _state(agreements=[agreement_b(first).model_dump(mode="json")])
    message = day_message(first, state, replan(PROFILE, state, today=first))
    assert message is not None and message.main.kind == "due" and message.main.days_left == 0
    assert {s.kind for s in message.others} == {"written", "call"}


def test_payday_asks_to_set_the_plans_money_aside_once_a_month() -> None:
    settings = ReminderSettings(payday=15)
    state = RemindersState(settings=settings)
    day = date(2025, 7, 15)
    plan = replan(PROFILE, state, today=day)
    step = steps_for(day, state, plan)[0]
    assert step.kind == "payday" and step.amount == Decimal(4000) and step.month == "2025-07"
    state.payments.append(Payment(loan="A平台", amount=Decimal(3900), on=day, month="2025-07"))
    assert all(s.kind != "payday" for s in steps_for(day, state, replan(PROFILE, state, today=day)))
    short = RemindersState(settings=ReminderSettings(payday=31))
    assert steps_for(date(2025, 9, 30), short, replan(PROFILE, short, today=date(2025, 9, 30)))[0].kind == "payday"


def test_skipped_days_have_nothing_to_do() -> None:
    state = _state(skipped=[MONDAY.isoformat()])
    assert steps_for(MONDAY, state, replan(PROFILE, state, today=MONDAY)) == []


def test_progress_counts_payments_and_milestones() -> None:
    state = _state(agreements=[agreement_b(date(2025, 7, 25), written=True, count=1).model_dump(mode="json")])
    state.agreements[0].amount = Decimal(3000)
    state.payments.append(Payment(loan="B平台", amount=Decimal(3000), on=date(2025, 7, 25), agreement="b1", index=0))
    plan = replan(PROFILE, state, today=date(2025, 7, 25))
    found = progress(PROFILE, state, plan)
    assert found.paid == Decimal(3000) and found.left == Decimal(10000)
    assert found.new_milestones == ["first_payment", "cleared:B平台"]
    assert found.percent == 23 and found.bar.count("\u2593") == 2


def test_no_chinese_in_the_reminders_code() -> None:
    root = Path(__file__).resolve().parent.parent
    files = [*sorted((root / "flows" / "reminders").glob("*.py")),
             root / "flows" / "storage" / "reminders_sql.py", root / "bot" / "reminder_dispatch.py",
             root / "bot" / "cli_reminders.py"]
    for path in files:
        with path.open("rb") as handle:
            code = " ".join(t.string for t in tokenize.tokenize(handle.readline) if t.type != tokenize.COMMENT)
        assert not re.search(r"[\u4e00-\u9fff]", code), path


@pytest.mark.parametrize("place", ["深圳", "上海", "广州", "成都", "我在深圳", "北京时间", "国内"])
def test_a_mainland_city_is_china_time(place: str) -> None:
    assert parse_zone(place) == "Asia/Shanghai"


@pytest.mark.parametrize(("said", "hour", "minute"), [("晚上八点半吧", 20, 30), ("晚八点", 20, 0), ("早上九点吧", 9, 0),
                                                    ("早八点半左右", 8, 30)])
def test_a_time_with_a_soft_ending_or_a_short_period_word(said: str, hour: int, minute: int) -> None:
    from flows.reminders.answers import parse_time

    assert parse_time(said) == time(hour, minute)


def test_quiet_hours_typed_are_no_report_of_harassment() -> None:
    from flows.crisis.signals import detect_signals

    found = detect_signals("晚上十一点到早上七点")
    assert found is None or not found.harassment
    reported = detect_signals("催收晚上十一点还打电话")
    assert reported is not None and reported.harassment
