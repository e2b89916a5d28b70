"""Plans: fit the money, never overpay, keep every platform in contact, clear everything when feasible."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.analysis import Strategy, analyse
from flows.analysis.plan import HORIZON_MONTHS, MIN_CONTACT_FEN, build_plan, contact_payment
from flows.core.models import Profile

TODAY = date(2026, 6, 22)


def no_rate(_text: str) -> None:
    return None


def check_invariants(balances: dict[str, int], available: int, strategy_order: list[str]) -> None:
    plan = build_plan(balances, available, contact_order=list(balances), extra_order=strategy_order)
    paid = dict.fromkeys(balances, 0)
    previous = dict(balances)
    for month in plan.months:
        assert sum(month.payments.values()) <= available
        for key, amount in month.payments.items():
            assert amount >= 0
            paid[key] += amount
            assert paid[key] <= balances[key]
            assert month.remaining[key] == balances[key] - paid[key]
            assert month.remaining[key] <= previous[key]
        # Money is never left unspent while something is still owed.
        if sum(month.remaining.values()) > 0:
            assert sum(month.payments.values()) == available
        previous = dict(month.remaining)
    total = sum(balances.values())
    pace = -(-total // available) if available else None
    if total == 0:
        assert plan.months_to_clear == 0
    elif pace is not None and pace <= HORIZON_MONTHS:
        assert plan.months_to_clear == pace
        assert all(value == 0 for value in plan.months[-1].remaining.values())
        assert all(plan.cleared_month[key] is not None for key in balances)
    else:
        assert plan.months_to_clear is None
    if plan.months and not plan.pro_rata:
        first = plan.months[0].payments
        assert all(first[key] >= min(balances[key], MIN_CONTACT_FEN) for key in balances if balances[key])


balances_st = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e", "f"]),
    st.integers(min_value=0, max_value=50_000_000),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(balances=balances_st, available=st.integers(min_value=0, max_value=5_000_000), data=st.data())
def test_plan_invariants(balances: dict[str, int], available: int, data: st.DataObject) -> None:
    order = data.draw(st.permutations(list(balances)))
    check_invariants(balances, available, list(order))


@settings(max_examples=100, deadline=None)
@given(
    loans=st.lists(
        st.tuples(st.integers(min_value=1, max_value=20_000_000), st.sampled_from(["none", "calls", "threats"])),
        min_size=1,
        max_size=5,
    ),
    income=st.integers(min_value=0, max_value=3_000_000),
    strategy=st.sampled_from(["avalanche", "snowball"]),
)
def test_analysis_schedule_invariants(loans: list[tuple[int, str]], income: int, strategy: Strategy) -> None:
    profile = Profile.model_validate(
        {
            "monthly_income": Decimal(income) / 100,
            "monthly_expenses": 0,
            "loans": [{"platform": "P", "principal": Decimal(fen) / 100, "collection": level} for fen, level in loans],
        }
    )
    analysis = analyse(profile, today=TODAY, strategy=strategy, parse=no_rate)
    assert len(set(analysis.priority)) == len(loans)
    for month in analysis.schedule:
        assert sum(month.payments.values(), Decimal(0)) <= analysis.monthly_available
    assert sum((loan.proposed_monthly for loan in analysis.loans), Decimal(0)) <= analysis.monthly_available
    for loan in analysis.loans:
        paid = sum((month.payments[loan.key] for month in analysis.schedule), Decimal(0))
        assert paid <= loan.outstanding
        if analysis.months_to_clear is not None:
            assert paid == loan.outstanding
            assert loan.cleared_month is not None and loan.cleared_month <= analysis.months_to_clear
    if analysis.months_to_clear is None:
        assert analysis.schedule == []
        assert "unaffordable" in analysis.warnings


def test_contact_payment() -> None:
    assert contact_payment(0) == 0
    assert contact_payment(5_000) == 5_000  # less than 100 yuan owed: all of it
    assert contact_payment(300_000) == MIN_CONTACT_FEN  # 3,000 yuan: the 100-yuan floor
    assert contact_payment(3_000_000) == 50_000  # 30,000 yuan: 1/60 = 500 yuan


def test_avalanche_sends_extra_to_the_highest_rate_and_snowball_to_the_smallest() -> None:
    balances = {"big_dear": 1_000_000, "small_cheap": 200_000}
    avalanche = build_plan(balances, 100_000, contact_order=list(balances), extra_order=["big_dear", "small_cheap"])
    snowball = build_plan(balances, 100_000, contact_order=list(balances), extra_order=["small_cheap", "big_dear"])
    assert avalanche.months[0].payments == {"big_dear": 90_000, "small_cheap": 10_000}
    assert snowball.months[0].payments == {"big_dear": 16_667, "small_cheap": 83_333}
    assert snowball.cleared_month["small_cheap"] == 3
    assert avalanche.months_to_clear == snowball.months_to_clear == 12


def test_short_money_is_shared_pro_rata() -> None:
    balances = {"a": 500_000, "b": 500_000, "c": 500_000}
    plan = build_plan(balances, 20_000, contact_order=["b", "a", "c"], extra_order=["a", "b", "c"])
    assert plan.pro_rata
    assert plan.months[0].payments == {"a": 6_667, "b": 6_667, "c": 6_666}  # leftover fen in contact order
    assert plan.months_to_clear is None


def test_no_money_no_plan() -> None:
    plan = build_plan({"a": 100}, 0, contact_order=["a"], extra_order=["a"])
    assert plan.months == [] and plan.months_to_clear is None
