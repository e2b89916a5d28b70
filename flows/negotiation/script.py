"""Call scripts: what to say to one platform, built from the person's own plan and story.

Rules (each is a plain function so tests and the chat use the same figures):

- The monthly amount offered is the plan's first-month payment for that loan
  (`LoanAnalysis.proposed_monthly`), never more: the plan already shares what the person can
  afford across every platform, and promising more is how a second overdue starts.
- Instalments: ceil(outstanding / monthly); the last one is the remainder. When that is longer
  than the plan's horizon (money was shared pro rata), the script offers the monthly amount for
  `REVIEW_MONTHS` months and a review, instead of a promise of 100 instalments.
- First payment date: the next 1st or 15th of a month at least `MIN_LEAD_DAYS` days after today.
  The profile has no payday; the 1st and the 15th are common paydays and easy to remember, and a
  week's lead leaves time to get the agreement in writing and set the money aside.
- Extension: 3 months when nothing is available this month (the longest the seed articles
  suggest), else 1 month; payments start on the first-payment rule date moved by that many months.
- Default goal (`default_goal`): extension when nothing can be paid; pausing collection when the
  pressure is heavy (daily calls, threats, third-party collectors); otherwise instalments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from functools import cache
from typing import Literal, get_args

from flows.analysis import Analysis, LoanAnalysis
from flows.core.matching import first_key
from flows.core.models import Collection, Profile
from flows.core.money import percent, yuan
from flows.core.platforms import lookup_platform
from flows.core.texts import label, lexicon, render
from flows.negotiation.toolkit import cjk_punctuation, source_lines

Goal = Literal["installment", "extension", "waive_penalty", "pause_collection"]
GOALS: tuple[Goal, ...] = get_args(Goal)
LenderKind = Literal["licensed", "unlicensed", "unknown"]

MIN_LEAD_DAYS = 7
PAY_DAYS = (1, 15)
REVIEW_MONTHS = 3
EXTENSION_MONTHS_NO_MONEY = 3
EXTENSION_MONTHS = 1
MAX_STORY_CHARS = 120
SATURDAY = 5
HEAVY_COLLECTION = (Collection.frequent, Collection.threats)

FLAG_CITATIONS: dict[tuple[LenderKind, str], tuple[str, ...]] = {
    ("licensed", "above_24"): ("fin_opinion_2017",),
    ("unlicensed", "above_36"): ("line_36",),
    ("unknown", "above_36"): ("line_36",),
}
"""Which checked sources a script's coach note shows, by lender kind and analysis flag."""
UPFRONT_CITATIONS = ("civil_code_670",)


@dataclass(frozen=True)
class Proposal:
    """The one concrete ask, with the person's own figures from the plan."""

    goal: Goal
    monthly: Decimal
    """What is offered each month: the plan's figure for this loan, never more (0: nothing yet)."""
    installments: int | None
    """Number of instalments, when the ask is a full instalment plan within the horizon."""
    last_installment: Decimal | None
    first_payment: date
    """When the first payment is due, or (nothing available) when the person will call back."""
    extension_months: int | None = None

    @property
    def can_pay(self) -> bool:
        """Tell whether the plan leaves anything for this loan each month."""
        return self.monthly > 0


@dataclass(frozen=True)
class Section:
    """One named part of a script, already rendered."""

    name: str
    text: str


@dataclass(frozen=True)
class CallScript:
    """A call script for one platform and goal, and the figures it was built from."""

    platform: str
    goal: Goal
    lender: LenderKind
    outstanding: Decimal
    proposal: Proposal
    second_overdue: bool
    bundle: bool
    sections: tuple[Section, ...]

    def section(self, name: str) -> str:
        """Return one section's text, or "" when the script has no such section."""
        return next((part.text for part in self.sections if part.name == name), "")

    def messages(self) -> list[str]:
        """Group the sections into a few short chat messages: prepare, say, if refused, close."""
        groups = (("prepare", "timing"), ("opening", "second_overdue", "ask", "bundle", "lender"),
                  ("fallback", "note"), ("close",))
        out = ["\n\n".join(t for t in (self.section(n) for n in group) if t) for group in groups]
        return [text for text in out if text]

    def text(self) -> str:
        """Return the whole script as plain text (for the command line)."""
        return "\n\n".join(self.messages())


