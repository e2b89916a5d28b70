"""Which platform first: the seed 004 example, and reasons that are the ranking's own numbers."""

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
                {"platform": "B", "principal": 30000, "rate": "15%", "collection": "none"},
                {"platform": "A", "principal": 10000, "rate": "24%", "collection": "frequent"},
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
                {"platform": "Cheap", "principal": 3000, "rate": "12%", "collection": "threats", "third_party": True},
                {"platform": "Dear", "principal": 3000, "rate": "35%"},
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
                {"platform": "U", "principal": 3000, "rate": "18%", "licensed": False},
                {"platform": "L", "principal": 3000, "rate": "18%", "licensed": True},
            ],
        }
    )
    analysis = analyse(profile, today=TODAY, parse=annual)
    assert analysis.priority == ["L", "U"]
    assert [reason.code for reason in analysis.loans[1].reasons][-1] == "licensed"
