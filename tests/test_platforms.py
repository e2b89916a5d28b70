"""Platform lookup: aliases users type map to one canonical platform and its usual lender."""

from __future__ import annotations

import pytest

from flows.core.platforms import PlatformInfo, find_platform_in, lookup_platform

LOOKUPS: list[tuple[str, str]] = [
    ("借呗", "借呗"),
    ("蚂蚁借呗", "借呗"),
    ("支付宝借呗", "借呗"),
    (" 借呗 ", "借呗"),
    ("花呗", "花呗"),
    ("微粒贷", "微粒贷"),
    ("微信借钱", "微粒贷"),
    ("微信", "微粒贷"),
    ("京东金条", "京东金条"),
    ("金条", "京东金条"),
    ("白条", "京东白条"),
    ("美团", "美团借钱"),
    ("美团月付", "美团月付"),
    ("360借条", "360借条"),
    ("奇富借条", "360借条"),
    ("360", "360借条"),
    ("度小满", "度小满"),
    ("有钱花", "度小满"),
    ("好期贷", "招联好期贷"),
    ("安逸花", "安逸花"),
    ("分期乐", "分期乐"),
    ("中邮钱包", "中邮钱包"),
    ("捷信", "捷信"),
    ("我用的是借呗", "借呗"),
]


@pytest.mark.parametrize(("name", "canonical"), LOOKUPS)
def test_lookup_platform(name: str, canonical: str) -> None:
    info = lookup_platform(name)
    assert info is not None
    assert info.name == canonical


def test_lookup_gives_the_usual_lender() -> None:
    assert lookup_platform("支付宝借呗") == PlatformInfo(
        name="借呗", lender="重庆蚂蚁消费金融有限公司", kind="consumer_finance", licensed=True
    )
    weilidai = lookup_platform("微粒贷")
    assert weilidai is not None
    assert (weilidai.kind, weilidai.licensed) == ("bank", True)
    jintiao = lookup_platform("京东金条")
    assert jintiao is not None
    assert jintiao.kind == "platform_assisted"


@pytest.mark.parametrize("name", ["", "某某贷", "abc", "快乐借钱吧"])
def test_unknown_platforms(name: str) -> None:
    assert lookup_platform(name) is None


FOUND: list[tuple[str, str | None]] = [
    ("借呗欠一万二，逾期40天", "借呗"),
    ("我在微信借钱借了5000", "微粒贷"),
    ("京东白条和金条都逾期了", "京东白条"),
    ("逾期360天了", None),  # a bare "360" inside a sentence is a number, not the platform
    ("360借条欠八千", "360借条"),
    ("ＪＤ什么的", None),
    ("美团借钱逾期", "美团借钱"),
    ("今天心情不好", None),
]


@pytest.mark.parametrize(("text", "canonical"), FOUND)
def test_find_platform_in(text: str, canonical: str | None) -> None:
    assert find_platform_in(text) == canonical
