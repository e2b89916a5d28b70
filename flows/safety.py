"""Signals answered before anything else, in any state: crisis, scam offers, illegal collection."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from flows.core.matching import PhraseMatcher
from flows.core.texts import lexicon
from flows.parsing import normalise


@dataclass(frozen=True)
class Signals:
    """What one message signals; several can be true at once."""

    crisis: bool = False
    scam: bool = False
    harassment: bool = False

    def __bool__(self) -> bool:
        return self.crisis or self.scam or self.harassment


@cache
def _matchers() -> dict[str, PhraseMatcher]:
    data: dict[str, dict[str, list[str]]] = lexicon("safety")
    return {
        kind: PhraseMatcher.from_lexicon(
            {**entry, "not_crisis": [re.escape(phrase) for phrase in entry.get("not_crisis", [])]},
            exclude_key="not_crisis",
        )
        for kind, entry in data.items()
    }


def detect(text: str) -> Signals:
    """Read a message for crisis, scam and harassment signals.

    Args:
        text: The user's message as typed.

    Returns:
        The signals found; a crisis signal outranks the others wherever it is shown.
    """
    cleaned = re.sub(r"\s+", "", normalise(text))
    if not cleaned:
        return Signals()
    matchers = _matchers()
    return Signals(
        crisis=matchers["crisis"].matches(cleaned),
        scam=matchers["scam"].matches(cleaned),
        harassment=matchers["harassment"].matches(cleaned),
    )
