"""Split one message into its loans: one per platform named, shared trailing facts given to each.

"Weilidai owes 8k-odd, Fenqile 12k, both nearly a month overdue" names two loans; the last clause, opened by a word
for "all of them" (scripts_zh/lexicons/message_loans.yaml), holds for both. Amounts named as pay or
expenses go to the budget whatever loan they stand beside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from flows.core.platforms import platform_spans
from flows.parsing._amounts import AmountHit, to_yuan
from flows.parsing._core import MASK, clause_breaks, prepare_marked, section, starts_with_any, words
from flows.parsing._loan_scan import Found, Scan, region, scan_text
from flows.parsing._numerals import syntax

LOAN_EVIDENCE = ("principal", "outstanding", "repaid", "received", "overdue_days", "rate", "term_months")
"""Facts that make a message without a platform's name be about a loan."""


@dataclass(frozen=True)
class Mention:
    """A platform named in a message."""

    start: int
    end: int
    name: str
    known: bool


@dataclass
class MessageScan:
    """Every fact of one message: the budget, and one mapping of facts per loan named."""

    profile: dict[str, Found] = field(default_factory=dict)
    loans: list[dict[str, Found]] = field(default_factory=list)


def _clause_starts(text: str, dropped: frozenset[int]) -> list[int]:
    breaks = clause_breaks()
    starts = {0, *dropped}
    starts.update(index + 1 for index, ch in enumerate(text)
                  if ch in breaks and not (0 < index < len(text) - 1 and text[index - 1].isdigit()
                                           and text[index + 1].isdigit()))  # "5,000" is one number
    return sorted(start for start in starts if start <= len(text))


@cache
def _stops() -> tuple[str, ...]:
    return tuple(sorted(words("message_loans", "name_stops"), key=len, reverse=True))


def _unknown_name(text: str, start: int, taken: list[tuple[int, int]]) -> Mention | None:
    """A platform name the table does not know, at a clause start before "owe"/"borrowed" and a figure."""
    leading = starts_with_any(text, start, words("message_loans", "name_leading"))
    begin = start + len(leading or "")
    low, high = int(section("message_loans", "name_min")), int(section("message_loans", "name_max"))
    breaks = clause_breaks()
    for end in range(begin + low, min(begin + high, len(text)) + 1):
        name = text[begin:end]
        if any(ch in breaks or ch == MASK or ch.isspace() for ch in name):
            return None
        stop = starts_with_any(text, end, _stops())
        if stop is None:
            continue
        after = end + len(stop)
        particle = str(section("message_loans", "name_stop_particle"))
        after += len(particle) if text.startswith(particle, after) else 0
        if after >= len(text) or not (text[after].isdigit() or text[after] in _numeral_chars()):
            continue
        if not _could_be_name(name):
            return None
        if any(s < end and begin < e for s, e in taken):
            return None
        return Mention(begin, end, name, known=False)
    return None


@cache
def _not_in_names() -> tuple[str, ...]:
    """Words no platform's name holds: pay and expense words, durations, units."""
    income = section("profile_facts", "profile", "income")
    listed = [str(w) for group in ("primary", "net", "extra", "yearly", "none") for w in income[group]]
    listed += [str(w) for w in section("profile_facts", "profile", "expenses", "words")]
    listed += [str(w) for w in section("profile_facts", "profile", "debt")]
    return tuple(word for word in listed if len(word) > 1) + tuple(words("message_loans", "not_in_names"))


def _could_be_name(name: str) -> bool:
    if name in words("message_loans", "not_names") or any(ch.isdigit() or ch in syntax().cn_chars for ch in name):
        return False
    if starts_with_any(name, 0, words("numbers", "currency_after")) or starts_with_any(name, 0, _stops()):
        return False
    return not any(word in name for word in _not_in_names())


@cache
def _numeral_chars() -> str:
    return str(section("numbers", "cn_digits")) + str(section("numbers", "leading_units"))


def mentions(text: str, dropped: frozenset[int]) -> list[Mention]:
    """Every platform a prepared text names, known ones and names before "owes 5000", in order."""
    found = [Mention(start, end, name, True) for start, end, name in platform_spans(text)]
    taken = [(m.start, m.end) for m in found]
    for start in _clause_starts(text, dropped):
        unknown = _unknown_name(text, start, taken)
        if unknown is not None:
            found.append(unknown)
            taken.append((unknown.start, unknown.end))
    return sorted(found, key=lambda m: m.start)


def _groups(text: str, found: list[Mention]) -> list[list[Mention]]:
    """Platforms joined by "and"/"、" (or nothing) share one part of the message."""
    joiners = set(words("message_loans", "joiners")) | {""}
    groups: list[list[Mention]] = []
    for mention in found:
        if groups and text[groups[-1][-1].end : mention.start] in joiners:
            groups[-1].append(mention)
        else:
            groups.append([mention])
    return groups