def first_payment_date(today: date) -> date:
    """Return the next 1st or 15th at least `MIN_LEAD_DAYS` days after today.

    Args:
        today: The local date.

    Returns:
        The date to propose for the first payment.
    """
    earliest = today + timedelta(days=MIN_LEAD_DAYS)
    year, month = earliest.year, earliest.month
    while True:
        for day in PAY_DAYS:
            candidate = date(year, month, day)
            if candidate >= earliest:
                return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def add_months(day: date, months: int) -> date:
    """Move a 1st or 15th of a month forward by whole months (the day always exists)."""
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, day.day)


def lender_kind(loan: LoanAnalysis) -> LenderKind:
    """Say whether the lender is licensed: the user's answer, else the usual lender of the platform."""
    if loan.licensed is not None:
        return "licensed" if loan.licensed else "unlicensed"
    info = lookup_platform(loan.platform)
    if info is not None:
        return "licensed" if info.licensed else "unlicensed"
    return "unknown"


def default_goal(loan: LoanAnalysis) -> Goal:
    """Choose the first ask for a loan (rules in the module docstring).

    Args:
        loan: The loan's analysis.

    Returns:
        The goal to offer first.
    """
    if loan.proposed_monthly <= 0:
        return "extension"
    if loan.collection in HEAVY_COLLECTION or loan.third_party:
        return "pause_collection"
    return "installment"


def propose(loan: LoanAnalysis, goal: Goal, *, today: date, horizon: int) -> Proposal:
    """Build the concrete ask for one loan from its plan figure.

    Args:
        loan: The loan's analysis (its `proposed_monthly` is the ceiling).
        goal: What to ask for.
        today: The local date.
        horizon: The plan's horizon in months.

    Returns:
        The proposal.
    """
    monthly = max(loan.proposed_monthly, Decimal(0))
    first = first_payment_date(today)
    extension: int | None = None
    if goal == "extension" or monthly == 0:
        extension = EXTENSION_MONTHS if monthly > 0 else EXTENSION_MONTHS_NO_MONEY
        if monthly > 0:
            first = add_months(first, extension)
    installments: int | None = None
    last: Decimal | None = None
    if monthly > 0:
        count = int((loan.outstanding / monthly).to_integral_value(rounding=ROUND_CEILING))
        if count <= horizon:
            installments = max(count, 1)
            last = loan.outstanding - monthly * (installments - 1)
    return Proposal(goal, monthly, installments, last, first, extension)


def find_loan(analysis: Analysis, platform: str) -> LoanAnalysis | None:
    """Find a loan still owed by its key, its platform name or any alias of that platform.

    Args:
        analysis: The analysis.
        platform: What the user or the command line named.

    Returns:
        The loan, or None when no loan still owed matches.
    """
    owed = [loan for key in analysis.priority for loan in analysis.loans if loan.key == key]
    wanted = platform.strip()
    for loan in owed:
        if wanted in (loan.key, loan.platform):
            return loan
    info = lookup_platform(wanted)
    if info is None:
        return None
    for loan in owed:
        other = lookup_platform(loan.platform)
        if other is not None and other.name == info.name:
            return loan
    return None


@cache
def _hardship_words() -> dict[str, list[str]]:
    words: dict[str, list[str]] = lexicon("script_hardship")["kinds"]
    return words


def hardship_kind(text: str) -> str | None:
    """Recognise the kind of hardship the person described (job loss, illness ...), if any."""
    return first_key(_hardship_words(), text)


def _story(text: str) -> str:
    """The person's own words, tidied to sit inside a sentence: no trailing stop, one line, short."""
    cleaned = cjk_punctuation(re.sub(r"\s+", " ", text).strip())
    cleaned = cleaned.rstrip("".join(lexicon("script_hardship")["trailing"]))
    if len(cleaned) > MAX_STORY_CHARS:
        cleaned = cleaned[:MAX_STORY_CHARS].rstrip()
    return cleaned


def _date(day: date) -> str:
    return render("negotiation/script_date", year=day.year, month=day.month, day=day.day, weekday=day.weekday())


def _next_workday(today: date) -> date:
    day = today
    while day.weekday() >= SATURDAY:
        day += timedelta(days=1)
    return day


