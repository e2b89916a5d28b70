"""Fold a message into the one form every crisis phrase is written for.

Traditional characters become simplified (OpenCC), full-width forms half-width (NFKC), Latin letters
lower case, and evasive spellings (lexicons/crisis/normalise.yaml) their plain word. Spaces and
punctuation are dropped, so a wish split by a space or a comma still reads as one; where they stood is
kept as a clause boundary, and which characters stood inside closed quotation marks is kept too: the
modifiers look back only within a clause and treat a quoted phrase as someone else's words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from flows.core.once import per_turn
from flows.core.texts import DATA_DIR, lexicon
from flows.crisis.gate import guarded

# What ends a clause once spaces and punctuation are gone: blank space, ASCII punctuation (a colon
# introduces speech: it is dropped without ending the clause), general and CJK punctuation.
_BOUNDARY = (
    r"\s!,.;?\-/\\()\[\]{}<>|~`@#$%^&*+=_"
    r"\u2010-\u2017\u2020-\u2027\u2030-\u205e\u3001-\u3003\u3008-\u3011\u3014-\u301f\u00b7\u00a1\u00bf"
)
# What is dropped without ending a clause: the colon, emoji and other symbols, joiners, variation selectors.
_DROPPED = (
    r":\u00a0-\u00b6\u00b8-\u00be\u2100-\u2bff\u2e00-\u2e7f\ufe00-\ufe0f\u200b-\u200f"
    r"\U0001f000-\U0001faff\ue000-\uf8ff"
)

@dataclass(frozen=True)
class Folded:
    """A message folded for matching.

    Attributes:
        text: The compact text: simplified, lower case, without spaces or punctuation.
        clause_starts: For each character of `text`, the index where its clause starts.
        quoted: For each character of `text`, whether it stood inside a closed pair of quotation marks,
            unless the whole message did (then it is the user's own words, not a quote).
    """

    text: str
    clause_starts: tuple[int, ...]
    quoted: tuple[bool, ...]

    def before(self, index: int) -> str:
        """Return the text of the clause up to (not including) `index`."""
        return self.text[self.clause_starts[index] : index]

    def previous_clause(self, index: int) -> str:
        """Return the whole clause before the one holding `index` ("" in the first clause)."""
        start = self.clause_starts[index]
        if start == 0:
            return ""
        return self.text[self.clause_starts[start - 1] : start]


@cache
def _converter() -> Any:
    import opencc  # 2.6 MB of dictionaries, loaded only for a message that needs them

    return opencc.OpenCC("t2s")


@cache
def traditional_chars() -> frozenset[str]:
    """Return the characters OpenCC's t2s changes (scripts_zh/data/traditional_chars.txt)."""
    lines = (DATA_DIR / "traditional_chars.txt").read_text(encoding="utf-8").splitlines()
    return frozenset("".join(line for line in lines if not line.startswith("#")))


@cache
def _rules() -> tuple[re.Pattern[str], tuple[str, ...]]:
    """All evasive spellings as one alternation (one pass), with the replacement of each branch."""
    data: dict[str, list[list[str]]] = lexicon("crisis/normalise")
    branches = [f"(?P<r{index}>{rule[0]})" for index, rule in enumerate(data["evasive"])]
    return guarded(branches), tuple(rule[1] for rule in data["evasive"])


@cache
def _segments() -> re.Pattern[str]:
    """One pass over a message: quoted spans, boundaries, dropped characters and runs of text."""
    data: dict[str, Any] = lexicon("crisis/normalise")
    pairs: list[list[str]] = data["quotes"]
    quoted = "|".join(f"{re.escape(o)}[^{re.escape(c)}]*{re.escape(c)}" for o, c in pairs)
    marks = re.escape("".join({ch for pair in pairs for ch in pair}))
    return re.compile(
        f"(?P<quote>{quoted})|(?P<mark>[{marks}])|(?P<boundary>[{_BOUNDARY}]+)|(?P<dropped>[{_DROPPED}]+)"
        f"|(?P<text>[^{_BOUNDARY}{_DROPPED}{marks}]+)"
    )


def simplify(text: str) -> str:
    """Return the text in NFKC, simplified characters and lower case, evasive spellings rewritten."""
    converted = unicodedata.normalize("NFKC", text)
    if not traditional_chars().isdisjoint(converted):
        converted = str(_converter().convert(converted))
    folded = converted.lower()
    pattern, replacements = _rules()
    return pattern.sub(lambda m: replacements[int((m.lastgroup or "r0")[1:])], folded)


@per_turn
def fold(text: str) -> Folded:
    """Fold a message for matching.

    Args:
        text: The message as typed.

    Returns:
        The compact text with its clause boundaries and quoted characters.
    """
    chars: list[str] = []
    starts: list[int] = []
    quoted: list[bool] = []
    segments = _segments()
    clause_start = 0

    def walk(part: str, inside: bool) -> None:
        nonlocal clause_start
        for match in segments.finditer(part):
            kind = match.lastgroup
            if kind == "quote":
                walk(match.group(0)[1:-1], True)
            elif kind == "boundary":
                clause_start = len(starts)
            elif kind == "text":
                run = match.group(0)
                chars.append(run)
                starts.extend([clause_start] * len(run))
                quoted.extend([inside] * len(run))

    walk(simplify(text), False)
    # A message wholly in quotation marks is the user's own words, not a quote of someone else's.
    if all(quoted):
        quoted = [False] * len(quoted)
    return Folded(text="".join(chars), clause_starts=tuple(starts), quoted=tuple(quoted))
