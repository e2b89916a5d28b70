"""Take every recognisable fact out of one free-form message about a loan or a budget.

Both functions here keep their first callers' contract (one loan, exact figures only); they read with
`flows.parsing._message.scan_message`, which also keeps approximations and every loan named
(`flows.understanding.loans.extract_message` hands those on).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flows.core.models import Collection
from flows.parsing._core import prepare_marked
from flows.parsing._loan_scan import Found, rate_value, region, scan_text
from flows.parsing._message import mentions, scan_message
from flows.parsing._rates import Rate

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoanFacts:
    """What one message says about a loan; None where it says nothing.

    Attributes:
        platform: Canonical platform name, as in scripts_zh/data/platforms.yaml.
        principal: Amount borrowed ("borrowed", "principal", "credit line").
        owed: Amount still owed ("owe", "still left", "remaining", "to repay").
        repaid: Amount already repaid.
        overdue_days: Days overdue, when stated as one number.
        rate: The cost of borrowing.
        collection: How hard the lender collects.
        third_party: Whether third parties or the user's contacts are involved.
        received: Amount actually received in hand (after fees held back).
        term_months: Loan term ("12 instalments", "12 months").
        ambiguous_overdue: (low, high) days when the overdue time was vague ("a month and a bit").
    """

    platform: str | None = None
    principal: Decimal | None = None
    owed: Decimal | None = None
    repaid: Decimal | None = None
    overdue_days: int | None = None
    rate: Rate | None = None
    collection: Collection | None = None
    third_party: bool | None = None
    received: Decimal | None = None
    term_months: int | None = None
    ambiguous_overdue: tuple[int, int] | None = None


@dataclass(frozen=True)
class ProfileFacts:
    """What one message says about monthly income and necessary expenses (yuan per month)."""

    monthly_income: Decimal | None = None
    monthly_expenses: Decimal | None = None


def _exact(facts: dict[str, Found], name: str) -> Any:
    found = facts.get(name)
    if found is None or found.value is None or found.low is not None:
        return None
    return found.value


def _loan(facts: dict[str, Found], platform: str | None) -> LoanFacts:
    overdue = facts.get("overdue_days")
    ambiguous = None
    if overdue is not None and overdue.low is not None and overdue.high is not None:
        ambiguous = (int(overdue.low), int(overdue.high))
    rate = facts.get("rate")
    return LoanFacts(
        platform=platform,
        principal=_exact(facts, "principal"),
        owed=_exact(facts, "outstanding"),
        repaid=_exact(facts, "repaid"),
        overdue_days=_exact(facts, "overdue_days"),
        rate=rate_value(rate) if rate is not None else None,
        collection=_exact(facts, "collection"),
        third_party=_exact(facts, "third_party"),
        received=_exact(facts, "received"),
        term_months=_exact(facts, "term_months"),
        ambiguous_overdue=ambiguous,
    )


def _extract_loan_facts(text: str) -> LoanFacts:
    prepared, dropped = prepare_marked(text)
    named = mentions(prepared, dropped)
    known = [mention for mention in named if mention.known]
    if not known:
        spans = [(m.start, m.end) for m in named]
        return _loan(scan_text(region(prepared, 0, len(prepared), spans)).facts, None)
    first = scan_message(text).loans[0]
    platform = first.get("platform")
    facts = {name: found for name, found in first.items() if name != "platform"}
    return _loan(facts, known[0].name if platform is None or not platform.sure else str(platform.value))


def extract_loan_facts(text: str) -> LoanFacts:
    """Take everything recognisable about one loan from one message (the first loan it names).

    Args:
        text: e.g. "Jiebei, owe twelve thousand, about 40 days overdue, 0.05% a day, calls daily".

    Returns:
        The facts found; fields the message does not state are None. Vague amounts ("ten thousand odd")
        are left out; a vague overdue time fills ambiguous_overdue instead of overdue_days. Only platforms
        in the table count. Never raises.
    """
    try:
        return _extract_loan_facts(text)
    # A message that trips a parser bug must still leave the conversation running.
    except Exception:
        logger.exception("extract_loan_facts failed")
        return LoanFacts()


def extract_profile_facts(text: str) -> ProfileFacts:
    """Take monthly income and necessary expenses from one message.

    Args:
        text: e.g. "pay 8000, rent and food 3000" (see tests/test_parsing.py for real phrasings).

    Returns:
        Income (net pay preferred; side income added; yearly pay divided by 12) and expenses
        (items summed, or the stated total after an "in all" word); repayments of the loans themselves are
        not expenses, ranges ("four thousand-odd") are left out. None where the message does not say. Never raises.
    """
    try:
        profile = scan_message(text).profile
    # A message that trips a parser bug must still leave the conversation running.
    except Exception:
        logger.exception("extract_profile_facts failed")
        return ProfileFacts()
    return ProfileFacts(monthly_income=_exact(profile, "monthly_income"),
                        monthly_expenses=_exact(profile, "monthly_expenses"))
