"""Read one reply of the user during a rehearsal call, with lexicons kept as data.

Every keyword and pattern lives in `scripts_zh/lexicons/rp_reading.yaml`; amounts are read with
the intake's own number parser (`flows.parsing`), so Chinese and mixed numerals and "1.2k" mean what they mean
there. The reader never decides what the persona does; it only says what the reply contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import cache
from typing import Any

from flows.core.matching import PhraseMatcher
from flows.core.texts import lexicon
from flows.parsing import ParseError, normalise
from flows.parsing._core import prepare
from flows.parsing._numbers import amount_hits, numeral_value

LEXICON = "rp_reading"


@dataclass(frozen=True)
class ReplyReading:
    """What one reply contains: flags from the lexicons, and the amounts it names.

    Amounts are exact yuan. `monthly` is an amount said per month or per instalment; `first_payment`
    one to pay first or now; `lump_sum` one to pay in one go; `amount` an amount with no marker.
    """

    text: str
    identity: bool = False
    hardship: bool = False
    temporary: bool = False
    will: bool = False
    refuse: bool = False
    accept: bool = False
    schedule: bool = False
    extension: bool = False
    written: bool = False
    name_time: bool = False
    rights: bool = False
    panic: bool = False
    admits_false: bool = False
    borrow_elsewhere: bool = False
    evasive: bool = False
    loan_talk: bool = False
    monthly: Decimal | None = None
    first_payment: Decimal | None = None
    lump_sum: Decimal | None = None
    amount: Decimal | None = None
    installments: int | None = None

    @property
    def empty(self) -> bool:
        """Tell whether nothing was said."""
        return not self.text.strip()

    @property
    def amounts(self) -> tuple[Decimal, ...]:
        """Every amount named, of any kind."""
        found = (self.monthly, self.first_payment, self.lump_sum, self.amount)
        return tuple(value for value in found if value is not None)

    @property
    def largest(self) -> Decimal | None:
        """The largest amount named (what a promise costs at its worst), or None."""
        return max(self.amounts, default=None)

    @property
    def has_schedule(self) -> bool:
        """Tell whether a date or a number of instalments was named."""
        return self.schedule or self.installments is not None

    @property
    def on_topic(self) -> bool:
        """Tell whether the reply says anything the call can use."""
        flags = (f.name for f in fields(self) if f.type in ("bool", bool))
        return any(getattr(self, name) for name in flags) or bool(self.amounts) or self.installments is not None

    @property
    def off_topic(self) -> bool:
        """Tell whether the reply is not empty yet says nothing about the call."""
        return not self.empty and not self.on_topic


@cache
def _matchers() -> dict[str, PhraseMatcher]:
    data: dict[str, dict[str, list[str]]] = lexicon(LEXICON)["categories"]
    return {
        name: PhraseMatcher.from_lexicon(entry, flags=re.IGNORECASE)
        for name, entry in data.items()
    }


@cache
def _amount_words() -> dict[str, Any]:
    data: dict[str, Any] = lexicon(LEXICON)["amounts"]
    return data


@cache
def _clause_split() -> re.Pattern[str]:
    return re.compile(str(_amount_words()["clause_split"]))


@cache
def _not_money() -> re.Pattern[str]:
    return re.compile("|".join(str(word) for word in _amount_words()["not_money"]))


@cache
def _cut() -> re.Pattern[str]:
    words = "|".join(re.escape(str(word)) for word in _amount_words()["cut_before"])
    return re.compile(f"(?<=[{_amount_words()['numeral_chars']}])(?={words})")


@cache
def _markers() -> re.Pattern[str]:
    words = _amount_words()
    alternatives = [
        f"(?P<{kind}>{'|'.join(re.escape(w) for w in sorted(words[kind], key=len, reverse=True))})"
        for kind in ("monthly", "first", "total")
    ]
    return re.compile("|".join(alternatives))


@cache
def _installment_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in lexicon(LEXICON)["installments"])


def _count(numeral: str) -> int | None:
    try:
        value = numeral_value(numeral)
    except (ParseError, ValueError, KeyError):
        return None
    return int(value) if 0 < value < 1000 else None


def _installments(text: str) -> int | None:
    for pattern in _installment_patterns():
        match = pattern.search(text)
        if match:
            return _count(match.group(1))
    return None


def _amounts(text: str) -> dict[str, Decimal]:
    """Sort the amounts of a reply by the nearest marker before each (else right after it)."""
    found: dict[str, Decimal] = {}
    for clause in _clause_split().split(text):
        prepared = _cut().sub("/", prepare(clause))
        if not prepared or _not_money().search(prepared):
            continue
        markers = [(m.start(), m.end(), m.lastgroup or "") for m in _markers().finditer(prepared)]
        previous_end = 0
        for hit in amount_hits(prepared):
            if hit.problem is not None or hit.low is None or hit.high is None or hit.low != hit.high:
                previous_end = hit.end
                continue
            before = [kind for start, end, kind in markers if previous_end <= start and end <= hit.start]
            after = [kind for start, _, kind in markers if hit.end <= start <= hit.end + 2]
            kind = before[-1] if before else (after[0] if after else "amount")
            found.setdefault({"total": "lump_sum", "first": "first_payment"}.get(kind, kind), hit.low)
            previous_end = hit.end
    return found


def read_reply(text: str) -> ReplyReading:
    """Read one reply.

    Args:
        text: What the user typed, as received (it is normalised here).

    Returns:
        The reading: which lexicon categories matched, and the amounts and instalments named.
    """
    cleaned = normalise(text)
    compacted = prepare(cleaned)
    flags = {name: matcher.matches(compacted) for name, matcher in _matchers().items()}
    amounts = _amounts(cleaned)
    return ReplyReading(
        text=cleaned,
        **{name: value for name, value in flags.items() if name in _FLAG_NAMES},
        monthly=amounts.get("monthly"),
        first_payment=amounts.get("first_payment"),
        lump_sum=amounts.get("lump_sum"),
        amount=amounts.get("amount"),
        installments=_installments(compacted),
    )


_FLAG_NAMES = frozenset(f.name for f in fields(ReplyReading) if f.type in ("bool", bool))
