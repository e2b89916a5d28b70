"""What the analysis says: the JSON contract of `debt-coach plan --json`, and the chat messages.

Every sentence comes from scripts_zh/analysis/*.j2; numbers reach the templates already formatted by
flows.core.money, dates as date objects the templates only lay out.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flows.analysis.legal import FLAG_SOURCES, FLAGS, NOTE_LICENSE_UNKNOWN, NOTE_LICENSED_24_LINE, legal_sources
from flows.analysis.result import Analysis, LoanAnalysis, MonthPlan, Reason
from flows.core.models import Profile
from flows.core.money import percent, yuan
from flows.core.texts import render

REASONS_SHOWN = 3
"""At most this many reasons per platform in the chat (the largest ones; all are in the JSON)."""
_NEARLY_DOUBLE = Decimal("1.5")
_JSON_RATE_PLACES = 6


def _num(value: Decimal) -> int | float:
    """A JSON number for yuan: an int when whole, else two decimals (only at the JSON edge)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value.quantize(Decimal("0.01")))


def _rate(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), _JSON_RATE_PLACES)


def _reason_json(reason: Reason) -> dict[str, Any]:
    value: Any = reason.value
    if isinstance(value, Decimal):
        value = float(value)
    return {"code": reason.code, "points": float(reason.points), "value": value}


def _month_json(month: MonthPlan) -> dict[str, Any]:
    return {
        "month": month.month,
        "payments": {key: _num(amount) for key, amount in month.payments.items()},
        "remaining": {key: _num(amount) for key, amount in month.remaining.items()},
    }


def _loan_json(loan: LoanAnalysis) -> dict[str, Any]:
    return {
        "platform": loan.key,
        "apr": _rate(loan.apr),
        "flags": list(loan.flags),
        "proposed_monthly": _num(loan.proposed_monthly),
        "name": loan.platform,
        "outstanding": _num(loan.outstanding),
        "apr_method": loan.apr_method,
        "cost_floor": _rate(loan.cost_floor),
        "licensed": loan.licensed,
        "notes": list(loan.notes),
        "lpr_cap": _rate(loan.lpr_cap),
        "score": float(loan.score),
        "reasons": [_reason_json(reason) for reason in loan.reasons],
        "cleared_month": loan.cleared_month,
    }


def plan_json(analysis: Analysis) -> dict[str, Any]:
    """Build the `debt-coach plan --json` document (JSON numbers, not strings).

    Loans are named by their unique key (a repeated platform name gets " #2", " #3"), the same key
    used in `priority` and in each month's `payments` and `remaining`.

    Args:
        analysis: The result of `analyse`.

    Returns:
        A dict ready for json.dumps.
    """
    return {
        "total_outstanding": _num(analysis.total_outstanding),
        "monthly_available": _num(analysis.monthly_available),
        "months_to_clear": analysis.months_to_clear,
        "priority": list(analysis.priority),
        "loans": [_loan_json(loan) for loan in analysis.loans],
        "warnings": list(analysis.warnings),
        "schedule": [_month_json(month) for month in analysis.schedule],
        "strategy": analysis.strategy,
        "assumption": analysis.assumption,
        "pro_rata": analysis.pro_rata,
        "horizon_months": analysis.horizon_months,
        "lpr_checked_to": analysis.lpr_checked_to.isoformat(),
    }


