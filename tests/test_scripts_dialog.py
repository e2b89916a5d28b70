"""The scripts dialogue through the real engine and a SQLite store: scripts, toolkit, complaint."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from conversation import Conversation
from sessions import at_home

from flows.analysis import analyse
from flows.core.clock import FixedClock
from flows.core.engine import Engine
from flows.core.models import Input, Profile
from flows.core.session import Session
from flows.negotiation.dialog import NegotiationPart, NegotiationState
from flows.storage import open_store
from flows.storage.base import Store

USER = "console:alice"
PROFILE: dict[str, Any] = {
    "name": "李明",
    "monthly_income": 6000,
    "monthly_expenses": 4200,
    "hardship": "失业",
    "loans": [
        {"platform": "微粒贷", "principal": 5000, "licensed": True, "guaranteed": False},
        {"platform": "借呗", "principal": 12000, "overdue_days": 40, "collection": "frequent",
         "contacted_others": False, "guaranteed": False},
        {"platform": "某某贷", "principal": 3000, "overdue_days": 10, "licensed": False, "contacted_others": False,
         "guaranteed": False},
    ],
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(db_path=str(tmp_path / "c.db"))
    yield opened
    opened.close()


def _engine(store: Store) -> Engine:
    # Tuesday 2026-11-24, 10:00 in China.
    return Engine(store, clock=FixedClock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC)))


@pytest.fixture
def chat(store: Store) -> Conversation:
    profile = Profile.model_validate(PROFILE)
    session = at_home(USER, profile)
    store.save_session(session)
    return Conversation(_engine(store), USER)


def _priority() -> list[str]:
    return analyse(Profile.model_validate(PROFILE), today=date(2026, 11, 24)).priority


def _session(store: Store) -> Session:
    session = store.load_session(USER)
    assert session is not None
    return session


def _part(store: Store) -> NegotiationPart:
    return _session(store).part(NegotiationPart)


def test_script_by_platform_and_goal(chat: Conversation, store: Store) -> None:
    chat.say("/script")
    assert chat.labels == _priority()  # the plan's contact order
    assert chat.labels[0] == "借呗"
    assert "先联系借呗" in chat.text
    chat.tap("借呗")
    assert chat.labels[0] == "暂停催收、先定方案"  # daily calls: pause collection first
    chat.tap("分期还款")
    assert len(chat.replies) >= 4 and all(len(reply.text) < 900 for reply in chat.replies)
    assert "我是李明" in chat.text and "分 " in chat.text and "2026年12月1日" in chat.text
    assert "一并纳入协商" in chat.text  # two overdue platforms
    assert chat.labels == ["换一个协商目标", "换一个平台", "模拟通话练习", "维权工具箱", "回到主菜单"]
    assert _part(store).platform == "借呗"
    chat.tap("换一个协商目标")
    chat.tap("延期还款")
    assert "延期 1 个月" in chat.text
    chat.tap("换一个平台")
    chat.tap("某某贷")
    chat.tap("减免罚息")
    assert "个人账户" in chat.text  # unlicensed emphasis
    chat.tap("回到主菜单")
    assert _session(store).stack == ["home"]


def test_typed_platform_and_goal(chat: Conversation) -> None:
    chat.say("/script")
    chat.say("支付宝借呗")
    assert "给借呗打电话" in chat.text
    chat.say("我想申请延期")
    assert "延期 1 个月" in chat.text
    chat.say("随便说点什么")
    assert "按钮" in chat.text and "换一个协商目标" in chat.labels


def test_stale_button_is_answered_kindly(chat: Conversation) -> None:
    chat.say("/script")
    replies = chat.engine.handle(USER, Input.of_choice("sc:g:installment"))
    assert "过期" in replies[0].text
    assert [choice.label for choice in replies[-1].choices] == _priority()


def test_toolkit_topics_and_complaint(chat: Conversation, store: Store) -> None:
    chat.say("/toolkit")
    assert "我不是律师" in chat.text
    for label in ("怎样留证据", "哪些催收方式不合规", "去哪里投诉", "受到人身威胁怎么办", "小心这些坑"):
        chat.tap(label)
        assert chat.labels[-2:] == ["写一份投诉", "回到主菜单"]
    assert "征信修复" in chat.text
    chat.tap("写一份投诉")
    assert chat.labels == [*_priority(), "不写了，回工具箱"]
    chat.tap("借呗")
    chat.tap("今天")
    assert _part(store).complaint.values == {"platform": "借呗", "dates": "2026年11月24日（周二）"}
    chat.say("骂" * 301)
    assert "缩短" in chat.text
    chat.say("晚上十一点打电话骂我，还打给了我妈和我单位")
    assert "打给了我妈和我单位" in chat.text and "2026年11月24日（周二）" in chat.text
    assert "李明" in chat.text and "12378" in chat.text
    part = _part(store)
    assert not part.complaint.values and part.state is NegotiationState.toolkit


def test_complaint_command_with_typed_platform_and_cancel(chat: Conversation, store: Store) -> None:
    chat.say("/complaint")
    chat.say("某个不认识的贷")
    chat.say("11月20日")
    chat.tap("不写了，回工具箱")
    assert "清掉" in chat.text
    assert not _part(store).complaint.values


@pytest.mark.parametrize("when", ["上周三", "昨天晚上十点左右", "11月20日、11月22日"])
def test_a_date_at_the_complaint_platform_question_is_not_the_platform(
        when: str, chat: Conversation, store: Store) -> None:
    chat.say("/complaint")
    chat.say(when)
    assert f"“{when}”是事情发生的时间吧" in chat.text and "哪个平台" in chat.text
    assert "platform" not in _part(store).complaint.values
    chat.say(f"{when}，某某催收公司")
    assert _part(store).complaint.values == {"platform": "某某催收公司"}
    assert "哪天发生的" in chat.text


def test_toolkit_during_intake_returns_to_the_question(store: Store) -> None:
    chat = Conversation(_engine(store), "console:bob")
    chat.say("/start")
    chat.tap("consent_yes")
    assert "收入" in chat.text
    chat.say("/toolkit")
    assert "回到刚才的问题" in chat.labels
    chat.tap("去哪里投诉")
    chat.tap("回到刚才的问题")
    assert "收入" in chat.text
    bob = store.load_session("console:bob")
    assert bob is not None and bob.stack == ["intake"]


def test_script_needs_a_profile(store: Store) -> None:
    chat = Conversation(_engine(store), "console:carol")
    chat.say("/start")
    chat.tap("consent_yes")
    chat.say("/script")
    assert "先了解" in chat.text


def test_a_tapped_reason_goes_into_the_script_in_words_never_as_a_button_id(store: Store) -> None:
    chat = Conversation(_engine(store), "console:tap")
    chat.say("/start")
    chat.tap("consent_yes")
    for line in ("一万出头", "房租三千五 吃饭两千", "借呗欠一万二，逾期40天，日息万五，天天打电话"):
        chat.say(line)
    chat.tap("more_no")
    chat.say("/script")
    chat.tap("分期还款")
    chat.tap("hs:job_loss")
    while "sc:menu" not in [choice.id for choice in chat.offered]:
        chat.tap("skip") if "skip" in [choice.id for choice in chat.offered] else chat.tap("no")
    stored = store.load_session("console:tap")
    assert stored is not None and stored.profile is not None and stored.profile.hardship == "失业"
    assert "hs:" not in chat.text and "离职证明" in chat.text
