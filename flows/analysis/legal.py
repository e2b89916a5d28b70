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

from flows.core.texts import DATA_DIR

LINE_24 = Decimal("0.24")
LINE_36 = Decimal("0.36")
LPR_MULTIPLE = 4

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
    """What the user reads: the verbatim text, or the Chinese plain-language summary."""


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
        shown = text if status == "verbatim" else str(entry.get("plain_zh") or text)
        sources[key] = Source(key, str(entry["name"]), str(entry["article"] or ""), status, text, shown)
    return sources


@dataclass(frozen=True)
class LegalCheck:
    """The flags and notes for one loan, and the LPR figures they came from."""

    flags: list[str]
    notes: list[str]
    lpr: Decimal | None
    lpr_cap: Decimal | None
    lpr_date: date | None
    lpr_date_assumed: bool


def check_loan(
    cost_floor: Decimal | None,
    *,
    principal: Decimal,
    received: Decimal | None,
    licensed: bool | None,
    contract_date: date | None,
    today: date,
) -> LegalCheck:
    """Compare a loan's yearly cost with the legal reference lines.

    The cost compared is the best known lower bound, so a flag is raised only when the real cost is
    certainly above the line. The 4x LPR cap is the private-lending rule: for a lender known to be
    licensed the flag is not raised and a note says the 24% line is its reference instead. Without a
    contract date, the LPR in force today is used and marked as assumed.

    Args:
        cost_floor: The APR, or the best known lower bound of it, or None.
        principal: The contract principal.
        received: What actually arrived, when less was paid out.
        licensed: Whether the lender is a licensed institution (None: unknown).
        contract_date: When the contract was made.
        today: Today's date.

    Returns:
        The flags (contract names) and notes.
    """
    flags: list[str] = []
    notes: list[str] = []
    table = lpr_table()
    assumed = contract_date is None
    entry = table.on(contract_date or today)
    lpr = entry[1] if entry else None
    cap = lpr * LPR_MULTIPLE if lpr is not None else None
    if cost_floor is not None:
        if cost_floor > LINE_24:
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
    return LegalCheck(flags, notes, lpr, cap, entry[0] if entry else None, assumed)
