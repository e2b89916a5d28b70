"""Issue 15, one plan: after a logged call every view shows the same months and amounts, and an agreement
beyond the lawful balance or the buffer is questioned before it is saved."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from advice_profiles import TODAY, profile
from conversation import Conversation
from sessions import at_home
from test_reminders_support import clock_at, scheduler

from flows.analysis import ProposedAgreement, analyse, check_agreement, plan_json
from flows.core.clock import FixedClock
from flows.core.engine import Engine
from flows.core.models import Input, Profile
from flows.core.money import yuan
from flows.core.session import Session
from flows.negotiation.script import build_script
from flows.reminders.messages import concern_texts
from flows.reminders.models import load_state
from flows.reminders.progress import plan_for, replan, view
from flows.reminders.scheduler import preview
from flows.storage import SqlStore, open_store

USER = "tg:15"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    opened = open_store(db_path=str(tmp_path / "coach.db"))
    p = profile("current_beside_overdue")
    opened.save_session(at_home(USER, p))
    yield opened
    opened.close()


def _chat(store: SqlStore, clock: FixedClock) -> Conversation:
    return Conversation(Engine(store, clock, after_turn=scheduler(store, clock).sync_session), USER)


def _session(store: SqlStore) -> Session:
    session = store.load_session(USER)
    assert session is not None and session.profile is not None
    return session


def test_after_a_logged_call_every_view_shows_the_same_plan(store: SqlStore) -> None:
    clock = clock_at(TODAY, 10)
    chat = _chat(store, clock)
    before = analyse(profile("current_beside_overdue"), today=TODAY)
    key = "安逸花"
    steady = before.loan(key).steady_monthly
    chat.say("/call")
    chat.tap(f"rm:cp:{[loan.key for loan in before.loans].index(key)}")
    chat.tap("skip")
    chat.tap("rm:ck:instalments")
    chat.say(f"{before.loan(key).term_months_proposed}期")
    chat.say(str(int(steady)))
    chat.say("12月1日")
    chat.tap("rm:cw:yes")
    logged = chat.text
    session = _session(store)
    state = load_state(session)
    assert session.profile is not None
    plan = plan_for(session.profile, state, today=TODAY)
    # The re-plan after /call is the one plan: its other lenders and months.
    other = plan.loan("美团借钱")
    assert other.steady_monthly > 0 and f"美团借钱：每月 {yuan(other.steady_monthly)}" in logged
    assert f"大约 {plan.months_to_clear} 个月" in logged
    chat.say("/progress")
    assert f"大约还要 {plan.months_to_clear} 个月" in chat.text
    assert f"还剩：{yuan(sum((loan.balance for loan in plan.loans), Decimal(0)))}" in chat.text
    # The plan pays the agreement in the months it says (plan month 1 is December).
    doc = plan_json(plan)
    assert doc["schedule"][0]["payments"][key] == int(steady)
    assert plan.loan(key).role == "agreed" and key in plan.agreed
    # The script for the other lender asks the same steady amount the plan and the reminders show.
    script = build_script(session.profile, plan, "美团借钱", today=TODAY)
    assert script.proposal.monthly == other.steady_monthly
    reminder_view = view(plan, state)
    assert reminder_view.steady["美团借钱"] == other.steady_monthly
    assert reminder_view.months_to_go == plan.months_to_clear
    texts = [item.reply.text for item in preview(session, clock.now(), 14)]
    calls = [text for text in texts if "今天可以给美团借钱打电话" in text]
    assert calls and all(f"每月 {yuan(other.steady_monthly)}" in text for text in calls)
    assert not any("今天可以给安逸花打电话" in text for text in texts)
    assert any(f"{key}第 1 期" in text and yuan(steady) in text for text in texts)
    assert replan(session.profile, state, today=TODAY).months_to_go == plan.months_to_clear


def test_a_deal_beyond_the_lawful_balance_is_questioned() -> None:
    p = profile("upfront_threats")
    analysis = analyse(p, today=TODAY)
    loan = analysis.loan("速借宝")
    # The lender's schedule: 6 x 1,400 = 8,400 against a lawful balance of 5,992.
    concerns = check_agreement(analysis, ProposedAgreement(loan="速借宝", kind="instalments", count=6,
                                                           amount=Decimal(1400), first_date=date(2026, 12, 1)))
    codes = [concern.code for concern in concerns]
    assert codes[0] == "above_lawful" and "hold_unlicensed" in codes
    assert concerns[0].amount == Decimal(8400) and concerns[0].limit == loan.balance
    texts = concern_texts(concerns)
    assert "8,400 元" in texts[0] and "5,992 元" in texts[0] and "书面明细" in texts[0]
    fits = check_agreement(analysis, ProposedAgreement(loan="借呗", kind="instalments",
                                                       count=analysis.loan("借呗").term_months_proposed,
                                                       amount=analysis.loan("借呗").steady_monthly))
    assert fits == []


def test_a_deal_beyond_the_buffer_is_questioned() -> None:
    p = profile("current_beside_overdue")
    analysis = analyse(p, today=TODAY)
    loan = analysis.loan("美团借钱")
    over = check_agreement(analysis, ProposedAgreement(loan="美团借钱", kind="instalments", count=2,
                                                       amount=loan.max_monthly + 1))
    assert [concern.code for concern in over] == ["above_ceiling"]
    assert over[0].limit == loan.max_monthly
    assert "应急储蓄" in concern_texts(over)[0]
    within = check_agreement(analysis, ProposedAgreement(loan="美团借钱", kind="instalments", count=2,
                                                         amount=loan.max_monthly))
    assert within == []
    lump = check_agreement(analysis, ProposedAgreement(loan="美团借钱", kind="waiver", amount=analysis.budget + 1))
    assert [concern.code for concern in lump] == ["lump_over_budget"]
    extension = check_agreement(analysis, ProposedAgreement(loan="美团借钱", kind="extension",
                                                            first_date=date(2027, 1, 1)))
    assert extension[0].code == "extension_full" and extension[0].limit == loan.steady_monthly
    assert all(text and "None" not in text for text in concern_texts([*lump, *extension]))


def test_a_debt_past_the_limitation_period_is_questioned_before_any_deal() -> None:
    p = Profile.model_validate({"monthly_income": 6000, "monthly_expenses": 3000,
                                "loans": [{"platform": "老网贷", "principal": 6000, "overdue_days": 1500}]})
    analysis = analyse(p, today=TODAY)
    concerns = check_agreement(analysis, ProposedAgreement(loan="老网贷", kind="instalments", count=6,
                                                           amount=Decimal(1000)))
    assert concerns[0].code == "limitation" and "12348" in concern_texts(concerns)[0]


def test_plan_and_scripts_in_the_chat_follow_the_logged_call(store: SqlStore) -> None:
    clock = clock_at(TODAY, 10)
    chat = _chat(store, clock)
    for step in ("/call", "rm:cp:1", "skip", "rm:ck:instalments", "4期", "2000", "12月1日", "rm:cw:yes"):
        chat.tap(step) if step.startswith("rm:") else chat.say(step)
    session = _session(store)
    assert session.profile is not None
    plan = plan_for(session.profile, load_state(session), today=TODAY)
    other = plan.loan("美团借钱")
    chat.say("/plan")
    assert "安逸花：按已经谈好的约定还" in chat.text
    assert f"美团借钱：每月 {yuan(other.steady_monthly)}" in chat.text
    assert f"大约 {plan.months_to_clear} 个月" in chat.text


def test_skip_this_lender_for_now_pauses_its_nudges(store: SqlStore) -> None:
    clock = clock_at(TODAY, 10)
    chat = _chat(store, clock)
    chat.say("/remind")
    for choice in ("rm:t:0900", "rm:q:2200-0800", "rm:tz:default", "rm:pd:none"):
        chat.tap(choice)
    session = _session(store)
    assert load_state(session).started == TODAY
    chat.engine.handle(USER, Input.of_choice("rm:pause:1"))
    state = load_state(_session(store))
    assert state.is_paused("安逸花", TODAY) and not state.is_paused("安逸花", date(2026, 12, 1))


def test_the_call_form_questions_a_deal_beyond_the_plan_before_saving_it(store: SqlStore) -> None:
    clock = clock_at(TODAY, 10)
    chat = _chat(store, clock)
    before = analyse(profile("current_beside_overdue"), today=TODAY)
    loan = before.loan("美团借钱")
    keys = [item.key for item in before.loans]
    steps = ("/call", f"rm:cp:{keys.index('美团借钱')}", "skip", "rm:ck:instalments", "2期",
             str(int(loan.max_monthly) + 500), "12月1日", "rm:cw:yes")
    for step in steps:
        chat.tap(step) if step.startswith(("rm:", "skip")) else chat.say(step)
    assert "记下之前" in chat.text and "应急储蓄" in chat.text
    assert not load_state(_session(store)).agreements  # nothing is saved while it is questioned
    chat.tap("rm:cdrop")
    assert not load_state(_session(store)).agreements and _session(store).stack == ["home"]
    for step in steps:
        chat.tap(step) if step.startswith(("rm:", "skip")) else chat.say(step)
    chat.tap("rm:csave")
    [agreement] = load_state(_session(store)).agreements
    assert agreement.loan == "美团借钱" and agreement.amount == loan.max_monthly + 500
