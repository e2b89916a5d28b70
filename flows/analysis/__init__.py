"""Analysis of a borrower's loans: real yearly cost, legal reference lines, whom to contact first,
a monthly plan that fits, warnings, and a chart. Pure functions; no transport.

Public API:
    analyse(profile, *, today, strategy="avalanche") -> Analysis
    plan_json(analysis) -> dict           (the `debt-coach plan --json` contract)
    analysis_messages(analysis, profile) -> list[str]
    chart_png(analysis) -> bytes
    chart_caption(analysis) -> str
"""

from flows.analysis.chart import chart_caption, chart_png
from flows.analysis.core import analyse
from flows.analysis.report import analysis_messages, plan_json, reason_text
from flows.analysis.result import Analysis, LoanAnalysis, MonthPlan, Reason, Strategy

__all__ = [
    "Analysis",
    "LoanAnalysis",
    "MonthPlan",
    "Reason",
    "Strategy",
    "analyse",
    "analysis_messages",
    "chart_caption",
    "chart_png",
    "plan_json",
    "reason_text",
]
