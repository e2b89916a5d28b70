"""What every number reader shares: per-question words, "I don't know", bounds, readings of problems."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from flows.parsing._core import section, words
from flows.understanding.reading import Outcome, Question, Reading

LEXICON = "answers_numbers"
"""scripts_zh/lexicons/answers_numbers.yaml: the number readers' per-question words."""
UNSURE_LEXICON = "numbers_unsure"
"""scripts_zh/lexicons/numbers_unsure.yaml: "I don't know" at a number question."""


@cache
def _question_phrases() -> dict[str, dict[str, tuple[str, ...]]]:
    table: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, values in section(LEXICON, "questions").items():
        table[str(name)] = {
            str(value): tuple(sorted((str(p) for p in phrases), key=len, reverse=True))
            for value, phrases in values.items()
        }
    return table


def question_phrases(name: str) -> dict[str, tuple[str, ...]]:
    """A question's own phrases by the value they stand for (empty when it has none)."""
    return _question_phrases().get(name, {})


def question_phrase(name: str, prepared: str) -> tuple[str, str, int] | None:
    """The question's own phrase found in an answer ("haven't started repaying" at the repaid question).

    Returns:
        (value name, phrase, where it starts) for the longest phrase found, or None.
    """
    best: tuple[str, str, int] | None = None
    for value, phrases in _question_phrases().get(name, {}).items():
        for phrase in phrases:
            index = prepared.find(phrase)
            if index >= 0 and (best is None or len(phrase) > len(best[1])):
                best = (value, phrase, index)
                break
    return best


@cache
def _unsure() -> tuple[str, ...]:
    return tuple(words(UNSURE_LEXICON, "unsure"))


def is_unsure(prepared: str) -> bool:
    """Tell whether an answer says "I don't know" or "not sure" (to be checked only when no figure was read)."""
    return any(word in prepared for word in _unsure())


@cache
def role_of(name: str) -> str | None:
    """What a money question asks for ("income", "principal" ...), from the lexicon's roles."""
    roles: dict[str, str] = section(LEXICON, "roles")
    found = roles.get(name)
    return str(found) if found is not None else None


def unclear(problem: str, said: str = "", **context: Any) -> Reading:
    """A reading for text that does not answer the question; `problem` names the template suffix."""
    return Reading(Outcome.unclear, said=said, problem=problem, context=context)


def unknown(said: str) -> Reading:
    """A reading for "I don't know"."""
    return Reading(Outcome.unknown, said=said)


def bounded(question: Question, reading: Reading, measure: Any = None) -> Reading:
    """Refuse a value outside the question's bounds (problem "too_small" / "too_large", with the bounds).

    Args:
        question: The question, with its `low` and `high`.
        reading: A reading with a value.
        measure: What to compare with the bounds when it is not the value itself (a rate's yearly figure).
    """
    value = reading.value if measure is None else measure
    if reading.outcome is not Outcome.value or not isinstance(value, Decimal | int) or isinstance(value, bool):
        return reading
    context = {"low": question.low, "high": question.high, "value": value}
    if question.low is not None and value < question.low:
        return unclear("too_small", reading.said, **context)
    if question.high is not None and value > question.high:
        return unclear("too_large", reading.said, **context)
    return reading
