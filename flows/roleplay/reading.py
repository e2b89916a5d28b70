"""Read one line of the user during a rehearsal call: its labels, flags, topics and figures.

Every keyword and pattern lives in `scripts_zh/lexicons/rp_reading.yaml`; the labels are those of
the measured set `tests/data/roleplay_lines.txt` (what each means is written at its top). Amounts
are read with the intake's number parser (`flows.parsing`) through `amounts.py`, the one place to
re-point when the shared readers of `flows.understanding` land. The reader never decides what the
persona does; it only says what the line contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from flows.core.matching import PhraseMatcher
from flows.core.texts import lexicon
from flows.parsing import normalise
from flows.parsing._core import prepare
from flows.roleplay.amounts import Clause, LineFigures, clauses, line_figures

LEXICON = "rp_reading"


class Label(StrEnum):
    """What a line does, as a counsellor would label it (the measured labels)."""

    offer = "offer"
    schedule = "schedule"
    hardship = "hardship"
    temporary = "temporary"
    will = "will"
    written = "written"
    agent_id = "agent_id"
    rights = "rights"
    refusal = "refusal"
    agree_any = "agree_any"
    borrow_elsewhere = "borrow_elsewhere"
    vague = "vague"
    off_topic = "off_topic"


class Flag(StrEnum):
    """What else a line shows that steers the call (not measured as labels)."""

    identity = "identity"
    accept = "accept"
    bye = "bye"
    panic = "panic"
    admits_false = "admits_false"
    extension = "extension"
    next_step = "next_step"
    question = "question"


_MATCHED_LABELS = (Label.hardship, Label.temporary, Label.will, Label.written, Label.agent_id, Label.rights,
                   Label.agree_any, Label.borrow_elsewhere)
_ON_TOPIC_FLAGS = frozenset(Flag) - {Flag.question}


@dataclass(frozen=True)
class ReplyReading:
    """What one line contains.

    Attributes:
        text: The line, normalised.
        labels: The measured labels it carries.
        flags: The other things it shows.
        topics: What it asks or requests about, in lexicon order ("agent_id", "written", "balance" ...).
        figures: The amounts and counts it offers or refuses.
        dated: It names a date or a day to pay, not only a count or a period ("fen 12 qi", twelve instalments).
    """

    text: str
    labels: frozenset[Label]
    flags: frozenset[Flag]
    topics: tuple[str, ...]
    figures: LineFigures
    dated: bool = False

    def says(self, what: Label | Flag) -> bool:
        """Tell whether the line carries a label or a flag."""
        return what in self.labels or what in self.flags

    @property
    def empty(self) -> bool:
        """Tell whether nothing was said."""
        return not self.text.strip()

    @property
    def largest(self) -> Decimal | None:
        """The largest amount offered (what a promise costs at its worst), or None."""
        return self.figures.largest


@cache
def _lexicon() -> dict[str, Any]:
    data: dict[str, Any] = lexicon(LEXICON)
    return data


@cache
def _matchers() -> dict[str, PhraseMatcher]:
    entries = {**_lexicon()["labels"], **_lexicon()["flags"]}
    return {name: PhraseMatcher.from_lexicon(entry, flags=re.IGNORECASE) for name, entry in entries.items()}


def _says(name: str, text: str) -> bool:
    return _matchers()[name].matches(text)


@cache
def _topics() -> dict[str, list[str]]:
    topics: dict[str, list[str]] = _lexicon()["topics"]
    return topics


@cache
def _schedule() -> tuple[PhraseMatcher, PhraseMatcher, tuple[str, ...], tuple[str, ...]]:
    entry = _lexicon()["schedule"]
    dates = PhraseMatcher.from_lexicon({"patterns": entry["patterns"], "exclude": entry["exclude"]})
    counts = PhraseMatcher.from_lexicon({"patterns": entry["counts"], "exclude": entry["exclude"]})
    return dates, counts, tuple(entry["relative"]), tuple(entry["verbs"])


def _clause_date(text: str) -> bool:
    """Tell whether a clause names a date or a day (a bare "tomorrow" needs a verb)."""
    dates, _, relative, verbs = _schedule()
    if dates.matches(text):
        return True
    for excluded in dates.exclude:
        text = excluded.sub(" ", text)
    return any(word in text for word in relative) and any(verb in text for verb in verbs)


def _clause_count(text: str) -> bool:
    """Tell whether a clause names a period or a count of instalments ("fen 12 qi")."""
    return _schedule()[1].matches(text)


def _topics_of(text: str, labels: set[Label], flags: set[Flag]) -> tuple[str, ...]:
    found = [str(label) for label in (Label.agent_id, Label.written) if label in labels]
    asking = Flag.question in flags or any(word in text for word in _lexicon()["requests"])
    if asking:
        found += [topic for topic, words in _topics().items() if any(word in text for word in words)][:1]
    return tuple(found)


def _refused(parts: list[Clause]) -> list[bool]:
    """Which clauses are refused: a refusal in it, or one right after it that adds no other figure.

    "20,000 today - impossible" and "5,000 first? Where would I get 5,000" refuse the first clause too.
    """
    refused = [_says("refusal", part.text.lower()) for part in parts]
    for index in range(1, len(parts)):
        values = {value for _, value in parts[index].amounts}
        before = {value for _, value in parts[index - 1].amounts}
        if refused[index] and not refused[index - 1] and (not values or values & before):
            refused[index - 1] = True
    return refused


def read_reply(text: str) -> ReplyReading:
    """Read one line of the user.

    Args:
        text: What the user typed, as received (it is normalised here).

    Returns:
        The reading: labels, flags, topics and figures.
    """
    cleaned = normalise(text)
    compacted = prepare(cleaned).lower()
    labels = {label for label in _MATCHED_LABELS if _says(label.value, compacted)}
    flags = {flag for flag in Flag if _says(flag.value, compacted)}
    parts = clauses(cleaned)
    refused = _refused(parts)
    if any(refused):
        labels.add(Label.refusal)
    kept = [part for part, no in zip(parts, refused, strict=True) if not no]
    figures = line_figures(kept, [part for part, no in zip(parts, refused, strict=True) if no],
                           full=any(_says("full", part.text.lower()) for part in kept))
    dated = any(_clause_date(part.text.lower()) for part in kept)
    if dated or any(_clause_count(part.text.lower()) for part in kept):
        labels.add(Label.schedule)
    if Label.agree_any not in labels and (figures.offered or figures.full):
        labels.add(Label.offer)
    hedged = _says("hedge", compacted) or (_says("broke", compacted) and Label.hardship not in labels)
    committed = {Label.offer, Label.refusal, Label.agree_any, Label.borrow_elsewhere, Label.written}
    if hedged and not labels & committed:
        labels.add(Label.vague)
    if Label.schedule in labels or Label.offer in labels:
        flags.add(Flag.next_step)
    topics = _topics_of(compacted, labels, flags)
    if cleaned and not labels and not flags & _ON_TOPIC_FLAGS and not topics and not _says("loan_talk", compacted):
        labels.add(Label.off_topic)
    return ReplyReading(text=cleaned, labels=frozenset(labels), flags=frozenset(flags), topics=topics,
                        figures=figures, dated=dated)
