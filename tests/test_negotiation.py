"""Call scripts: the plan's steady ask and ceiling, the person's own story, and what changes the wording."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bot.cli import main
from flows.analysis import Analysis, analyse
from flows.core import texts
from flows.core.models import Profile
from flows.core.money import yuan
from flows.negotiation.script import (
    GOALS,
    CallScript,
    build_script,
    default_goal,
    first_payment_date,
    hardship_kind,
    propose,
)

TODAY = date(2026, 11, 24)  # a Tuesday

FULL: dict[str, Any] = {
    "name": "李明",
    "monthly_income": 6000,
    "monthly_expenses": 4200,
    "hardship": "失业",
    "loans": [
        {"platform": "借呗", "principal": 12000, "overdue_days": 40, "collection": "frequent",
         "previous_overdue": True},
        {"platform": "某某贷", "principal": 3000, "received": 2400, "rate": "日息0.1%", "term_months": 3,
         "overdue_days": 10, "licensed": False, "collection": "threats", "third_party": True},
        {"platform": "微粒贷", "principal": 5000, "licensed": True},
    ],
}
MINIMAL: dict[str, Any] = {"monthly_income": 3000, "monthly_expenses": 2500,
                           "loans": [{"platform": "小白贷", "principal": 2000, "overdue_days": 15}]}
NO_MONEY: dict[str, Any] = {
    "monthly_income": 2000, "monthly_expenses": 2500, "hardship": "生病或受伤",
    "loans": [{"platform": "借呗", "principal": 8000, "overdue_days": 20},
              {"platform": "安逸花", "principal": 4000, "overdue_days": 5}],
}
PRO_RATA: dict[str, Any] = {
    "monthly_income": 3000, "monthly_expenses": 2800, "hardship": "老板跑路了，三个月没拿到钱。",
    "loans": [{"platform": f"平台{i}", "principal": 20000, "overdue_days": 30} for i in "甲乙丙"],
}
WAITING: dict[str, Any] = {
    "monthly_income": 6000, "monthly_expenses": 4000, "hardship": "我妈住院了，家里的钱都拿去交了住院费",
    "loans": [{"platform": "甲贷", "principal": 20000, "overdue_days": 30, "collection": "threats"},
              {"platform": "乙贷", "principal": 300, "overdue_days": 30, "collection": "frequent"},
              {"platform": "招联好期贷", "principal": 45000, "overdue_days": 30, "guaranteed": True,
               "guarantor": "某某融资担保"},
              {"platform": "老网贷", "principal": 6000, "overdue_days": 1400}],
}
SIX_SHORT: dict[str, Any] = {
    "monthly_income": 5200, "monthly_expenses": 3900, "hardship": "失业",
    "loans": [{"platform": name, "principal": amount, "overdue_days": 30}
              for name, amount in (("借呗", 15000), ("花呗", 4000), ("京东金条", 20000), ("安逸花", 9000),
                                   ("分期乐", 12000), ("拍拍贷", 6000))],
}
PROFILES = {"full": FULL, "minimal": MINIMAL, "no_money": NO_MONEY, "pro_rata": PRO_RATA, "waiting": WAITING,
            "six_short": SIX_SHORT}


def _scripts(raw: dict[str, Any]) -> tuple[Profile, Analysis, list[CallScript]]:
    profile = Profile.model_validate(raw)
    analysis = analyse(profile, today=TODAY)
    scripts = [build_script(profile, analysis, loan.key, goal, today=TODAY)
               for loan in analysis.loans for goal in (None, *GOALS)]
    return profile, analysis, scripts


def _with(raw: dict[str, Any], index: int, **changes: Any) -> dict[str, Any]:
    loans = [dict(loan) for loan in raw["loans"]]
    loans[index].update(changes)
    return {**raw, "loans": loans}


def _amounts(text: str) -> list[Decimal]:
    return [Decimal(n.replace(",", "")) for n in re.findall(r"每[月期] ([\d,.]+) 元", text)]


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 11, 24), date(2026, 12, 1)),
    (date(2026, 11, 26), date(2026, 12, 15)),
    (date(2026, 12, 10), date(2027, 1, 1)),
    (date(2026, 12, 1), date(2026, 12, 15)),
    (date(2026, 12, 8), date(2026, 12, 15)),
])
def test_first_payment_is_the_next_1st_or_15th_a_week_ahead(today: date, expected: date) -> None:
    assert first_payment_date(today) == expected


@pytest.mark.parametrize("name", PROFILES)
def test_every_script_renders_cleanly(name: str) -> None:
    _, analysis, scripts = _scripts(PROFILES[name])
    for script in scripts:
        body = script.text()
        assert "None" not in body
        assert not re.search(r"[（(【\[]\s*[）)】\]]", body), body
        assert not re.search(r"[A-Za-z]", re.sub("APP|LPR", "", body)), body
        assert not re.search(r"\d\.\d+ 元", body), body  # spoken figures are whole yuan
        if script.needs_call:
            assert 3 <= len(script.messages()) <= 4
        else:
            assert script.platform not in analysis.priority and len(script.messages()) == 1


def test_all_script_templates_are_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: set[str] = set()
    original = texts._env.get_template

    def spy(template: str, *args: Any, **kwargs: Any) -> Any:
        seen.add(template.removesuffix(".j2"))
        return original(template, *args, **kwargs)

    monkeypatch.setattr(texts._env, "get_template", spy)
    for raw in PROFILES.values():
        _scripts(raw)
    monkeypatch.undo()
    dialog_only = {f"negotiation/{name}" for name in ("script_pick_platform", "script_pick_goal", "script_more",
                                                          "script_not_understood", "script_nothing_owed",
                                                          "script_back")}
    script_templates = {name for name in texts.template_names() if name.startswith("negotiation/script_")}
    assert script_templates - dialog_only <= seen


@pytest.mark.parametrize("name", PROFILES)
def test_scripts_ask_the_steady_amount_and_never_more_than_the_ceiling(name: str) -> None:
    _, analysis, scripts = _scripts(PROFILES[name])
    for script in (s for s in scripts if s.needs_call):
        loan = analysis.loan(script.platform)
        long_wait = (loan.start_month or 1) - 1 > 3  # no lender waits that long: ask for time instead
        assert script.proposal.monthly == script.steady_monthly == (0 if long_wait else loan.steady_monthly)
        assert script.monthly_cap == (0 if long_wait else max(loan.max_monthly, loan.steady_monthly))
        assert script.proposal.monthly == script.proposal.monthly.to_integral_value()
        spoken = "\n".join(script.section(part) for part in ("opening", "ask", "bundle", "lender"))
        assert all(amount <= loan.steady_monthly for amount in _amounts(spoken)), (script.platform, spoken)
        if script.proposal.can_pay:
            count = script.proposal.installments
            assert count is not None and count <= 36
            assert count * script.proposal.monthly >= loan.balance > (count - 1) * script.proposal.monthly


def test_script_carries_the_persons_own_figures() -> None:
    profile, analysis, _ = _scripts(MINIMAL)
    loan = analysis.loan("小白贷")
    script = build_script(profile, analysis, "小白贷", "installment", today=TODAY)
    text = script.text()
    count = script.proposal.installments
    assert count is not None and f"分 {count} 期" in text and f"每期 {yuan(loan.steady_monthly)}" in text
    assert yuan(loan.outstanding) in text
    assert "2026年12月1日" in text  # first payment: the next 1st at least a week ahead = plan month 1
    assert analysis.first_payment == date(2026, 12, 1)
    profile, analysis, _ = _scripts(FULL)
    text = build_script(profile, analysis, "借呗", "installment", today=TODAY).text()
    assert "我是李明" in text and "失业" in text
    assert "暂时的困难" in text and "想把这笔钱还上" in text
    assert "短信、邮件或 APP 站内信" in text and "工号" in text  # close: in writing, agent noted
    assert "工作日" in text and "身份证" in text and "主管" in text


def test_missing_name_and_hardship_get_placeholders() -> None:
    profile, analysis, _ = _scripts(MINIMAL)
    text = build_script(profile, analysis, "小白贷", today=TODAY).text()
    assert "【这里说您的名字】" in text
    assert "收入出现了困难" in text


def test_story_in_own_words_and_tapped_reason_not_repeated() -> None:
    profile, analysis, _ = _scripts(PRO_RATA)
    text = build_script(profile, analysis, "平台甲", today=TODAY).text()
    assert "老板跑路了，三个月没拿到钱。所以" in text
    profile, analysis, _ = _scripts(NO_MONEY)
    text = build_script(profile, analysis, "借呗", today=TODAY).text()
    assert "因为生病" in text and "具体情况是" not in text
    assert hardship_kind("去年被裁员了") == "job_loss"


def test_a_relatives_illness_stays_a_relatives() -> None:
    profile, analysis, _ = _scripts(WAITING)
    opening = build_script(profile, analysis, "甲贷", today=TODAY).section("opening")
    assert "我妈住院了" in opening
    assert "因为生病" not in opening and "我生病" not in opening


def test_second_overdue_is_owned_without_an_invented_reason() -> None:
    first = _with(FULL, 0, previous_overdue=False)
    profile, analysis, _ = _scripts(first)
    once = build_script(profile, analysis, "借呗", "installment", today=TODAY)
    profile, analysis, _ = _scripts(FULL)
    twice = build_script(profile, analysis, "借呗", "installment", today=TODAY)
    assert not once.second_overdue and once.section("second_overdue") == ""
    assert twice.second_overdue and "第二次逾期" in twice.text()
    section = twice.section("second_overdue")
    assert "这次不一样" in section
    for invented in ("没有把所有借款", "没撑住", "我也没有再借"):
        assert invented not in section


def test_licensed_and_unlicensed_lenders_get_different_emphasis() -> None:
    texts_by_kind = {}
    for licensed in (True, False, None):
        raw = _with(MINIMAL, 0, licensed=licensed)
        profile, analysis, _ = _scripts(raw)
        script = build_script(profile, analysis, "小白贷", "installment", today=TODAY)
        texts_by_kind[script.lender] = script
    assert set(texts_by_kind) == {"licensed", "unlicensed", "unknown"}
    assert "个性化分期" in texts_by_kind["licensed"].section("lender")
    assert "个人账户" in texts_by_kind["unlicensed"].section("lender")
    assert "收到明细之前我先不付款" in texts_by_kind["unlicensed"].section("lender")
    assert "12378" in texts_by_kind["licensed"].section("fallback")
    unlicensed_fallback = texts_by_kind["unlicensed"].section("fallback")
    assert "110" in unlicensed_fallback and "不一定管得了" in unlicensed_fallback
    assert texts_by_kind["licensed"].text() != texts_by_kind["unlicensed"].text()
    assert "不确定" in texts_by_kind["unknown"].section("lender")


def test_an_unlicensed_lender_hears_nothing_about_other_debts() -> None:
    profile, analysis, _ = _scripts(FULL)
    script = build_script(profile, analysis, "某某贷", today=TODAY)
    assert not script.bundle and script.section("bundle") == ""
    spoken = "\n".join(script.section(part) for part in ("opening", "ask", "lender"))
    other = analysis.loan("借呗")
    assert yuan(other.outstanding) not in script.text() and "借呗" not in spoken
    assert "不用告诉它" in script.section("prepare")


def test_goals_give_different_scripts() -> None:
    profile, analysis, _ = _scripts(MINIMAL)
    asks = {goal: build_script(profile, analysis, "小白贷", goal, today=TODAY).section("ask") for goal in GOALS}
    assert len(set(asks.values())) == len(GOALS)
    assert "延期 1 个月" in asks["extension"] and "2027年1月1日" in asks["extension"]
    assert "罚息" in asks["waive_penalty"] and "暂停催收" in asks["pause_collection"]


def test_bundle_for_two_or_more_overdue_platforms_licensed_only() -> None:
    profile, analysis, _ = _scripts(FULL)
    script = build_script(profile, analysis, "借呗", today=TODAY)
    assert script.bundle and "一并纳入协商" in script.section("bundle")
    assert "一共还欠" not in script.section("bundle")
    profile, analysis, _ = _scripts(MINIMAL)
    assert not build_script(profile, analysis, "小白贷", today=TODAY).bundle
    same = {**NO_MONEY, "loans": [*NO_MONEY["loans"], {"platform": "花呗", "principal": 1000, "overdue_days": 3}]}
    profile, analysis, _ = _scripts(same)
    bundle = build_script(profile, analysis, "借呗", today=TODAY).section("bundle")
    assert "在贵公司还有另一笔借款（花呗）" in bundle


def test_a_current_loan_gets_no_negotiation_script() -> None:
    profile, analysis, _ = _scripts(FULL)
    assert "微粒贷" not in analysis.priority
    script = build_script(profile, analysis, "微粒贷", today=TODAY)
    assert not script.needs_call and "不需要打协商电话" in script.text() and "抱歉" not in script.text()


def test_a_loan_past_the_limitation_period_gets_advice_not_a_script() -> None:
    profile, analysis, _ = _scripts(WAITING)
    script = build_script(profile, analysis, "老网贷", today=TODAY)
    assert not script.needs_call and "12348" in script.text() and "诉讼时效" in script.text()


def test_default_goals_follow_the_rules() -> None:
    _, analysis, _ = _scripts(FULL)
    goals = {key: default_goal(analysis.loan(key)) for key in analysis.priority}
    assert goals["借呗"] == "pause_collection"  # daily calls
    assert goals["某某贷"] == "pause_collection"  # threats, collection agency
    _, analysis, _ = _scripts(MINIMAL)
    assert default_goal(analysis.loan("小白贷")) == "installment"
    _, analysis, _ = _scripts(NO_MONEY)
    assert {default_goal(analysis.loan(key)) for key in analysis.priority} == {"extension"}


def test_nothing_available_asks_for_time_not_money() -> None:
    profile, analysis, _ = _scripts(NO_MONEY)
    for goal in GOALS:
        script = build_script(profile, analysis, "借呗", goal, today=TODAY)
        assert script.proposal.monthly == 0 and script.proposal.extension_months == 3
        assert not re.search(r"(?<![\d,])0 元", script.text())
        assert "延期 3 个月" in script.text() or "主动联系您" in script.text()


def test_a_lender_the_money_reaches_later_is_asked_to_wait_until_then() -> None:
    profile, analysis, _ = _scripts(WAITING)
    assert analysis.shortfall > 0
    waiting = next(analysis.loan(key) for key in analysis.priority if analysis.loan(key).role == "waiting")
    assert waiting.start_month is not None and 1 < waiting.start_month <= 4 and waiting.steady_monthly > 0
    proposal = propose(waiting, "installment", analysis)
    assert proposal.first_payment == analysis.month_date(waiting.start_month)
    assert proposal.extension_months == waiting.start_month - 1
    ask = build_script(profile, analysis, waiting.key, today=TODAY).section("ask")
    assert f"每月还 {yuan(waiting.steady_monthly)}" in ask and f"延期 {waiting.start_month - 1} 个月" in ask


def test_a_lender_reached_only_much_later_is_asked_for_time_not_a_far_promise() -> None:
    profile, analysis, _ = _scripts(SIX_SHORT)
    late = [analysis.loan(key) for key in analysis.priority if (analysis.loan(key).start_month or 1) > 4]
    assert late
    for loan in late:
        script = build_script(profile, analysis, loan.key, today=TODAY)
        assert script.proposal.monthly == 0 and script.proposal.extension_months == 3
        assert "主动联系您" in script.section("ask")


def test_a_guaranteed_loan_explains_the_guarantee_company() -> None:
    profile, analysis, _ = _scripts(WAITING)
    script = build_script(profile, analysis, "招联好期贷", today=TODAY)
    guarantee = script.section("guarantee")
    assert "代偿" in guarantee and "追偿" in guarantee and "某某融资担保" in guarantee
    assert "代偿" in script.section("prepare")


def test_the_coach_note_cites_the_line_of_this_lender() -> None:
    profile, analysis, _ = _scripts(FULL)
    note = build_script(profile, analysis, "某某贷", today=TODAY).section("note")
    assert "第二十五条" in note and "第十三条" in note and "第六百七十条" in note
    assert "法发〔2017〕22号" not in note  # the 24% line is for licensed lenders
    assert "2,472 元" in note  # the lawful balance: received 2,400 plus at most 3 months at 4 x LPR


def test_one_call_window_everywhere() -> None:
    profile, analysis, _ = _scripts(MINIMAL)
    timing = build_script(profile, analysis, "小白贷", today=TODAY).section("timing")
    assert "9:00–11:30" in timing and "14:00–17:00" in timing


def test_unknown_platform_raises() -> None:
    profile, analysis, _ = _scripts(MINIMAL)
    with pytest.raises(KeyError):
        build_script(profile, analysis, "不存在的平台", today=TODAY)


def _cli(argv: list[str]) -> int:
    return main(argv)


def test_cli_prints_the_script(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.json"
    path.write_text(Profile.model_validate(FULL).model_dump_json(), encoding="utf-8")
    assert _cli(["script", str(path), "--platform", "支付宝借呗", "--goal", "waive_penalty",
                 "--today", "2026-11-24"]) == 0
    out = capsys.readouterr().out
    assert "减免已经产生的罚息" in out and "我是李明" in out


def test_cli_unknown_platform_lists_the_known_ones(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.json"
    path.write_text(Profile.model_validate(FULL).model_dump_json(), encoding="utf-8")
    assert _cli(["script", str(path), "--platform", "nope", "--today", "2026-11-24"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "借呗" in err[0] and "微粒贷" in err[0]
    assert _cli(["script", str(tmp_path / "missing.json"), "--platform", "借呗"]) == 2
