"""`analyse`: from a Profile to the whole analysis (cost, legal lines, contact order, plan, warnings)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flows.analysis.apr import RateParser, default_parser, loan_cost
from flows.analysis.legal import check_loan, lpr_table
from flows.analysis.plan import HORIZON_MONTHS, FenPlan, build_plan
from flows.analysis.priority import rank
from flows.analysis.result import Analysis, LoanAnalysis, MonthPlan, Strategy
from flows.core.models import Collection, Profile
from flows.core.money import from_fen, to_fen


def unique_keys(platforms: list[str]) -> list[str]:
    """Name loans uniquely: the first of a name keeps it, later ones get " #2", " #3" in order.

    Args:
        platforms: Platform names in profile order.

    Returns:
        Keys in the same order.
    """
    keys: list[str] = []
    seen: dict[str, int] = {}
    for name in platforms:
        seen[name] = seen.get(name, 0) + 1
        key = name if seen[name] == 1 else f"{name} #{seen[name]}"
        while key in keys or (key != name and key in platforms):
            seen[name] += 1
            key = f"{name} #{seen[name]}"
        keys.append(key)
    return keys


def _extra_order(loans: list[LoanAnalysis], priority: list[str], strategy: Strategy) -> list[str]:
    """Where extra money goes: highest known cost first (avalanche) or smallest balance (snowball)."""
    position = {key: i for i, key in enumerate(priority)}
    owed = [loan for loan in loans if loan.key in position]
    if strategy == "snowball":
        owed.sort(key=lambda loan: (loan.outstanding, position[loan.key]))
    else:
        owed.sort(key=lambda loan: (loan.cost_floor is None, -(loan.cost_floor or Decimal(0)), position[loan.key]))
    return [loan.key for loan in owed]


def _months(plan: FenPlan) -> list[MonthPlan]:
    return [
        MonthPlan(
            month=month.month,
            payments={key: from_fen(fen) for key, fen in month.payments.items()},
            remaining={key: from_fen(fen) for key, fen in month.remaining.items()},
        )
        for month in plan.months
    ]


def _warnings(profile: Profile, months_to_clear: int | None, available: Decimal) -> list[str]:
    owed = [loan for loan in profile.loans if loan.owed > 0]
    warnings: list[str] = []
    if profile.new_loans_to_repay_old:
        warnings.append("new_loans_to_repay_old")
    if any(loan.previous_overdue for loan in owed):
        warnings.append("second_overdue")
    if any(loan.collection == Collection.threats or loan.third_party for loan in owed):
        warnings.append("harsh_collection")
    if owed and available <= 0:
        warnings.append("no_money_left")
    if owed and months_to_clear is None:
        warnings.append("unaffordable")
    return warnings


def analyse(
    profile: Profile,
    *,
    today: date,
    strategy: Strategy = "avalanche",
    parse: RateParser | None = None,
) -> Analysis:
    """Analyse a borrower's profile: real cost, legal lines, contact order and a plan that fits.

    The plan assumes interest is frozen during negotiation (see flows.analysis.plan).

    Args:
        profile: The borrower's situation.
        today: Today's date (for the LPR when a contract date is missing, and calendar months).
        strategy: Where money beyond the contact payments goes: "avalanche" (highest yearly cost
            first) or "snowball" (smallest balance first, for quick wins).
        parse: Rate parser; defaults to flows.parsing.parse_rate.

    Returns:
        The analysis.
    """
    parser = parse or default_parser
    keys = unique_keys([loan.platform for loan in profile.loans])
    loans: list[LoanAnalysis] = []
    for index, (key, given) in enumerate(zip(keys, profile.loans, strict=True)):
        cost = loan_cost(given, parser)
        legal = check_loan(
            cost.floor,
            principal=given.principal,
            received=given.received,
            licensed=given.licensed,
            contract_date=given.contract_date,
            today=today,
        )
        loans.append(
            LoanAnalysis(
                key=key,
                index=index,
                platform=given.platform,
                outstanding=given.owed,
                principal=given.principal,
                received=given.received,
                apr=cost.apr,
                apr_method=cost.method,
                cost_floor=cost.floor,
                rate_kind=cost.rate.kind if cost.rate else None,
                stated_per_period=cost.rate.per_period if cost.rate else None,
                stated_annual_simple=cost.rate.annual_simple if cost.rate else None,
                flags=legal.flags,
                notes=legal.notes,
                lpr=legal.lpr,
                lpr_cap=legal.lpr_cap,
                lpr_date=legal.lpr_date,
                lpr_date_assumed=legal.lpr_date_assumed,
                licensed=given.licensed,
                collection=given.collection,
                third_party=given.third_party,
                overdue_days=given.overdue_days,
                previous_overdue=given.previous_overdue,
            )
        )
    total = profile.total_outstanding
    available = profile.monthly_available
    priority = rank(loans, total)
    fen_plan = build_plan(
        {loan.key: to_fen(loan.outstanding) for loan in loans},
        to_fen(available),
        contact_order=priority,
        extra_order=_extra_order(loans, priority, strategy),
    )
    first = fen_plan.months[0].payments if fen_plan.months else {}
    for loan in loans:
        loan.proposed_monthly = from_fen(first.get(loan.key, 0))
        loan.cleared_month = fen_plan.cleared_month.get(loan.key)
    projection = _months(fen_plan)
    total_fen, available_fen = to_fen(total), to_fen(available)
    pace = None if available_fen <= 0 and total_fen > 0 else (-(-total_fen // available_fen) if total_fen else 0)
    return Analysis(
        total_outstanding=total,
        monthly_available=available,
        months_to_clear=fen_plan.months_to_clear,
        pace_months=pace,
        priority=priority,
        loans=loans,
        warnings=_warnings(profile, fen_plan.months_to_clear, available),
        schedule=projection if fen_plan.months_to_clear is not None else [],
        projection=projection,
        lpr_checked_to=lpr_table().checked_to,
        strategy=strategy,
        today=today,
        pro_rata=fen_plan.pro_rata,
        horizon_months=HORIZON_MONTHS,
    )
