"""Which lender usually stands behind an online-lending platform the user names."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from flows.core.texts import DATA_DIR


@dataclass(frozen=True)
class PlatformInfo:
    """What is usually true of a platform (the user's contract may say otherwise).

    Attributes:
        name: Canonical platform name, as users call it.
        lender: The usual lender of record.
        kind: "consumer_finance", "bank", "small_loan" or "platform_assisted".
        licensed: Whether the usual lender is a licensed institution.
    """

    name: str
    lender: str
    kind: str
    licensed: bool


@dataclass(frozen=True)
class _Table:
    by_key: dict[str, PlatformInfo]
    exact: dict[str, PlatformInfo]
    pattern: re.Pattern[str] | None


def _key(text: str) -> str:
    """Fold a name for comparison: NFKC, lower case, no spaces or punctuation."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "ZPC")


@cache
def _table() -> _Table:
    with (DATA_DIR / "platforms.yaml").open(encoding="utf-8") as handle:
        raw: dict[str, Any] = yaml.safe_load(handle)
    by_key: dict[str, PlatformInfo] = {}
    exact: dict[str, PlatformInfo] = {}
    for entry in raw["platforms"]:
        info = PlatformInfo(
            name=str(entry["name"]),
            lender=str(entry["lender"]),
            kind=str(entry["kind"]),
            licensed=bool(entry["licensed"]),
        )
        for alias in [info.name, *entry.get("aliases", [])]:
            by_key[_key(str(alias))] = info
        for alias in entry.get("exact_aliases", []):
            exact[_key(str(alias))] = info
    keys = sorted(by_key, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(k) for k in keys)) if keys else None
    return _Table(by_key=by_key, exact=exact, pattern=pattern)


def lookup_platform(name: str) -> PlatformInfo | None:
    """Find a platform by any of its names.

    Args:
        name: What the user typed for the platform, e.g. an alias such as "Alipay Jiebei" or "WeChat borrow".

    Returns:
        The platform's usual facts, or None when the name is not a known platform.
    """
    table = _table()
    key = _key(name)
    if not key:
        return None
    found = table.by_key.get(key) or table.exact.get(key)
    if found is not None:
        return found
    # A longer answer such as "Jiebei's" or "I use Jiebei" still names one platform.
    canonical = find_platform_in(name)
    return table.by_key[_key(canonical)] if canonical is not None else None


def find_platform_in(text: str) -> str | None:
    """Find the platform a message mentions.

    Args:
        text: A user message about a loan.

    Returns:
        The canonical name of the first platform mentioned (longest alias at that place), or
        None when no known platform is mentioned.
    """
    table = _table()
    if table.pattern is None:
        return None
    key = _key(text)
    exact = table.exact.get(key)
    if exact is not None:
        return exact.name
    match = table.pattern.search(key)
    return table.by_key[match.group(0)].name if match else None


def platform_spans(text: str) -> list[tuple[int, int, str]]:
    """Locate every platform alias in already-normalised text.

    Args:
        text: Text as returned by `flows.parsing.normalise`.

    Returns:
        (start, end, canonical name) for each mention, in order, without overlaps.
    """
    table = _table()
    if table.pattern is None:
        return []
    folded = text.casefold()
    if len(folded) != len(text):
        return []
    return [(m.start(), m.end(), table.by_key[m.group(0)].name) for m in table.pattern.finditer(folded)]
