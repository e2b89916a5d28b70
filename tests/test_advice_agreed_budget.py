"""A logged agreement is paid out of the month's budget first; the other lenders share what is left.

The tester's conversations, typed through the engine: a plan never asks more than the budget because of
an agreement, says so with the figures when the agreement alone is more than the budget, and the
agreement warning appears only when there is an agreement.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conversation import Conversation
from test_reminders_support import clock_at

from flows.core.engine import Engine
from flows.core.money import yuan
from flows.reminders.progress import session_plan
from flows.storage import SqlStore, open_store

USER = "console:qa"
DAY = date(2026, 12, 2)

INTAKE_TWO_LOANS = ("/start", "@consent_yes", "一万出头", "房租三千五 吃饭两千 孩子奶粉一千",
                    "借呗欠一万二，逾期40天，日息万五，天天打电话", "@more_yes", "招联 八千 逾期一个月 只发短信",
                    "@more_no")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    opened = open_store(db_path=str(tmp_path / "coach.db"))
    yield opened
    opened.close()


def _walk(store: SqlStore, steps: tuple[str, ...]) -> Conversation:
    chat = Conversation(Engine(store, clock_at(DAY, 10)), USER)
    for step in steps:
        chat.tap(step[1:]) if step.startswith("@") else chat.say(step)
    return chat


def _call(count: str, amount: str) -> tuple[str, ...]:
    return ("/call", "@rm:cp:0", "工号A3021 姓李", "@rm:ck:instalments", count, amount, "下个月15号", "@rm:cw:no")


def test_an_agreement_is_paid_first_and_the_other_lender_shares_what_is_left(store: SqlStore) -> None:
    chat = _walk(store, (*INTAKE_TWO_LOANS, *_call("6期", "两千"), "/plan"))
    session = store.load_session(USER)
    assert session is not None
    plan = session_plan(session, today=DAY)
    assert plan.budget == Decimal(4275) and plan.agreed == ["借呗"]
    assert any(month.payments["借呗"] == Decimal(2000) for month in plan.projection)
    for month in plan.projection:
        assert sum(month.payments.values(), Decimal(0)) <= plan.budget
        assert month.over_budget == 0
    other = plan.loan("招联好期贷")
    assert 0 < other.steady_monthly <= plan.budget - Decimal(2000)
    assert other.max_monthly <= plan.budget - Decimal(2000)
    assert f"招联好期贷：每月 {yuan(other.steady_monthly)}" in chat.text
    assert "应急储蓄，不动它" in chat.text and "动用应急储蓄" not in chat.text
    assert "接着还下一家（招联好期贷）" in chat.text  # an agreed loan is never prepaid: not a "next" one
    assert plan.months_to_clear is not None and "over_budget" not in plan.warnings


def test_an_agreement_above_the_budget_is_named_with_its_figures(store: SqlStore) -> None:
    steps = (*INTAKE_TWO_LOANS, "/call", "@rm:cp:0", "工号A3021 姓李", "@rm:ck:instalments", "3期", "五千",
             "下个月15号", "@rm:cw:no")
    chat = _walk(store, steps)
    if any(choice.id == "rm:csave" for choice in chat.offered):  # the call form questions it first
        chat.tap("rm:csave")
    chat.say("/plan")
    session = store.load_session(USER)
    assert session is not None
    plan = session_plan(session, today=DAY)
    assert "over_budget" in plan.warnings
    for month in plan.projection:
        assert sum(month.payments.values(), Decimal(0)) <= plan.budget + month.over_budget
        if month.over_budget > 0:  # the agreement alone is more than the budget: nobody else is paid
            assert month.payments["招联好期贷"] == 0 and month.payments["借呗"] == plan.budget + month.over_budget
    assert "5,000 元" in chat.text and "4,275 元" in chat.text and "725 元" in chat.text
    assert "动用应急储蓄" not in chat.text


def test_no_agreement_no_agreement_warning_when_there_is_no_income(store: SqlStore) -> None:
    chat = _walk(store, ("/start", "@consent_yes", "0", "吃饭一千 房租家里出",
                         "京东金条欠9000逾期三个月天天打电话，日息万五", "@more_no"))
    assert "每月还差" in chat.text
    assert "谈好的约定" not in chat.text and "应急储蓄" not in chat.text
    session = store.load_session(USER)
    assert session is not None
    plan = session_plan(session, today=DAY)
    assert "over_budget" not in plan.warnings and all(month.over_budget == 0 for month in plan.projection)


def test_one_loan_has_no_next_lender_and_the_counter_amounts_follow_their_terms(store: SqlStore) -> None:
    chat = _walk(store, ("/start", "@consent_yes", "三千", "吃饭一千五 房租一千",
                         "借呗欠一万，逾期40天，日息万五，天天打电话", "@more_no"))
    session = store.load_session(USER)
    assert session is not None
    loan = session_plan(session, today=DAY).loan("借呗")
    assert loan.term_months_proposed is not None and loan.term_months_proposed > 24
    assert loan.counter_low is not None and loan.counter_high is not None
    assert "下一家" not in chat.text and "别的平台" not in chat.text and "先还小额的顺序" not in chat.text
    high, low = yuan(loan.counter_high), yuan(loan.counter_low)
    assert f"{low}到 {high}" not in chat.text
    assert chat.text.index(f"12 期每月 {high}") < chat.text.index(f"24 期每月 {low}")
