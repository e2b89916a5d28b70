"""Scam and harassment signals, read on the folded message, with the crisis level."""

from __future__ import annotations

import pytest

from flows.crisis.detector import Level
from flows.crisis.signals import detect_signals


@pytest.mark.parametrize(
    ("text", "level", "scam", "harassment"),
    [
        ("我真的不想活了", Level.crisis, False, False),
        ("他们半夜打电话骂我，我真想死", Level.crisis, False, True),
        ("有人说交3000能做征信修复", Level.none, True, False),
        ("有人說交3000能做徵信修復", Level.none, True, False),  # traditional characters hide nothing
        ("找了个代理 协商的公司", Level.none, True, False),  # nor a space
        ("催收天天威胁我，还爆通讯录", Level.none, False, True),
        ("催收把P图发到群里", Level.none, False, True),
        ("催收威胁我要爆通讯录", Level.none, False, True),
        ("你再威胁我我就录音投诉了", Level.none, False, False),  # the person's own warning, not a report
        ("你们要是再骂我，我就报警", Level.none, False, False),
        ("别骂我，我在录音", Level.none, False, False),
        ("催收又威胁我了，再威胁我就报警", Level.none, False, True),  # the first clause still reports it
        ("催收威胁我，我就录音投诉了", Level.none, False, True),  # what they did, then what I did
        ("催收说再不还就爆通讯录", Level.none, False, True),
        ("催收说要逼死我", Level.check_in, False, False),
        ("我的账转给外包催收公司了", Level.none, False, False),  # lawful outsourced collection alone
        ("外包公司的人打电话问我什么时候还", Level.none, False, False),
        ("借呗欠一万二", Level.none, False, False),
        ("", Level.none, False, False),
    ],
)
def test_detect_signals(text: str, level: Level, scam: bool, harassment: bool) -> None:
    found = detect_signals(text)
    assert (found.level, found.scam, found.harassment) == (level, scam, harassment)
    assert bool(found) == (level > Level.none or scam or harassment)
    assert found.crisis == (level == Level.crisis) and found.check_in == (level == Level.check_in)
