"""Shared pieces of the parsers: errors, normalisation, lexicon helpers, masking."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from functools import cache, lru_cache
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


@cache
def _numeral_sets() -> tuple[frozenset[str], frozenset[str]]:
    digits = frozenset(str(section("numbers", "cn_digits")) + "0123456789")
    units = frozenset(str(k) for k in section("numbers", "cn_units"))
    return digits, units


def _separates_numbers(before: str, after: str) -> bool:
    """Whether a space between numeral characters parts two numbers ("yi wan er  wan wu", "san qian wu  liang qian").

    A space after a unit and before a digit sits inside one number ("2 wan  5 qian").
    """
    digits, units = _numeral_sets()
    if before not in digits | units or after not in digits | units:
        return False
    return not (before in units and after in digits)


def compact(text: str) -> str:
    """Drop spaces except between two ASCII letters or digits (around CJK text they go; "12 000" stays)."""
    return _compact(text)[0]


def _compact(text: str) -> tuple[str, frozenset[int]]:
    """Compact text and say where spaces were dropped (indices in the result a dropped space stood before)."""
    out: list[str] = []
    dropped: set[int] = set()
    for index, ch in enumerate(text):
        if ch == " ":
            before = text[index - 1] if index > 0 else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            kept = before and after and (
                (_ascii_alnum(before) and _ascii_alnum(after)) or _separates_numbers(before, after))
            if not kept:
                dropped.add(len(out))
                continue
        out.append(ch)
    return "".join(out), frozenset(dropped)


@cache
def _typo_token() -> re.Pattern[str]:
    letters = "".join(str(key) for key in lexicon("numbers")["digit_typos"])
    return re.compile(rf"(?<![A-Za-z0-9])[0-9{re.escape(letters)}]*[0-9][0-9{re.escape(letters)}]*(?![A-Za-z0-9])")


def _fix_digit_typos(text: str) -> str:
    typos: dict[str, str] = {str(k): str(v) for k, v in lexicon("numbers")["digit_typos"].items()}

    def _fix(match: re.Match[str]) -> str:
        return "".join(typos.get(ch, ch) for ch in match.group(0))

    return _typo_token().sub(_fix, text)


@cache
def _colloquial_table() -> dict[int, str]:
    return str.maketrans({str(k): str(v) for k, v in section("numbers", "colloquial_digits").items()})


def prepare(text: str) -> str:
    """Normalise, compact and repair letters typed for digits: the form every scanner works on."""
    return prepare_marked(text)[0]


def prepare_marked(text: str) -> tuple[str, frozenset[int]]:
    """Prepare text and say where a space was dropped: people often separate facts with spaces alone.

    Returns:
        The prepared text (as `prepare` gives it) and the indices in it that a dropped space stood before.
    """
    compacted, dropped = _compact(normalise(text))
    return _fix_digit_typos(compacted).translate(_colloquial_table()), dropped


@cache
def words(lexicon_name: str, *path: str) -> tuple[str, ...]:
    """Read a list of words from a lexicon, e.g. words("rates", "percent_after") (read once, then kept)."""
    node: Any = lexicon(lexicon_name)
    for key in path:
        node = node[key]
    return tuple(str(item) for item in node)


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


@cache
def clause_breaks() -> str:
    """Characters that end a clause."""
    return "".join(words("profile_facts", "clause_breaks"))


def mask(chars: list[str], start: int, end: int) -> None:
    """Claim text[start:end] so later scanners skip it."""
    for index in range(start, end):
        chars[index] = MASK


@lru_cache(maxsize=1024)
def _matcher(options: tuple[str, ...]) -> tuple[frozenset[str], tuple[int, ...]]:
    """The options as a set and their lengths, longest first: a lookup per length instead of per option."""
    table = frozenset(option for option in options if option)
    return table, tuple(sorted({len(option) for option in table}, reverse=True))


_KEPT: dict[int, tuple[object, tuple[frozenset[str], tuple[int, ...]]]] = {}
_KEPT_MAX = 256


def _matcher_for(options: Iterable[str]) -> tuple[frozenset[str], tuple[int, ...]]:
    """The matcher of some options; a dict (the lexicons' cached phrase tables) is looked up by identity."""
    if isinstance(options, tuple):
        return _matcher(options)
    kept = _KEPT.get(id(options))
    if kept is not None and kept[0] is options:
        return kept[1]
    found = _matcher(tuple(options))
    if isinstance(options, dict) and len(_KEPT) < _KEPT_MAX:
        _KEPT[id(options)] = (options, found)  # holding the dict keeps its id from being reused
    return found


def starts_with_any(text: str, pos: int, options: Iterable[str]) -> str | None:
    """Return the longest option found at text[pos:], if any."""
    table, lengths = _matcher_for(options)
    for length in lengths:
        piece = text[pos : pos + length]
        if len(piece) == length and piece in table:
            return piece
    return None


def ends_with_any(text: str, pos: int, options: Iterable[str]) -> str | None:
    """Return the longest option ending exactly at text[:pos], if any."""
    table, lengths = _matcher_for(options)
    for length in lengths:
        if pos >= length and text[pos - length : pos] in table:
            return text[pos - length : pos]
    return None


def first_kept(text: str, spans: Sequence[tuple[int, int]]) -> int:
    """Return the index of the first figure that counts: the one after the last correction between figures.

    "ba qian, bu dui, qi qian" (eight thousand, no, seven thousand) keeps only the second figure; the
    correction words are the `corrections` of lexicons/numbers.yaml.
    """
    marks = words("numbers", "corrections")
    kept = 0
    for index in range(1, len(spans)):
        if any(mark in text[spans[index - 1][1] : spans[index][0]] for mark in marks):
            kept = index
    return kept
