"""What counts as a crisis, a scam offer or harassment, and what only sounds like one."""

from __future__ import annotations

import pytest

from flows.core.matching import first_key
from flows.safety import Signals, detect


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我真的不想活了", Signals(crisis=True)),
        ("活着有什么意思", Signals(crisis=True)),
        ("想 死", Signals(crisis=True)),  # spaces do not hide it
        ("还不上就一了百了吧", Signals(crisis=True)),
        ("笑死我了", Signals()),
        ("想死你了哈哈", Signals()),
        ("累死了，今天加班", Signals()),
        ("手机死机了", Signals()),
        ("有人说交3000能做征信修复", Signals(scam=True)),
        ("找了个代理协商的公司", Signals(scam=True)),
        ("催收天天威胁我，还爆通讯录", Signals(harassment=True)),
        ("他们半夜打电话骂我，我真想死", Signals(crisis=True, harassment=True)),
        ("借呗欠一万二", Signals()),
        ("", Signals()),
    ],
)
def test_detect(text: str, expected: Signals) -> None:
    assert detect(text) == expected


def test_first_key_follows_lexicon_order() -> None:
    words = {"job_loss": ["失业", "被裁"], "illness": ["生病", "住院"]}
    assert first_key(words, "被裁以后又住院了") == "job_loss"
    assert first_key(words, "住院了") == "illness"
    assert first_key(words, "没事") is None
