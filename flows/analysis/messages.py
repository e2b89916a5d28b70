"""What the analysis says in the chat: a few short messages, every sentence from scripts_zh/analysis/*.j2.

Numbers reach the templates already formatted by flows.core.money, dates as date objects the templates
only lay out. Every citation comes from scripts_zh/data/legal_sources.yaml.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flows.analysis.core import COUNTER_TERMS
from flows.analysis.legal import (
    FLAGS,
    NOTE_LICENSE_UNKNOWN,
    NOTE_LICENSED_24_LINE,
    NOTE_LIMITATION,
    NOTE_MAY_BE_VOID,
    NOTE_NO_LPR,
    NOTE_PRE_2020,
    NOTE_SOURCES,
    legal_sources,
)
from flows.analysis.result import Analysis, LoanAnalysis, Reason
from flows.core.models import Profile
from flows.core.money import percent, yuan
from flows.core.texts import render

REASONS_SHOWN = 4
"""At most this many reasons per platform in the chat (the largest ones; all are in the JSON)."""
_NEARLY_DOUBLE = Decimal("1.5")
_NOTES_SHOWN = (NOTE_LICENSED_24_LINE, NOTE_PRE_2020, NOTE_MAY_BE_VOID, NOTE_LIMITATION)
_CHAT_WARNINGS = ("new_loans_to_repay_old", "second_overdue", "harsh_collection", "hold_unlicensed", "guaranteed",
                  "at_risk", "over_budget")
_WARNING_SOURCES: dict[str, tuple[str, ...]] = {"harsh_collection": ("collection_guidelines",)}


def source_lines(keys: tuple[str, ...]) -> list[str]:
    """Render one line per checked source: quoted when verbatim, marked as a summary otherwise."""
    sources = legal_sources()
    return [
        render("analysis/source", title=sources[key].name, article=sources[key].article,
               verbatim=sources[key].status == "verbatim", text=sources[key].shown)
        for key in dict.fromkeys(keys)
    ]


def _standing(analysis: Analysis, profile: Profile) -> str:
    owed = [loan for loan in analysis.loans if loan.status != "cleared"]
    lawful = sum((loan.lawful_balance for loan in owed), Decimal(0))
    return render(
        "analysis/standing",
        total=yuan(analysis.total_outstanding),
        lawful_total=yuan(lawful),
        lawful_differs=lawful < analysis.total_outstanding,
        loan_count=len(owed),
        income=yuan(profile.monthly_income),
        expenses=yuan(profile.monthly_expenses),
        available=yuan(analysis.monthly_available),
        gap=yuan(analysis.income_gap) if analysis.income_gap > 0 else "",
        buffer=yuan(analysis.buffer),
        budget=yuan(max(analysis.budget, Decimal(0))),
        months_to_clear=analysis.months_to_clear,
        shortfall=yuan(analysis.shortfall) if analysis.shortfall > 0 else "",
        no_money="no_money_left" in analysis.warnings,
    )


def _cost_line(loan: LoanAnalysis) -> str:
    flat = loan.stated_annual_simple
    nearly_double = (loan.rate_kind == "monthly_fee" and loan.apr is not None and flat is not None and flat > 0
                     and loan.apr / flat >= _NEARLY_DOUBLE)
    return render(
        "analysis/loan_cost_line", platform=loan.key, method=loan.apr_method, kind=loan.rate_kind or "",
        apr=percent(loan.apr) if loan.apr is not None else "",
        floor=percent(loan.cost_floor) if loan.cost_floor is not None else "",
        per_period=percent(loan.stated_per_period, 4) if loan.stated_per_period is not None else "",
        flat=percent(flat) if flat is not None else "", nearly_double=nearly_double,
        deducted=loan.received is not None and loan.received < loan.principal,
        principal=yuan(loan.principal), received=yuan(loan.received) if loan.received is not None else "",
    )


def _item(loan: LoanAnalysis, analysis: Analysis) -> dict[str, Any]:
    return {
        "platform": loan.key,
        "lender": loan.lender,
        "rate": percent(loan.cost_floor) if loan.cost_floor is not None else "",
        "is_floor": loan.apr is None,
        "lpr": percent(loan.lpr) if loan.lpr is not None else "",
        "cap": percent(loan.lpr_cap) if loan.lpr_cap is not None else "",
        "line": loan.line,
        "line_rate": percent(loan.line_rate) if loan.line_rate is not None else "",
        "lpr_date": loan.lpr_date,
        "date_assumed": loan.lpr_date_assumed,
        "contract_date": loan.contract_date,
        "license_unknown": NOTE_LICENSE_UNKNOWN in loan.notes,
        "no_lpr": NOTE_NO_LPR in loan.notes,
        "principal": yuan(loan.principal),
        "received": yuan(loan.received) if loan.received is not None else "",
        "repaid": yuan(loan.repaid),
        "outstanding": yuan(loan.outstanding),
        "lawful": yuan(loan.lawful_balance),
        "interest": yuan(loan.lawful_interest),
        "months": loan.lawful_months or 0,
        "estimate": loan.lawful_is_estimate,
        "pre_2020": loan.line == "lpr_4x_pre_2020",
        "checked_to": analysis.lpr_checked_to,
    }


def _flag_sources(flag: str, loans: list[LoanAnalysis]) -> tuple[str, ...]:
    if flag == "above_24":
        return ("fin_opinion_2017",)
    if flag == "above_36":
        return ("line_36",)
    if flag == "above_4x_lpr":
        return ("private_lending_25",)
    private = any(loan.lender != "licensed" for loan in loans)
    return ("civil_code_670", "private_lending_26") if private else ("civil_code_670",)


def _legal(analysis: Analysis) -> str | None:
    blocks: list[str] = []
    owed = [loan for loan in analysis.loans if loan.status != "cleared"]
    for flag in FLAGS:
        flagged = [loan for loan in owed if flag in loan.flags]
        if flagged:
            items = [_item(loan, analysis) for loan in flagged]
            blocks.append("\n".join([render(f"analysis/flag_{flag}", items=items),
                                     *source_lines(_flag_sources(flag, flagged))]))
    for note in _NOTES_SHOWN:
        noted = [loan for loan in owed if note in loan.notes]
        if noted:
            items = [_item(loan, analysis) for loan in noted]
            blocks.append("\n".join([render(f"analysis/note_{note}", items=items), *source_lines(NOTE_SOURCES[note])]))
    if not blocks:
        return None
    return "\n\n".join([render("analysis/legal_intro"), *blocks])


def reason_text(reason: Reason) -> str:
    """Render one priority reason with the same figure the score used.

    Args:
        reason: A reason from a loan's analysis.

    Returns:
        A short phrase.
    """
    value = reason.value
    return render(
        "analysis/reason",
        code=reason.code,
        level=value if isinstance(value, str) else "",
        days=value if isinstance(value, int) else 0,
        rate=percent(value) if isinstance(value, Decimal) and reason.code == "rate" else "",
        is_floor=reason.rate_is_floor,
        share=percent(value, 0) if isinstance(value, Decimal) and reason.code == "amount" else "",
        amount=yuan(reason.amount) if reason.amount is not None else "",
    )


def _priority(analysis: Analysis) -> str:
    entries = [
        {"rank": position, "platform": key, "at_risk": analysis.loan(key).status == "at_risk",
         "agreed": key in analysis.agreed,
         "reasons": [reason_text(reason) for reason in analysis.loan(key).reasons[:REASONS_SHOWN]]}
        for position, key in enumerate(analysis.priority, start=1)
    ]
    current = [{"platform": loan.key, "monthly": yuan(loan.contract_monthly or 0), "estimated": loan.contract_estimated}
               for loan in analysis.loans if loan.status == "current" and loan.balance > 0]
    planned = [key for key in analysis.funding_order if key in analysis.priority]
    return render("analysis/priority", entries=entries, current=current, held=analysis.held,
                  differs=planned != [key for key in analysis.priority if key in planned],
                  strategy=analysis.strategy, order=planned)


def _row(loan: LoanAnalysis, analysis: Analysis) -> dict[str, Any]:
    start = loan.start_month or 1
    return {
        "platform": loan.key,
        "role": loan.role,
        "monthly": yuan(loan.contract_monthly or loan.proposed_monthly),
        "steady": yuan(loan.steady_monthly),
        "term": loan.term_months_proposed or 0,
        "last": yuan(loan.last_installment or 0),
        "last_differs": loan.last_installment is not None and loan.last_installment != loan.steady_monthly,
        "start": loan.start_month or 0,
        "long_wait": loan.asks_time,
        "first_on": analysis.month_date(start),
        "cleared_month": loan.cleared_month or 0,
        "cleared_on": analysis.month_date(loan.cleared_month or 1),
        "early": loan.cleared_month is not None and loan.term_months_proposed is not None
        and loan.cleared_month < start + loan.term_months_proposed - 1,
        "counter": loan.counter_low is not None,
        "low": yuan(loan.counter_low or 0),
        "high": yuan(loan.counter_high or 0),
        "low_term": min(loan.term_months_proposed or 0, COUNTER_TERMS[1]),
        "over": loan.counter_high is not None and loan.counter_high > loan.max_monthly,
        "max": yuan(loan.max_monthly),
        "hold": loan.hold_until_breakdown,
    }


def _rows(analysis: Analysis) -> list[dict[str, Any]]:
    keys = [*analysis.funding_order, *(loan.key for loan in analysis.loans if loan.role == "contract")]
    return [_row(analysis.loan(key), analysis) for key in dict.fromkeys(keys) if analysis.loan(key).balance > 0]


def _plan(analysis: Analysis) -> str:
    months = analysis.months_to_clear or 0
    return render(
        "analysis/plan", rows=_rows(analysis), strategy=analysis.strategy, budget=yuan(analysis.budget),
        buffer=yuan(analysis.buffer), months=months, end_on=analysis.month_date(max(months, 1)),
        max_term=analysis.max_term_months, order=analysis.funding_order,
        takers=[key for key in analysis.funding_order if analysis.loan(key).role in ("steady", "waiting")],
        saved_more=any(month.saved > 0 for month in analysis.schedule[:1]),
    )


def _cannot(analysis: Analysis) -> str:
    rows = _rows(analysis)
    name = "analysis/warning_no_money_left" if "no_money_left" in analysis.warnings else "analysis/warning_unaffordable"
    head = render(name, gap=yuan(analysis.income_gap) if analysis.income_gap > 0 else "",
                  budget=yuan(max(analysis.budget, Decimal(0))), buffer=yuan(analysis.buffer),
                  shortfall=yuan(analysis.shortfall), max_term=analysis.max_term_months,
                  horizon=analysis.horizon_months, rows=rows)
    return "\n\n".join([head, render("analysis/lawful_paths"), *source_lines(("shenzhen_bankruptcy",))])


def _warning(name: str, analysis: Analysis) -> str:
    owed = [loan for loan in analysis.loans if loan.status != "cleared"]
    harsh = [loan for loan in owed if loan.collection.value == "threats" or loan.contacted_others]
    keys: tuple[str, ...] = _WARNING_SOURCES.get(name, ())
    if name == "harsh_collection" and any(loan.lender != "licensed" for loan in harsh):
        keys = (*keys, "criminal_293_1")
    text = render(
        f"analysis/warning_{name}",
        licensed=[loan.key for loan in harsh if loan.lender == "licensed"],
        others=[loan.key for loan in harsh if loan.lender != "licensed"],
        held=[loan.key for loan in owed if loan.hold_until_breakdown],
        guaranteed=[{"platform": loan.key, "guarantor": loan.guarantor} for loan in owed
                    if loan.guaranteed and loan.key in analysis.priority],
        at_risk=[loan.key for loan in owed if loan.status == "at_risk"],
    )
    return "\n".join([text, *source_lines(keys)])


def _over_budget(analysis: Analysis) -> str:
    """Name the first month the agreements alone ask more than the budget, with its figures."""
    month = next(month for month in analysis.projection if month.over_budget > 0)
    asked = {key: amount for key, amount in month.payments.items() if key in analysis.agreed and amount > 0}
    return render(
        "analysis/warning_over_budget", platforms=list(asked), on=analysis.month_date(month.month),
        asked=yuan(sum(asked.values(), Decimal(0))), budget=yuan(max(analysis.budget, Decimal(0))),
        over=yuan(month.over_budget), no_money=analysis.budget <= 0,
        months=sum(1 for each in analysis.projection if each.over_budget > 0),
    )


def analysis_messages(analysis: Analysis, profile: Profile) -> list[str]:
    """Turn an analysis into a few short chat messages, in the order the chat shows them.

    Standing; real cost of each loan; the legal line of each lender (when one matters); whom to call
    first and why; the plan (or, when money is short, the plain figure and the lawful paths first);
    then the warnings.

    Args:
        analysis: The result of `analyse`.
        profile: The profile it was computed from (income and expenses are shown).

    Returns:
        The message texts.
    """
    messages = [_standing(analysis, profile)]
    owed = [loan for loan in analysis.loans if loan.status != "cleared"]
    if not owed:
        return messages
    messages.append("\n".join([render("analysis/loan_cost_intro"), *(_cost_line(loan) for loan in owed),
                               render("analysis/loan_cost_method"), *source_lines(("pboc_2021_3",))]))
    legal = _legal(analysis)
    if legal:
        messages.append(legal)
    messages.append(_priority(analysis))
    if analysis.months_to_clear is not None:
        messages.append(_plan(analysis))
    else:
        messages.append(_cannot(analysis))
    warnings = [_over_budget(analysis) if name == "over_budget" else _warning(name, analysis)
                for name in _CHAT_WARNINGS if name in analysis.warnings]
    if warnings:
        messages.append("\n\n".join(warnings))
    return messages
