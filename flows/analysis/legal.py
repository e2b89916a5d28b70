"""Legal reference lines for a loan's yearly cost, each tied to a checked source; never a verdict.

The LPR history is data (scripts_zh/data/lpr_1y.csv, with the date it was checked up to), not code.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import yaml

from flows.analysis.result import LineKind
from flows.core.texts import DATA_DIR

ELLIPSIS = "\u2026\u2026"
LINE_24 = Decimal("0.24")
LINE_36 = Decimal("0.36")
LPR_MULTIPLE = 4
NEW_RULES_FROM = date(2020, 8, 20)
"""Private-lending provisions art. 31: contracts before this date keep the older rules up to the day before."""
LIMITATION_DAYS = 3 * 365
"""Civil Code art. 188: three years; a loan overdue longer than this is flagged for advice before paying."""

FLAGS = ("above_24", "above_36", "above_4x_lpr", "upfront_deduction")
"""Flag names (JSON contract)."""

FLAG_SOURCES: dict[str, tuple[str, ...]] = {
    "above_24": ("fin_opinion_2017",),
    "above_36": ("line_36",),
    "above_4x_lpr": ("private_lending_25",),
    "upfront_deduction": ("civil_code_670",),
}
"""Which citations each flag shows, by key in legal_sources.yaml."""

NOTE_LICENSED_24_LINE = "licensed_judged_by_24_line"
"""Note on a licensed lender's loan above 4x LPR: that cap is for private lending, the 24% line applies."""
NOTE_LICENSE_UNKNOWN = "license_unknown_for_lpr"
"""Note on a 4x-LPR flag when we do not know whether the lender is licensed."""
NOTE_PRE_2020 = "contract_before_2020_08_20"
"""Private lending under a contract made before 2020-08-20 (art. 31)."""
NOTE_NO_LPR = "no_lpr_at_contract_date"
"""The contract predates the first published LPR (2019-08-20): the 4x LPR figure cannot be worked out here."""
NOTE_MAY_BE_VOID = "unlicensed_may_be_void"
"""An unlicensed lender lending to the public for profit: the contract may be held void (art. 13)."""
NOTE_LIMITATION = "limitation_check"
"""Overdue longer than the limitation period (Civil Code art. 188): advice before any payment."""

NOTE_SOURCES: dict[str, tuple[str, ...]] = {
    NOTE_LICENSED_24_LINE: ("private_lending_1_2",),
    NOTE_PRE_2020: ("private_lending_31",),
    NOTE_MAY_BE_VOID: ("private_lending_13",),
    NOTE_LIMITATION: ("civil_code_188",),
}
"""Which citations each note shows, by key in legal_sources.yaml."""

