"""Everything one message signals before the dialogue reads it: crisis level, scam offer, harassment.

The replacement for flows/safety.py: the crisis reading is `assess` (levels, not a yes/no), and the
scam and harassment phrases are matched on the same folded text, so traditional characters, full-width
forms and spaces hide none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from flows.core.matching import PhraseMatcher
from flows.core.texts import lexicon
from flows.crisis.detector import Assessment, Level, assess
from flows.crisis.normalise import fold


@dataclass(frozen=True)
class Signals:
    """What one message signals; several can hold at once, and a crisis outranks the others."""

    assessment: Assessment
    scam: bool = False
    harassment: bool = False

    @property
    def level(self) -> Level:
        """The crisis level."""
        return self.assessment.level

    @property
    def crisis(self) -> bool:
        """True when the message must be answered as a crisis first."""
        return self.level == Level.crisis

    @property
    def check_in(self) -> bool:
        """True when the normal answer must carry a gentle check-in line."""
        return self.level == Level.check_in

    def __bool__(self) -> bool:
        return self.level > Level.none or self.scam or self.harassment


def _folded_entry(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "phrases": [fold(phrase).text for phrase in entry.get("phrases", [])]}


@cache
def _matchers() -> dict[str, PhraseMatcher]:
    data: dict[str, dict[str, Any]] = lexicon("crisis/signals")
    return {kind: PhraseMatcher.from_lexicon(_folded_entry(entry)) for kind, entry in data.items()}


def detect_signals(text: str) -> Signals:
    """Read a message for its crisis level and for scam and harassment signals.

    Args:
        text: The user's message as typed.

    Returns:
        The signals found.
    """
    folded = fold(text).text
    matchers = _matchers()
    return Signals(
        assessment=assess(text),
        scam=bool(folded) and matchers["scam"].matches(folded),
        harassment=bool(folded) and matchers["harassment"].matches(folded),
    )
