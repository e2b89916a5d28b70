"""Call scripts: what to say to one lender, built from the one plan and the person's own story.

Rules (each a plain function, so tests, the chat and the role-play use the same figures):

- The ask is the plan's steady instalment for the lender (`LoanAnalysis.steady_monthly`) for its
  proposed term (at most 36 instalments), never the first month's payment or a token amount.
- The ceiling, never to be exceeded on the call, is `LoanAnalysis.max_monthly`: the most the plan
  can give this lender while every other lender keeps its minimum and the buffer stays.
- First payment: the plan's date for the month the steady instalment starts
  (`Analysis.month_date`), so the script, the plan, the reminders and the calendar agree.
- A lender the money reaches within 3 months asks for an extension until its start month; one it
  reaches later (or never within the horizon) asks for 3 months and promises to call back with
  figures, since no lender waits longer (the seeds speak of 1 to 3 months).
- Default goal (`default_goal`): extension when nothing can be paid yet; pausing collection when
  the pressure is heavy (daily calls, threats, a collection agency, contacting others); otherwise
  instalments.
- Spoken figures are whole yuan. The hardship is the person's own words; a tapped reason gets a
  sentence that never says who was ill or what went wrong beyond the reason itself. No invented
  confessions. An unlicensed (or unknown) lender hears no figures about other debts.
- A current loan needs no call (a short note says so); a loan older than the limitation period gets
  advice first, not a script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from functools import cache
from typing import Any, Literal, get_args

from flows.analysis import Analysis, LoanAnalysis
from flows.analysis.calendar import add_months, first_payment_date
from flows.analysis.core import COUNTER_TERMS
from flows.core.matching import first_key
from flows.core.models import Collection, Profile
from flows.core.money import yuan
from flows.core.platforms import lookup_platform
from flows.core.texts import label, lexicon, render
from flows.negotiation.notes import coach_note, note_citation_keys
from flows.negotiation.toolkit import call_window, cjk_punctuation

__all__ = [
    "GOALS", "CallScript", "Goal", "LenderKind", "Proposal", "Section", "add_months", "build_script",
    "default_goal", "find_loan", "first_payment_date", "hardship_kind", "propose", "reason_label",
    "script_citation_keys", "spoken",
]

Goal = Literal["installment", "extension", "waive_penalty", "pause_collection"]
GOALS: tuple[Goal, ...] = get_args(Goal)
LenderKind = Literal["licensed", "unlicensed", "unknown"]

EXTENSION_MONTHS_NO_MONEY = 3
EXTENSION_MONTHS = 1
MAX_STORY_CHARS = 120
SATURDAY = 5
HEAVY_COLLECTION = (Collection.frequent, Collection.threats)


@dataclass(frozen=True)
class Proposal:
    """The one concrete ask, with the plan's figures for this lender."""

    goal: Goal
    monthly: Decimal
    """The steady instalment asked for, whole yuan (0: nothing can be offered yet)."""
    installments: int | None
    """How many instalments clear the balance at `monthly`."""
    last_installment: Decimal | None
    first_payment: date
    """When the first payment is due, or (nothing to offer yet) when the person will call back."""
    extension_months: int | None = None
    ceiling: Decimal = Decimal(0)
    """Never agree to more than this a month (`LoanAnalysis.max_monthly`)."""
    counter_low: Decimal | None = None
    counter_high: Decimal | None = None

    @property
    def can_pay(self) -> bool:
        """Tell whether the plan has a steady amount for this lender."""
        return self.monthly > 0


@dataclass(frozen=True)
class Section:
    """One named part of a script, already rendered."""

    name: str
    text: str


_GROUPS = (("status", "prepare", "timing"), ("opening", "second_overdue", "ask", "bundle", "guarantee", "lender"),
           ("fallback", "note"), ("close",))


@dataclass(frozen=True)
class CallScript:
    """A call script for one lender and goal, and the figures it was built from."""

    platform: str
    goal: Goal
    lender: LenderKind
    outstanding: Decimal
    proposal: Proposal
    second_overdue: bool
    bundle: bool
    sections: tuple[Section, ...]
    needs_call: bool = True
    """False for a current loan (stays on its contract) and one held for advice."""

    @property
    def steady_monthly(self) -> Decimal:
        """The plan's steady monthly amount for this lender: what to ask for (the role-play's ask)."""
        return self.proposal.monthly

    @property
    def monthly_cap(self) -> Decimal:
        """The most to agree to each month (the role-play's over-promise line)."""
        return self.proposal.ceiling

    def section(self, name: str) -> str:
        """Return one section's text, or "" when the script has no such section."""
        return next((part.text for part in self.sections if part.name == name), "")

    def messages(self) -> list[str]:
        """Group the sections into a few short chat messages: prepare, say, if refused, close."""
        out = ["\n\n".join(t for t in (self.section(n) for n in group) if t) for group in _GROUPS]
        return [text for text in out if text]

    def text(self) -> str:
        """Return the whole script as plain text (for the command line)."""
        return "\n\n".join(self.messages())


