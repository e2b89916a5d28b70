"""Issue 15, daily steps that follow the plan: the contact order first, one lender a working day, help
instead of the same step a third day running, every lender in arrears within two weeks, and 您."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from advice_profiles import PROFILES, TODAY, profile

from flows.core.models import Profile
from flows.reminders.messages import day_reply
from flows.reminders.models import Agreement, ReminderSettings, RemindersState
from flows.reminders.progress import replan
from flows.reminders.rules import CONTACT_KINDS, Step, day_message, is_working_day, steps_for

TWO_WEEKS = 14


def _state(**kw: object) -> RemindersState:
    return RemindersState.model_validate({"settings": ReminderSettings(payday=25), "started": TODAY, **kw})


def _days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=offset) for offset in range(count)]


def _contact(day: date, p: Profile, state: RemindersState, rehearsed: frozenset[str] = frozenset()) -> Step | None:
    plan = replan(p, state, today=day, rehearsed=rehearsed)
    return next((step for step in steps_for(day, state, plan) if step.kind in CONTACT_KINDS), None)


@pytest.mark.parametrize("name", PROFILES)
def test_every_lender_in_arrears_is_nudged_within_two_weeks(name: str) -> None:
    p = profile(name)
    state = _state()
    plan = replan(p, state, today=TODAY)
    seen: set[str] = set()
    for day in _days(TODAY, TWO_WEEKS):
        message = day_message(day, state, replan(p, state, today=day))
        if message is not None:
            seen |= {step.loan for step in (message.main, *message.others) if step.kind in CONTACT_KINDS}
            reply = day_reply(message)
            assert "你" not in reply.text
    assert set(plan.priority) | set(plan.held) <= seen


def test_the_first_working_days_walk_the_contact_order() -> None:
    p = profile("six_guarantee_shortfall")
    state = _state()
    plan = replan(p, state, today=TODAY)
    working = [day for day in _days(TODAY, TWO_WEEKS) if is_working_day(day)]
    walked = [_contact(day, p, state) for day in working[: len(plan.priority)]]
    assert [step.loan for step in walked if step is not None] == plan.priority
    kinds = {step.loan: step.kind for step in walked if step is not None}
    assert kinds["分期乐"] == "guarantee" and kinds["借呗"] == "call"
    for step in walked:
        assert step is not None
        loan = plan.analysis.loan(step.loan) if plan.analysis is not None else None
        assert loan is not None and step.amount == (loan.ask_monthly or None)  # the script's ask, or time
    assert all(_contact(day, p, state) is None for day in _days(TODAY, TWO_WEEKS) if not is_working_day(day))


def test_practice_first_until_the_lender_was_rehearsed() -> None:
    p = profile("current_beside_overdue")
    state = _state()
    first = _contact(TODAY, p, state)
    assert first is not None and first.practice
    text = day_reply(day_message(TODAY, state, replan(p, state, today=TODAY)))  # type: ignore[arg-type]
    assert "/roleplay" in text.text
    rehearsed = _contact(TODAY, p, state, frozenset({first.loan}))
    assert rehearsed is not None and not rehearsed.practice


def test_no_step_three_days_running_without_help() -> None:
    p = Profile.model_validate({**PROFILES["current_beside_overdue"],
                                "loans": [PROFILES["current_beside_overdue"]["loans"][1]]})
    state = _state()
    shown = []
    for day in (d for d in _days(TODAY, 21) if is_working_day(d)):
        step = _contact(day, p, state)
        assert step is not None and step.loan == "安逸花"
        shown.append("help" if step.help else step.kind)
    for i in range(2, len(shown)):
        assert not (shown[i] == shown[i - 1] == shown[i - 2]), shown
    help_day = next(d for d in _days(TODAY, 21) if is_working_day(d) and (s := _contact(d, p, state)) and s.help)
    reply = day_reply(day_message(help_day, state, replan(p, state, today=help_day)))  # type: ignore[arg-type]
    assert "短版本" in reply.text and "先跳过" in reply.text
    assert {choice.id for choice in reply.choices} >= {"menu:roleplay", "rm:pause:0"}


def test_a_paused_lender_is_skipped_and_the_others_still_come() -> None:
    p = profile("current_beside_overdue")
    state = _state()
    first = _contact(TODAY, p, state)
    assert first is not None
    state.pause(first.loan, TODAY)
    for day in _days(TODAY, 7):
        step = _contact(day, p, state)
        assert step is None or step.loan != first.loan
    assert any((step := _contact(day, p, state)) is not None and step.loan == first.loan
               for day in _days(TODAY + timedelta(days=7), 7))


def test_after_an_agreement_the_steps_are_the_instalments_and_the_written_chase() -> None:
    p = profile("current_beside_overdue")
    agreement = Agreement(id="a1", loan="安逸花", kind="instalments", count=4, amount=Decimal(2000),
                          first_date=date(2026, 12, 1), written=False, made_on=TODAY, owed=Decimal(8000))
    state = _state(agreements=[agreement])
    kinds: dict[date, list[str]] = {}
    for day in _days(TODAY, 10):
        plan = replan(p, state, today=day)
        kinds[day] = [step.kind for step in steps_for(day, state, plan)]
        assert all(step.loan != "安逸花" for step in steps_for(day, state, plan) if step.kind == "call")
    assert "due" in kinds[date(2026, 11, 28)] and "due" in kinds[date(2026, 12, 1)]
    assert "written" in kinds[TODAY]
    written_help = [replan(p, state, today=day) for day in _days(TODAY, 10) if is_working_day(day)]
    flags = [next(s for s in steps_for(day, state, plan) if s.kind == "written").help
             for day, plan in zip([d for d in _days(TODAY, 10) if is_working_day(d)], written_help, strict=True)]
    assert flags[:3] == [False, False, True]


def test_the_payday_step_sets_aside_the_plans_money_and_the_buffer() -> None:
    p = profile("current_beside_overdue")
    state = _state()
    day = date(2026, 11, 25)
    plan = replan(p, state, today=day)
    step = next(step for step in steps_for(day, state, plan) if step.kind == "payday")
    assert step.parts == (("微粒贷", Decimal(550)),)  # the current loan is paid as its contract says
    analysis = plan.analysis
    assert analysis is not None
    assert step.amount == analysis.monthly_available and step.saved >= analysis.buffer
    text = day_reply(day_message(day, state, plan)).text  # type: ignore[arg-type]
    assert "应急储蓄" in text and "谈妥并拿到书面确认后再按约定还" in text