def build_script(profile: Profile, analysis: Analysis, platform: str, goal: Goal | None = None,
                 *, today: date) -> CallScript:
    """Assemble the call script for one platform.

    Args:
        profile: The person's profile (name and hardship as they told them).
        analysis: `analyse(profile, today=today)`.
        platform: The loan's key, platform name or an alias.
        goal: What to ask for; None takes `default_goal`.
        today: The local date.

    Returns:
        The script.

    Raises:
        KeyError: No loan still owed matches `platform`.
    """
    loan = find_loan(analysis, platform)
    if loan is None:
        raise KeyError(platform)
    goal = goal or default_goal(loan)
    proposal = propose(loan, goal, today=today, horizon=analysis.horizon_months)
    kind = lender_kind(loan)
    info = lookup_platform(loan.platform)
    story = _story(profile.hardship)
    reason = hardship_kind(story)
    others = [other for other in analysis.loans
              if other.key != loan.key and other.key in analysis.priority and other.overdue_days > 0]
    same_lender = [other.key for other in others if other.platform == loan.platform or (
        info is not None and (found := lookup_platform(other.platform)) is not None and found.lender == info.lender)]
    bundle = loan.overdue_days > 0 and bool(others)
    common = {
        "platform": loan.key,
        "monthly": yuan(proposal.monthly),
        "can_pay": proposal.can_pay,
        "first_date": _date(proposal.first_payment),
        "lender": kind,
        "goal": goal,
        "goal_label": label(f"sc:g:{goal}"),
        "extension_months": proposal.extension_months or 0,
    }
    proposal_line = render("negotiation/script_proposal_brief", **common, installments=proposal.installments or 0)
    workday = _next_workday(today)
    sections = [
        Section("prepare", render(
            "negotiation/script_prepare", **common, lender_name=info.lender if info else "", reason=reason or "",
            proposal_line=proposal_line, bundle=bundle, others=len(others))),
        Section("timing", render("negotiation/script_timing", weekend=workday != today,
                                 next_workday=_date(workday))),
        Section("opening", render(
            "negotiation/script_opening", **common, name=(profile.name or "").strip(),
            outstanding=yuan(loan.outstanding),
            overdue_days=loan.overdue_days, reason=reason or "",
            story=story if story and story != reason_label(reason) else "")),
        Section("second_overdue", render("negotiation/script_second_overdue", **common,
                                         new_loans=profile.new_loans_to_repay_old)
                if loan.previous_overdue else ""),
        Section("ask", render(
            f"negotiation/script_{goal}", **common, installments=proposal.installments or 0,
            last=yuan(proposal.last_installment or 0),
            last_differs=proposal.last_installment is not None and proposal.last_installment != proposal.monthly,
            review_months=REVIEW_MONTHS, collection=loan.collection.value, third_party=loan.third_party)),
        Section("bundle", render(
            "negotiation/script_bundle", **common, same_lender=same_lender, others=len(others),
            others_total=yuan(sum((other.outstanding for other in others), Decimal(0)))) if bundle else ""),
        Section("lender", render("negotiation/script_lender", **common)),
        Section("fallback", render("negotiation/script_fallback", **common,
                                   smaller=render("negotiation/script_smaller_ask", **common))),
        Section("note", _note(loan, kind)),
        Section("close", render("negotiation/script_close", **common, today=_date(today))),
    ]
    return CallScript(
        platform=loan.key, goal=goal, lender=kind, outstanding=loan.outstanding, proposal=proposal,
        second_overdue=loan.previous_overdue, bundle=bundle,
        sections=tuple(section for section in sections if section.text),
    )


def reason_label(kind: str | None) -> str:
    """Return the hardship button label for a kind, so a tapped answer is not repeated as a story."""
    return label(f"hs:{kind}") if kind else ""


def _note(loan: LoanAnalysis, kind: LenderKind) -> str:
    """A coach's note (not to read aloud) when the analysis flagged this loan's cost, with sources."""
    keys: list[str] = list(UPFRONT_CITATIONS) if "upfront_deduction" in loan.flags else []
    for flag in loan.flags:
        keys.extend(FLAG_CITATIONS.get((kind, flag), ()))
    if not keys:
        return ""
    rate = percent(loan.cost_floor) if loan.cost_floor is not None else ""
    head = render("negotiation/script_note", lender=kind, rate=rate, flags=loan.flags, platform=loan.key)
    return "\n".join([head, *source_lines(tuple(dict.fromkeys(keys)))])


def script_citation_keys() -> frozenset[str]:
    """List every citation key a call script can show (for the citation test)."""
    return frozenset(key for keys in FLAG_CITATIONS.values() for key in keys) | frozenset(UPFRONT_CITATIONS)
