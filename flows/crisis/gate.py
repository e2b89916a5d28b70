"""Guard an alternation with the characters its matches can start with, so `re` skips every other position.

Python's `re` tries each alternative of a large alternation at every position of the text, and does not
build a first-character filter for alternatives that begin with a group, a macro or a lookbehind. This
module works that set out once per pattern, with `re`'s own parser, and prepends it as a lookahead
`(?=[...])`: a position whose character cannot start any alternative fails on one set lookup. Matches
are unchanged; when the set cannot be worked out (a wildcard first, say) the pattern is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# The parser behind re.compile; private, so any surprise in its output means "no guard", never a miss.
from re import _parser  # type: ignore[attr-defined]
from typing import Any

_MAX_RANGE = 64


def _first(items: Sequence[Any]) -> tuple[set[str] | None, bool]:
    """The characters a match of `items` can start with (None: any), and whether it can match empty."""
    out: set[str] = set()
    for op, arg in items:
        name = str(op)
        if name in ("ASSERT", "ASSERT_NOT", "AT"):
            continue  # zero-width: the next item starts the match
        if name == "LITERAL":
            return out | {chr(arg)}, False
        if name == "IN":
            chars = _charset(arg)
            return (None, False) if chars is None else (out | chars, False)
        if name == "SUBPATTERN":
            first, nullable = _first(arg[3])
        elif name == "BRANCH":
            results = [_first(branch) for branch in arg[1]]
            if any(first is None for first, _ in results):
                return None, False
            first = set().union(*(f for f, _ in results if f is not None))
            nullable = any(n for _, n in results)
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            first, nullable = _first(arg[2])
            nullable = nullable or arg[0] == 0
        else:
            return None, False
        if first is None:
            return None, False
        out |= first
        if not nullable:
            return out, False
    return out, True


def _charset(items: Sequence[Any]) -> set[str] | None:
    chars: set[str] = set()
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            chars.add(chr(arg))
        elif name == "RANGE" and arg[1] - arg[0] < _MAX_RANGE:
            chars.update(chr(code) for code in range(arg[0], arg[1] + 1))
        else:
            return None
    return chars


def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters any match of `pattern` starts with, or None when that cannot be worked out."""
    try:
        first, nullable = _first(list(_parser.parse(pattern)))
    except Exception:  # an unusual tree only loses the speed-up
        return None
    return None if first is None or nullable or not first else frozenset(first)


def guarded(alternatives: Sequence[str], *, suffix: str = "", flags: int = 0) -> re.Pattern[str]:
    """Compile `(?:a|b|...)suffix`, led by a lookahead on the first characters when they are known."""
    body = "(?:" + "|".join(alternatives) + ")"
    first = first_chars(body)
    guard = "(?=[" + "".join(re.escape(ch) for ch in sorted(first)) + "])" if first else ""
    return re.compile(guard + body + suffix, flags)
