"""One answer to a money question: a figure, a range, a sum of named parts, or two figures to choose from.

"rent 3,500 food 2,000 fares 300" is 5,800 in three parts; "8000 to 9000" and "sometimes three thousand, sometimes
five" are
ranges; "thirty or forty thousand" is two answers; at the income question "8000 before tax, 6500 take-home" is the net
6,500 and a
yearly figure is divided by twelve. What each amount is comes from the words before it
(scripts_zh/lexicons/profile_facts.yaml), so an amount owed is never added to an expense.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from flows.core.platforms import find_platform_in
from flows.parsing._amounts import AmountHit, amount_hits, not_a_number, scientific, strip_for_zero
from flows.parsing._core import ParseError, ParseProblem, clause_breaks, first_kept, section, starts_with_any, words
from flows.parsing._numerals import trailing_units, unit_product

SUM_ROLES = frozenset({"income", "expense"})
"""Roles whose parts add up (two incomes, three expenses); at any other an extra figure is a second answer."""

_YEAR = Decimal(12)


@dataclass(frozen=True)
class Part:
    """One amount of the answer and what the person called it."""

    label: str
    category: str | None
    raw: str
    low: Decimal
    high: Decimal
    value: Decimal
    approx: bool
    start: int
    end: int
    alternating: bool = False
    """Said as good and bad months ("in good months... in bad months..."): a real spread, not a vague figure."""


@dataclass(frozen=True)
class MoneyAnswer:
    """The reading of an answer to "how much?".

    Attributes:
        value: The amount (the middle of a range, the total of a sum), or None with a problem.
        low: The low end when a range was given (else equal to value).
        high: The high end.
        approx: True when any part was approximate.
        parts: For a sum, each part as (what the person called it, amount).
        said: The prepared words the answer was read from.
        problem: not_found, negative, too_large, not_a_number, or ambiguous (too vague, or two answers).
        candidates: For two answers ("thirty or forty thousand"), each of them.
        guessed: True when the reader chose (figures without names added up).
        off_role: True when every figure was named as something else than the question asks
            (at the repaid question, only "owes 5000").
        spans: Where the figures used lie in the prepared text.
    """

    value: Decimal | None
    low: Decimal | None = None
    high: Decimal | None = None
    approx: bool = False
    parts: tuple[tuple[str, Decimal], ...] = ()
    said: str = ""
    problem: ParseProblem | None = None
    candidates: tuple[Decimal, ...] = ()
    guessed: bool = False
    off_role: bool = False
    spans: tuple[tuple[int, int], ...] = field(default=(), compare=False)


@cache
def _categories() -> dict[str, str]:
    """Words that say what an amount is, mapped to a category (income_net, expense, debt, principal ...)."""
    table: dict[str, str] = {}
    for role, lists in section("profile_facts", "loan_amounts").items():
        for word in lists.get("before", []):
            table[str(word)] = str(role)
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


def category_of(label: str) -> str | None:
    """The category of the longest listed word in a label; a platform's name makes it a debt."""
    table = _categories()
    best: tuple[int, str] | None = None
    for pos in range(len(label)):
        found = starts_with_any(label, pos, table)
        if found and (best is None or len(found) >= best[0]):
            best = (len(found), table[found])
    if best is not None and best[1] == "sum":
        return "sum"
    if find_platform_in(label) is not None:
        return "debt"
    return best[1] if best else None


def clean_label(label: str) -> str:
    """What the person called a part, without punctuation and filler words at its ends."""
    breaks = clause_breaks() + " "
    fillers = sorted(words("numbers", "label_fillers"), key=len, reverse=True)
    text = label.strip(breaks)
    changed = True
    while changed and text:
        changed = False
        for filler in fillers:
            if text.startswith(filler) and len(text) > len(filler):
                text, changed = text[len(filler) :], True
            if text.endswith(filler) and len(text) > len(filler):
                text, changed = text[: -len(filler)], True
        text = text.strip(breaks)
    return text


def _parts(text: str, hits: list[AmountHit]) -> list[Part]:
    parts: list[Part] = []
    boundary = 0
    for hit in hits:
        assert hit.low is not None and hit.high is not None and hit.value is not None
        raw = text[boundary : hit.start]
        label = clean_label(raw)
        parts.append(Part(label, category_of(raw), raw, hit.low, hit.high, hit.value, hit.approx is not None,
                          hit.start, hit.end))
        boundary = hit.end
    return parts


