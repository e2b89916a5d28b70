"""Which platform first: the seed 004 example, tiers a counsellor would recognise, and reasons that are the
ranking's own numbers. Loans here are in arrears (a current loan is not in the call list)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flows.analysis import analyse, reason_text
from flows.analysis.apr import RateLike
from flows.core.models import Profile


@dataclass(frozen=True)
class Rate:
    text: str
    kind: str
    per_period: Decimal
    annual_simple: Decimal


def annual(text: str) -> RateLike | None:
    value = Decimal(text.rstrip("%")) / 100
    return Rate(text, "annual", value, value)


TODAY = date(2026, 6, 22)


def seed_004() -> Profile:
    return Profile.model_validate(
        {
            "monthly_income": 7000,
            "monthly_expenses": 4500,
            "loans": [
                {"platform": "B", "principal": 30000, "rate": "15%", "collection": "none", "overdue_days": 5},
                {"platform": "A", "principal": 10000, "rate": "24%", "collection": "frequent", "overdue_days": 5},
            ],
        }
    )


def test_seed_004_a_before_b() -> None:
    analysis = analyse(seed_004(), today=TODAY, parse=annual)
    assert analysis.priority == ["A", "B"]


def test_seed_004_order_holds_whatever_the_overdue_state() -> None:
    profile = seed_004()
    for loan in profile.loans:
        loan.overdue_days = 45
    assert analyse(profile, today=TODAY, parse=annual).priority == ["A", "B"]


def test_score_is_the_sum_of_the_reasons_shown() -> None:
    analysis = analyse(seed_004(), today=TODAY, parse=annual)
    for loan in analysis.loans:
        assert loan.score == sum((reason.points for reason in loan.reasons), Decimal(0))
    a = next(loan for loan in analysis.loans if loan.key == "A")
    codes = {reason.code: reason for reason in a.reasons}
    assert codes["collection"].value == "frequent"
    assert codes["rate"].value == a.apr == Decimal("0.24")
    assert "24%" in reason_text(codes["rate"])
    assert "10,000" in reason_text(codes["amount"])


def test_threats_and_third_party_outrank_a_higher_rate() -> None:
    profile = Profile.model_validate(
        {
            "monthly_income": 5000,
            "monthly_expenses": 3000,
            "loans": [
                {"platform": "Cheap", "principal": 3000, "rate": "12%", "collection": "threats", "third_party": True,
                 "overdue_days": 10},
                {"platform": "Dear", "principal": 3000, "rate": "35%", "overdue_days": 10},
            ],
        }
    )
    assert analyse(profile, today=TODAY, parse=annual).priority == ["Cheap", "Dear"]


def test_licensed_breaks_an_otherwise_even_tie() -> None:
    profile = Profile.model_validate(
        {
            "monthly_income": 5000,
            "monthly_expenses": 3000,
            "loans": [
                {"platform": "U", "principal": 3000, "rate": "18%", "licensed": False, "overdue_days": 10},
                {"platform": "L", "principal": 3000, "rate": "18%", "licensed": True, "overdue_days": 10},
            ],
        }
    )
    analysis = analyse(profile, today=TODAY, parse=annual)
    assert analysis.priority == ["L", "U"]
    assert "licensed" in [reason.code for reason in analysis.loans[1].reasons]


def _loans(*loans: dict[str, object]) -> Profile:
    return Profile.model_validate({"monthly_income": 9000, "monthly_expenses": 3000, "loans": list(loans)})


def test_tiers_harm_then_cost_then_credit_and_lawsuit_then_size() -> None:
    analysis = analyse(_loans(
        {"platform": "Big", "principal": 50000, "rate": "30%", "overdue_days": 200, "licensed": True},
        {"platform": "Harm", "principal": 1000, "rate": "10%", "overdue_days": 5, "contacted_others": True},
        {"platform": "Pressure", "principal": 1000, "rate": "10%", "overdue_days": 5, "third_party": True},
        {"platform": "Dear", "principal": 1000, "rate": "31%", "overdue_days": 5, "licensed": False},
    ), today=TODAY, parse=annual)
    # Harm (contacting family) before a collection agency, before the dearest, before a big licensed loan.
    assert analysis.priority == ["Harm", "Pressure", "Dear", "Big"]
    same_cost = analyse(_loans(
        {"platform": "Small", "principal": 1000, "rate": "20%", "overdue_days": 100},
        {"platform": "Large", "principal": 9000, "rate": "20%", "overdue_days": 10},
    ), today=TODAY, parse=annual)
    # At the same cost, the risk of being sued (overdue beyond 90 days) outranks size.
    assert same_cost.priority == ["Small", "Large"]


def test_ties_go_to_the_true_cost_never_silently_to_size() -> None:
    analysis = analyse(_loans(
        {"platform": "Bigger", "principal": 5000, "rate": "20.1%", "overdue_days": 10},
        {"platform": "Costlier", "principal": 5000, "rate": "20.9%", "overdue_days": 10},
    ), today=TODAY, parse=annual)
    assert analysis.loans[0].score == analysis.loans[1].score
    assert analysis.priority == ["Costlier", "Bigger"]


def test_outsourced_collection_alone_is_pressure_not_harm() -> None:
    analysis = analyse(_loans({"platform": "Agency", "principal": 2000, "overdue_days": 30, "third_party": True}),
                       today=TODAY, parse=annual)
    codes = {reason.code: reason.points for reason in analysis.loans[0].reasons}
    assert codes["third_party"] < 1000 and "harsh_collection" not in analysis.warnings


def test_current_and_long_dead_loans_are_not_in_the_call_list() -> None:
    analysis = analyse(_loans(
        {"platform": "OnTime", "principal": 6000, "installment": 600},
        {"platform": "OldP2P", "principal": 8000, "overdue_days": 1500, "collection": "threats"},
        {"platform": "Late", "principal": 3000, "overdue_days": 20},
    ), today=TODAY, parse=annual)
    assert analysis.priority == ["Late"]
    assert analysis.held == ["OldP2P"] and analysis.loans[1].role == "held"
    assert analysis.loans[0].status == "current" and analysis.loans[0].role == "contract"
    assert "limitation_check" in analysis.warnings
