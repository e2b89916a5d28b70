"""Whole intake conversations through the engine, with a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from conversation import Conversation
from sessions import answers, stored_part

from flows.core.engine import Engine
from flows.core.models import Collection
from flows.intake.machine import IntakePart
from flows.intake.slots import LOAN_FORM
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
    assert "收入" in chat.text and "第 1/2 步" in chat.text


def _loan(store: Store, index: int = 0) -> dict[str, object]:
    return LOAN_FORM.typed(stored_part(store, "console:alice", IntakePart).loans[index])


def test_full_intake_of_two_loans_ends_in_the_plan(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    chat.say("八千五")
    assert "第 2/2 步" in chat.text and "支出" in chat.text
    chat.say("大概3500左右")
    assert "第 1 笔" in chat.text
    chat.say("借呗欠一万二，逾期40天左右，日息万五，天天打电话")
    assert "一并记下" in chat.text and "40 天" in chat.text
    # everything the plan needs was in one message: the loan is shown back at once
    assert "记下了第 1 笔：借呗" in chat.text and "按平台通常的情况推断" in chat.text
    chat.tap("more_yes")
    assert "第 2 笔" in chat.text
    chat.say("安逸花")
    chat.say("2万5")
    chat.say("逾期35天")
    chat.tap("col:sms")
    assert "记下了第 2 笔：安逸花" in chat.text and "25,000 元" in chat.text
    chat.say("年化24%")  # a detail typed at the review is added to the loan shown
    assert "年化24%" in chat.text
    chat.tap("more_no")
    assert "还款计划" in chat.text
    session = store.load_session("console:alice")
    assert session is not None and session.profile is not None
    profile = session.profile
    assert profile.monthly_income == Decimal(8500) and profile.monthly_expenses == Decimal(3500)
    first, second = profile.loans
    assert (first.platform, first.outstanding, first.overdue_days) == ("借呗", Decimal(12000), 40)
    assert first.collection is Collection.frequent and first.licensed is True
    assert first.rate == "日利率0.05%"  # 日息万五, in the one wording the analysis reads
    assert (second.outstanding, second.overdue_days, second.rate) == (Decimal(25000), 35, "年化24%")
    assert second.collection is Collection.sms
    assert session.stack == ["home"]


def test_back_skip_and_keep(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    chat.say("8000")
    chat.tap("back")
    assert "收入" in chat.text
    chat.say("9000")
    assert "支出" in chat.text
    assert answers(store, "console:alice")["monthly_income"] == Decimal(9000)
    chat.say("跳过")
    assert "没法跳过" in chat.text and "支出" in chat.text


def test_amounts_typed_with_jiao_and_fen_keep_them(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    chat.say("八千五百元五角")
    chat.say("3000块2毛5分")
    found = answers(store, "console:alice")
    assert (found["monthly_income"], found["monthly_expenses"]) == (Decimal("8500.5"), Decimal("3000.25"))


def test_a_range_with_one_unit_is_read_as_its_middle(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    chat.say("八到九千")
    assert "8,500 元" in chat.text and "“八到九千”" in chat.text and "支出" in chat.text
    chat.say("一到两万")
    assert "15,000 元" in chat.text
    found = answers(store, "console:alice")
    assert (found["monthly_income"], found["monthly_expenses"]) == (Decimal(8500), Decimal(15000))


def test_jiao_alone_are_tenths_of_a_yuan(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    chat.say("三毛钱")
    assert "支出" in chat.text
    chat.say("两毛五")
    found = answers(store, "console:alice")
    assert (found["monthly_income"], found["monthly_expenses"]) == (Decimal("0.30"), Decimal("0.25"))
    chat.tap("back")
    chat.say("三块五毛")
    assert answers(store, "console:alice")["monthly_expenses"] == Decimal("3.50")


def test_bad_values_are_explained_and_nothing_is_lost(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    chat.say("8000")
    for bad in ("-500", "10亿", "很多", "", "🙂🙂"):
        if bad:
            chat.say(bad)
            assert "支出" in chat.text
    assert answers(store, "console:alice")["monthly_income"] == Decimal(8000)
    chat.say("3000")
    chat.say("某某小贷")
    chat.say("10000")
    chat.say("20天")
    chat.tap("col:calls")
    chat.tap("no")  # not licensed: the rate now matters
    chat.say("日息5%")
    assert "365%" in chat.text
    assert _loan(store)["outstanding"] == Decimal(10000) and "rate" not in _loan(store)


def test_ambiguous_overdue_is_asked_back(chat: Conversation) -> None:
    start_to_income(chat)
    chat.say("8000")
    chat.say("3000")
    chat.say("美团借钱")
    chat.say("6000")
    chat.say("一个多月")
    assert "天" in chat.text and all("天" in label for label in chat.labels)
    chat.tap(chat.offered[0].id)
    assert "催收" in chat.text


def test_edit_from_summary_and_restart(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    chat.say("8000")
    chat.say("3000")
    chat.say("微粒贷欠5000，逾期10天，年化18%，只发短信")
    chat.tap("more_no")
    chat.say("/profile")
    assert "请核对" in chat.text
    chat.tap("edit_p:monthly_income")
    chat.say("7000")
    assert "已改好" in chat.text and "7,000 元" in chat.text
    chat.tap("edit_l:0")
    chat.tap("edit_loan")
    chat.tap("edit:overdue_days")
    chat.say("15天")
    assert "15 天" in chat.text
    chat.tap("summary_back")
    chat.tap("confirm")
    session = store.load_session("console:alice")
    assert session is not None and session.profile is not None
    assert session.profile.monthly_income == Decimal(7000) and session.profile.loans[0].overdue_days == 15
    chat.say("/restart")
    chat.tap("confirm_no")
    session = store.load_session("console:alice")
    assert session is not None and session.profile is not None
    chat.say("/restart")
    chat.tap("confirm_yes")
    assert "从头开始" in chat.text
    session = store.load_session("console:alice")
    assert session is not None and session.profile is None and not answers(store, "console:alice")


def test_crisis_interrupts_any_state_and_resumes_the_same_question(chat: Conversation) -> None:
    start_to_income(chat)
    chat.say("8000")
    question = chat.text
    chat.say("真的不想活了")
    assert "12356" in chat.text and chat.text.index("12356") < chat.text.index("110")
    chat.say("我也不知道怎么办")
    assert "12356" in chat.text
    chat.tap("crisis:safe")
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
    chat.say("安心借欠5000，逾期10天，日息万五")
    assert "一并记下" in chat.text and "安心借" in chat.text
    loan = _loan(store)
    assert (loan["platform"], loan["outstanding"], loan["overdue_days"], loan["rate"]) == ("安心借", Decimal(5000),
                                                                                       10, "日利率0.05%")


def test_reprompt_asks_the_current_question_again_and_changes_nothing(chat: Conversation, store: Store) -> None:
    start_to_income(chat)
    before = store.load_session("console:alice")
    again = chat.engine.reprompt("console:alice")
    assert "收入" in "\n".join(reply.text for reply in again)
    assert store.load_session("console:alice") == before


def test_asking_whether_a_spouses_income_counts_is_answered_and_income_asked_again(
    chat: Conversation, store: Store
) -> None:
    start_to_income(chat)
    before = answers(store, "console:alice")
    chat.say("收入要算上我老婆的吗")
    assert "爱人的收入" in chat.text and "担保" in chat.text  # whose income, and who is liable
    assert "爆通讯录" not in chat.text  # not the answer about collectors calling the family
    assert chat.text.rstrip().endswith(chat.engine.reprompt("console:alice")[-1].text.rstrip())
    assert "收入" in chat.text and "第 1/2 步" in chat.text
    assert answers(store, "console:alice") == before
    chat.say("会不会打电话给我家人")
    assert "爆通讯录" in chat.text and "爱人的收入" not in chat.text
    chat.say("8000")
    assert answers(store, "console:alice")["monthly_income"] == Decimal(8000)