def _joined(first: Part, second: Part, text: str, hits: tuple[AmountHit, AmountHit]) -> Part | None:
    """Merge two parts said as a range ("8000 to 9000", "eight to nine thousand", "sometimes three thousand, sometimes
    five")."""
    alternating = words("numbers", "alternating")
    months = any(word in first.raw for word in alternating) and any(word in second.raw for word in alternating)
    if not months and text[first.end : second.start] not in words("numbers", "range_between"):
        return None
    low, high = first.low, second.high
    own, shared = trailing_units(hits[0].run), trailing_units(hits[1].run)
    if shared.startswith(own) and shared != own and low * 10 <= second.low:
        # "5 to 6 thousand", "thirty to forty wan": the first figure shares the units the second adds to its own
        low = low * unit_product(shared[len(own) :])
    if low >= high and not months:
        return None
    if low >= high:  # "five-six thousand in good months, one-two thousand in bad": good months first
        low, high = min(second.low, first.low), max(first.high, second.high)
    return Part(first.label, first.category or second.category, first.raw, low, high, (low + high) / 2, True,
                first.start, second.end, alternating=months)


def _after_correction(text: str, parts: list[Part]) -> list[Part]:
    """Drop the figures a correction takes back: "eight thousand, no, seven thousand" is 7,000, not 15,000."""
    return parts[first_kept(text, [(part.start, part.end) for part in parts]) :]


def _merge_ranges(text: str, hits: list[AmountHit], parts: list[Part]) -> list[Part]:
    merged: list[Part] = []
    index = 0
    while index < len(parts):
        if index + 1 < len(parts):
            joined = _joined(parts[index], parts[index + 1], text, (hits[index], hits[index + 1]))
            if joined is not None:
                merged.append(joined)
                index += 2
                continue
        merged.append(parts[index])
        index += 1
    return merged


def _conflicts(role: str | None, category: str | None) -> bool:
    """Whether an amount named this way cannot be the answer for this role."""
    if category is None or category == "sum" or role is None:
        return False
    if role == "income":
        return not category.startswith("income")
    if role == "expense":
        return category != "expense"
    return category != role


def _yearly(part: Part, text: str, role: str | None) -> Part:
    """A monthly figure from one said per day, week, term or year ("fifty a day on food" is 1,500 a month)."""
    if role not in ("income", "expense"):
        return part
    after = text[part.end : part.end + 4]
    if part.category == "income_yearly":
        return _scaled(part, Decimal(1) / _YEAR)
    for period in section("answers_numbers", "period_words").values():
        said = period["words"]
        if any(word in part.label for word in said) or any(after.startswith(word) for word in said):
            factor = period.get("income_per_month", period["per_month"]) if role == "income" else period["per_month"]
            top, _, bottom = str(factor).partition("/")
            return _scaled(part, Decimal(top) / Decimal(bottom or 1))
    return part


def _scaled(part: Part, per_month: Decimal) -> Part:
    def whole(amount: Decimal) -> Decimal:
        return (amount * per_month).quantize(Decimal(1), rounding=ROUND_HALF_UP)

    return replace(part, low=whole(part.low), high=whole(part.high), value=whole(part.value), approx=True)


def _several(parts: list[Part], role: str | None, text: str) -> MoneyAnswer:
    """Choose or add up several amounts given to one question."""
    between = [text[a.end : b.start] for a, b in itertools.pairwise(parts)]
    if any(any(word in gap for word in words("numbers", "or_between")) for gap in between):
        return MoneyAnswer(None, problem=ParseProblem.ambiguous, candidates=tuple(part.value for part in parts))
    totals = [part for part in parts if part.category == "sum"]
    if totals:
        return _answer([totals[-1]], text, shown=[part for part in parts if part is not totals[-1]])
    if role == "income":
        net = [part for part in parts if part.category == "income_net"]
        if net:
            return _answer([net[-1]], text)
    if role in SUM_ROLES:
        named = all(part.label for part in parts)
        return replace(_answer(parts, text, shown=parts), guessed=not named)
    if role is not None:
        matching = [part for part in parts if part.category == role]
        if len(matching) == 1:
            return _answer(matching, text)
    return MoneyAnswer(None, problem=ParseProblem.ambiguous, candidates=tuple(part.value for part in parts))