def _calendar(today: date, months_ahead: int) -> date:
    """The first day of the month `months_ahead` after today's (month 1 is next month)."""
    index = today.month - 1 + months_ahead
    return date(today.year + index // 12, index % 12 + 1, 1)


def _standing(analysis: Analysis, profile: Profile) -> str:
    return render(
        "analysis/standing",
        total=yuan(analysis.total_outstanding),
        loan_count=len(analysis.priority),
        income=yuan(profile.monthly_income),
        expenses=yuan(profile.monthly_expenses),
        available=yuan(analysis.monthly_available),
        months_to_clear=analysis.months_to_clear,
        pace_months=analysis.pace_months,
        horizon=analysis.horizon_months,
        no_money="no_money_left" in analysis.warnings,
    )


def _cost_line(loan: LoanAnalysis) -> str:
    flat = loan.stated_annual_simple
    nearly_double = (
        loan.rate_kind == "monthly_fee"
        and loan.apr is not None
        and flat is not None
        and flat > 0
        and loan.apr / flat >= _NEARLY_DOUBLE
    )
    return render(
        "analysis/loan_cost_line",
        platform=loan.key,
        method=loan.apr_method,
        kind=loan.rate_kind or "",
        apr=percent(loan.apr) if loan.apr is not None else "",
        floor=percent(loan.cost_floor) if loan.cost_floor is not None else "",
        per_period=percent(loan.stated_per_period, 4) if loan.stated_per_period is not None else "",
        flat=percent(flat) if flat is not None else "",
        nearly_double=nearly_double,
        deducted=loan.received is not None and loan.received < loan.principal,
        principal=yuan(loan.principal),
        received=yuan(loan.received) if loan.received is not None else "",
    )


def _source_lines(keys: tuple[str, ...]) -> list[str]:
    sources = legal_sources()
    return [
        render(
            "analysis/source",
            title=sources[key].name,
            article=sources[key].article,
            verbatim=sources[key].status == "verbatim",
            text=sources[key].shown,
        )
        for key in keys
    ]


def _flag_item(loan: LoanAnalysis, analysis: Analysis) -> dict[str, Any]:
    return {
        "platform": loan.key,
        "rate": percent(loan.cost_floor) if loan.cost_floor is not None else "",
        "is_floor": loan.apr is None,
        "lpr": percent(loan.lpr) if loan.lpr is not None else "",
        "cap": percent(loan.lpr_cap) if loan.lpr_cap is not None else "",
        "lpr_date": loan.lpr_date,
        "date_assumed": loan.lpr_date_assumed,
        "license_unknown": NOTE_LICENSE_UNKNOWN in loan.notes,
        "principal": yuan(loan.principal),
        "received": yuan(loan.received) if loan.received is not None else "",
        "checked_to": analysis.lpr_checked_to,
    }


def _legal(analysis: Analysis) -> str | None:
    blocks: list[str] = []
    for flag in FLAGS:
        items = [_flag_item(loan, analysis) for loan in analysis.loans if flag in loan.flags]
        if items:
            blocks.append("\n".join([render(f"analysis/flag_{flag}", items=items), *_source_lines(FLAG_SOURCES[flag])]))
    licensed = [_flag_item(loan, analysis) for loan in analysis.loans if NOTE_LICENSED_24_LINE in loan.notes]
    if licensed:
        note = render("analysis/note_licensed_24_line", items=licensed)
        blocks.append("\n".join([note, *_source_lines(("private_lending_1_2",))]))
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
    by_key = {loan.key: loan for loan in analysis.loans}
    entries = [
        {
            "rank": position,
            "platform": key,
            "reasons": [reason_text(reason) for reason in by_key[key].reasons[:REASONS_SHOWN]],
        }
        for position, key in enumerate(analysis.priority, start=1)
    ]
    return render("analysis/priority", entries=entries)


def _plan(analysis: Analysis) -> str:
    by_key = {loan.key: loan for loan in analysis.loans}
    rows = [
        {
            "platform": key,
            "monthly": yuan(by_key[key].proposed_monthly),
            "cleared_month": by_key[key].cleared_month,
            "cleared_on": _calendar(analysis.today, by_key[key].cleared_month or 0),
        }
        for key in analysis.priority
    ]
    return render(
        "analysis/plan",
        rows=rows,
        strategy=analysis.strategy,
        available=yuan(analysis.monthly_available),
        months=analysis.months_to_clear,
        end_on=_calendar(analysis.today, analysis.months_to_clear or 0),
        pro_rata=analysis.pro_rata,
    )


def _cannot(analysis: Analysis) -> str:
    by_key = {loan.key: loan for loan in analysis.loans}
    offers = [{"platform": key, "monthly": yuan(by_key[key].proposed_monthly)} for key in analysis.priority]
    name = "analysis/warning_no_money_left" if "no_money_left" in analysis.warnings else "analysis/warning_unaffordable"
    head = render(
        name,
        pace_months=analysis.pace_months,
        horizon=analysis.horizon_months,
        offers=offers,
        pro_rata=analysis.pro_rata,
    )
    return "\n\n".join([head, render("analysis/lawful_paths"), *_source_lines(("shenzhen_bankruptcy",))])


_OTHER_WARNINGS = ("new_loans_to_repay_old", "second_overdue", "harsh_collection")
_WARNING_SOURCES: dict[str, tuple[str, ...]] = {"harsh_collection": ("collection_guidelines",)}


def analysis_messages(analysis: Analysis, profile: Profile) -> list[str]:
    """Turn an analysis into a few short chat messages, in the order the chat shows them.

    Standing; real cost of each loan; legal reference lines (when any); whom to contact first; the
    plan (or, when no plan can work, an honest statement with the lawful paths); then the warnings.

    Args:
        analysis: The result of `analyse`.
        profile: The profile it was computed from (income and expenses are shown).

    Returns:
        The message texts.
    """
    messages = [_standing(analysis, profile)]
    if not analysis.loans:
        return messages
    messages.append(
        "\n".join(
            [
                render("analysis/loan_cost_intro"),
                *(_cost_line(loan) for loan in analysis.loans),
                render("analysis/loan_cost_method"),
                *_source_lines(("pboc_2021_3",)),
            ]
        )
    )
    legal = _legal(analysis)
    if legal:
        messages.append(legal)
    if analysis.priority:
        messages.append(_priority(analysis))
        feasible = analysis.months_to_clear is not None
        messages.append(_plan(analysis) if feasible else _cannot(analysis))
    warnings = [
        "\n".join([render(f"analysis/warning_{name}"), *_source_lines(_WARNING_SOURCES.get(name, ()))])
        for name in _OTHER_WARNINGS
        if name in analysis.warnings
    ]
    if warnings:
        messages.append("\n\n".join(warnings))
    return messages
