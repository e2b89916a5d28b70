"""The number readers: one per answer kind, each reading a typed answer in the context of its question.

Every reader has the signature `read_<kind>(question, text, *, today) -> Reading` and never raises.
`NUMBER_READERS` maps each kind they cover to its reader:

    amount    Decimal yuan (exact, rounded to fen); at the received question a `PrincipalLess`
    rate      flows.parsing.Rate (store `Rate.canonical`); ambiguous options are Rates too
    days      int days                               (flows/understanding/durations.py)
    months    int months (a loan's term)             (durations.py)
    quantity  int count                              (durations.py)
    date      datetime.date                          (when.py)
    month     datetime.date, the 1st of the month    (when.py)

A reading marks approximations (`approx`, with `low`/`high` for a range, "two thousand-odd" is 2,500 in
2,000-2,999), sums (`parts`), the words read (`said`) and guesses (`sure=False`), so a form can show the
value back. An answer with no figure that says "I don't know" is `Outcome.unknown`, never zero. Words that
answer one question by themselves ("haven't started repaying" = 0 repaid) are data:
scripts_zh/lexicons/answers_numbers.yaml.
Questions and feelings typed instead of an answer are the word readers' (flows/understanding/interject.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Protocol

from flows.parsing._amounts import amount_hits, strip_for_zero, to_yuan
from flows.parsing._core import ParseProblem, prepare, words
from flows.parsing._durations import keyword_before
from flows.parsing._rate_types import Rate, RateKind, make_rate
from flows.parsing._rates import rate_hits, unstated_periods
from flows.parsing._sums import MoneyAnswer, money_answer
from flows.understanding._numeric import (
    LEXICON,
    bounded,
    is_unsure,
    question_phrase,
    question_phrases,
    role_of,
    unclear,
    unknown,
)
from flows.understanding.durations import read_days, read_months, read_quantity
from flows.understanding.reading import AnswerKind, Outcome, Question, Reading
from flows.understanding.when import read_date, read_month

__all__ = [
    "NUMBER_READERS",
    "RECEIVED_IN_FULL",
    "NumberReader",
    "PrincipalLess",
    "read_amount",
    "read_date",
    "read_days",
    "read_month",
    "read_months",
    "read_quantity",
    "read_rate",
]


@dataclass(frozen=True)
class PrincipalLess:
    """An amount received said against the principal: the principal minus `less` yuan.

    "received in full" / "nothing deducted" is `PrincipalLess(Decimal(0))` (`RECEIVED_IN_FULL`); "1500 service fee
    deducted" is
    `PrincipalLess(Decimal(1500))`. The form computes the figure once it knows the principal.
    """

    less: Decimal


RECEIVED_IN_FULL = PrincipalLess(Decimal(0))
"""What the received question's "received in full" reads as."""

_RELATIVE_SPREAD = Decimal("0.1")
_DEDUCTED_AFTER = 4


class NumberReader(Protocol):
    """The signature every number reader has."""

    def __call__(self, question: Question, text: str, *, today: date) -> Reading:
        """Read one typed answer to one question."""
        ...


def _zero(prepared: str) -> bool:
    if any(phrase in prepared for phrase in words(LEXICON, "amount_zero")):
        return True
    return strip_for_zero(prepared) in words("numbers", "zero_words")


def _special(found: tuple[str, str, int]) -> Reading:
    value_name, phrase, _ = found
    if value_name == "same_as_principal":
        return Reading(Outcome.value, value=RECEIVED_IN_FULL, said=phrase)
    if value_name == "one":
        return Reading(Outcome.value, value=Decimal(1), said=phrase)
    return Reading(Outcome.value, value=Decimal(0), said=phrase)


def _deducted(name: str, prepared: str, answer: MoneyAnswer) -> bool:
    """Whether the figure is what was held back ("1500 deducted", "two thousand of upfront interest deducted"), not
    what was received."""
    if not answer.spans:
        return False
    start, end = answer.spans[0]
    phrases = list(question_phrases(name).get("principal_less", ()))
    after = prepared[end : end + _DEDUCTED_AFTER]
    return bool(keyword_before(prepared, start, phrases, max_gap=_DEDUCTED_AFTER)) or any(
        phrase in after for phrase in phrases)


def _amount_problem(answer: MoneyAnswer, prepared: str) -> Reading:
    problem = answer.problem or ParseProblem.not_found
    if problem is ParseProblem.ambiguous and answer.candidates:
        options = tuple(to_yuan(value) for value in answer.candidates)
        return Reading(Outcome.ambiguous, options=options, said=prepared)
    if problem is ParseProblem.ambiguous:
        low, high = answer.low, answer.high
        return unclear("amount_ambiguous", prepared, low=low, high=high)
    return unclear(f"amount_{problem.value}", prepared)


