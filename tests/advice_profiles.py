"""Profiles for the advice tests (issue 15): the situations a debt counsellor and a lawyer would check."""

from __future__ import annotations

from datetime import date
from typing import Any

from flows.core.models import Profile

TODAY = date(2026, 11, 24)  # a Tuesday; LPR 3% since 2025-05-20, so 4 x LPR = 12%

UPFRONT_THREATS: dict[str, Any] = {
    "name": "王芳",
    "monthly_income": 7000,
    "monthly_expenses": 4000,
    "hardship": "孩子生病住院，花了很多钱",
    "loans": [
        # 7,000 contracted, 5,600 received, unlicensed, threats and calls to the family.
        {"platform": "速借宝", "principal": 7000, "received": 5600, "term_months": 6, "installment": 1400,
         "contract_date": "2026-05-10", "overdue_days": 45, "licensed": False, "collection": "threats",
         "contacted_others": True},
        {"platform": "借呗", "principal": 9000, "overdue_days": 30, "collection": "calls"},
    ],
}

CURRENT_BESIDE_OVERDUE: dict[str, Any] = {
    "monthly_income": 8000,
    "monthly_expenses": 5000,
    "hardship": "降薪或收入减少",
    "loans": [
        {"platform": "微粒贷", "principal": 6000, "installment": 550, "term_months": 12, "licensed": True},
        {"platform": "安逸花", "principal": 8000, "overdue_days": 20, "collection": "frequent"},
        {"platform": "美团借钱", "principal": 5000, "overdue_days": 35, "rate": "年化18%"},
    ],
}

SIX_WITH_GUARANTEE_SHORTFALL: dict[str, Any] = {
    "monthly_income": 5200,
    "monthly_expenses": 3900,
    "hardship": "失业",
    "loans": [
        {"platform": "借呗", "principal": 15000, "overdue_days": 60, "collection": "frequent"},
        {"platform": "花呗", "principal": 4000, "overdue_days": 60, "collection": "calls"},
        {"platform": "京东金条", "principal": 20000, "overdue_days": 40, "rate": "年化24%", "collection": "calls"},
        {"platform": "安逸花", "principal": 9000, "overdue_days": 25, "third_party": True},
        {"platform": "分期乐", "principal": 12000, "overdue_days": 15, "guaranteed": True,
         "guarantor": "某某融资担保有限公司"},
        {"platform": "拍拍贷", "principal": 6000, "overdue_days": 95, "collection": "threats"},
    ],
}

BEFORE_2020: dict[str, Any] = {
    "monthly_income": 6000,
    "monthly_expenses": 4000,
    "loans": [
        {"platform": "老借款", "principal": 10000, "rate": "年化20%", "contract_date": "2019-12-01",
         "overdue_days": 200, "licensed": False},
        {"platform": "更老的借款", "principal": 5000, "received": 4000, "rate": "年化30%",
         "contract_date": "2018-03-01", "overdue_days": 100},
    ],
}

LINES_24_36: dict[str, Any] = {
    "monthly_income": 12000,
    "monthly_expenses": 5000,
    "loans": [
        {"platform": "持牌二四", "principal": 6000, "rate": "年化24%", "licensed": True, "overdue_days": 10,
         "contract_date": "2025-06-01"},
        {"platform": "持牌三六", "principal": 6000, "rate": "年化36%", "licensed": True, "overdue_days": 10,
         "contract_date": "2025-06-01"},
        {"platform": "民间二四", "principal": 6000, "rate": "年化24%", "licensed": False, "overdue_days": 10,
         "contract_date": "2025-06-01"},
        {"platform": "民间三六", "principal": 6000, "rate": "年化36%", "licensed": False, "overdue_days": 10,
         "contract_date": "2025-06-01"},
    ],
}

PROFILES: dict[str, dict[str, Any]] = {
    "upfront_threats": UPFRONT_THREATS,
    "current_beside_overdue": CURRENT_BESIDE_OVERDUE,
    "six_guarantee_shortfall": SIX_WITH_GUARANTEE_SHORTFALL,
    "before_2020": BEFORE_2020,
    "lines_24_36": LINES_24_36,
}


def profile(name: str) -> Profile:
    """Validate one of the profiles."""
    return Profile.model_validate(PROFILES[name])
