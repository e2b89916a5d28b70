"""Signals answered before anything else, in any state: crisis, scam offers, illegal collection."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from flows.parsing import normalise
from flows.texts import lexicon


@dataclass(frozen=True)
class Signals:
    """What one message signals; several can be true at once."""

    crisis: bool = False
    scam: bool = False
    harassment: bool = False

    def __bool__(self) -> bool:
        return self.crisis or self.scam or self.harassment


@dataclass(frozen=True)
class _Matcher:
    phrases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    exclusions: tuple[str, ...]

    def matches(self, text: str) -> bool:
        for excluded in self.exclusions:
            text = text.replace(excluded, " ")
        return any(phrase in text for phrase in self.phrases) or any(
            pattern.search(text) for pattern in self.patterns
        )


@cache
def _matchers() -> dict[str, _Matcher]:
    data: dict[str, dict[str, list[str]]] = lexicon("safety")
    return {
        kind: _Matcher(
            phrases=tuple(entry.get("phrases", [])),
            patterns=tuple(re.compile(pattern) for pattern in entry.get("patterns", [])),
            exclusions=tuple(entry.get("not_crisis", [])),
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