def spoken(amount: Decimal) -> str:
    """Format a figure said aloud: whole yuan, rounded up (a few fen more is never an over-promise)."""
    return yuan(amount.to_integral_value(rounding=ROUND_CEILING))


def lender_kind(loan: LoanAnalysis) -> LenderKind:
    """Return whether the lender is licensed (the analysis already asked the platform list)."""
    return loan.lender


def default_goal(loan: LoanAnalysis) -> Goal:
    """Choose the first ask for a loan (rules in the module docstring)."""
    if loan.asks_time or (loan.start_month or 1) > 1:
        return "extension"  # nothing to offer from the first month
    if loan.collection in HEAVY_COLLECTION or loan.third_party or loan.contacted_others:
        return "pause_collection"
    return "installment"


def propose(loan: LoanAnalysis, goal: Goal, analysis: Analysis) -> Proposal:
    """Build the concrete ask for one loan from the plan.

    Args:
        loan: The loan's analysis (its steady amount, term, start and ceiling).
        goal: What to ask for.
        analysis: The plan (for its calendar).

    Returns:
        The proposal.
    """
    monthly = loan.ask_monthly
    start = loan.start_month or 1
    extension: int | None = None
    if monthly <= 0:
        extension = EXTENSION_MONTHS_NO_MONEY
        first = analysis.month_date(EXTENSION_MONTHS_NO_MONEY)
    elif start > 1:
        extension = start - 1
        first = analysis.month_date(start)
    elif goal == "extension":
        extension = EXTENSION_MONTHS
        first = analysis.month_date(1 + EXTENSION_MONTHS)
    else:
        first = analysis.month_date(1)
    return Proposal(goal, monthly, loan.term_months_proposed if monthly > 0 else None,
                    loan.last_installment if monthly > 0 else None, first, extension,
                    max(loan.max_monthly, monthly) if monthly > 0 else Decimal(0),
                    loan.counter_low, loan.counter_high)


def find_loan(analysis: Analysis, platform: str) -> LoanAnalysis | None:
    """Find a loan still owed by its key, its platform name or any alias of that platform.

    Loans in the call list come first, so a name shared with a current loan finds the one to call.

    Args:
        analysis: The analysis.
        platform: What the user or the command line named.

    Returns:
        The loan, or None when no loan still owed matches.
    """
    called = [analysis.loan(key) for key in analysis.priority]
    owed = [*called, *(loan for loan in analysis.loans if loan.status != "cleared" and loan not in called)]
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


def reason_label(kind: str | None) -> str:
    """Return the hardship button label for a kind, so a tapped answer is not repeated as a story."""
    return label(f"hs:{kind}") if kind else ""


def _story(text: str) -> str:
    """The person's own words, tidied to sit inside a sentence: no trailing stop, one line, short."""
    if text.startswith("hs:"):  # a tapped reason stored as its id by an earlier release
        text = label(text)
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


def _common(loan: LoanAnalysis, proposal: Proposal, goal: Goal) -> dict[str, Any]:
    last = proposal.last_installment
    return {
        "platform": loan.key,
        "monthly": spoken(proposal.monthly),
        "can_pay": proposal.can_pay,
        "first_date": _date(proposal.first_payment),
        "lender": loan.lender,
        "goal": goal,
        "goal_label": label(f"sc:g:{goal}"),
        "extension_months": proposal.extension_months or 0,
        "starts_later": proposal.can_pay and (loan.start_month or 1) > 1,
        "installments": proposal.installments or 0,
        "last": spoken(last or Decimal(0)),
        "last_differs": last is not None and spoken(last) != spoken(proposal.monthly),
        "ceiling": spoken(proposal.ceiling),
        "counter": proposal.counter_low is not None and proposal.can_pay,
        "counter_low": spoken(proposal.counter_low or Decimal(0)),
        "counter_low_term": min(proposal.installments or 0, COUNTER_TERMS[1]),
        "counter_high": spoken(proposal.counter_high or Decimal(0)),
        "counter_over": (proposal.counter_high or Decimal(0)) > proposal.ceiling,
        "late": loan.overdue_days > 0 or loan.status == "arrears",
        "hold": loan.hold_until_breakdown,
    }


