"""Read one message for suicidal ideation, self-harm and distress: `assess(text) -> Assessment`.

Rules first, as data (scripts_zh/lexicons/crisis/). The message is folded (flows/crisis/normalise.py);
phrases that only sound like dying (laughing or working "to death", a phone that "died") are cut out;
then every family's patterns are found. Each match raises its family's level, lowered by the modifiers
its context calls for: a negation before it ("I won't do anything rash"), an exaggeration ("so
embarrassed I could die"), another person as its subject ("my friend wants to kill himself"), fiction,
a reported quote. A modifier lowers a crisis to a check-in; only someone else's words can fall to none.
The message's level is the highest of its matches.

Pure and deterministic; the Assessment names families and modifiers, never the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.core.once import per_turn
from flows.crisis.levels import Level
from flows.crisis.lexicon import CrisisLexicon, Modifier, crisis_lexicon
from flows.crisis.normalise import Folded, fold

__all__ = ["Assessment", "Level", "assess"]

_CUT = "_"


@dataclass(frozen=True)
class Assessment:
    """What one message signals.

    Attributes:
        level: The crisis level to answer at.
        families: The families that matched (also those a modifier lowered or cancelled).
        modifiers: The modifiers found around a match, and "hyperbole" when an exaggeration was cut out.
    """

    level: Level
    families: frozenset[str]
    modifiers: frozenset[str]

    def __bool__(self) -> bool:
        return self.level > Level.none


NOTHING = Assessment(Level.none, frozenset(), frozenset())


def _cut(text: str, pattern: re.Pattern[str]) -> tuple[str, bool]:
    cut = pattern.sub(lambda m: _CUT * len(m.group(0)), text)
    return cut, cut != text


def _carried(modifier: Modifier, folded: Folded, start: int, end: int, before: str) -> bool:
    if modifier.carried is None:
        return False
    if modifier.carried_unless is not None and modifier.carried_unless.search(before + folded.text[start:end]):
        return False
    return modifier.carried.match(folded.previous_clause(start)) is not None


def _applies(modifier: Modifier, folded: Folded, start: int, end: int) -> bool:
    before = folded.before(start)
    if modifier.unless_before is not None and modifier.unless_before.search(before):
        return False
    if modifier.quoted and not all(folded.quoted[start:end]):
        return False
    if modifier.before is None and modifier.carried is None:
        return True
    return bool(modifier.before and modifier.before.search(before)) or _carried(modifier, folded, start, end, before)


def _clusters(spans: list[tuple[int, int, str, Level]]) -> list[int]:
    """For each span (sorted by start), the start of the run of overlapping spans it belongs to."""
    starts: list[int] = []
    run_start, run_end = -1, -1
    for start, end, _, _ in spans:
        if start >= run_end:
            run_start = start
        run_end = max(run_end, end)
        starts.append(run_start)
    return starts


def _assess(folded: Folded, lexicon: CrisisLexicon) -> Assessment:
    text, _ = _cut(folded.text, lexicon.not_dying)
    text, exaggerated = _cut(text, lexicon.hyperbole)
    if not exaggerated and lexicon.any_family.search(text) is None:
        return NOTHING  # most messages: one search instead of one per family
    spans = sorted(
        (match.start(), match.end(), family.name, family.level)
        for family in lexicon.families
        for match in family.pattern.finditer(text)
    )
    if not spans and not exaggerated:
        return NOTHING
    level = Level.none
    applied: set[str] = {"hyperbole"} if exaggerated else set()
    for (start, end, family, found), run_start in zip(spans, _clusters(spans), strict=True):
        for modifier in lexicon.modifiers:
            here = _applies(modifier, folded, start, end)
            if here or (modifier.widest and run_start < start and _applies(modifier, folded, run_start, end)):
                applied.add(modifier.name)
                found = modifier.lower(found, family)
        level = max(level, found)
    return Assessment(level, frozenset(span[2] for span in spans), frozenset(applied))


@per_turn
def assess(text: str) -> Assessment:
    """Assess one message for crisis signals.

    Args:
        text: The user's message as typed.

    Returns:
        The level, with the families that matched and the modifiers applied.
    """
    folded = fold(text)
    if not folded.text:
        return NOTHING
    return _assess(folded, crisis_lexicon())
