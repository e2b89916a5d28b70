"""Take every recognisable fact out of one free-form message about a loan or a budget."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from flows.core.models import Collection
from flows.core.platforms import platform_spans
from flows.parsing._core import clause_breaks, mask, prepare, section, starts_with_any, words
from flows.parsing._durations import (
    DurationHit,
    duration_hits,
    keyword_before,
    months_of,
    phrase_days,
    term_hits,
)
from flows.parsing._numbers import AmountHit, amount_hits, to_yuan
from flows.parsing._rates import Rate, rate_hits
from flows.parsing._words import PhraseHit, collection_in, third_party_in

logger = logging.getLogger(__name__)

_FOLLOWING_GAP = 3


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


def _mask_spans(chars: list[str], spans: list[tuple[int, int]]) -> str:
    for start, end in spans:
        mask(chars, start, end)
    return "".join(chars)


def _phrase_spans(hits: list[PhraseHit]) -> list[tuple[int, int]]:
    return [(hit.start, hit.end) for hit in hits]


@dataclass
class _Durations:
    overdue: DurationHit | None = None
    term_months: int | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)


def _classify_durations(text: str) -> _Durations:
    """Sort durations into overdue time and loan term by the words around them."""
    result = _Durations()
    overdue_before = words("durations", "overdue_before")
    term_before = words("durations", "term_before")
    for hit in duration_hits(text):
        if starts_with_any(text, hit.end, words("durations", "not_duration_after")):
            continue
        term = months_of(hit)
        if keyword_before(text, hit.start, overdue_before):
            is_overdue = True
        elif term is not None and (
            keyword_before(text, hit.start, term_before, max_gap=2)
            or starts_with_any(text, hit.end, words("durations", "term_after"))
        ):
            is_overdue = False
        elif starts_with_any(text, hit.end, words("durations", "overdue_after")):
            is_overdue = True
        else:
            is_overdue = term is None
        if is_overdue and result.overdue is None:
            result.overdue = hit
        elif not is_overdue and result.term_months is None:
            result.term_months = term
        result.spans.append((hit.start, hit.end))
    return result


@cache
def _role_words() -> tuple[dict[str, str], dict[str, str]]:
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    for role, lists in section("profile_facts", "loan_amounts").items():
        for word in lists.get("before", []):
            before[str(word)] = str(role)
        for word in lists.get("after", []):
            after[str(word)] = str(role)
    return before, after


def _loan_amounts(text: str) -> dict[str, Decimal]:
    """Give each amount the role named by the word just before (or just after) it."""
    before, after = _role_words()
    gap = int(section("profile_facts", "max_gap"))
    found: dict[str, Decimal] = {}
    for hit in amount_hits(text):
        value = hit.exact
        if value is None:
            continue
        word = keyword_before(text, hit.start, list(before), max_gap=gap)
        role = before[word] if word else None
        if role is None:
            following = starts_with_any(text, hit.end, after)
            role = after[following] if following else None
        if role is not None and role not in found:
            found[role] = to_yuan(value)
    return found


def _extract_loan_facts(text: str) -> LoanFacts:
    prepared = prepare(text)
    chars = list(prepared)
    platforms = platform_spans(prepared)
    masked = _mask_spans(chars, [(start, end) for start, end, _ in platforms])
    collection, collection_hits = collection_in(masked)
    third_party, third_party_hits = third_party_in(masked)
    masked = _mask_spans(chars, _phrase_spans(collection_hits) + _phrase_spans(third_party_hits))
    rates = rate_hits(masked)
    rate = next((hit.rate for hit in rates if hit.rate is not None), None)
    masked = _mask_spans(chars, [(hit.start, hit.end) for hit in rates])
    terms = term_hits(masked)
    masked = _mask_spans(chars, [(hit.start, hit.end) for hit in terms])
    durations = _classify_durations(masked)
    masked = _mask_spans(chars, durations.spans)
    overdue_days: int | None = None
    ambiguous: tuple[int, int] | None = None
    limit = int(section("durations", "max_days"))
    if durations.overdue is not None and not durations.overdue.negative:
        low, high = durations.overdue.low, durations.overdue.high
        if low == high and low <= limit:
            overdue_days = low
        elif low < high <= limit:
            ambiguous = (low, high)
    elif durations.overdue is None:
        phrase = phrase_days(masked, whole_answer=False)
        if phrase is not None:
            overdue_days = phrase[2]
            masked = _mask_spans(chars, [(phrase[0], phrase[1])])
    amounts = _loan_amounts(masked)
    return LoanFacts(
        platform=platforms[0][2] if platforms else None,
        principal=amounts.get("principal"),
        owed=amounts.get("owed"),
        repaid=amounts.get("repaid"),
        overdue_days=overdue_days,
        rate=rate,
        collection=collection,
        third_party=third_party,
        received=amounts.get("received"),
        term_months=terms[0].months if terms else durations.term_months,
        ambiguous_overdue=ambiguous,
    )


def extract_loan_facts(text: str) -> LoanFacts:
    """Take everything recognisable about one loan from one message.

    Args:
        text: e.g. "Jiebei, owe twelve thousand, about 40 days overdue, 0.05% a day, calls daily".

    Returns:
        The facts found; fields the message does not state are None. Vague amounts ("ten thousand odd")
        are left out; a vague overdue time fills ambiguous_overdue instead of overdue_days.
        Never raises.
    """
    try:
        return _extract_loan_facts(text)
    # A message that trips a parser bug must still leave the conversation running.
    except Exception:
        logger.exception("extract_loan_facts failed")
        return LoanFacts()


@cache
def _profile_words() -> dict[str, str]:
    table: dict[str, str] = {}
    income = section("profile_facts", "profile", "income")
    for group in ("primary", "net", "extra", "yearly", "none"):
        for word in income[group]:
            table[str(word)] = f"income_{group}"
    for word in section("profile_facts", "profile", "expenses", "words"):
        table[str(word)] = "expense"
    for word in section("profile_facts", "profile", "debt"):
        table[str(word)] = "debt"
    for word in section("profile_facts", "profile", "sum_words"):
        table[str(word)] = "sum"
    return table


def _keyword_hits(text: str) -> list[tuple[int, int, str]]:
    table = _profile_words()
    hits: list[tuple[int, int, str]] = []
    pos = 0
    while pos < len(text):
        found = starts_with_any(text, pos, table)
        if found is None:
            pos += 1
            continue
        hits.append((pos, pos + len(found), table[found]))
        pos += len(found)
    return hits


def _label_for(text: str, amount: AmountHit, keywords: list[tuple[int, int, str]]) -> str | None:
    """The category of an amount: the nearest keyword before it in its clause, else just after it."""
    breaks = clause_breaks()
    preceding = [kw for kw in keywords if kw[1] <= amount.start]
    if preceding:
        start, end, label = preceding[-1]
        if not any(ch in breaks for ch in text[end : amount.start]):
            if label != "sum":
                return label
            earlier = [kw for kw in keywords if kw[1] <= start and kw[2] not in ("sum", "debt")]
            return f"sum:{earlier[-1][2]}" if earlier else None
    following = [kw for kw in keywords if kw[0] >= amount.end]
    if following:
        start, _, label = following[0]
        between = text[amount.end : start]
        if len(between) <= _FOLLOWING_GAP and not any(ch in breaks for ch in between) and label != "sum":
            return label
    return None


def _extract_profile_facts(text: str) -> ProfileFacts:
    prepared = prepare(text)
    chars = list(prepared)
    masked = _mask_spans(chars, [(start, end) for start, end, _ in platform_spans(prepared)])
    keywords = _keyword_hits(masked)
    taken = [(start, end) for start, end, _ in keywords]
    values: dict[str, list[Decimal]] = {}
    for amount in amount_hits(masked):
        if amount.exact is None or any(start < amount.end and amount.start < end for start, end in taken):
            continue
        label = _label_for(masked, amount, keywords)
        if label is not None:
            values.setdefault(label, []).append(to_yuan(amount.exact))
    return ProfileFacts(monthly_income=_income(values, keywords), monthly_expenses=_expenses(values))


def _income(values: dict[str, list[Decimal]], keywords: list[tuple[int, int, str]]) -> Decimal | None:
    totals = [v for key, items in values.items() if key.startswith("sum:income") for v in items]
    if totals:
        return totals[-1]
    base: Decimal | None = None
    if values.get("income_net"):
        base = values["income_net"][-1]
    elif values.get("income_primary"):
        base = values["income_primary"][-1]
    elif values.get("income_yearly"):
        yearly = values["income_yearly"][-1] / 12
        base = yearly.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    extras = values.get("income_extra", [])
    if extras:
        base = (base or Decimal(0)) + sum(extras, Decimal(0))
    if base is None and any(label == "income_none" for _, _, label in keywords):
        return Decimal(0)
    return base


def _expenses(values: dict[str, list[Decimal]]) -> Decimal | None:
    totals = values.get("sum:expense")
    if totals:
        return totals[-1]
    items = values.get("expense")
    return sum(items, Decimal(0)) if items else None


def extract_profile_facts(text: str) -> ProfileFacts:
    """Take monthly income and necessary expenses from one message.

    Args:
        text: e.g. "pay 8000, rent and food 3000" (see tests/test_parsing.py for real phrasings).

    Returns:
        Income (net pay preferred; side income added; yearly pay divided by 12) and expenses
        (items summed, or the stated total after an "in all" word); repayments of the loans themselves are
        not expenses. None where the message does not say. Never raises.
    """
    try:
        return _extract_profile_facts(text)
    # A message that trips a parser bug must still leave the conversation running.
    except Exception:
        logger.exception("extract_profile_facts failed")
        return ProfileFacts()