def read_amount(question: Question, text: str, *, today: date) -> Reading:
    """Read an amount of money in yuan (see the module docstring for what the reading carries).

    Args:
        question: The question; its name picks the role ("monthly_income" adds parts, "loan_principal"
            picks the borrowed figure) and its own words; `low`/`high` bound the value.
        text: What the person typed.
        today: The local date (unused by amounts; every reader takes it).

    Returns:
        value (Decimal, or a PrincipalLess at the received question), unknown, ambiguous (two figures:
        options), or unclear with problem amount_not_found / amount_ambiguous (too vague, "a few thousand") /
        amount_negative / amount_not_a_number / amount_too_large / too_small / too_large / empty.
    """
    prepared = prepare(text)
    if not prepared:
        return unclear("empty")
    special = question_phrase(question.name, prepared)
    answer = money_answer(prepared, role=role_of(question.name))
    if special is not None and special[0] == "principal_less" and answer.value is not None and \
            _deducted(question.name, prepared, answer):
        less = to_yuan(answer.value)
        return Reading(Outcome.value, value=PrincipalLess(less), approx=answer.approx, said=answer.said)
    if special is not None and special[0] != "principal_less" and (answer.value is None or answer.off_role):
        return _special(special)
    if answer.value is None:
        if answer.problem is ParseProblem.not_found:
            if _zero(prepared):
                return Reading(Outcome.value, value=Decimal(0), said=prepared)
            if is_unsure(prepared):
                return unknown(prepared)
        return _amount_problem(answer, prepared)
    value = to_yuan(answer.value)
    ranged = answer.low is not None and answer.high is not None and answer.low != answer.high
    reading = Reading(
        Outcome.value,
        value=value,
        approx=answer.approx,
        low=to_yuan(answer.low) if ranged and answer.low is not None else None,
        high=to_yuan(answer.high) if ranged and answer.high is not None else None,
        parts=tuple((label, to_yuan(amount)) for label, amount in answer.parts),
        said=answer.said,
        sure=not answer.guessed,
    )
    return bounded(question, reading)


def _alternatives(rate: Rate, kinds: tuple[RateKind, ...]) -> tuple[Rate, ...]:
    options: list[Rate] = []
    for kind in kinds:
        made, _ = make_rate(rate.text, kind, rate.per_period)
        if made is not None:
            options.append(made)
    return tuple(options)


@cache
def _bare_number(question: Question, prepared: str) -> Reading | None:
    hits = [hit for hit in amount_hits(prepared, whole_answer=True) if hit.exact is not None]
    if len(hits) != 1 or hits[0].exact is None:
        return None
    made, _ = make_rate(prepared, "annual", hits[0].exact / 100)
    if made is None:
        return None
    kinds = unstated_periods(made, "percent") or ("annual",)
    return Reading(Outcome.ambiguous, options=_alternatives(made, kinds), said=prepared)


def read_rate(question: Question, text: str, *, today: date) -> Reading:
    """Read an interest rate with its period.

    Args:
        question: The question; `high` bounds the simple yearly figure (a fraction, e.g. 3.65).
        text: What the person typed: "0.05% a day", "two per mille a day", "20k, 8 yuan interest a day", "24% a year".
        today: The local date (unused by rates).

    Returns:
        value: a Rate (`sure` is False when the period was taken by default: "24%" is read as a year);
        ambiguous: Rates to choose from, for a figure with no period ("wan-wu (0.05%)": a day or a month?) or
        two different rates; unknown; unclear with problem "rate", "rate_too_high" or "empty".
    """
    prepared = prepare(text)
    if not prepared:
        return unclear("empty")
    hits = rate_hits(prepared, money=True)
    usable = [hit for hit in hits if hit.rate is not None]
    if not usable:
        if any(hit.problem is ParseProblem.too_large for hit in hits):
            return unclear("rate_too_high", prepared)
        if hits:
            return unclear("rate", prepared)
        bare = _bare_number(question, prepared)
        if bare is not None:
            return bare
        return unknown(prepared) if is_unsure(prepared) else unclear("rate", prepared)
    first = usable[0]
    assert first.rate is not None
    different = [hit.rate for hit in usable[1:] if hit.rate is not None and
                 abs(hit.rate.annual_simple - first.rate.annual_simple) > first.rate.annual_simple * _RELATIVE_SPREAD]
    if different:
        return Reading(Outcome.ambiguous, options=(first.rate, *different), said=prepared)
    ask = None if first.explicit else unstated_periods(first.rate, first.form)
    if ask is not None:
        return Reading(Outcome.ambiguous, options=_alternatives(first.rate, ask), said=first.rate.text,
                       approx=first.approx)
    reading = Reading(Outcome.value, value=first.rate, approx=first.approx, said=first.rate.text,
                      sure=first.explicit or first.form == "fen")
    checked = bounded(question, reading, measure=first.rate.annual_simple)
    if checked.problem == "too_large":
        return unclear("rate_too_high", prepared, high=question.high)
    return checked


NUMBER_READERS: dict[AnswerKind, NumberReader] = {
    AnswerKind.amount: read_amount,
    AnswerKind.rate: read_rate,
    AnswerKind.days: read_days,
    AnswerKind.months: read_months,
    AnswerKind.quantity: read_quantity,
    AnswerKind.date: read_date,
    AnswerKind.month: read_month,
}
"""Every number reader by the kind of answer it reads; call as NUMBER_READERS[kind](question, text, today=d)."""
