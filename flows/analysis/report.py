"""The JSON contract of `debt-coach plan --json` (the chat messages are in flows.analysis.messages)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flows.analysis.result import Analysis, LoanAnalysis, MonthPlan, Reason

_JSON_RATE_PLACES = 6


def _num(value: Decimal) -> int | float:
    """A JSON number for yuan: an int when whole, else two decimals (only at the JSON edge)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value.quantize(Decimal("0.01")))


def _opt(value: Decimal | None) -> int | float | None:
    return None if value is None else _num(value)


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
        "saved": _num(month.saved),
        "over_budget": _num(month.over_budget),
    }


def _loan_json(loan: LoanAnalysis, analysis: Analysis) -> dict[str, Any]:
    counter = None
    if loan.counter_low is not None and loan.counter_high is not None:
        counter = {"low": _num(loan.counter_low), "high": _num(loan.counter_high)}
    start = loan.start_month
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
        "lawful_balance": _num(loan.lawful_balance),
        "steady_monthly": _num(loan.steady_monthly),
        "term_months_proposed": loan.term_months_proposed,
        "status": loan.status,
        "role": loan.role,
        "lender": loan.lender,
        "legal_line": {"kind": loan.line, "rate": _rate(loan.line_rate)},
        "balance": _num(loan.balance),
        "start_month": start,
        "first_payment_date": analysis.month_date(start).isoformat() if start else None,
        "last_installment": _opt(loan.last_installment),
        "max_monthly": _num(loan.max_monthly),
        "counter_offer": counter,
        "contract_monthly": _opt(loan.contract_monthly),
        "hold_until_breakdown": loan.hold_until_breakdown,
        "guaranteed": loan.guaranteed,
    }


def plan_json(analysis: Analysis) -> dict[str, Any]:
    """Build the `debt-coach plan --json` document (JSON numbers, not strings).

    Loans are named by their unique key (a repeated platform name gets " #2", " #3"), the same key
    used in `priority` and in each month's `payments` and `remaining`. Added by issue 15: per loan
    `lawful_balance`, `steady_monthly`, `term_months_proposed` (and the figures around them), at
    the top `buffer` and `shortfall` (and `budget`, `income_gap`, `first_payment_date`, `held`).

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
        "loans": [_loan_json(loan, analysis) for loan in analysis.loans],
        "warnings": list(analysis.warnings),
        "schedule": [_month_json(month) for month in analysis.schedule],
        "strategy": analysis.strategy,
        "assumption": analysis.assumption,
        "pro_rata": analysis.pro_rata,
        "horizon_months": analysis.horizon_months,
        "lpr_checked_to": analysis.lpr_checked_to.isoformat(),
        "buffer": _num(analysis.buffer),
        "shortfall": _num(analysis.shortfall),
        "budget": _num(analysis.budget),
        "income_gap": _num(analysis.income_gap),
        "first_payment_date": analysis.first_payment.isoformat(),
        "max_term_months": analysis.max_term_months,
        "funding_order": list(analysis.funding_order),
        "held": list(analysis.held),
    }
