"""Real yearly cost: IRR of the actual cash flows, checked against hand-worked cases."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from flows.analysis.apr import Cost, RateLike, irr_annual, level_payment, loan_cost
from flows.core.models import Loan


@dataclass(frozen=True)
class Rate:
    """Stands in for flows.parsing.Rate (same fields)."""

    text: str
    kind: str
    per_period: Decimal
    annual_simple: Decimal


PERIODS = {"daily": 365, "monthly": 12, "annual": 1, "monthly_fee": 12}


def rate(kind: str, per_period: str) -> Rate:
    value = Decimal(per_period)
    return Rate(per_period, kind, value, value * PERIODS[kind])


def cost_of(loan: Loan, value: Rate | None) -> Cost:
    def parse(_text: str) -> RateLike | None:
        return value

    return loan_cost(loan, parse)


def test_flat_monthly_fee_twelve_months_is_about_thirteen_percent() -> None:
    loan = Loan(platform="X", principal=Decimal(12000), rate="fee", term_months=12)
    cost = cost_of(loan, rate("monthly_fee", "0.006"))
    assert cost.method == "irr"
    assert cost.apr is not None
    assert Decimal("0.1295") <= cost.apr <= Decimal("0.131")
    # The flat figure (0.6% x 12 = 7.2%) hides nearly twice as much.
    assert cost.apr / Decimal("0.072") > Decimal("1.75")


def test_daily_rate_without_schedule_is_simple_times_365() -> None:
    loan = Loan(platform="X", principal=Decimal(5000), rate="daily")
    cost = cost_of(loan, rate("daily", "0.0005"))
    assert cost.method == "simple_daily"
    assert cost.apr == Decimal("0.1825")


def test_declining_balance_rate_with_term_gives_back_the_nominal_rate() -> None:
    loan = Loan(platform="X", principal=Decimal(5000), rate="daily", term_months=12)
    cost = cost_of(loan, rate("daily", "0.0005"))
    assert cost.method == "irr"
    assert cost.apr == Decimal("0.1825")


def test_upfront_deduction_one_month_by_hand() -> None:
    # 1,000 owed, 900 received, all repaid after one month: 1000/900 - 1 = 11.11% a month.
    loan = Loan(platform="X", principal=Decimal(1000), received=Decimal(900), installment=Decimal(1000), term_months=1)
    cost = cost_of(loan, None)
    assert cost.method == "irr"
    assert cost.apr == ((Decimal(1000) / Decimal(900) - 1) * 12).quantize(Decimal("0.000001"))


def test_upfront_deduction_raises_the_real_rate() -> None:
    # 10,000 at 1% a month over 12 months, equal instalments, but only 9,000 paid out.
    monthly = level_payment(Decimal(10000), Decimal("0.01"), 12)
    assert monthly.quantize(Decimal("0.01")) == Decimal("888.49")
    loan = Loan(platform="X", principal=Decimal(10000), received=Decimal(9000), rate="1%", term_months=12)
    cost = cost_of(loan, rate("monthly", "0.01"))
    assert cost.apr is not None
    # NPV at the found monthly rate is zero: sum of discounted instalments equals the 9,000 received.
    r = cost.apr / 12
    npv = sum(monthly / (1 + r) ** k for k in range(1, 13))
    assert abs(npv - Decimal(9000)) < Decimal("0.5")
    assert Decimal("0.30") < cost.apr < Decimal("0.33")


def test_actual_instalments_win_over_the_stated_rate() -> None:
    loan = Loan(platform="X", principal=Decimal(12000), rate="fee", term_months=12, installment=Decimal("1072"))
    cost = cost_of(loan, rate("annual", "0.05"))
    assert cost.apr is not None and cost.apr > Decimal("0.12")


def test_fee_without_term_gives_only_a_lower_bound() -> None:
    loan = Loan(platform="X", principal=Decimal(12000), rate="fee")
    cost = cost_of(loan, rate("monthly_fee", "0.006"))
    assert cost.apr is None
    assert cost.method == "needs_term"
    assert cost.floor == Decimal("0.072")


def test_stated_monthly_rate_times_twelve() -> None:
    loan = Loan(platform="X", principal=Decimal(1000), rate="m")
    cost = cost_of(loan, rate("monthly", "0.015"))
    assert (cost.apr, cost.method) == (Decimal("0.18"), "stated_monthly")


def test_nothing_to_go_on() -> None:
    cost = cost_of(Loan(platform="X", principal=Decimal(1000)), None)
    assert (cost.apr, cost.method, cost.floor) == (None, "unknown", None)


@pytest.mark.parametrize(
    ("received", "payments"),
    [(Decimal(0), [Decimal(1)]), (Decimal(100), []), (Decimal(100), [Decimal(50)])],
)
def test_irr_rejects_flows_without_a_sensible_rate(received: Decimal, payments: list[Decimal]) -> None:
    assert irr_annual(received, payments) is None


def test_project_parser_when_available() -> None:
    parsing = pytest.importorskip("flows.parsing")
    if not hasattr(parsing, "parse_rate"):
        pytest.skip("flows.parsing.parse_rate not there yet")
    loan = Loan(platform="X", principal=Decimal(5000), rate="日息万五")
    from flows.analysis.apr import default_parser

    assert loan_cost(loan, default_parser).apr == Decimal("0.1825")
    fee = Loan(platform="X", principal=Decimal(12000), rate="月费率0.6%", term_months=12)
    apr = loan_cost(fee, default_parser).apr
    assert apr is not None and Decimal("0.1295") <= apr <= Decimal("0.131")