def _segments(text: str, dropped: frozenset[int], groups: list[list[Mention]]) -> list[tuple[int, int]]:
    starts = _clause_starts(text, dropped)
    bounds: list[int] = []
    previous_end = 0
    for group in groups:
        clause = max((s for s in starts if s <= group[0].start), default=0)
        bounds.append(max(clause, previous_end))
        previous_end = group[-1].end
    return [(bound, bounds[index + 1] if index + 1 < len(bounds) else len(text))
            for index, bound in enumerate(bounds)]


def _shared_start(text: str, dropped: frozenset[int], segment: tuple[int, int], after: int) -> int | None:
    """Where the part holding for every loan begins in the last segment (", both nearly a month overdue")."""
    shared = words("message_loans", "shared")
    for pos in range(after, segment[1]):
        if starts_with_any(text, pos, shared):
            clause = max((s for s in _clause_starts(text, dropped) if s <= pos), default=pos)
            return clause if clause >= after else pos
    return None


def _budget(scans: list[Scan]) -> dict[str, Found]:
    values: dict[str, list[tuple[AmountHit, str]]] = {}
    for scan in scans:
        for hit, category in scan.budget:
            values.setdefault(category, []).append((hit, category))
    found: dict[str, Found] = {}
    income = _income(values)
    if income is not None:
        found["monthly_income"] = income
    expenses = _expenses(values)
    if expenses is not None:
        found["monthly_expenses"] = expenses
    return found


def _total(hits: list[AmountHit], divide: int = 1) -> Found:
    def added(values: list[Decimal | None]) -> Decimal:
        total = sum((value or Decimal(0) for value in values), Decimal(0)) / divide
        return to_yuan(total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

    ranged = any(hit.low != hit.high for hit in hits)
    value = added([hit.value for hit in hits])
    low = added([hit.low for hit in hits]) if ranged else None
    high = added([hit.high for hit in hits]) if ranged else None
    return Found(value, any(hit.approx is not None for hit in hits), low=low, high=high)


def _income(values: dict[str, list[tuple[AmountHit, str]]]) -> Found | None:
    def hits(key: str) -> list[AmountHit]:
        return [hit for hit, _ in values.get(key, [])]

    totals = [hit for key in values if key.startswith("sum:income") for hit in hits(key)]
    if totals:
        return _total(totals[-1:])
    base = hits("income_net")[-1:] or hits("income_primary")[-1:]
    extras = hits("income_extra")
    if not base and hits("income_yearly"):
        yearly = _total(hits("income_yearly")[-1:], 12)
        if not extras:
            return yearly
        extra = _total(extras)
        low = yearly.low if yearly.low is not None else extra.low
        return Found(to_yuan(yearly.value + extra.value), yearly.approx or extra.approx, low=low)
    if base or extras:
        return _total(base + extras)
    return None


def _expenses(values: dict[str, list[tuple[AmountHit, str]]]) -> Found | None:
    totals = [hit for hit, _ in values.get("sum:expense", [])]
    if totals:
        return _total(totals[-1:])
    items = [hit for hit, _ in values.get("expense", [])]
    return _total(items) if items else None


def _no_income(text: str) -> bool:
    return any(word in text for word in section("profile_facts", "profile", "income", "none"))


def scan_message(text: str, *, today: date | None = None) -> MessageScan:
    """Read the budget and every loan one message tells about.

    Args:
        text: What the person typed.
        today: The local date (an overdue time said as a day needs it).

    Returns:
        The budget facts ("monthly_income", "monthly_expenses") and one mapping of facts per loan, in the
        order named; a message naming no platform still gives one loan when it states loan facts.
    """
    prepared, dropped = prepare_marked(text)
    result = MessageScan()
    named = mentions(prepared, dropped)
    spans = [(m.start, m.end) for m in named]
    scans: list[Scan] = []
    groups = _groups(prepared, named)
    if not groups:
        scan = scan_text(region(prepared, 0, len(prepared), spans), today=today)
        scans.append(scan)
        if any(key in scan.facts for key in LOAN_EVIDENCE):
            result.loans.append(scan.facts)
    else:
        segments = _segments(prepared, dropped, groups)
        shared_at = _shared_start(prepared, dropped, segments[-1], groups[-1][-1].end) if len(named) > 1 else None
        before = scan_text(region(prepared, 0, segments[0][0], spans), today=today)
        scans.append(before)
        for group, (start, end) in zip(groups, segments, strict=True):
            stop = shared_at if shared_at is not None and start <= shared_at < end else end
            scan = scan_text(region(prepared, start, stop, spans), today=today,
                             owed_after=[m.end - start for m in group])
            scans.append(scan)
            for mention in group:
                facts = dict(scan.facts)
                facts["platform"] = Found(mention.name, sure=mention.known, said=mention.name)
                result.loans.append(facts)
        if shared_at is not None:
            shared = scan_text(region(prepared, shared_at, len(prepared), spans), today=today)
            scans.append(shared)
            for facts in result.loans:
                for name, value in shared.facts.items():
                    facts.setdefault(name, value)
    result.profile = _budget(scans)
    if "monthly_income" not in result.profile and _no_income(prepared):
        result.profile["monthly_income"] = Found(Decimal(0))
    return result
