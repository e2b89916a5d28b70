"""The rights toolkit: topics, traps, and the complaint text filled with the user's facts."""

from __future__ import annotations

import re
from datetime import date

import pytest

from flows.negotiation.toolkit import (
    MAX_WHAT_CHARS,
    TOPICS,
    TRAPS,
    Complaint,
    build_complaint,
    clean_answer,
    toolkit_intro,
    toolkit_topic,
)

TODAY = date(2026, 11, 24)


def _clean(text: str) -> None:
    assert "None" not in text
    assert not re.search(r"[（(【\[]\s*[）)】\]]", text)
    assert not re.search(r"[A-Za-z]", text.replace("APP", "")), text


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_renders(topic: str) -> None:
    text = toolkit_topic(topic)  # type: ignore[arg-type]
    _clean(text)
    assert len(text) > 40


def test_intro_says_the_coach_is_not_a_lawyer() -> None:
    assert "我不是律师" in toolkit_intro()
    assert "我不是律师" in toolkit_topic("fake_legal")


def test_toolkit_covers_the_issue() -> None:
    evidence, rules = toolkit_topic("evidence"), toolkit_topic("rules")
    complain, police = toolkit_topic("complain"), toolkit_topic("police")
    assert "录音" in evidence and "截图" in evidence
    assert "晚上 10 点" in rules and "亲戚" in rules and "单位" in rules
    assert "依据（大意）" in rules and "依据：《中华人民共和国个人信息保护法》第十条：“" in rules
    assert "APP" in complain and "12378" in complain and "官网" in complain and "工单号" in complain
    assert "110" in police and "96110" in police


def test_traps_named_by_the_seeds_are_all_warned_against() -> None:
    traps = toolkit_topic("traps")
    for word in ("征信修复", "反催收", "代理协商", "债务重组公司", "换手机号", "失联", "一个平台", "借新的网贷还旧的"):
        assert word in traps, word
    assert len(TRAPS) == traps.count("✗")


def test_complaint_is_filled_with_what_the_user_said() -> None:
    complaint = Complaint(platform="借呗", dates="11月20日晚上11点", what="打电话骂我，还打给了我妈", name="李明")
    text, where = build_complaint(complaint, today=TODAY)
    _clean(text)
    _clean(where)
    assert "借呗" in text and "11月20日晚上11点" in text and "打电话骂我，还打给了我妈" in text
    assert "李明" in text and "重庆蚂蚁消费金融有限公司" in text and "2026年11月24日" in text
    assert "停止" in text and "书面" in text
    assert "12378" in where and "110" in where
    assert "如果是持牌机构" not in where


def test_complaint_without_name_or_known_platform_uses_placeholders() -> None:
    complaint = Complaint(platform="某某贷", dates="昨天", what="说要上门")
    text, where = build_complaint(complaint, today=TODAY)
    _clean(text)
    assert "【您的姓名】" in text and "【您的手机号】" in text and "放款方" not in text
    assert "如果是持牌机构" in where


def test_clean_answer_limits_and_tidies() -> None:
    assert clean_answer("  打电话\n骂我\t  ", MAX_WHAT_CHARS) == "打电话 骂我"
    assert clean_answer("   ", MAX_WHAT_CHARS) is None
    assert clean_answer("骂" * (MAX_WHAT_CHARS + 1), MAX_WHAT_CHARS) is None
    assert clean_answer("骂" * MAX_WHAT_CHARS, MAX_WHAT_CHARS) == "骂" * MAX_WHAT_CHARS


def test_answers_get_chinese_punctuation_back() -> None:
    assert clean_answer("11月25日晚上11点,11月26日", 100) == "11月25日晚上11点，11月26日"
    assert clean_answer("3,000 元", 100) == "3,000 元"
