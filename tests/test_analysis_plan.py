"""Plans people can keep: a buffer kept, steady whole-yuan asks within 36 months, freed money moved on."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.analysis import AgreedTerms, Commitments, Strategy, analyse
from flows.analysis.calendar import add_months
from flows.analysis.commitments import AgreedKind
from flows.analysis.core import buffer_and_budget
from flows.analysis.plan import (
    MAX_TERM_MONTHS,
    MIN_STEADY_FEN,
    Track,
    allocate,
    build_plan,
    ceil_div,
    minimum_steady,
    steady_for,
)
from flows.core.models import Profile

TODAY = date(2026, 6, 22)


def no_rate(_text: str) -> None:
    return None


def check_invariants(balances: dict[str, int], budget: int, order: list[str]) -> None:
    tracks = [Track(key, "steady", balance) for key, balance in balances.items()]
    plan = build_plan(tracks, budget, order=order)
    mins = {key: minimum_steady(balance) for key, balance in balances.items() if balance}
    assert plan.shortfall == max(sum(mins.values()) - budget, 0)
    for key, steady in plan.steady.items():
        balance = balances[key]
        assert steady == balance or steady % 100 == 0  # whole yuan unless it is the whole balance
        assert steady >= mins[key] or steady == balance
        assert ceil_div(balance, steady) <= MAX_TERM_MONTHS
    paid = dict.fromkeys(balances, 0)
    previous = dict(balances)
    for month in plan.months:
        assert sum(month.payments.values()) <= budget and month.over == 0
        assert sum(month.payments.values()) + month.saved == budget
        for key, amount in month.payments.items():
            assert amount >= 0
            paid[key] += amount
            assert paid[key] <= balances[key]
            assert month.remaining[key] == balances[key] - paid[key] <= previous[key]
            if key in plan.steady and plan.start[key] <= month.month and previous[key] > 0:
                # A steady instalment, once started, is paid every month (more only from freed money).
                assert amount >= min(plan.steady[key], previous[key])
        previous = dict(month.remaining)
    if plan.shortfall == 0:
        assert plan.waiting == [] and plan.months_to_clear is not None
        assert plan.months_to_clear <= MAX_TERM_MONTHS
        assert all(value == 0 for value in plan.months[-1].remaining.values()) if plan.months else True
    else:
        assert plan.months_to_clear is None


balances_st = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e", "f"]),
    st.integers(min_value=0, max_value=50_000_000),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(balances=balances_st, budget=st.integers(min_value=0, max_value=5_000_000), data=st.data())
def test_plan_invariants(balances: dict[str, int], budget: int, data: st.DataObject) -> None:
    order = data.draw(st.permutations(list(balances)))
    check_invariants(balances, budget, list(order))


@settings(max_examples=100, deadline=None)
@given(
    loans=st.lists(
        st.tuples(st.integers(min_value=1, max_value=20_000_000), st.sampled_from(["sms", "calls", "threats"])),
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
            "loans": [{"platform": "P", "principal": Decimal(fen) / 100, "collection": level, "overdue_days": 30}
                      for fen, level in loans],
        }
    )
    analysis = analyse(profile, today=TODAY, strategy=strategy, parse=no_rate)
    assert len(set(analysis.priority)) == len(loans)
    available = analysis.monthly_available
    assert analysis.buffer + analysis.budget == available
    if available > 0:
        assert analysis.buffer >= min(available, max(available * Decimal("0.05"), Decimal(100)))
    for month in analysis.projection:
        assert sum(month.payments.values(), Decimal(0)) <= analysis.budget
        assert month.saved >= analysis.buffer
    assert sum((loan.proposed_monthly for loan in analysis.loans), Decimal(0)) <= analysis.budget
    for loan in analysis.loans:
        paid = sum((month.payments[loan.key] for month in analysis.schedule), Decimal(0))
        if analysis.months_to_clear is not None:
            assert paid == loan.lawful_balance
            assert loan.cleared_month is not None and loan.cleared_month <= analysis.months_to_clear
        if loan.steady_monthly > 0:
            assert loan.term_months_proposed is not None and loan.term_months_proposed <= 36
            assert loan.steady_monthly * loan.term_months_proposed >= loan.balance
    if analysis.months_to_clear is None:
        assert analysis.schedule == [] and "unaffordable" in analysis.warnings
        assert analysis.shortfall > 0 or analysis.pace_months is None


def test_the_buffer_is_five_percent_and_at_least_100_yuan() -> None:
    assert buffer_and_budget(Decimal(3000)) == (Decimal(150), Decimal(2850))
    assert buffer_and_budget(Decimal(1400)) == (Decimal(100), Decimal(1300))
    assert buffer_and_budget(Decimal("2500.50")) == (Decimal("126.50"), Decimal(2374))  # cents stay in the buffer
    assert buffer_and_budget(Decimal(80)) == (Decimal(80), Decimal(0))
    assert buffer_and_budget(Decimal(-500)) == (Decimal(0), Decimal(-500))


def test_minimum_and_steady_amounts() -> None:
    assert minimum_steady(0) == 0
    assert minimum_steady(5_000) == 5_000  # less than 100 yuan owed: all of it
    assert minimum_steady(300_000) == MIN_STEADY_FEN  # 3,000 yuan: the 100-yuan floor
    assert minimum_steady(2_000_000) == 55_600  # 20,000 yuan over 36 months, whole yuan up
    # 10,000 yuan with 3,300 on offer: four months, so 2,500 x 4 rather than 3,300, 3,300, 3,300, 100.
    assert steady_for(1_000_000, 330_000) == 250_000
    assert steady_for(1_000_000, 2_000_000) == 1_000_000


def test_extra_money_goes_in_funding_order_and_freed_money_moves_on() -> None:
    steady, left = allocate(330_000, [("first", 1_000_000), ("second", 900_000)])
    # "first" takes what clears it soonest (2,500 x 4); "second" the rest (750 x 12); 50 yuan is kept.
    assert steady == {"first": 250_000, "second": 75_000} and left == 5_000
    tracks = [Track("first", "steady", 1_000_000), Track("second", "steady", 900_000)]
    plan = build_plan(tracks, 330_000, order=["first", "second"])
    assert plan.cleared_month["first"] == 4
    # Month 5: the 2,500 freed by "first" goes to "second"; the 50 yuan rounding stays saved.
    assert plan.months[4].payments["second"] == 325_000 and plan.months[4].saved == 5_000
    assert plan.months_to_clear == plan.cleared_month["second"] == 6


def test_short_money_funds_whole_minimums_in_order_and_the_rest_waits() -> None:
    tracks = [Track(key, "steady", 2_000_000) for key in ("a", "b", "c")]
    plan = build_plan(tracks, 120_000, order=["b", "a", "c"])
    assert plan.start["b"] == plan.start["a"] == 1 and plan.waiting == ["c"]
    assert plan.steady["b"] == plan.steady["a"] == 55_600
    assert plan.shortfall == 3 * 55_600 - 120_000 and plan.months_to_clear is None
    assert plan.months[0].payments["c"] == 0
    # When "b" and "a" clear, "c" starts with a steady instalment of its own.
    assert plan.start["c"] == 37 and plan.steady["c"] >= minimum_steady(2_000_000)


def test_current_loans_keep_their_contract_and_are_never_prepaid() -> None:
    tracks = [Track("card", "contract", 600_000, contract=60_000), Track("late", "steady", 300_000)]
    plan = build_plan(tracks, 500_000, order=["late", "card"])
    assert all(month.payments["card"] == 60_000 for month in plan.months if month.month <= 10)
    assert plan.at_risk == []
    short = build_plan([Track("card", "contract", 600_000, contract=60_000)], 50_000, order=["card"])
    assert short.at_risk == ["card"] and short.shortfall == 10_000


def test_agreed_payments_are_kept_and_their_end_frees_money() -> None:
    agreed = Track("deal", "agreed", 300_000, fixed={1: 100_000, 2: 100_000, 3: 100_000})
    other = Track("other", "steady", 1_200_000)
    plan = build_plan([agreed, other], 200_000, order=["deal", "other"])
    assert [month.payments["deal"] for month in plan.months[:4]] == [100_000, 100_000, 100_000, 0]
    assert plan.steady["other"] == 100_000
    assert plan.months[3].payments["other"] == 200_000  # the agreement ended: its money moves on


def test_no_money_no_payments() -> None:
    plan = build_plan([Track("a", "steady", 10_000)], 0, order=["a"])
    assert plan.waiting == ["a"] and plan.months_to_clear is None and plan.shortfall == 10_000
    assert all(sum(month.payments.values()) == 0 for month in plan.months)


KINDS: tuple[AgreedKind, ...] = ("instalments", "waiver", "extension")


@settings(max_examples=80, deadline=None)
@given(
    balances=st.lists(st.integers(min_value=100, max_value=50_000), min_size=1, max_size=4),
    income=st.integers(min_value=0, max_value=20_000),
    deals=st.lists(st.tuples(st.integers(min_value=0, max_value=3), st.sampled_from(KINDS),
                             st.integers(min_value=1, max_value=12), st.integers(min_value=50, max_value=5_000),
                             st.integers(min_value=0, max_value=200)), max_size=3),
    paid=st.integers(min_value=0, max_value=3_000),
)
def test_the_plan_with_agreements_and_payments_keeps_its_promises(
    balances: list[int], income: int, deals: list[tuple[int, AgreedKind, int, int, int]], paid: int
) -> None:
    profile = Profile.model_validate({
        "monthly_income": income, "monthly_expenses": 0,
        "loans": [{"platform": f"P{i}", "principal": amount, "overdue_days": 20} for i, amount in enumerate(balances)],
    })
    agreed: dict[str, AgreedTerms] = {}
    for index, kind, count, amount, offset in deals:
        key = f"P{index}"
        if index >= len(balances) or key in agreed:
            continue
        first = TODAY + timedelta(days=offset)
        payments = 1 if kind == "waiver" else 0 if kind == "extension" else count
        due = tuple((add_months(first.replace(day=1), i), Decimal(amount)) for i in range(payments))
        agreed[key] = AgreedTerms(loan=key, kind=kind, due=due, until=first if kind == "extension" else None,
                                  amount=Decimal(amount))
    marked = Decimal(min(paid, balances[0]))
    analysis = analyse(profile, today=TODAY, commitments=Commitments(agreed=agreed, paid={"P0": marked}),
                       parse=no_rate)
    if "P0" not in agreed:
        assert analysis.loan("P0").balance == Decimal(balances[0]) - marked
    for month in analysis.projection:
        assert sum(month.payments.values(), Decimal(0)) <= analysis.budget + month.over_budget
        assert all(month.payments[loan.key] >= 0 <= month.remaining[loan.key] for loan in analysis.loans)
    for key, terms in agreed.items():
        loan = analysis.loan(key)
        assert loan.role == "agreed"
        if terms.kind == "extension":
            until = terms.until
            assert until is not None
            assert all(month.payments[key] == 0 for month in analysis.projection
                       if analysis.month_date(month.month) < until.replace(day=1))
            continue
        planned = sum((month.payments[key] for month in analysis.projection), Decimal(0))
        assert planned <= max(loan.balance, sum((amount for _, amount in terms.due), Decimal(0)))


def test_an_agreement_starting_next_month_comes_out_of_the_budget_first() -> None:
    agreed = Track("a", "agreed", 1_200_000, fixed={month: 200_000 for month in range(2, 8)})
    plan = build_plan([agreed, Track("b", "steady", 800_000)], 427_500, order=["a", "b"])
    assert plan.steady["b"] <= 427_500 - 200_000 and plan.ceiling["b"] <= 427_500 - 200_000
    assert plan.shortfall == 0 and plan.months_to_clear is not None
    for month in plan.months:
        assert sum(month.payments.values()) <= 427_500 and month.over == 0


def test_a_waiting_lender_is_not_started_on_money_a_later_agreement_month_needs() -> None:
    # Month 1 has money free (the agreement starts in month 2); starting "b" on it would overcommit later.
    agreed = Track("a", "agreed", 600_000, fixed={2: 300_000, 3: 300_000})
    plan = build_plan([agreed, Track("b", "steady", 500_000)], 300_000, order=["a", "b"])
    assert plan.start["b"] == 4
    for month in plan.months:
        assert sum(month.payments.values()) <= 300_000 and month.over == 0


def test_only_agreements_make_a_month_over_budget() -> None:
    plan = build_plan([Track("a", "steady", 900_000)], -100_000, order=["a"])
    assert all(month.over == 0 for month in plan.months)
    agreed = build_plan([Track("a", "agreed", 500_000, fixed={1: 500_000})], 300_000, order=["a"])
    assert [month.over for month in agreed.months] == [200_000]
