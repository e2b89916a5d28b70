"""Call scripts: the person's own figures, the plan's ceiling, and what changes the wording."""

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
                           "loans": [{"platform": "小白贷", "principal": 2000}]}
NO_MONEY: dict[str, Any] = {
    "monthly_income": 2000, "monthly_expenses": 2500, "hardship": "生病或受伤",
    "loans": [{"platform": "借呗", "principal": 8000, "overdue_days": 20},
              {"platform": "安逸花", "principal": 4000, "overdue_days": 5}],
}
PRO_RATA: dict[str, Any] = {
    "monthly_income": 3000, "monthly_expenses": 2800, "hardship": "老板跑路了，三个月没拿到钱。",
    "loans": [{"platform": f"平台{i}", "principal": 20000, "overdue_days": 30} for i in "甲乙丙"],
}
PROFILES = {"full": FULL, "minimal": MINIMAL, "no_money": NO_MONEY, "pro_rata": PRO_RATA}


def _scripts(raw: dict[str, Any]) -> tuple[Profile, Analysis, list[CallScript]]:
    profile = Profile.model_validate(raw)
    analysis = analyse(profile, today=TODAY)
    scripts = [build_script(profile, analysis, key, goal, today=TODAY)
               for key in analysis.priority for goal in (None, *GOALS)]
    return profile, analysis, scripts


def _with(raw: dict[str, Any], index: int, **changes: Any) -> dict[str, Any]:
    loans = [dict(loan) for loan in raw["loans"]]
    loans[index].update(changes)
    return {**raw, "loans": loans}


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
    _, _, scripts = _scripts(PROFILES[name])
    for script in scripts:
        body = script.text()
        assert "None" not in body
        assert not re.search(r"[（(【\[]\s*[）)】\]]", body), body
        assert not re.search(r"[A-Za-z]", re.sub("APP", "", body)), body
        assert 3 <= len(script.messages()) <= 4


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
def test_scripts_never_offer_more_than_the_plan(name: str) -> None:
    _, analysis, scripts = _scripts(PROFILES[name])
    by_key = {loan.key: loan for loan in analysis.loans}
    for script in scripts:
        ceiling = by_key[script.platform].proposed_monthly
        assert script.proposal.monthly <= ceiling
        offered = [Decimal(n.replace(",", "")) for n in re.findall(r"每[月期] ([\d,.]+) 元", script.text())]
        assert all(amount <= ceiling for amount in offered), (script.platform, offered, ceiling)


def test_script_carries_the_persons_own_figures() -> None:
    profile, analysis, _ = _scripts(FULL)
    loan = next(loan for loan in analysis.loans if loan.key == "某某贷")
    script = build_script(profile, analysis, "某某贷", "installment", today=TODAY)
    text = script.text()
    assert script.proposal.monthly == loan.proposed_monthly > 0
    count = script.proposal.installments
    assert count is not None and count * script.proposal.monthly >= loan.outstanding
    assert f"分 {count} 期" in text and f"每期 {yuan(loan.proposed_monthly)}" in text
    assert yuan(loan.outstanding) in text
    assert "2026年12月1日" in text  # first payment: the next 1st at least a week ahead
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


def test_second_overdue_changes_the_script() -> None:
    first = _with(FULL, 0, previous_overdue=False)
    profile, analysis, _ = _scripts(first)
    once = build_script(profile, analysis, "借呗", "installment", today=TODAY)
    profile, analysis, _ = _scripts(FULL)
    twice = build_script(profile, analysis, "借呗", "installment", today=TODAY)
    assert not once.second_overdue and once.section("second_overdue") == ""
    assert twice.second_overdue and "第二次逾期" in twice.text()
    assert "这次不一样" in twice.section("second_overdue")


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
    assert "12378" in texts_by_kind["licensed"].section("fallback")
    assert texts_by_kind["licensed"].text() != texts_by_kind["unlicensed"].text()
    assert "不确定" in texts_by_kind["unknown"].section("lender")


def test_goals_give_different_scripts() -> None:
    profile, analysis, _ = _scripts(MINIMAL)
    asks = {goal: build_script(profile, analysis, "小白贷", goal, today=TODAY).section("ask") for goal in GOALS}
    assert len(set(asks.values())) == len(GOALS)
    assert "延期 1 个月" in asks["extension"] and "2027年1月1日" in asks["extension"]
    assert "罚息" in asks["waive_penalty"] and "暂停催收" in asks["pause_collection"]


def test_bundle_for_two_or_more_overdue_platforms() -> None:
    profile, analysis, _ = _scripts(FULL)
    script = build_script(profile, analysis, "借呗", today=TODAY)
    assert script.bundle and "一并纳入协商" in script.section("bundle")
    not_overdue = build_script(profile, analysis, "微粒贷", today=TODAY)
    assert not not_overdue.bundle
    profile, analysis, _ = _scripts(MINIMAL)
    assert not build_script(profile, analysis, "小白贷", today=TODAY).bundle
    same = {**NO_MONEY, "loans": [*NO_MONEY["loans"], {"platform": "花呗", "principal": 1000, "overdue_days": 3}]}
    profile, analysis, _ = _scripts(same)
    bundle = build_script(profile, analysis, "借呗", today=TODAY).section("bundle")
    assert "在贵公司还有另一笔借款（花呗）" in bundle


def test_default_goals_follow_the_rules() -> None:
    _, analysis, _ = _scripts(FULL)
    goals = {loan.key: default_goal(loan) for loan in analysis.loans}
    assert goals["借呗"] == "pause_collection"  # daily calls
    assert goals["某某贷"] == "pause_collection"  # threats, third party
    assert goals["微粒贷"] == "installment"
    _, analysis, _ = _scripts(NO_MONEY)
    assert {default_goal(loan) for loan in analysis.loans} == {"extension"}


def test_nothing_available_asks_for_time_not_money() -> None:
    profile, analysis, _ = _scripts(NO_MONEY)
    for goal in GOALS:
        script = build_script(profile, analysis, "借呗", goal, today=TODAY)
        assert script.proposal.monthly == 0 and script.proposal.extension_months == 3
        assert not re.search(r"(?<![\d,])0 元", script.text())
        assert "延期 3 个月" in script.text() or "主动联系您" in script.text()


def test_long_shared_plan_asks_for_a_review_instead_of_endless_instalments() -> None:
    profile, analysis, _ = _scripts(PRO_RATA)
    assert analysis.pro_rata
    loan = analysis.loans[0]
    proposal = propose(loan, "installment", today=TODAY, horizon=analysis.horizon_months)
    assert proposal.installments is None and 0 < proposal.monthly <= loan.proposed_monthly
    ask = build_script(profile, analysis, loan.key, "installment", today=TODAY).section("ask")
    assert "3 个月后" in ask and not re.search(r"分 \d+ 期", ask)


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
