"""Shared by the word readers: clean text, cut it into clauses, find lexicon phrases in one regex pass.

Hand-written rather than a segmenter (jieba and the like): answers are a few words long, the lexicons
name whole phrases, and one compiled alternation per question finds them all in a single pass.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from flows.core.platforms import platform_spans
from flows.core.texts import lexicon
from flows.parsing import normalise

PLATFORM = "@"
"""Stands in for a platform name in cleaned text, so "jie bei" never reads as the verb "borrow"."""

# Emoji presentation selectors and skin tones carry no meaning here.
_DECORATION = re.compile("[\ufe0f\ufe0e\U0001f3fb-\U0001f3ff\u200d]")
# Clause breaks: ASCII and full-width punctuation, ideographic full stop and comma, ellipsis, blank space.
_BREAK = re.compile(r"[\s,.!?;:~\u3001\u3002\uff0c\uff0e\uff01\uff1f\uff1b\uff1a\uff5e\u2026]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")


def clean(text: str) -> str:
    """Normalise (NFKC, blank space), lower-case and drop emoji decoration."""
    return _DECORATION.sub("", normalise(text).casefold())


def mask_platforms(text: str) -> str:
    """Replace every platform name in cleaned text with one placeholder character."""
    spans = platform_spans(text)
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end, _ in spans:
        out.append(text[pos:start])
        out.append(PLATFORM)
        pos = end
    out.append(text[pos:])
    return "".join(out)


@dataclass(frozen=True)
class Clause:
    """One clause of a message.

    Attributes:
        raw: The clause as typed (full-width punctuation and all).
        sep: The break typed after it (kept to put kept clauses back together).
        text: The cleaned clause.
        asked: True when a question mark follows it.
    """

    raw: str
    sep: str
    text: str
    asked: bool


def clauses(text: str) -> list[Clause]:
    """Cut a message into clauses at punctuation and blank space; empty clauses are dropped."""
    typed = text.strip()
    found: list[Clause] = []
    pos = 0
    for match in _BREAK.finditer(typed):
        _add(found, typed[pos : match.start()], match.group(0))
        pos = match.end()
    _add(found, typed[pos:], "")
    return found


def _add(found: list[Clause], raw: str, sep: str) -> None:
    cleaned = clean(raw)
    if cleaned:
        asked = "?" in unicodedata.normalize("NFKC", sep)
        found.append(Clause(raw=raw, sep=sep, text=cleaned, asked=asked))


def join(kept: Iterable[Clause]) -> str:
    """Put clauses back together as typed, without the break after the last one."""
    parts = list(kept)
    return "".join(part.raw + (part.sep if index < len(parts) - 1 else "") for index, part in enumerate(parts))


@dataclass(frozen=True)
class Hit:
    """A lexicon phrase (or pattern) found in cleaned text."""

    start: int
    end: int
    label: str
    phrase: str


def _literal(phrase: str) -> str:
    escaped = re.escape(phrase)
    if _ASCII_WORD.fullmatch(phrase):
        return rf"(?<![a-z0-9]){escaped}(?![a-z0-9])"
    return escaped


class PhraseTable:
    """Phrases and patterns, each with a label, found left to right in one compiled regex.

    Groups are tried in the order given: every pattern first, then the literals of the first group
    (longest first), then those of the next group, so a question's own words outrank the shared ones.
    """

    def __init__(self, groups: Iterable[Mapping[str, Iterable[str]]], patterns: Mapping[str, Iterable[str]]) -> None:
        self._labels: dict[str, str] = {}
        self._pattern_labels: dict[str, str] = {}
        alternatives: list[str] = []
        for index, (label, items) in enumerate((lab, pats) for lab, pats in patterns.items()):
            for offset, pattern in enumerate(items):
                name = f"p{index}_{offset}"
                self._pattern_labels[name] = label
                alternatives.append(f"(?P<{name}>{pattern})")
        for group in groups:
            literals: list[str] = []
            for label, phrases in group.items():
                for phrase in phrases:
                    key = str(phrase).casefold()
                    if key and key not in self._labels:
                        self._labels[key] = label
                        literals.append(key)
            alternatives.extend(_literal(item) for item in sorted(literals, key=len, reverse=True))
        self._regex = re.compile("|".join(alternatives)) if alternatives else None

    def hits(self, text: str) -> list[Hit]:
        """Return every phrase found, left to right, without overlaps."""
        if self._regex is None:
            return []
        found: list[Hit] = []
        for match in self._regex.finditer(text):
            if not match.group(0):
                continue
            label = (self._pattern_label(match) if self._pattern_labels else None) or self._labels.get(match.group(0))
            if label is not None:
                found.append(Hit(match.start(), match.end(), label, match.group(0)))
        return found

    def _pattern_label(self, match: re.Match[str]) -> str | None:
        for name, label in self._pattern_labels.items():
            if match.group(name) is not None:
                return label
        return None


@cache
def word_list(name: str, *path: str) -> tuple[str, ...]:
    """Read a list of words from a lexicon, lower-cased; a missing key is empty."""
    node: Any = lexicon(name)
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return ()
        node = node[key]
    return tuple(str(item).casefold() for item in node or [])


@cache
def answer_words(question: str) -> dict[str, Any]:
    """A question's own words (`lexicons/answers/<question>.yaml`), or an empty mapping."""
    try:
        found: dict[str, Any] = lexicon(f"answers/{question}") or {}
    except FileNotFoundError:
        return {}
    return found


@cache
def question_list(question: str, *path: str) -> tuple[str, ...]:
    """Read a list of words from a question's own lexicon, lower-cased; missing is empty."""
    node: Any = answer_words(question)
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return ()
        node = node[key]
    return tuple(str(item).casefold() for item in node or [])
