"""Read one typed answer in the context of its question: the one entry point every form calls.

`read(question, text, today=...)` picks the reader of the question's answer kind. `respond` answers a
question or a feeling typed instead of an answer. `normalise_intent` recognises typed navigation
("skip", "back") before any reader sees the text.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import cache
from typing import Protocol

from flows.core.texts import lexicon
from flows.parsing import normalise
from flows.understanding import interject
from flows.understanding.numbers import NUMBER_READERS
from flows.understanding.reading import AnswerKind, Interjection, Outcome, Question, Reading
from flows.understanding.times import read_time
from flows.understanding.words import WORD_READERS


class Reader(Protocol):
    """Reads one typed answer to one question."""

    def __call__(self, question: Question, text: str, *, today: date) -> Reading:
        """Read the text as an answer to the question."""
        ...

MAX_ANSWER_CHARS = 300
"""No answer needs more; reading 4,096 characters costs over ten times as much."""


@cache
def readers() -> dict[AnswerKind, Reader]:
    """Return the reader of every answer kind."""
    found: dict[AnswerKind, Reader] = {AnswerKind.time: read_time}
    found.update(NUMBER_READERS)
    found.update(WORD_READERS)
    missing = set(AnswerKind) - set(found)
    assert not missing, f"no reader for {sorted(missing)}"
    return found


def read(question: Question, text: str, *, today: date) -> Reading:
    """Read what the person typed as an answer to one question.

    Args:
        question: The question asked (its name keys its own words, its kind picks the reader).
        text: What the person typed.
        today: The person's local date.

    Returns:
        The reading; an empty text is unclear ("empty").
    """
    # A free-text answer keeps one character past its limit, so a long one is told apart from one at the limit.
    limit = MAX_ANSWER_CHARS
    if question.kind is AnswerKind.text:
        limit = max(limit, int(question.high or 0) + 1)
    text = text[:limit]
    if not normalise(text).strip():
        return Reading(Outcome.unclear, problem="empty")
    if question.kind is AnswerKind.text and question.high is not None and len(" ".join(text.split())) > question.high:
        return Reading(Outcome.unclear, problem="too_long", context={"high": int(question.high)})
    try:
        reading = readers()[question.kind](question, text, today=today)
    except (ValueError, ArithmeticError):  # readers never raise by contract; a slip is an unread answer, not a crash
        return Reading(Outcome.unclear, problem="unclear", said=text)
    if question.kind is AnswerKind.rate and question.high is not None and reading.outcome is Outcome.value:
        yearly = getattr(reading.value, "annual_simple", None)
        if yearly is not None and yearly > question.high:
            return Reading(Outcome.unclear, problem="rate_too_high", said=text)  # a daily 1%: far likelier a typo
    if reading.interjection is None and question.kind not in WORD_READERS:
        # Number readers read figures only: a question or a feeling typed instead is found here.
        found = interject.interjection(text)
        if found is not None and reading.outcome is Outcome.unclear:
            return Reading(Outcome.not_answer, interjection=found, said=text)
        if found is not None and found.kind == "question":
            return replace(reading, interjection=found)
    return reading


def respond(interjection: Interjection) -> str:
    """Answer a question or a feeling typed where an answer was expected."""
    return interject.respond(interjection)


@cache
def _intents() -> dict[str, frozenset[str]]:
    words: dict[str, list[str]] = lexicon("intents")
    return {intent: frozenset(words[intent]) for intent in ("back", "skip", "keep")}


def normalise_intent(text: str) -> str | None:
    """Recognise a typed navigation word ("back", "skip", "keep"), matched against the whole message."""
    cleaned = normalise(text).strip().rstrip("。.!！~ ")
    return next((intent for intent, words in _intents().items() if cleaned in words), None)
