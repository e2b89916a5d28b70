"""Matching text against keyword lexicons: the one mechanism behind safety, role-play and intent words."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PhraseMatcher:
    """Phrases (substrings) and patterns (regular expressions), after cutting out excluded spans."""

    phrases: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def from_lexicon(cls, entry: Mapping[str, Any], *, exclude_key: str = "exclude", flags: int = 0) -> PhraseMatcher:
        """Build a matcher from a lexicon entry with `phrases`, `patterns` and excluded patterns."""
        return cls(
            phrases=tuple(entry.get("phrases", [])),
            patterns=tuple(re.compile(pattern, flags) for pattern in entry.get("patterns", [])),
            exclude=tuple(re.compile(pattern) for pattern in entry.get(exclude_key, [])),
        )

    def matches(self, text: str) -> bool:
        """Tell whether the text says any phrase or pattern outside the excluded spans."""
        for excluded in self.exclude:
            text = excluded.sub(" ", text)
        return any(phrase in text for phrase in self.phrases) or any(p.search(text) for p in self.patterns)


def first_key(words: Mapping[str, Iterable[str]], text: str) -> str | None:
    """Return the first key (in lexicon order) one of whose words appears in the text."""
    for key, phrases in words.items():
        if any(phrase in text for phrase in phrases):
            return key
    return None
