"""Whole intake conversations through the engine, with a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from conversation import Conversation

from flows.core.engine import Engine
from flows.core.models import Collection
from flows.storage import open_store
from flows.storage.base import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(db_path=str(tmp_path / "coach.db"))
    yield opened
    opened.close()


@pytest.fixture
def chat(store: Store) -> Conversation:
    return Conversation(Engine(store), "console:alice")


def start_to_income(chat: Conversation) -> None:
    chat.say("/start")
    assert "同意" in chat.text
    chat.tap("consent_yes")
    assert "怎么称呼" in chat.text
    chat.say("小李")
    assert "收入" in chat.text


def test_full_intake_of_two_loans_ends_in_the_plan(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    chat.say("八千五")
    assert "第 3/5 步" in chat.text and "支出" in chat.text
    chat.say("大概3500左右")
    chat.tap("hs:job_loss")
    chat.tap("yes")
    assert "第 1 笔" in chat.text
    chat.say("借呗欠一万二，逾期40天左右，日息万五，天天打电话")
    assert "一并记下" in chat.text and "40 天" in chat.text
    assert "本金" in chat.text  # the owed amount is known, the principal is asked (and may be skipped)
    chat.tap("skip")
    assert "已经还了" in chat.text
    chat.tap("repaid_none")
    # overdue days and rate were in the first message: the next unanswered question is asked
    assert "到手" in chat.text
    chat.tap("received_full")
    chat.tap("skip")  # term
    chat.tap("skip")  # contract date
    assert "重庆蚂蚁消费金融有限公司" in chat.text  # the usual lender is suggested
    chat.tap("yes")
    # collection was in the first message too
    assert "第三方" in chat.text
    chat.tap("no")
    chat.tap("no")
    assert "还有别的平台" in chat.text
    chat.tap("more_yes")
    assert "第 2 笔" in chat.text
    chat.say("安逸花")
    chat.say("3万")
    chat.say("5000")
    chat.say("逾期35天")
    chat.say("年化24%")
    chat.say("28000")
    chat.say("12期")
    assert "每期" in chat.text
    chat.say("2800")
    chat.say("2024年3月")
    chat.tap("unknown")
    chat.tap("col:sms")
    chat.tap("no")
    chat.tap("yes")
    chat.tap("more_no")
    assert "请核对" in chat.text
    assert "借呗" in chat.text and "安逸花" in chat.text and "8,500 元" in chat.text
    chat.tap("confirm")
    session = store.load_session("console:alice")
    assert session is not None and session.profile is not None
    profile = session.profile
    assert profile.monthly_income == Decimal(8500) and profile.monthly_expenses == Decimal(3500)
    assert profile.name == "小李"
    first, second = profile.loans
    assert (first.platform, first.outstanding, first.overdue_days) == ("借呗", Decimal(12000), 40)
    assert first.collection is Collection.frequent and first.licensed is True
    assert first.rate is not None and "万五" in first.rate
    assert (second.principal, second.repaid, second.outstanding) == (Decimal(30000), Decimal(5000), Decimal(25000))
    assert second.term_months == 12 and second.installment == Decimal(2800) and second.licensed is None
    assert second.previous_overdue is True and second.contract_date is not None
    assert session.dialog == "home"


def test_back_skip_and_keep(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    chat.say("8000")
    chat.tap("back")
    assert "收入" in chat.text and "8,000 元" in chat.text  # shows what is recorded
    chat.tap("keep")
    assert "支出" in chat.text
    chat.say("/back")
    chat.say("9000")
    session = store.load_session("console:alice")
    assert session is not None and session.draft.monthly_income == Decimal(9000)
    chat.say("跳过")
    assert "没法跳过" in chat.text and "支出" in chat.text


def test_amounts_typed_with_jiao_and_fen_keep_them(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    chat.say("八千五百元五角")
    chat.say("3000块2毛5分")
    session = store.load_session("console:alice")
    assert session is not None
    assert (session.draft.monthly_income, session.draft.monthly_expenses) == (Decimal("8500.5"), Decimal("3000.25"))


def test_bad_values_are_explained_and_nothing_is_lost(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    chat.say("8000")
    for bad in ("-500", "10亿", "很多", "", "🙂🙂"):
        if bad:
            chat.say(bad)
            assert "支出" in chat.text
    session = store.load_session("console:alice")
    assert session is not None and session.draft.monthly_income == Decimal(8000)
    chat.say("3000")
    chat.tap("hs:illness")
    chat.tap("no")
    chat.say("借呗")
    chat.say("10000")
    chat.tap("repaid_none")
    chat.say("20天")
    chat.say("日息5%")
    assert "365%" in chat.text
    session = store.load_session("console:alice")
    assert session is not None and session.draft.loans[0].principal == Decimal(10000)


def test_ambiguous_overdue_is_asked_back(chat: Conversation) -> None:
    start_to_income(chat)
    chat.say("8000")
    chat.say("3000")
    chat.say("我生病住院了，做不了工作")
    chat.tap("no")
    chat.say("美团借钱")
    chat.say("6000")
    chat.tap("repaid_none")
    chat.say("一个多月")
    assert "天" in chat.text and any("天" in label for label in chat.labels)
    chat.tap(chat.offered[0].id)
    assert "利息" in chat.text


def test_edit_from_summary_and_restart(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    chat.say("8000")
    chat.say("3000")
    chat.tap("hs:pay_cut")
    chat.tap("no")
    chat.say("微粒贷欠5000，逾期10天，年化18%，只发短信")
    while "还有别的平台" not in chat.text:
        chat.tap("skip" if "skip" in [c.id for c in chat.offered] else "no")
    chat.tap("more_no")
    chat.tap("edit_p:monthly_income")
    chat.say("7000")
    assert "已改好" in chat.text and "7,000 元" in chat.text
    chat.tap("edit_l:0")
    chat.tap("edit_f:loan_overdue_days")
    chat.say("15天")
    assert "15 天" in chat.text
    chat.say("/restart")
    chat.tap("confirm_no")
    session = store.load_session("console:alice")
    assert session is not None and session.draft.monthly_income == Decimal(7000)
    chat.say("/restart")
    chat.tap("confirm_yes")
    assert "从头开始" in chat.text
    session = store.load_session("console:alice")
    assert session is not None and session.draft.monthly_income is None and not session.draft.loans


def test_crisis_interrupts_any_state_and_resumes_the_same_question(chat: Conversation) -> None:
    start_to_income(chat)
    chat.say("8000")
    question = chat.text
    chat.say("真的不想活了")
    assert "12356" in chat.text and chat.text.index("12356") < chat.text.index("110")
    chat.say("我也不知道怎么办")
    assert "12356" in chat.text
    chat.tap("resume")
    assert "支出" in chat.text and "支出" in question


def test_delete_erases_everything(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    chat.say("8000")
    chat.say("/delete")
    chat.tap("confirm_yes")
    assert "删除" in chat.text
    assert store.load_session("console:alice") is None


def test_users_never_see_each_other(store: Store) -> None:
    engine = Engine(store)
    alice, bob = Conversation(engine, "tg:1"), Conversation(engine, "tg:2")
    start_to_income(alice)
    alice.say("8765")
    start_to_income(bob)
    bob.tap("back")
    assert "8,765" not in bob.text


def test_unknown_platform_typed_with_facts_keeps_only_its_name(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    chat.say("8000")
    chat.say("3000")
    chat.tap("hs:family")
    chat.tap("no")
    chat.say("安心借欠5000，逾期10天，日息万五")
    assert "一并记下" in chat.text and "安心借" in chat.text
    session = store.load_session("console:alice")
    assert session is not None
    loan = session.draft.loans[0]
    assert (loan.platform, loan.outstanding, loan.overdue_days, loan.rate) == ("安心借", Decimal(5000), 10, "日息万五")


def test_reprompt_asks_the_current_question_again_and_changes_nothing(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    before = store.load_session("console:alice")
    again = chat.engine.reprompt("console:alice")
    assert "收入" in "\n".join(reply.text for reply in again)
    assert store.load_session("console:alice") == before
