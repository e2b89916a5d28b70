"""Every fact one part of a message states about one loan, each marked approximate or low-confidence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from flows.core.models import COLLECTION_PRESSURE, Collection
from flows.parsing._amounts import AmountHit, amount_hits, to_yuan
from flows.parsing._calendar import find_day
from flows.parsing._core import MASK, alternation, clause_breaks, ends_with_any, mask, section, starts_with_any, words
from flows.parsing._durations import DurationHit, duration_hits, keyword_before, months_of, phrase_days, term_hits
from flows.parsing._rate_types import Rate, make_rate
from flows.parsing._rates import rate_hits, unstated_periods
from flows.parsing._words import collection_in, third_party_in

_LOAN_GAP_KEY = ("profile_facts", "max_gap")
_FOLLOWING_GAP = 3


@dataclass(frozen=True)
class Found:
    """One fact read from a message.

    Attributes:
        value: The value (Decimal yuan, int days or months, a Rate, a Collection, a bool, a name), or
            None when the fact has to be asked about (`options`, or `low`/`high` for a range).
        approx: True when the person gave it as an approximation.
        sure: False when the reader guessed (a default role, a period taken by default, an unknown name).
        low: The low end of a range.
        high: The high end of a range.
        said: The words it was read from.
        options: The candidates to ask about when `value` is None.
    """

    value: Any
    approx: bool = False
    sure: bool = True
    low: Any = None
    high: Any = None
    said: str = ""
    options: tuple[Any, ...] = ()


@dataclass
class Scan:
    """What a scan of a text found: loan facts, and the amounts that belong to the budget instead."""

    facts: dict[str, Found] = field(default_factory=dict)
    budget: list[tuple[AmountHit, str]] = field(default_factory=list)


@cache
def _keyword_table() -> dict[str, tuple[str, ...]]:
    """Every word naming what an amount is, with its categories (a word may name two: "take-home")."""
    table: dict[str, list[str]] = {}

    def add(word: Any, category: str) -> None:
        table.setdefault(str(word), []).append(category)

    for role, lists in section("profile_facts", "loan_amounts").items():
        for word in lists.get("before", []):
            add(word, str(role))
    income = section("profile_facts", "profile", "income")
    for group in ("primary", "net", "extra", "yearly", "none"):
        for word in income[group]:
            add(word, f"income_{group}")
    for word in section("profile_facts", "profile", "expenses", "words"):
        add(word, "expense")
    for word in section("profile_facts", "profile", "debt"):
        add(word, "debt")
    for word in section("profile_facts", "profile", "sum_words"):
        add(word, "sum")
    return {word: tuple(categories) for word, categories in table.items()}


def _after_roles() -> dict[str, str]:
    return {str(word): str(role) for role, lists in section("profile_facts", "loan_amounts").items()
            for word in lists.get("after", [])}


def _resolve(categories: tuple[str, ...], text: str, pos: int) -> str:
    """Pick one category for a word naming two ("take-home": the pay when a pay word is in the clause)."""
    if len(categories) == 1:
        return categories[0]
    breaks = clause_breaks()
    start, end = pos, pos
    while start > 0 and text[start - 1] not in breaks:
        start -= 1
    while end < len(text) and text[end] not in breaks:
        end += 1
    pay = any(word in text[start:end] for word in words("message_loans", "pay_words"))
    budget = [c for c in categories if c.startswith(("income", "expense"))]
    loan = [c for c in categories if c not in budget]
    return (budget or loan)[0] if pay else (loan or budget)[0]


def classify(text: str, hit: AmountHit) -> str | None:
    """What an amount is, from the nearest naming word before it in its clause, else one right after it.

    Returns:
        A loan role ("principal", "owed", "repaid", "received", "installment"), a budget category
        ("income_primary", "income_net", "income_extra", "income_yearly", "expense", "sum:<category>"),
        "debt" (repaying the loans: neither), or None.
    """
    table = _keyword_table()
    breaks = clause_breaks()
    gap = int(section(*_LOAN_GAP_KEY))
    loan_roles = set(section("profile_facts", "loan_amounts"))
    pos = hit.start
    while pos > 0 and text[pos - 1] not in breaks:
        found = ends_with_any(text, pos, table)
        if found:
            category = _resolve(table[found], text, pos)
            if category in loan_roles and hit.start - pos > gap:
                return None
            if category == "sum":
                return _sum_of(text, pos - len(found), table)
            return category
        pos -= 1
    following = starts_with_any(text, hit.end, _after_roles())
    if following:
        return _after_roles()[following]
    for offset in range(_FOLLOWING_GAP + 1):
        found = starts_with_any(text, hit.end + offset, table)
        if found and not any(ch in breaks for ch in text[hit.end : hit.end + offset]):
            category = _resolve(table[found], text, hit.end + offset)
            return None if category == "sum" or category in loan_roles else category
    return None


def _sum_of(text: str, pos: int, table: dict[str, tuple[str, ...]]) -> str | None:
    """The category an "in all" word totals: the nearest budget word before it ("rent 1500 food 1000, 3000 in all")."""
    while pos > 0:
        found = ends_with_any(text, pos, table)
        if found:
            category = _resolve(table[found], text, pos)
            if category.startswith(("income", "expense")):
                return f"sum:{category}"
            pos -= len(found)
            continue
        pos -= 1
    return None


@cache
def _contact_regex() -> re.Pattern[str]:
    lists = section("collection", "third_party_contact")
    verbs, fillers, targets = (alternation(lists[key]) for key in ("verbs", "fillers", "targets"))
    return re.compile(rf"(?:{verbs})(?:{fillers}){{0,2}}(?:{targets})")


def contacts_third_party(text: str) -> list[tuple[int, int]]:
    """Where a text says collectors call or message someone else ("called my workplace", "contacted my boss")."""
    negations = words("collection", "negations")
    return [(m.start(), m.end()) for m in _contact_regex().finditer(text)
            if not ends_with_any(text, m.start(), negations)]


def _claim(chars: list[str], spans: list[tuple[int, int]]) -> str:
    for start, end in spans:
        mask(chars, start, end)
    return "".join(chars)


def _pressure(text: str, chars: list[str], facts: dict[str, Found]) -> str:
    level, hits = collection_in(text)
    third, third_hits = third_party_in(text)
    contacts = contacts_third_party(text)
    if contacts:
        third = True
        if level is None or COLLECTION_PRESSURE[level] < COLLECTION_PRESSURE[Collection.threats]:
            level = Collection.threats
    if level is not None:
        facts["collection"] = Found(level)
    if third is not None:
        facts["third_party"] = Found(third)
    return _claim(chars, [(h.start, h.end) for h in hits + third_hits] + contacts)


def _rate(text: str, chars: list[str], facts: dict[str, Found]) -> str:
    hits = rate_hits(text, money=True)
    usable = [hit for hit in hits if hit.rate is not None]
    if usable:
        hit = usable[0]
        rate = hit.rate
        assert rate is not None
        kinds = None if hit.explicit else unstated_periods(rate, hit.form)
        if kinds:
            options = tuple(r for r in (make_rate(rate.text, kind, rate.per_period)[0] for kind in kinds) if r)
            facts["rate"] = Found(None, hit.approx, False, said=rate.text, options=options)
        else:
            facts["rate"] = Found(rate, hit.approx, hit.explicit or hit.form == "fen", said=rate.text)
    return _claim(chars, [(hit.start if hit.claim_start is None else hit.claim_start, hit.end) for hit in hits])


def _days_found(hit: DurationHit, text: str) -> Found | None:
    limit = int(section("durations", "max_days"))
    if hit.negative or hit.high > limit:
        return None
    said = text[hit.start : hit.end]
    approx = hit.approx is not None or _approx_near(text, hit.start, hit.end)
    if hit.low == hit.high:
        return Found(hit.low, approx, said=said)
    if hit.high - hit.low <= int(section("durations", "narrow_range_days")):
        middle = int((Decimal(hit.low + hit.high) / 2).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return Found(middle, True, low=hit.low, high=hit.high, said=said)
    return Found(None, True, low=hit.low, high=hit.high, said=said, options=(hit.low, hit.high))


def _approx_near(text: str, start: int, end: int) -> bool:
    before = words("durations", "approx_before")
    if any(ends_with_any(text, pos, before) for pos in range(start, max(start - 2, 0) - 1, -1)):
        return True
    return starts_with_any(text, end, words("durations", "approx_after")) is not None


def _durations(text: str, chars: list[str], facts: dict[str, Found], today: date | None) -> str:
    terms = term_hits(text)
    if terms:
        facts["term_months"] = Found(terms[0].months, said=text[terms[0].start : terms[0].end])
    text = _claim(chars, [(hit.start, hit.end) for hit in terms])
    overdue_before = words("durations", "overdue_before")
    spans: list[tuple[int, int]] = []
    for hit in duration_hits(text):
        if starts_with_any(text, hit.end, words("durations", "not_duration_after")) or keyword_before(
                text, hit.start, words("durations", "rate_before"), max_gap=4):
            continue
        term = months_of(hit)
        if keyword_before(text, hit.start, overdue_before):
            overdue = True
        elif term is not None and (keyword_before(text, hit.start, words("durations", "term_before"), max_gap=2)
                                   or starts_with_any(text, hit.end, words("durations", "term_after"))):
            overdue = False
        elif starts_with_any(text, hit.end, words("durations", "overdue_after")):
            overdue = True
        else:
            overdue = term is None
        if overdue and "overdue_days" not in facts:
            found = _days_found(hit, text)
            if found is not None:
                facts["overdue_days"] = found
        elif not overdue and term is not None and "term_months" not in facts:
            facts["term_months"] = Found(term, said=text[hit.start : hit.end])
        spans.append((hit.start, hit.end))
    text = _claim(chars, spans)
    if "overdue_days" not in facts:
        phrase = phrase_days(text, whole_answer=False)
        if phrase is not None:
            facts["overdue_days"] = Found(phrase[2], said=text[phrase[0] : phrase[1]])
            text = _claim(chars, [(phrase[0], phrase[1])])
    if "overdue_days" not in facts and today is not None:
        text = _overdue_since(text, chars, facts, today)
    return text


def _overdue_since(text: str, chars: list[str], facts: dict[str, Found], today: date) -> str:
    hit = find_day(text, today=today, direction="past")
    if hit is None or hit.day > today:
        return text
    marks: dict[str, int] = {str(k): int(v) for k, v in section("answers_numbers", "overdue_since_marks").items()}
    mark = starts_with_any(text, hit.end, marks)
    if mark is None:
        return text
    facts["overdue_days"] = Found((today - hit.day).days + marks[mark], hit.approx,
                                  said=text[hit.start : hit.end + len(mark)])
    return _claim(chars, [(hit.start, hit.end + len(mark))])


def _amount_found(hit: AmountHit, text: str, *, sure: bool = True) -> Found:
    assert hit.value is not None and hit.low is not None and hit.high is not None
    ranged = hit.low != hit.high
    return Found(to_yuan(hit.value), hit.approx is not None, sure, to_yuan(hit.low) if ranged else None,
                 to_yuan(hit.high) if ranged else None, text[hit.start : hit.end])


def _amounts(text: str, scan: Scan, owed_after: list[int]) -> None:
    roles = {"principal": "principal", "owed": "outstanding", "repaid": "repaid", "received": "received",
             "installment": "installment"}
    gap = int(section("message_loans", "owed_gap"))
    for hit in amount_hits(text):
        if hit.problem is not None or hit.value is None:
            continue
        category = classify(text, hit)
        if category in roles:
            scan.facts.setdefault(roles[category], _amount_found(hit, text))
        elif category is not None:
            scan.budget.append((hit, category))
        elif any(0 <= hit.start - end <= gap for end in owed_after) and "outstanding" not in scan.facts \
                and "principal" not in scan.facts:
            scan.facts["outstanding"] = _amount_found(hit, text, sure=False)


def scan_text(text: str, *, today: date | None = None, owed_after: list[int] | None = None) -> Scan:
    """Read every loan fact in a prepared text whose other parts are masked.

    Args:
        text: Prepared text; characters outside the part to read (and platform names) are MASK.
        today: The local date, for an overdue time said as a day ("overdue since the 15th of last month").
        owed_after: Where platform names end: an unnamed figure right after one is what is owed on it.

    Returns:
        The loan facts by LoanDraft field name, and the amounts that belong to income or expenses.
    """
    scan = Scan()
    if not text.replace(MASK, "").strip():
        return scan  # nothing left to read: the region is empty or only a platform's name
    chars = list(text)
    text = _pressure(text, chars, scan.facts)
    text = _rate(text, chars, scan.facts)
    text = _durations(text, chars, scan.facts, today)
    _amounts(text, scan, owed_after or [])
    return scan


def region(text: str, start: int, stop: int, masked: list[tuple[int, int]]) -> str:
    """text[start:stop] with the spans in `masked` (positions in `text`, such as platform names) masked."""
    chars = list(text[start:stop])
    for begin, end in masked:
        mask(chars, max(begin - start, 0), max(min(end, stop) - start, 0))
    return "".join(chars)


def rate_value(found: Found) -> Rate | None:
    """The rate of a found rate fact, or the first option when it is to be asked about."""
    if isinstance(found.value, Rate):
        return found.value
    return next((option for option in found.options if isinstance(option, Rate)), None)
