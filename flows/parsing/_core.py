"""Shared pieces of the parsers: errors, normalisation, lexicon helpers, masking."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import cache
from typing import Any

from flows.core.texts import lexicon


class ParseProblem(StrEnum):
    """Why a piece of text could not be turned into a value."""

    not_found = "not_found"
    negative = "negative"
    too_large = "too_large"
    ambiguous = "ambiguous"
    not_a_number = "not_a_number"


class ParseError(ValueError):
    """Raised by every parse_* function, and nothing else is.

    Attributes:
        problem: What went wrong.
        detail: Extra facts for the caller, e.g. {"low": 30, "high": 59} when ambiguous.
    """

    def __init__(
        self, problem: ParseProblem, text: str = "", detail: Mapping[str, Any] | None = None, **extra: Any
    ) -> None:
        super().__init__(f"{problem.value}: {text!r}")
        self.problem = problem
        self.detail: dict[str, Any] = {**(detail or {}), **extra}
        self.text = text


MASK = "\x00"
"""Stands in for characters already claimed by an earlier parser (control chars never survive normalise)."""

_SPACE_RUN = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Normalise user text before any parsing.

    NFKC folds full-width forms (`￥１２，０００` becomes `¥12,000`), control and format characters
    are dropped, runs of blank space become one space (or one newline if they held one).

    Args:
        text: Raw user text.

    Returns:
        The cleaned text, stripped at both ends.
    """
    folded = unicodedata.normalize("NFKC", text)
    kept = "".join(ch for ch in folded if ch in "\n\t " or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))

    def _collapse(match: re.Match[str]) -> str:
        return "\n" if "\n" in match.group(0) else " "

    return _SPACE_RUN.sub(_collapse, kept).strip()


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def compact(text: str) -> str:
    """Drop spaces except between two ASCII letters or digits (around CJK text they go; "12 000" stays)."""
    out: list[str] = []
    for index, ch in enumerate(text):
        if ch == " ":
            before = text[index - 1] if index > 0 else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            if not (before and after and _ascii_alnum(before) and _ascii_alnum(after)):
                continue
        out.append(ch)
    return "".join(out)


@cache
def _typo_token() -> re.Pattern[str]:
    letters = "".join(str(key) for key in lexicon("numbers")["digit_typos"])
    return re.compile(rf"(?<![A-Za-z0-9])[0-9{re.escape(letters)}]*[0-9][0-9{re.escape(letters)}]*(?![A-Za-z0-9])")


def _fix_digit_typos(text: str) -> str:
    typos: dict[str, str] = {str(k): str(v) for k, v in lexicon("numbers")["digit_typos"].items()}

    def _fix(match: re.Match[str]) -> str:
        return "".join(typos.get(ch, ch) for ch in match.group(0))

    return _typo_token().sub(_fix, text)


def prepare(text: str) -> str:
    """Normalise, compact and repair letters typed for digits: the form every scanner works on."""
    return _fix_digit_typos(compact(normalise(text)))


def words(lexicon_name: str, *path: str) -> list[str]:
    """Read a list of words from a lexicon, e.g. words("rates", "percent_after")."""
    node: Any = lexicon(lexicon_name)
    for key in path:
        node = node[key]
    return [str(item) for item in node]


def section(lexicon_name: str, *path: str) -> Any:
    """Read any node of a lexicon."""
    node: Any = lexicon(lexicon_name)
    for key in path:
        node = node[key]
    return node


def alternation(items: Iterable[str]) -> str:
    """Build a regex alternation that prefers the longest item."""
    unique = sorted({item for item in items if item}, key=len, reverse=True)
    return "|".join(re.escape(item) for item in unique)


def clause_breaks() -> str:
    """Characters that end a clause."""
    return "".join(words("profile_facts", "clause_breaks"))


def mask(chars: list[str], start: int, end: int) -> None:
    """Claim text[start:end] so later scanners skip it."""
    for index in range(start, end):
        chars[index] = MASK


def starts_with_any(text: str, pos: int, options: Iterable[str]) -> str | None:
    """Return the longest option found at text[pos:], if any."""
    best: str | None = None
    for option in options:
        if option and text.startswith(option, pos) and (best is None or len(option) > len(best)):
            best = option
    return best


def ends_with_any(text: str, pos: int, options: Iterable[str]) -> str | None:
    """Return the longest option ending exactly at text[:pos], if any."""
    best: str | None = None
    for option in options:
        fits = option and pos >= len(option) and text.endswith(option, 0, pos)
        if fits and (best is None or len(option) > len(best)):
            best = option
    return best
