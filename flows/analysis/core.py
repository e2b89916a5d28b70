"""`analyse`: the one plan. From a Profile (and what was agreed and paid since) to the whole analysis.

Cost, the legal line per lender, the lawful balance, whom to call first, a buffer kept back, steady
instalments, and warnings, in one pure function that every view reads (the plan, the scripts, the
role-play, progress, reminders and export), so they cannot disagree.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from flows.analysis.apr import Cost, RateParser, default_parser, loan_cost
from flows.analysis.calendar import first_payment_date, month_index
from flows.analysis.commitments import NONE, Commitments
from flows.analysis.lawful import contract_monthly, lawful_balance
from flows.analysis.legal import NOTE_LIMITATION, check_loan, lpr_table
from flows.analysis.plan import HORIZON_MONTHS, MAX_TERM_MONTHS, FenPlan, Track, build_plan, ceil_div, whole_up
from flows.analysis.priority import rank
from flows.analysis.result import Analysis, LenderKind, LoanAnalysis, MonthPlan, PlanRole, Strategy
from flows.analysis.warnings import warnings_for
from flows.core.models import Collection, Loan, Profile
from flows.core.money import from_fen, to_fen
from flows.core.platforms import lookup_platform

BUFFER_SHARE = Decimal("0.05")
MIN_BUFFER = Decimal(100)
COUNTER_TERMS = (12, 24)
"""Lenders commonly counter a long instalment plan with 12 to 24 instalments."""


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


def lender_kind(licensed: bool | None, platform: str) -> LenderKind:
    """Say whether the lender is licensed: the user's answer, else the usual lender of the platform."""
    if licensed is not None:
        return "licensed" if licensed else "unlicensed"
    info = lookup_platform(platform)
    if info is not None:
        return "licensed" if info.licensed else "unlicensed"
    return "unknown"


def buffer_and_budget(available: Decimal) -> tuple[Decimal, Decimal]:
    """Split the money available each month into the buffer kept back and the budget for debts.

    The buffer is at least 5% of the money available and not under 100 yuan (never more than there
    is); the budget is the rest in whole yuan, so any cents stay in the buffer. With nothing
    available there is no buffer and the budget is what is missing (negative).

    Args:
        available: Income minus necessary expenses (may be negative).

    Returns:
        (buffer, budget).
    """
    if available <= 0:
        return Decimal(0), available
    wanted = max((available * BUFFER_SHARE).to_integral_value(rounding=ROUND_CEILING), MIN_BUFFER)
    budget = max(available - wanted, Decimal(0)).to_integral_value(rounding=ROUND_FLOOR)
    return available - budget, budget


def _in_arrears(loan: Loan) -> bool:
    return loan.overdue_days > 0 or loan.collection != Collection.none or loan.third_party or bool(
        loan.contacted_others)


def _loan(key: str, index: int, given: Loan, cost: Cost, today: date, paid: Decimal) -> LoanAnalysis:
    kind = lender_kind(given.licensed, given.platform)
    resolved = {"licensed": True, "unlicensed": False}.get(kind)
    legal = check_loan(cost.floor, principal=given.principal, received=given.received, licensed=resolved,
                       contract_date=given.contract_date, today=today, overdue_days=given.overdue_days)
    lawful = lawful_balance(given, line_rate=legal.line_rate, estimate=legal.line == "lpr_4x_pre_2020", today=today)
    loan = LoanAnalysis(
        key=key, index=index, platform=given.platform, outstanding=given.owed, principal=given.principal,
        received=given.received, repaid=given.repaid, apr=cost.apr, apr_method=cost.method, cost_floor=cost.floor,
        rate_kind=cost.rate.kind if cost.rate else None,
        stated_per_period=cost.rate.per_period if cost.rate else None,
        stated_annual_simple=cost.rate.annual_simple if cost.rate else None,
        flags=legal.flags, notes=legal.notes, lpr=legal.lpr, lpr_cap=legal.lpr_cap, lpr_date=legal.lpr_date,
        lpr_date_assumed=legal.lpr_date_assumed, licensed=given.licensed, lender=kind, line=legal.line,
        line_rate=legal.line_rate, collection=given.collection, third_party=given.third_party,
        contacted_others=bool(given.contacted_others), guaranteed=bool(given.guaranteed or given.guarantor),
        guarantor=(given.guarantor or "").strip(), overdue_days=given.overdue_days,
        overdue_unsure=given.overdue_unsure, previous_overdue=given.previous_overdue, contract_date=given.contract_date,
        lawful_balance=lawful.balance, lawful_interest=lawful.interest, lawful_months=lawful.months,
        lawful_is_estimate=lawful.estimate, paid=paid,
    )
    if given.owed <= 0:
        loan.status = "cleared"
    elif NOTE_LIMITATION in loan.notes:
        loan.status = "advice"
    elif _in_arrears(given):
        loan.status = "arrears"
    else:
        loan.status = "current"
    return loan


