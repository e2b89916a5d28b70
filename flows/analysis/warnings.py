"""Which warnings an analysis carries (names are the JSON contract; each has a template)."""

from __future__ import annotations

from flows.analysis.result import Analysis
from flows.core.models import Collection, Profile

WARNINGS = (
    "new_loans_to_repay_old", "second_overdue", "harsh_collection", "no_money_left", "unaffordable",
    "shortfall", "at_risk", "limitation_check", "hold_unlicensed", "guaranteed", "contract_estimated",
    "over_budget",
)
"""Every warning name, in the order they are listed."""


def warnings_for(profile: Profile, analysis: Analysis) -> list[str]:
    """List the warnings that apply, in `WARNINGS` order.

    Args:
        profile: The profile as told.
        analysis: Its analysis (plan figures filled).

    Returns:
        The warning names.
    """
    owed = [loan for loan in analysis.loans if loan.status != "cleared"]
    called = [loan for loan in owed if loan.key in analysis.priority]
    found = {
        "new_loans_to_repay_old": profile.new_loans_to_repay_old,
        "second_overdue": any(loan.previous_overdue for loan in called),
        "harsh_collection": any(loan.collection == Collection.threats or loan.contacted_others for loan in owed),
        "no_money_left": bool(owed) and analysis.monthly_available <= 0,
        "unaffordable": bool(owed) and analysis.months_to_clear is None,
        "shortfall": bool(owed) and analysis.shortfall > 0,
        "at_risk": any(loan.status == "at_risk" for loan in owed),
        "limitation_check": bool(analysis.held),
        "hold_unlicensed": any(loan.hold_until_breakdown for loan in owed),
        "guaranteed": any(loan.guaranteed for loan in called),
        "contract_estimated": any(loan.contract_estimated for loan in owed),
        "over_budget": bool(analysis.agreed) and any(month.over_budget > 0 for month in analysis.projection),
    }
    return [name for name in WARNINGS if found[name]]