_CHECKED_RE = re.compile(r"checked up to (\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class LprTable:
    """One-year LPR history: (date it took effect, rate as a fraction), oldest first."""

    entries: tuple[tuple[date, Decimal], ...]
    checked_to: date

    def on(self, day: date) -> tuple[date, Decimal] | None:
        """Return the LPR entry in force on a day, or None before the first published LPR."""
        found: tuple[date, Decimal] | None = None
        for effective, rate in self.entries:
            if effective <= day:
                found = (effective, rate)
        return found


@dataclass(frozen=True)
class Source:
    """A citation from legal_sources.yaml."""

    key: str
    name: str
    article: str
    status: str
    text: str
    shown: str
    """What the user reads: the verbatim text (or its excerpt), or the Chinese plain-language summary."""
    excerpt: tuple[str, ...] = ()
    """For a long verbatim article: the pieces shown, each word for word, joined by an ellipsis."""


@cache
def lpr_table() -> LprTable:
    """Load the LPR history and the date it was checked up to from the data file.

    Returns:
        The table.

    Raises:
        ValueError: When the file's header does not say up to which date it was checked.
    """
    path = DATA_DIR / "lpr_1y.csv"
    with path.open(encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    checked: date | None = None
    for line in lines:
        match = _CHECKED_RE.search(line) if line.startswith("#") else None
        if match:
            checked = date.fromisoformat(match.group(1))
            break
    if checked is None:
        raise ValueError(f"{path} does not say up to which date it was checked")
    rows = csv.DictReader(line for line in lines if line and not line.startswith("#"))
    entries = sorted((date.fromisoformat(row["effective_date"]), Decimal(row["rate_percent"]) / 100) for row in rows)
    return LprTable(tuple(entries), checked)


@cache
def legal_sources() -> dict[str, Source]:
    """Load the citations the flags show.

    Returns:
        Sources by key.
    """
    with (DATA_DIR / "legal_sources.yaml").open(encoding="utf-8") as handle:
        raw: dict[str, dict[str, Any]] = yaml.safe_load(handle)
    sources: dict[str, Source] = {}
    for key, entry in raw.items():
        status = str(entry["status"])
        if status not in ("verbatim", "summary"):
            raise ValueError(f"legal source {key}: unknown status {status}")
        text = str(entry["text"])
        excerpt = tuple(str(piece) for piece in entry.get("excerpt") or ())
        if any(piece not in text for piece in excerpt):
            raise ValueError(f"legal source {key}: an excerpt is not in its text")
        if status == "verbatim":
            shown = ELLIPSIS.join([*excerpt, ""]) if excerpt else text
        else:
            shown = str(entry.get("plain_zh") or text)
        sources[key] = Source(key, str(entry["name"]), str(entry["article"] or ""), status, text, shown, excerpt)
    return sources


@dataclass(frozen=True)
class LegalCheck:
    """The flags and notes for one loan, the line its interest is measured against, and the LPR figures."""

    flags: list[str]
    notes: list[str]
    lpr: Decimal | None
    lpr_cap: Decimal | None
    lpr_date: date | None
    lpr_date_assumed: bool
    line: LineKind = "lpr_4x"
    line_rate: Decimal | None = None


def check_loan(
    cost_floor: Decimal | None,
    *,
    principal: Decimal,
    received: Decimal | None,
    licensed: bool | None,
    contract_date: date | None,
    today: date,
    overdue_days: int = 0,
) -> LegalCheck:
    """Compare a loan's yearly cost with the legal reference line that applies to its lender.

    The cost compared is the best known lower bound, so a flag is raised only when the real cost is
    certainly above the line. A licensed lender is measured against the 24% line (the 2017
    financial-adjudication opinion); the 4x LPR cap is the private-lending rule and is not raised
    for it (a note says why). An unlicensed lender is measured against 4x the LPR at the contract
    date, never the 24% line; when the licence is unknown both are shown. A contract made before
    2020-08-20 gets a note (art. 31), and one made before the first LPR was published has no 4x
    figure (said, not silently dropped).
    Without a contract date, the LPR in force today is used and marked as assumed.

    Args:
        cost_floor: The APR, or the best known lower bound of it, or None.
        principal: The contract principal.
        received: What actually arrived, when less was paid out.
        licensed: Whether the lender is a licensed institution (None: unknown).
        contract_date: When the contract was made.
        today: Today's date.
        overdue_days: Days overdue (for the limitation-period note).

    Returns:
        The flags (contract names), notes and the applicable line.
    """
    flags: list[str] = []
    notes: list[str] = []
    table = lpr_table()
    assumed = contract_date is None
    entry = table.on(contract_date or today)
    lpr = entry[1] if entry else None
    cap = lpr * LPR_MULTIPLE if lpr is not None else None
    pre_2020 = contract_date is not None and contract_date < NEW_RULES_FROM
    line: LineKind = "fin_24" if licensed is True else ("lpr_4x_pre_2020" if pre_2020 else "lpr_4x")
    line_rate = LINE_24 if licensed is True else cap
    if licensed is not True:
        if pre_2020:
            notes.append(NOTE_PRE_2020)
        if cap is None:
            notes.append(NOTE_NO_LPR)
        if licensed is False:
            notes.append(NOTE_MAY_BE_VOID)
    if cost_floor is not None:
        if cost_floor > LINE_24 and licensed is not False:
            flags.append("above_24")
        if cost_floor > LINE_36:
            flags.append("above_36")
        if cap is not None and cost_floor > cap:
            if licensed is True:
                notes.append(NOTE_LICENSED_24_LINE)
            else:
                flags.append("above_4x_lpr")
                if licensed is None:
                    notes.append(NOTE_LICENSE_UNKNOWN)
    if received is not None and received < principal:
        flags.append("upfront_deduction")
    if overdue_days > LIMITATION_DAYS:
        notes.append(NOTE_LIMITATION)
    return LegalCheck(flags, notes, lpr, cap, entry[0] if entry else None, assumed, line, line_rate)