def _owed_words(loan: LoanAnalysis) -> dict[str, Any]:
    deducted = loan.received is not None and loan.received < loan.principal
    return {"deducted": deducted, "principal": spoken(loan.principal),
            "received": spoken(loan.received or Decimal(0)), "outstanding": spoken(loan.outstanding),
            "approx": loan.outstanding != loan.outstanding.to_integral_value()}


def _status_script(profile: Profile, loan: LoanAnalysis, analysis: Analysis) -> CallScript:
    """A loan that needs no negotiation call: a current one, or one to get advice on first."""
    name = "negotiation/script_current" if loan.status == "current" else "negotiation/script_advice"
    text = render(name, platform=loan.key, monthly=spoken(loan.contract_monthly or Decimal(0)),
                  estimated=loan.contract_estimated, overdue_days=loan.said_overdue_days)
    proposal = Proposal("installment", Decimal(0), None, None, analysis.first_payment)
    return CallScript(platform=loan.key, goal="installment", lender=loan.lender, outstanding=loan.outstanding,
                      proposal=proposal, second_overdue=False, bundle=False,
                      sections=(Section("status", text),), needs_call=False)


def build_script(profile: Profile, analysis: Analysis, platform: str, goal: Goal | None = None,
                 *, today: date) -> CallScript:
    """Assemble the call script for one lender.

    Args:
        profile: The person's profile (name and hardship as they told them).
        analysis: The one plan (`analyse(profile, today=today, ...)`).
        platform: The loan's key, platform name or an alias.
        goal: What to ask for; None takes `default_goal`.
        today: The local date (for when to call).

    Returns:
        The script; for a current loan or one held for advice, a short note instead (`needs_call`).

    Raises:
        KeyError: No loan still owed matches `platform`.
    """
    loan = find_loan(analysis, platform)
    if loan is None:
        raise KeyError(platform)
    if loan.key not in analysis.priority:
        return _status_script(profile, loan, analysis)
    goal = goal or default_goal(loan)
    proposal = propose(loan, goal, analysis)
    common = _common(loan, proposal, goal)
    info = lookup_platform(loan.platform)
    story = _story(profile.hardship)
    reason = hardship_kind(story)
    others = [analysis.loan(key) for key in analysis.priority if key != loan.key]
    same_lender = [other.key for other in others if other.platform == loan.platform or (
        info is not None and (found := lookup_platform(other.platform)) is not None and found.lender == info.lender)]
    bundle = loan.lender == "licensed" and bool(others)
    workday = _next_workday(today)
    proposal_line = render("negotiation/script_proposal_brief", **common)
    sections = [
        Section("prepare", render(
            "negotiation/script_prepare", **common, lender_name=info.lender if info else "", reason=reason or "",
            proposal_line=proposal_line, bundle=bundle, others=len(others), guaranteed=loan.guaranteed)),
        Section("timing", render("negotiation/script_timing", window=call_window(), weekend=workday != today,
                                 next_workday=_date(workday))),
        Section("opening", render(
            "negotiation/script_opening", **common, **_owed_words(loan), name=(profile.name or "").strip(),
            overdue_days=loan.said_overdue_days, reason=reason or "",
            tapped=bool(story) and story == reason_label(reason), story=story)),
        Section("second_overdue", render("negotiation/script_second_overdue", **common,
                                         new_loans=profile.new_loans_to_repay_old) if loan.previous_overdue else ""),
        Section("ask", render(f"negotiation/script_{goal}", **common, collection=loan.collection.value,
                              third_party=loan.third_party, contacted=loan.contacted_others)),
        Section("bundle", render("negotiation/script_bundle", **common, same_lender=same_lender,
                                 others=len(others)) if bundle else ""),
        Section("guarantee", render("negotiation/script_guarantee", **common, guarantor=loan.guarantor)
                if loan.guaranteed else ""),
        Section("lender", render("negotiation/script_lender", **common)),
        Section("fallback", render("negotiation/script_fallback", **common, others=len(others),
                                   smaller=render("negotiation/script_smaller_ask", **common))),
        Section("note", coach_note(loan)),
        Section("close", render("negotiation/script_close", **common, today=_date(today))),
    ]
    return CallScript(
        platform=loan.key, goal=goal, lender=loan.lender, outstanding=loan.outstanding, proposal=proposal,
        second_overdue=loan.previous_overdue, bundle=bundle,
        sections=tuple(section for section in sections if section.text),
    )


def script_citation_keys() -> frozenset[str]:
    """List every citation key a call script can show (for the citation test)."""
    return note_citation_keys()
