"""Issue 15, the plan: buffer kept, steady whole-yuan asks within 36 months, lawful balance, honest shortfall."""

from __future__ import annotations

from decimal import Decimal

import pytest
from advice_profiles import PROFILES, TODAY, profile

from flows.analysis import analyse, analysis_messages, plan_json
from flows.core.money import yuan
from flows.negotiation.script import build_script


@pytest.mark.parametrize("name", PROFILES)
def test_the_buffer_is_kept_every_month(name: str) -> None:
    analysis = analyse(profile(name), today=TODAY)
    available = analysis.monthly_available
    assert analysis.buffer >= min(available, max(available * Decimal("0.05"), Decimal(100)))
    assert analysis.buffer + analysis.budget == available
    for month in analysis.projection:
        assert sum(month.payments.values(), Decimal(0)) <= analysis.budget
        assert month.saved >= analysis.buffer
    standing = analysis_messages(analysis, profile(name))[0]
    assert f"先留 {yuan(analysis.buffer)}" in standing


@pytest.mark.parametrize("name", PROFILES)
def test_every_lender_in_arrears_gets_a_steady_whole_yuan_ask_within_36_months(name: str) -> None:
    p = profile(name)
    analysis = analyse(p, today=TODAY)
    for key in analysis.priority:
        loan = analysis.loan(key)
        assert loan.steady_monthly > 0 and loan.steady_monthly == loan.steady_monthly.to_integral_value()
        term = loan.term_months_proposed
        assert term is not None and term <= 36
        # The ask clears exactly what the plan pays: the lawful balance.
        assert loan.steady_monthly * (term - 1) < loan.balance <= loan.steady_monthly * term
        assert loan.balance == loan.lawful_balance
        script = build_script(p, analysis, key, "installment", today=TODAY)
        if (loan.start_month or 1) > 4:  # reached only years later: the honest ask is time, then a call back
            assert script.proposal.monthly == 0 and script.proposal.extension_months == 3
            assert "主动联系您" in script.section("ask")
            continue
        assert script.proposal.monthly == loan.steady_monthly and script.proposal.installments == term
        ask = script.section("ask")
        assert f"每月还 {yuan(loan.steady_monthly)}" in ask or f"每期 {yuan(loan.steady_monthly)}" in ask or (
            term == 1 and f"一次还清 {yuan(loan.steady_monthly)}" in ask)
        assert f"分 {term} 期" in ask or term == 1
        if analysis.months_to_clear is not None:
            paid = sum((month.payments[key] for month in analysis.schedule), Decimal(0))
            assert paid == loan.lawful_balance


@pytest.mark.parametrize("name", PROFILES)
def test_the_json_adds_the_new_keys_with_the_plans_figures(name: str) -> None:
    analysis = analyse(profile(name), today=TODAY)
    doc = plan_json(analysis)
    assert doc["buffer"] == float(analysis.buffer) and doc["shortfall"] == float(analysis.shortfall)
    for loan, entry in zip(analysis.loans, doc["loans"], strict=True):
        assert entry["lawful_balance"] == float(loan.lawful_balance)
        assert entry["steady_monthly"] == float(loan.steady_monthly)
        assert entry["term_months_proposed"] == loan.term_months_proposed


def test_an_upfront_deduction_is_planned_on_the_lawful_balance() -> None:
    p = profile("upfront_threats")
    analysis = analyse(p, today=TODAY)
    loan = analysis.loan("速借宝")
    # Received 5,600, nothing repaid, interest at most 4 x LPR (12%) for the 7 months since 2026-05-10.
    assert loan.line == "lpr_4x" and loan.line_rate == Decimal("0.12")
    assert loan.lawful_months == 7 and loan.lawful_interest == Decimal("392.00")
    assert loan.lawful_balance == Decimal("5992.00") < loan.outstanding == Decimal(7000)
    assert loan.balance == loan.lawful_balance and loan.hold_until_breakdown
    text = "\n".join(analysis_messages(analysis, p))
    assert "计划按 5,992 元来排" in text and "第六百七十条" in text and "第二十六条" in text
    script = build_script(p, analysis, "速借宝", today=TODAY)
    note, lender = script.section("note"), script.section("lender")
    assert "5,992 元" in note and "不要按平台说的 7,000 元还" in note
    assert "可能被认定无效" in note and "第十三条" in note
    assert "收到明细之前我先不付款" in lender and "个人账户" in lender
    assert "我实际到手的是 5,600 元" in script.section("opening")


def test_a_current_loan_stays_on_its_contract_and_is_not_called() -> None:
    p = profile("current_beside_overdue")
    analysis = analyse(p, today=TODAY)
    card = analysis.loan("微粒贷")
    assert card.status == "current" and card.role == "contract" and "微粒贷" not in analysis.priority
    assert card.steady_monthly == 0 and card.contract_monthly == Decimal(550)
    for month in analysis.schedule:
        if month.remaining["微粒贷"] > 0:
            assert month.payments["微粒贷"] == Decimal(550)  # never prepaid
    script = build_script(p, analysis, "微粒贷", today=TODAY)
    assert not script.needs_call and "抱歉" not in script.text() and "逾期" in script.text()
    priority = analysis_messages(analysis, p)[3]
    assert "不用打协商电话：微粒贷" in priority


def test_a_shortfall_is_stated_with_its_figure_and_the_lawful_paths_lead() -> None:
    p = profile("six_guarantee_shortfall")
    analysis = analyse(p, today=TODAY)
    assert analysis.shortfall > 0 and analysis.months_to_clear is None
    assert plan_json(analysis)["shortfall"] == float(analysis.shortfall)
    messages = analysis_messages(analysis, p)
    assert f"每月还差 {yuan(analysis.shortfall)}" in messages[0]
    plan = next(message for message in messages if "合法途径" in message)
    assert f"每月还差 {yuan(analysis.shortfall)}" in plan
    paths = plan[plan.index("合法途径"):]
    assert paths.index("12348") < paths.index("律师") and "法律援助" in paths and "调解" in paths
    assert "深圳" in paths
    # Lenders the money does not reach start when others clear; their scripts ask for that wait honestly.
    waiting = [key for key in analysis.priority if analysis.loan(key).role == "waiting"]
    assert waiting and all((analysis.loan(key).start_month or 0) > 1 for key in waiting)


def test_expenses_above_income_show_the_gap_not_zero() -> None:
    p = profile("current_beside_overdue").model_copy(update={"monthly_income": Decimal(4500)})
    analysis = analyse(p, today=TODAY)
    assert analysis.income_gap == Decimal(500) and analysis.shortfall > Decimal(500)
    standing = analysis_messages(analysis, p)[0]
    assert "必要开支比收入还多 500 元" in standing and f"每月还差 {yuan(analysis.shortfall)}" in standing


def test_a_plan_that_cannot_clear_is_never_given_as_hundreds_of_months() -> None:
    p = profile("six_guarantee_shortfall").model_copy(update={"monthly_income": Decimal(4000)})
    joined = "\n".join(analysis_messages(analyse(p, today=TODAY), p))
    assert "个月才能还清" not in joined and "全部还清。" not in joined
