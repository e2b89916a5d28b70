"""Issue 15, the legal line: the line and citation that apply to each lender, and what counts as harassment."""

from __future__ import annotations

import re

import pytest
from advice_profiles import PROFILES, TODAY, profile

from flows.analysis import analyse, analysis_messages
from flows.negotiation.script import build_script
from flows.negotiation.toolkit import Complaint, build_complaint

FIN_24 = "法发〔2017〕22号"
ART_25 = "第二十五条"


def _block(messages: list[str], head: str) -> str:
    legal = next(message for message in messages if message.startswith("对照几条法律上的参考线"))
    blocks = legal.split("\n\n")
    return next(block for block in blocks if block.startswith(head))


def test_exactly_24_and_36_percent_licensed_and_not() -> None:
    p = profile("lines_24_36")
    analysis = analyse(p, today=TODAY)
    lines = {loan.key: (loan.line, loan.line_rate, loan.flags) for loan in analysis.loans}
    assert lines["持牌二四"][0] == "fin_24" and lines["持牌二四"][2] == []  # 24% is not above 24%
    assert lines["持牌三六"][0] == "fin_24" and lines["持牌三六"][2] == ["above_24"]  # nor 36% above 36%
    assert lines["民间二四"][0] == "lpr_4x" and lines["民间二四"][2] == ["above_4x_lpr"]
    assert lines["民间三六"][0] == "lpr_4x" and lines["民间三六"][2] == ["above_4x_lpr"]
    messages = analysis_messages(analysis, p)
    above_24 = _block(messages, "⚠ 年化超过 24%")
    assert "持牌三六" in above_24 and "民间" not in above_24 and FIN_24 in above_24
    above_lpr = _block(messages, "⚠ 超过一年期 LPR 的四倍")
    assert "民间二四" in above_lpr and "民间三六" in above_lpr
    assert "持牌二四" not in above_lpr and "持牌三六" not in above_lpr
    assert ART_25 in above_lpr and FIN_24 not in above_lpr
    for key, cites, never in (("持牌三六", FIN_24, ART_25), ("民间二四", ART_25, FIN_24), ("民间三六", ART_25, FIN_24)):
        note = build_script(p, analysis, key, today=TODAY).section("note")
        assert cites in note and never not in note, key
    assert build_script(p, analysis, "持牌二四", today=TODAY).section("note") == ""


def test_a_contract_before_2020_08_20_keeps_its_check() -> None:
    p = profile("before_2020")
    analysis = analyse(p, today=TODAY)
    old = analysis.loan("老借款")
    assert old.line == "lpr_4x_pre_2020" and old.flags == ["above_4x_lpr"]
    assert str(old.lpr_cap) == "0.1660"  # 4 x the 4.15% LPR of 2019-12-01
    older = analysis.loan("更老的借款")
    assert older.line_rate is None and older.lawful_is_estimate
    messages = analysis_messages(analysis, p)
    note = _block(messages, "ℹ 合同签在 2020年8月20日之前")
    assert "老借款" in note and "更老的借款" in note and "第三十一条" in note and "12348" in note
    assert "算不出四倍" in note
    script_note = build_script(p, analysis, "老借款", today=TODAY).section("note")
    assert "2020年8月20日之前" in script_note and "第三十一条" in script_note


def test_an_unlicensed_lender_may_be_void_in_the_coachs_own_words() -> None:
    p = profile("upfront_threats")
    messages = analysis_messages(analyse(p, today=TODAY), p)
    note = _block(messages, "ℹ 出借方不是持牌机构")
    assert "可能被认定无效" in note and "个人账户" in note and "书面明细" in note
    assert "第十三条" in note and "（三）未依法取得放贷资格的出借人" in note


def test_threats_go_to_110_and_unlicensed_lenders_not_only_to_12378() -> None:
    p = profile("upfront_threats")
    analysis = analyse(p, today=TODAY)
    warnings = analysis_messages(analysis, p)[-1]
    harsh = warnings[warnings.index("⚠ 有平台的催收越界了"):]
    assert "110" in harsh and "金融管理部门" in harsh and "第二百九十三条之一" in harsh
    assert "不一定管得了" in harsh
    fallback = build_script(p, analysis, "速借宝", today=TODAY).section("fallback")
    assert "110" in fallback and "不一定管得了" in fallback
    _, where = build_complaint(Complaint(platform="速借宝", dates="昨天", what="威胁我家人"), today=TODAY)
    assert "不一定管得了" in where and "110" in where


@pytest.mark.parametrize("name", PROFILES)
def test_outsourced_collection_alone_is_never_called_harassment(name: str) -> None:
    p = profile(name)
    analysis = analyse(p, today=TODAY)
    text = "\n".join(analysis_messages(analysis, p))
    harsh = [loan.key for loan in analysis.loans if loan.collection.value == "threats" or loan.contacted_others]
    if "越界" in text:
        line = next(line for line in text.splitlines() if "越界" in line)
        named = re.split("[：。]", line)[1]
        assert set(named.split("、")) == set(harsh)
    only_agency = [loan.key for loan in analysis.loans if loan.third_party and loan.key not in harsh]
    for key in only_agency:
        assert key not in [name for line in text.splitlines() if "越界" in line for name in line.split("、")]


def test_outsourcing_alone_raises_no_harassment_warning() -> None:
    p = profile("six_guarantee_shortfall")
    analysis = analyse(p, today=TODAY)
    assert analysis.loan("安逸花").third_party and "harsh_collection" in analysis.warnings
    text = "\n".join(analysis_messages(analysis, p))
    line = next(line for line in text.splitlines() if "越界" in line)
    assert "拍拍贷" in line and "安逸花" not in line
    assert "只是交给催收公司打电话，本身并不违规" in text
    alone = p.model_copy(update={"loans": [p.loans[3]]})
    assert "harsh_collection" not in analyse(alone, today=TODAY).warnings


@pytest.mark.parametrize("name", PROFILES)
def test_people_short_of_money_hear_of_12348_before_any_lawyer(name: str) -> None:
    p = profile(name)
    text = "\n".join(analysis_messages(analyse(p, today=TODAY), p))
    if "律师" in text.replace("我不是律师", ""):
        assert "12348" in text
        first_lawyer = text.replace("我不是律师", "").index("律师")
        assert text.replace("我不是律师", "").index("12348") < first_lawyer