def _track(loan: LoanAnalysis, given: Loan, cost: Cost, commitments: Commitments, first: date) -> Track:
    left = max(loan.lawful_balance - loan.paid, Decimal(0))
    agreed = commitments.agreed.get(loan.key)
    if agreed is not None and agreed.kind != "extension":
        fixed: dict[int, int] = {}
        for due, amount in agreed.due:
            month = month_index(first, due)
            fixed[month] = fixed.get(month, 0) + to_fen(amount)
        owed = sum(fixed.values())
        if agreed.kind == "waiver":
            return Track(loan.key, "agreed", owed, fixed=fixed, settles=True)
        return Track(loan.key, "agreed", max(to_fen(left), owed), fixed=fixed)
    if loan.status == "cleared" or left <= 0:
        return Track(loan.key, "steady", 0)
    if loan.status == "advice" and agreed is None:
        return Track(loan.key, "held", to_fen(left))
    if loan.status == "current" and agreed is None:
        monthly, estimated = contract_monthly(given, cost.rate)
        loan.contract_monthly, loan.contract_estimated = monthly, estimated
        return Track(loan.key, "contract", to_fen(left), contract=to_fen(monthly))
    start = month_index(first, agreed.until) if agreed is not None and agreed.until is not None else 1
    return Track(loan.key, "steady", to_fen(left), start=start)


def _funding_order(loans: list[LoanAnalysis], ranked: list[str], strategy: Strategy) -> list[str]:
    if strategy == "avalanche":
        return list(ranked)
    position = {key: i for i, key in enumerate(ranked)}
    by_key = {loan.key: loan for loan in loans}
    return sorted(ranked, key=lambda key: (by_key[key].balance, position[key]))


def _fill(loan: LoanAnalysis, track: Track, plan: FenPlan, agreed: str | None) -> None:
    """Copy the plan's figures for one loan onto its analysis (`agreed`: the kind of its agreement)."""
    key = loan.key
    loan.balance = from_fen(track.balance)
    steady = plan.steady.get(key, 0)
    roles: dict[str, PlanRole] = {"held": "held", "contract": "contract", "agreed": "agreed"}
    role: PlanRole = "none" if track.balance == 0 and agreed is None else roles.get(track.kind, "steady")
    if agreed is not None:
        role = "agreed"
    elif role == "steady" and key in plan.waiting:
        role = "waiting"
    loan.role = role
    loan.proposed_monthly = from_fen(plan.months[0].payments.get(key, 0) if plan.months else 0)
    loan.cleared_month = plan.cleared_month.get(key)
    if loan.status == "current" and key in plan.at_risk:
        loan.status = "at_risk"
    if track.kind == "contract" and loan.contract_monthly is not None:
        loan.max_monthly = loan.contract_monthly
    if not steady or (agreed is not None and agreed != "extension") or track.balance == 0:
        return
    balance = track.balance
    term = ceil_div(balance, steady)
    loan.steady_monthly = from_fen(steady)
    loan.term_months_proposed = term
    loan.last_installment = from_fen(balance - steady * (term - 1))
    loan.start_month = plan.start.get(key)
    loan.max_monthly = from_fen(plan.ceiling.get(key, steady))
    if term > COUNTER_TERMS[0]:
        high = whole_up(ceil_div(balance, COUNTER_TERMS[0]))
        low = whole_up(ceil_div(balance, COUNTER_TERMS[1])) if term > COUNTER_TERMS[1] else steady
        loan.counter_low, loan.counter_high = from_fen(max(low, steady)), from_fen(high)


