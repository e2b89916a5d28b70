"""Word answers: yes / no, how hard a lender collects, whether third parties are involved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from flows.core.models import COLLECTION_PRESSURE, Collection
from flows.parsing._core import clause_breaks, normalise, section, starts_with_any, words

_NEGATION_WINDOW = 4


def parse_yes_no(text: str) -> bool | None:
    """Read a yes or a no, with no question to give it context.

    Kept for callers that ask a generic yes/no (confirmations, the reminders' "in writing?"); it is
    `flows.understanding.yes_no.read_yes_no` at a question with no words of its own, so hedges,
    scoped negation and dialect read the same everywhere.

    Args:
        text: A short answer in Chinese or English ("yes", "ok", "no", "I don't know").

    Returns:
        True for yes, False for no, None when it is neither (an unsure answer, a question, a feeling).
    """
    # Imported here: flows.understanding reads lexicons through flows.parsing, which imports this module.
    from flows.understanding.reading import AnswerKind, Outcome, Question
    from flows.understanding.yes_no import read_yes_no

    reading = read_yes_no(Question("generic", AnswerKind.yes_no), text, today=date.min)
    return bool(reading.value) if reading.outcome is Outcome.value else None


@dataclass(frozen=True)
class PhraseHit:
    """A listed phrase found in text, and whether a negation stands right before it."""

    start: int
    end: int
    label: str
    negated: bool


def _negated(text: str, start: int) -> bool:
    breaks = clause_breaks()
    window_start = max(0, start - _NEGATION_WINDOW)
    window = text[window_start:start]
    for index in range(len(window) - 1, -1, -1):
        if window[index] in breaks:
            window = window[index + 1 :]
            break
    return any(negation in window for negation in words("collection", "negations"))


def phrase_hits(text: str, table: dict[str, str]) -> list[PhraseHit]:
    """Scan lower-cased text for phrases (longest first, left to right, no overlaps)."""
    folded = text.casefold()
    hits: list[PhraseHit] = []
    pos = 0
    while pos < len(folded):
        found = starts_with_any(folded, pos, table)
        if found is None:
            pos += 1
            continue
        hits.append(PhraseHit(pos, pos + len(found), table[found], _negated(folded, pos)))
        pos += len(found)
    return hits


@cache
def collection_table() -> dict[str, str]:
    """Every collection phrase, lower-cased, mapped to its level name."""
    table: dict[str, str] = {}
    for level in Collection:
        for phrase in section("collection", "levels", level.value):
            table[str(phrase).casefold()] = level.value
    return table


@cache
def third_party_table() -> dict[str, str]:
    """Third-party phrases mapped to "yes" or "no"."""
    table: dict[str, str] = {}
    for answer in ("yes", "no"):
        for phrase in section("collection", "third_party", answer):
            table[str(phrase).casefold()] = answer
    return table


def collection_in(text: str) -> tuple[Collection | None, list[PhraseHit]]:
    """The strongest collection level a prepared text states, with the phrases found."""
    hits = phrase_hits(text, collection_table())
    levels = [Collection(hit.label) for hit in hits if not hit.negated]
    if any(level is not Collection.none for level in levels):
        return max(
            (level for level in levels if level is not Collection.none), key=COLLECTION_PRESSURE.__getitem__
        ), hits
    if hits:
        return Collection.none, hits
    return None, hits


def parse_collection(text: str) -> Collection | None:
    """Read how hard the lender is collecting.

    Args:
        text: e.g. "no chasing", "only texts", "they call", "every day", "threaten to visit", "no".

    Returns:
        The strongest level stated (a negated phrase such as "no threats" does not count), none for a
        plain no, or None when the text says nothing about collection.
    """
    level, _ = collection_in(normalise(text))
    if level is not None:
        return level
    return Collection.none if parse_yes_no(text) is False else None


def third_party_in(text: str) -> tuple[bool | None, list[PhraseHit]]:
    """Whether a prepared text says third parties or the user's contacts are involved."""
    hits = phrase_hits(text, third_party_table())
    if any(hit.label == "yes" and not hit.negated for hit in hits):
        return True, hits
    if hits:
        return False, hits
    return None, hits


def parse_third_party(text: str) -> bool | None:
    """Read whether collection involves third parties (outsourced collectors, family, contacts).

    Args:
        text: e.g. "a third-party agency calls", "they called my family", "no", "only the platform".

    Returns:
        True when an outsourced collector or the user's contacts are involved (or a plain yes),
        False for no, None when the text does not say.
    """
    found, _ = third_party_in(normalise(text))
    if found is not None:
        return found
    return parse_yes_no(text)
