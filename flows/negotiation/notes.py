"""The coach's note under a call script (not read aloud): the lender's legal line, with its sources.

Each point names the line that applies to this lender (24% for a licensed one, 4x LPR at the contract
date for private lending, the 2020-08-20 rule for older contracts), the lawful balance after an
upfront deduction, and for an unlicensed lender that its contract may be void; every source comes
from scripts_zh/data/legal_sources.yaml.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from flows.analysis import LoanAnalysis
from flows.analysis.legal import NOTE_MAY_BE_VOID, NOTE_NO_LPR, NOTE_PRE_2020
from flows.core.money import percent, yuan
from flows.core.texts import render
from flows.negotiation.toolkit import unique_source_lines

_SOURCES: dict[str, tuple[str, ...]] = {
    "deducted": ("civil_code_670",),
    "deducted_private": ("civil_code_670", "private_lending_26"),
    "above_24": ("fin_opinion_2017",),
    "above_4x_lpr": ("private_lending_25",),
    "pre_2020": ("private_lending_31",),
    "void": ("private_lending_13",),
    "above_36": ("line_36",),
}


def _whole(amount: Decimal) -> str:
    return yuan(amount.to_integral_value(rounding=ROUND_CEILING))


def coach_note(loan: LoanAnalysis) -> str:
    """Return the coach's note for one lender, or "" when nothing about its cost or contract stands out.

    Args:
        loan: The loan's analysis.

    Returns:
        The note with one source line per citation.
    """
    licensed = loan.lender == "licensed"
    points = {
        "deducted": "upfront_deduction" in loan.flags,
        "above_24": licensed and "above_24" in loan.flags,
        "above_4x_lpr": not licensed and "above_4x_lpr" in loan.flags,
        "pre_2020": NOTE_PRE_2020 in loan.notes,
        "void": NOTE_MAY_BE_VOID in loan.notes,
        "above_36": "above_36" in loan.flags,
    }
    if not any(points.values()):
        return ""
    keys: list[str] = []
    for point, shown in points.items():
        if shown:
            keys.extend(_SOURCES["deducted_private" if point == "deducted" and not licensed else point])
    head = render(
        "negotiation/script_note", **points, platform=loan.key, lender=loan.lender,
        rate=percent(loan.cost_floor) if loan.cost_floor is not None else "",
        cap=percent(loan.lpr_cap) if loan.lpr_cap is not None else "", no_lpr=NOTE_NO_LPR in loan.notes,
        principal=_whole(loan.principal), received=_whole(loan.received or Decimal(0)),
        lawful=_whole(loan.lawful_balance), outstanding=_whole(loan.outstanding),
    )
    return "\n".join([head, *unique_source_lines(keys)])


def note_citation_keys() -> frozenset[str]:
    """List every citation key a coach's note can show (for the citation test)."""
    return frozenset(key for keys in _SOURCES.values() for key in keys)
