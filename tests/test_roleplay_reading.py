"""The reply reader of the rehearsal call: real-sounding replies, typos, mixed numbers, off-topic and empty."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from flows.roleplay.reading import read_reply

D = Decimal

# (reply, the flags and amounts it must show); flags not listed may be anything, except where a
# key is given as False.
CASES: list[tuple[str, dict[str, Any]]] = [
    # opening: identity
    ("是我，我是李明", {"identity": True}),
    ("喂，您好", {"identity": True}),
    ("对，本人，后四位是3817", {"identity": True, "amounts": ()}),
    ("嗯是我本人", {"identity": True}),
    # the reason, temporary, will to repay
    ("我失业了，暂时困难，但我一定会还", {"hardship": True, "temporary": True, "will": True}),
    ("公司裁员把我裁了，目前在找工作，钱我认，会还的", {"hardship": True, "temporary": True, "will": True}),
    ("我不是不想还，是最近生病住院花了不少钱", {"hardship": True, "will": True, "refuse": False}),
    ("上个月工资没发，这段时间手头紧", {"hardship": True, "temporary": True}),
    ("家里出事了，老人住院，等发工资就能还一部分", {"hardship": True, "temporary": True}),
    ("生意亏了，赞时周转不开，我想还的", {"hardship": True, "temporary": True, "will": True}),  # typo of zan shi
    ("失叶了，没收入", {"hardship": True}),  # typo of shi ye
    ("我有还款意愿，不会失联", {"will": True}),
    ("没钱", {"hardship": False, "evasive": True}),
    ("就是还不上", {"hardship": False, "evasive": True}),
    ("不知道，再说吧", {"evasive": True, "off_topic": False}),
    ("我就是不想还了，爱咋咋地", {"refuse": True, "will": False}),
    # offers: amounts with the intake's parser, dates, instalments
    ("我每月能还一千二，15号还第一期", {"monthly": D(1200), "schedule": True}),
    ("每个月1200，分10期", {"monthly": D(1200), "installments": 10, "has_schedule": True}),
    ("每月1,200元，下个月1号开始还", {"monthly": D(1200), "schedule": True}),
    ("一千二一个月，月底前还", {"monthly": D(1200), "schedule": True}),
    ("我能还3000一个月，下个月1号开始", {"monthly": D(3000), "schedule": True}),
    ("两千一个月", {"monthly": D(2000), "schedule": False}),
    ("每月1.2k，发工资那天还", {"monthly": D(1200), "schedule": True}),
    ("我先还五百，以后每月一千", {"first_payment": D(500), "monthly": D(1000)}),
    ("首期先付2000，后面每期800，分十二期", {"first_payment": D(2000), "monthly": D(800), "installments": 12}),
    ("一次性结清12000我做不到", {"lump_sum": D(12000)}),
    ("我每月1100", {"monthly": D(1100), "rights": False}),
    ("能还1200", {"amount": D(1200), "has_schedule": False}),
    ("分十一个月还完", {"installments": 11, "amounts": ()}),
    ("好的", {"accept": True}),
    ("行，就按您说的办", {"accept": True}),
    ("不行，这个我做不到", {"accept": False}),
    ("我想申请延期三个月，下个月15号再联系你们", {"extension": True, "schedule": True}),
    # closing: written confirmation, name and time
    ("能把方案发短信给我确认一下吗？您的工号是多少？", {"written": True, "name_time": True}),
    ("麻烦在APP里给我发个站内信确认", {"written": True}),
    ("谈好的要白纸黑字", {"written": True}),
    ("可以给我一份数面的确认吗", {"written": True}),  # typo of shu mian
    ("请问您怎么称呼？我记一下时间", {"name_time": True, "written": False}),
    ("你们天天发短信烦死了", {"written": False}),
    # threats: calm, rights, panic
    ("我在录音，你这是违规催收，我会投诉到12378", {"rights": True, "amounts": ()}),
    ("你再这样我就报警，打110", {"rights": True, "amounts": ()}),
    ("请依法催收，不要联系我家人", {"rights": True, "panic": False}),
    ("求求你别告诉我家人，我马上还", {"panic": True}),
    ("别上门，千万别", {"panic": True}),
    # admissions and borrowing
    ("对，我承认我是老赖", {"admits_false": True}),
    ("我没有恶意拖欠，不是老赖", {"admits_false": False}),
    ("你这是诈骗吧", {"admits_false": False}),
    ("我去找朋友借点钱先还你", {"borrow_elsewhere": True}),
    ("要不我在别的平台借一笔来还", {"borrow_elsewhere": True}),
    ("我不会再借了，以后不碰网贷", {"borrow_elsewhere": False}),
    # off topic and empty
    ("今天天气不错", {"off_topic": True}),
    ("哈哈哈", {"off_topic": True}),
    ("你吃饭了没", {"off_topic": True}),
    ("asdfgh", {"off_topic": True}),
    ("", {"empty": True, "off_topic": False}),
    ("   ", {"empty": True, "off_topic": False}),
]


def test_there_are_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(("reply", "expected"), CASES, ids=[reply or "<empty>" for reply, _ in CASES])
def test_reading(reply: str, expected: dict[str, Any]) -> None:
    reading = read_reply(reply)
    for name, value in expected.items():
        assert getattr(reading, name) == value, f"{reply!r}: {name} is {getattr(reading, name)!r}"


def test_amounts_are_exact_decimals() -> None:
    reading = read_reply("每月1250.5元")
    assert reading.monthly == D("1250.5") and isinstance(reading.monthly, Decimal)


def test_full_width_input_is_read_like_half_width() -> None:
    assert read_reply("每月１２００，１５号还").monthly == D(1200)
