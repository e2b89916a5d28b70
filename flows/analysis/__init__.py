"""Analysis of a borrower's loans: real yearly cost, legal reference lines, whom to contact first,
a monthly plan that fits, warnings, and a chart. Pure functions; no transport.

Public API:
    analyse(profile, *, today, strategy="avalanche", commitments=None) -> Analysis
        The one plan. `commitments` (flows.reminders.progress.commitments(state)) carries the logged
        agreements and marked payments; flows.reminders.progress.plan_for / session_plan wrap it.
        Per loan: status, role, lawful_balance, balance, steady_monthly (the ask),
        term_months_proposed, start_month, max_monthly (the ceiling), counter_low/high,
        proposed_monthly (month 1), cleared_month; overall: buffer, budget, shortfall, priority
        (whom to call), funding_order, held, agreed, schedule/projection, first_payment.
    check_agreement(analysis, proposal) -> list[Concern]   (what to question before saving a deal)
    plan_json(analysis) -> dict           (the `debt-coach plan --json` contract)
    analysis_messages(analysis, profile) -> list[str]
    chart_png(analysis) -> bytes
    chart_caption(analysis) -> str
"""

from flows.analysis.chart import chart_caption, chart_png
from flows.analysis.check import Concern, ProposedAgreement, check_agreement
from flows.analysis.commitments import AgreedTerms, Commitments
from flows.analysis.core import analyse, lender_kind
from flows.analysis.messages import analysis_messages, reason_text
from flows.analysis.report import plan_json
from flows.analysis.result import Analysis, LenderKind, LoanAnalysis, MonthPlan, Reason, Strategy

__all__ = [
    "AgreedTerms",
    "Analysis",
    "Commitments",
    "Concern",
    "LenderKind",
    "LoanAnalysis",
    "MonthPlan",
    "ProposedAgreement",
    "Reason",
    "Strategy",
    "analyse",
    "analysis_messages",
    "chart_caption",
    "chart_png",
    "check_agreement",
    "lender_kind",
    "plan_json",
    "reason_text",
]