def _answer(parts: list[Part], text: str, shown: list[Part] | None = None) -> MoneyAnswer:
    low = sum((part.low for part in parts), Decimal(0))
    high = sum((part.high for part in parts), Decimal(0))
    value = sum((part.value for part in parts), Decimal(0))
    listed = tuple((part.label, part.value) for part in shown) if shown and len(shown) > 1 else ()
    start, end = min(part.start for part in parts), max(part.end for part in parts)
    return MoneyAnswer(value, low, high, any(part.approx for part in parts), listed, text[start:end],
                       spans=tuple((part.start, part.end) for part in parts))


def _times(parts: list[Part], text: str) -> Part | None:
    """"repaid two instalments 800 each" is 1,600: a count of instalments before a per-instalment amount."""
    from flows.parsing._durations import keyword_before, term_hits

    per = keyword_before(text, parts[0].start, words("answers_numbers", "per_instalment"), 1) if len(parts) == 1 \
        else None
    if per is None:
        return None
    counts = term_hits(text[: text.rfind(per, 0, parts[0].start)])
    if not counts:
        return None
    count = Decimal(counts[-1].months)
    part = parts[0]
    return replace(part, low=part.low * count, high=part.high * count, value=part.value * count, category=None)


def _vague(answer: MoneyAnswer) -> bool:
    if answer.low is None or answer.high is None or answer.low <= 0:
        return False
    return answer.high / answer.low > Decimal(int(section("numbers", "vague_ratio")))


def money_answer(text: str, *, role: str | None = None) -> MoneyAnswer:
    """Read an answer to a money question from prepared text.

    Args:
        text: Prepared text (`flows.parsing._core.prepare`).
        role: What the question asks for: "income", "expense", or a loan amount ("principal", "owed",
            "repaid", "received", "installment"); None when any one figure will do.

    Returns:
        The answer; `problem` says why there is none (a bare "none" is not_found here: zero words are the
        caller's, as they depend on the question).
    """
    if not text:
        return MoneyAnswer(None, problem=ParseProblem.not_found)
    if not_a_number(text):
        return MoneyAnswer(None, problem=ParseProblem.not_a_number)
    try:
        found = scientific(text)
    except ParseError as err:
        return MoneyAnswer(None, problem=err.problem)
    if found is not None:
        problem = ParseProblem.negative if found < 0 else None
        return MoneyAnswer(None if problem else found, found, found, said=text, problem=problem)
    hits = amount_hits(text)
    if not hits and len(strip_for_zero(text)) == 1:
        hits = amount_hits(text, whole_answer=True)
    if not hits:
        return _amount_word(text)
    for problem in (ParseProblem.negative, ParseProblem.not_a_number, ParseProblem.too_large):
        if any(hit.problem is problem for hit in hits):
            return MoneyAnswer(None, problem=problem)
    parts = _merge_ranges(text, hits, _parts(text, hits))
    parts = [_yearly(part, text, role) for part in _after_correction(text, parts)]
    kept = [part for part in parts if not _conflicts(role, part.category)]
    off_role, kept = not kept, kept or parts
    excluded = words("answers_numbers", "excluded", role) if role in _excluded_roles() else []
    kept = [part for part in kept if not any(word in part.label for word in excluded)] or kept
    times = _times(kept, text) if role == "repaid" else None
    answer = _answer([times], text) if times else _answer(kept, text) if len(kept) == 1 else _several(kept, role, text)
    if answer.value is not None and _vague(answer) and not any(part.alternating for part in kept):
        return MoneyAnswer(None, answer.low, answer.high, True, said=answer.said, problem=ParseProblem.ambiguous)
    return replace(answer, off_role=off_role)


def _amount_word(text: str) -> MoneyAnswer:
    """An amount said as a word ("over ten thousand a month"), approximate; not_found when there is none."""
    table: dict[str, int] = section("numbers", "amount_words")
    for word, value in table.items():
        if word in text:
            return MoneyAnswer(Decimal(value), Decimal(value), Decimal(value), True, said=word)
    return MoneyAnswer(None, problem=ParseProblem.not_found)


@cache
def _excluded_roles() -> frozenset[str]:
    return frozenset(str(key) for key in section("answers_numbers", "excluded"))