def _months(plan: FenPlan, buffer: Decimal) -> list[MonthPlan]:
    return [
        MonthPlan(
            month=month.month,
            payments={key: from_fen(fen) for key, fen in month.payments.items()},
            remaining={key: from_fen(fen) for key, fen in month.remaining.items()},
            saved=buffer + from_fen(month.saved),
            over_budget=from_fen(month.over),
        )
        for month in plan.months
    ]


def analyse(
    profile: Profile,
    *,
    today: date,
    strategy: Strategy = "avalanche",
    commitments: Commitments | None = None,
    parse: RateParser | None = None,
) -> Analysis:
    """Analyse a profile and plan its repayment; the one plan every view reads.

    The plan assumes interest is frozen during negotiation (see flows.analysis.plan); plan month 1 is
    the month of the first payment date (flows.analysis.calendar).

    Args:
        profile: The borrower's situation as told.
        today: Today's local date (LPR when a contract date is missing, the plan's calendar).
        strategy: Where freed money goes: "avalanche" (the contact order: harm, then true cost) or
            "snowball" (smallest balance first, for quick wins).
        commitments: Agreements logged and payments marked since the intake (none: the first plan).
        parse: Rate parser; defaults to flows.parsing.parse_rate.

    Returns:
        The analysis.
    """
    parser = parse or default_parser
    done = commitments or NONE
    first = first_payment_date(today)
    keys = unique_keys([loan.platform for loan in profile.loans])
    costs = [loan_cost(given, parser) for given in profile.loans]
    loans = [_loan(key, i, given, cost, today, done.paid.get(key, Decimal(0)))
             for i, (key, given, cost) in enumerate(zip(keys, profile.loans, costs, strict=True))]
    tracks = [_track(loan, given, cost, done, first)
              for loan, given, cost in zip(loans, profile.loans, costs, strict=True)]
    for loan, track in zip(loans, tracks, strict=True):
        loan.balance = from_fen(track.balance)
    ranked = rank([loan for loan in loans if loan.status in ("arrears", "current") and loan.balance > 0])
    order = _funding_order(loans, ranked, strategy)
    signed = profile.monthly_income - profile.monthly_expenses
    buffer, budget = buffer_and_budget(signed)
    plan = build_plan(tracks, to_fen(budget), order=order)
    for loan, track in zip(loans, tracks, strict=True):
        terms = done.agreed.get(loan.key)
        _fill(loan, track, plan, terms.kind if terms is not None else None)
    by_key = {loan.key: loan for loan in loans}
    for loan in loans:
        loan.hold_until_breakdown = loan.lender == "unlicensed" and loan.status in ("arrears", "at_risk")
    priority = [key for key in ranked if by_key[key].status in ("arrears", "at_risk")]
    projection = _months(plan, buffer)
    analysis = Analysis(
        total_outstanding=profile.total_outstanding,
        monthly_available=profile.monthly_available,
        income_gap=max(-signed, Decimal(0)),
        buffer=buffer,
        budget=budget,
        shortfall=from_fen(plan.shortfall),
        months_to_clear=plan.months_to_clear,
        pace_months=plan.finished,
        priority=priority,
        funding_order=[key for key in order if by_key[key].role in ("steady", "waiting", "agreed")],
        held=[loan.key for loan in loans if loan.role == "held"],
        agreed=[key for key in keys if key in done.agreed],
        loans=loans,
        warnings=[],
        schedule=projection if plan.months_to_clear is not None else [],
        projection=projection,
        lpr_checked_to=lpr_table().checked_to,
        strategy=strategy,
        today=today,
        first_payment=first,
        pro_rata=bool(plan.waiting),
        horizon_months=HORIZON_MONTHS,
        max_term_months=MAX_TERM_MONTHS,
    )
    analysis.warnings = warnings_for(profile, analysis)
    return analysis
