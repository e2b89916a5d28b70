"""What every reader returns: one `Reading` for one typed answer to one `Question`.

A form asks a `Question` (its name keys the question's own words in the lexicons, its kind says how
an answer is read) and hands what the person typed to `flows.understanding.read`. The reading says
whether the text answered the question (a value, or "unknown" for an unsure answer, which is never
a no), did not answer it (a question or a feeling typed instead: answered, never stored), needs a
follow-up (two plausible readings, such as a bare rate with no period), or could not be read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class AnswerKind(StrEnum):
    """How an answer is read; every question of every form declares one."""

    yes_no = "yes_no"
    """Yes, no, or unknown ("can't remember" is unknown, never no)."""
    amount = "amount"
    """Money in yuan: exact, approximate ("two thousand-odd", a range), a sum of parts, or zero ("zero income")."""
    rate = "rate"
    """An interest rate with its period ("0.05% a day", "two per mille a day", "two fen a month")."""
    days = "days"
    """A duration in days ("forty-ish days", "nearly two months")."""
    months = "months"
    """A number of months (a loan's term)."""
    quantity = "quantity"
    """A small count (instalments agreed)."""
    date = "date"
    """A calendar day."""
    month = "month"
    """A year and month (when a contract was signed)."""
    time = "time"
    """A time of day."""
    choice = "choice"
    """One of the question's options: a tapped button, its label, or a paraphrase of it."""
    name = "name"
    """How the person wants to be called ("call me Lao Li" is Lao Li)."""
    platform = "platform"
    """A lending platform or lender."""
    text = "text"
    """Free text in the person's own words (a hardship, a complaint)."""


class Outcome(StrEnum):
    """What a typed text did to the question."""

    value = "value"
    """It answered: `Reading.value` holds the answer."""
    unknown = "unknown"
    """It answered that the person does not know or is unsure."""
    not_answer = "not_answer"
    """A question or a feeling instead of an answer (`Reading.interjection`); nothing is stored."""
    ambiguous = "ambiguous"
    """Two or more plausible answers (`Reading.options`); ask which one."""
    unclear = "unclear"
    """Not readable as an answer to this question (`Reading.problem` says why)."""


@dataclass(frozen=True)
class Question:
    """One question as a reader sees it.

    Attributes:
        name: The question's id ("loan_previous_overdue"); keys its own words in the lexicons.
        kind: How its answer is read.
        options: The choice ids offered as buttons, for `choice` questions (and the extra buttons of others).
        low: The smallest acceptable value, when bounded.
        high: The largest acceptable value, when bounded.
    """

    name: str
    kind: AnswerKind
    options: tuple[str, ...] = ()
    low: Decimal | int | None = None
    high: Decimal | int | None = None


@dataclass(frozen=True)
class Interjection:
    """A question or a feeling typed where an answer was expected.

    Attributes:
        kind: "question" (answered from the knowledge base) or "feeling" (one human sentence).
        topic: The knowledge-base topic for a question, or the feeling's family; None when not known.
    """

    kind: str
    topic: str | None = None


@dataclass(frozen=True)
class Reading:
    """The reading of one typed answer.

    Attributes:
        outcome: What the text did to the question.
        value: The answer for `Outcome.value` (Decimal yuan, a Rate, days as int, a date, a choice id, text ...).
        approx: True when the value stands for an approximation or a range ("two thousand-odd" -> 2500).
        low: The low end of a range, when the person gave one.
        high: The high end of a range, when the person gave one.
        parts: For a sum ("rent 3,500 food 2,000"), each part as (what the person called it, amount).
        said: The words the value was read from, for showing it back.
        sure: False when the reader guessed; the form then shows the value back before relying on it.
        problem: Why the text is unclear (a template suffix, e.g. "amount_not_found").
        options: The candidate values for `Outcome.ambiguous`, most likely first.
        interjection: A question or feeling found in the text (also possible beside a value).
        context: Extra figures a template explaining the problem may show (bounds ...).
    """

    outcome: Outcome
    value: Any = None
    approx: bool = False
    low: Any = None
    high: Any = None
    parts: tuple[tuple[str, Decimal], ...] = ()
    said: str = ""
    sure: bool = True
    problem: str | None = None
    options: tuple[Any, ...] = ()
    interjection: Interjection | None = None
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        """Tell whether the text answered the question (a value or an honest "I don't know")."""
        return self.outcome in (Outcome.value, Outcome.unknown)
