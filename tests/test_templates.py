"""Every user-facing path renders cleanly for varied profiles, including ones missing optional fields.

The autouse guard in conftest.py checks each rendered sentence; these tests make sure the varied
profiles actually travel every path: plan, every script goal for every platform, toolkit, export.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from conversation import Conversation
from sessions import at_home

from flows.analysis import analyse, analysis_messages
from flows.core.clock import FixedClock
from flows.core.engine import Engine
from flows.core.models import Loan, Profile
from flows.core.texts import template_names
from flows.negotiation.script import GOALS, build_script
from flows.negotiation.toolkit import TOPICS
from flows.storage import open_store
from flows.storage.base import Store

D = Decimal
TODAY = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)

PROFILES: dict[str, Profile] = {
    "bare": Profile(monthly_income=D(6000), monthly_expenses=D(4000),
                    loans=[Loan(platform="某某贷", principal=D(3000))]),
    "no_money_left": Profile(monthly_income=D(3000), monthly_expenses=D(3500), hardship="生病住院",
                             loans=[Loan(platform="借呗", principal=D(20000), overdue_days=90,
                                         collection="threats", third_party=True)]),
    "unaffordable": Profile(monthly_income=D(5000), monthly_expenses=D(4800), hardship="失业",
                            new_loans_to_repay_old=True,
                            loans=[Loan(platform="微粒贷", principal=D(80000), rate="年化18%", licensed=True),
                                   Loan(platform="美团借钱", principal=D(30000), rate="日息万五",
                                        previous_overdue=True)]),
    "upfront": Profile(monthly_income=D(9000), monthly_expenses=D(5000), name="阿明", hardship="家里老人生病",
                       loans=[Loan(platform="快借钱包", principal=D(5000), received=D(4000), term_months=6,
                                   installment=D(1000), licensed=False, collection="frequent",
                                   contract_date="2019-05-01"),
                              Loan(platform="分期乐", principal=D(12000), rate="月费率0.6%", term_months=12,
                                   contract_date="2023-03-01", licensed=True)]),
    "many": Profile(monthly_income=D(15000), monthly_expenses=D(6000), hardship="生意失败",
                    loans=[Loan(platform=name, principal=D(amount), repaid=D(amount // 4), overdue_days=days,
                                rate=rate, collection=collection)
                           for name, amount, days, rate, collection in [
                               ("借呗", 12000, 40, "日息万五", "frequent"), ("花呗", 3000, 10, None, "sms"),
                               ("京东金条", 20000, 60, "年化24%", "calls"), ("安逸花", 8000, 5, "月息1分5", "none"),
                               ("360借条", 15000, 100, "日利率0.05%", "threats"),
                               ("度小满", 6000, 0, "年化36%", "none")]]),
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(db_path=str(tmp_path / "coach.db"))
    yield opened
    opened.close()


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_path_renders_for_varied_profiles(name: str, store: Store) -> None:
    profile = PROFILES[name]
    user = f"tg:{name}"
    store.save_session(at_home(user, profile))
    chat = Conversation(Engine(store, FixedClock(TODAY)), user)
    chat.say("/plan")
    assert "元" in chat.text
    chat.say("/export")
    chat.say("/toolkit")
    chat.say("/menu")
    chat.tap("menu:profile")
    assert all(loan.platform in chat.text for loan in profile.loans)

    analysis = analyse(profile, today=TODAY.date())
    assert analysis_messages(analysis, profile)
    for loan in analysis.loans:
        for goal in GOALS:
            script = build_script(profile, analysis, loan.key, goal, today=TODAY.date())
            assert script.text()


def test_toolkit_topics_render(store: Store) -> None:
    chat = Conversation(Engine(store, FixedClock(TODAY)), "tg:toolkit")
    chat.say("/toolkit")
    for topic in TOPICS:
        chat.tap(f"sc:t:{topic}")
        assert chat.text


def test_template_names_are_unique_and_purposeful() -> None:
    names = template_names()
    assert len(names) == len(set(names))
    assert all(part.replace("_", "").isalnum() and part.islower() for name in names for part in name.split("/"))
