"""The intake's questions as data: one slot table for the person, one for each loan.

Only what the plan, the legal lines and the first call need is asked before the plan ("plan" stage):
the money in and out, and for each loan its platform, what is still owed, how late it is and how it
is collected. Details that matter only for some loans are asked only when an answer makes them matter
(an unknown or unlicensed lender: the rate, the money actually received, the contract date). The rest
("details" stage: how to be called, the reason for the difficulty, a second overdue) is asked before
the first call script, when it is needed. Every slot's value is stored under the Profile field of the
same name, so a new question is one row here and one template in `scripts_zh/intake/`.
"""

from __future__ import annotations

from decimal import Decimal

from flows.core.forms import Form, Slot, Values
from flows.core.platforms import lookup_platform
from flows.core.texts import label
from flows.understanding import AnswerKind as K

PLAN, DETAILS = "plan", "details"
MAX_AMOUNT = Decimal(10_000_000)
MAX_MONTHLY = Decimal(500_000)
MAX_YEARLY_SIMPLE = Decimal("3.65")
"""A daily 1% (365% a year, simple): any rate above it is far more likely a typo than a loan."""
COLLECTION_OPTIONS = ("col:none", "col:sms", "col:calls", "col:frequent", "col:contacts", "col:threats")
HARDSHIP_OPTIONS = ("hs:job_loss", "hs:illness", "hs:family_illness", "hs:pay_cut", "hs:family", "hs:business")


OVERDUE_UNSURE_DAYS = 30
"""What the plan assumes for a loan overdue for a time the person does not remember."""
OVERDUE_UNSURE = "unsure"
"""The stored answer of the "overdue, I don't remember how long" button."""
UNNAMED_PLATFORM = label("pf:unnamed")
"""The stored answer of "I don't remember the platform's name"; the Profile adds the loan's place."""
RECEIVED_IN_FULL = "full"
"""What "received in full" stores: nothing was deducted up front; "less:<yuan>" stores a deduction."""


def _received(value: object) -> object:
    """Store "received in full" or "N deducted" until the principal turns it into a figure."""
    less = getattr(value, "less", None)
    if isinstance(less, Decimal):
        return RECEIVED_IN_FULL if less == 0 else f"less:{less}"
    return value


def _late(values: Values) -> bool:
    days = values.get("overdue_days")
    return days is None or days == OVERDUE_UNSURE or days > 0


def _lender_unclear(values: Values) -> bool:
    """An unknown platform, or one the person says is unlicensed: where the legal lines matter most."""
    if values.get("licensed") is False:
        return True
    return lookup_platform(str(values.get("platform") or "")) is None


def _known_platform(values: Values) -> bool:
    return lookup_platform(str(values.get("platform") or "")) is not None


def _needs_term(values: Values) -> bool:
    """The true yearly cost of a flat monthly fee or an upfront deduction needs the number of months."""
    received, principal = values.get("received"), values.get("principal")
    deducted = (isinstance(received, Decimal) and isinstance(principal, Decimal) and received < principal) or (
        isinstance(received, str) and received.startswith("less:"))
    return deducted or _monthly_fee(str(values.get("rate") or ""))


def _monthly_fee(rate: str) -> bool:
    from flows.parsing import ParseError, parse_rate

    try:
        return bool(rate) and parse_rate(rate).kind == "monthly_fee"
    except ParseError:
        return False


def _has_term(values: Values) -> bool:
    return values.get("term_months") is not None


PROFILE_SLOTS: tuple[Slot, ...] = (
    Slot("monthly_income", K.amount, "intake/ask_monthly_income", low=Decimal(0), high=MAX_MONTHLY, unknown_ok=False),
    Slot("monthly_expenses", K.amount, "intake/ask_monthly_expenses", low=Decimal(0), high=MAX_MONTHLY,
         unknown_ok=False),
    Slot("hardship", K.text, "intake/ask_hardship", options=HARDSHIP_OPTIONS, stage=DETAILS, unknown_ok=False),
    Slot("new_loans_to_repay_old", K.yes_no, "intake/ask_new_loans_to_repay_old", options=("yes", "no", "unknown"),
         meaning={"yes": True, "no": False, "unknown": None}, stage=DETAILS),
    Slot("name", K.name, "intake/ask_name", required=False, stage=DETAILS),
)

LOAN_SLOTS: tuple[Slot, ...] = (
    Slot("platform", K.platform, "intake/ask_loan_platform", options=("pf:unknown",),
         meaning={"pf:unknown": UNNAMED_PLATFORM}, unknown_ok=False, unknown_means="pf:unknown"),
    Slot("outstanding", K.amount, "intake/ask_loan_outstanding", low=Decimal(1), high=MAX_AMOUNT, unknown_ok=False),
    Slot("overdue_days", K.days, "intake/ask_loan_overdue_days", options=("od:not_yet", "od:unsure"),
         meaning={"od:not_yet": 0, "od:unsure": OVERDUE_UNSURE}, high=3650, unknown_ok=False,
         unknown_means="od:unsure"),
    Slot("collection", K.choice, "intake/ask_loan_collection", options=COLLECTION_OPTIONS, when=_late),
    Slot("licensed", K.yes_no, "intake/ask_loan_licensed", options=("yes", "no", "unknown"),
         meaning={"yes": True, "no": False, "unknown": None}, when=lambda v: not _known_platform(v)),
    Slot("rate", K.rate, "intake/ask_loan_rate", required=False, high=MAX_YEARLY_SIMPLE, when=_lender_unclear),
    Slot("principal", K.amount, "intake/ask_loan_principal", required=False, low=Decimal(1), high=MAX_AMOUNT,
         when=_lender_unclear),
    Slot("received", K.amount, "intake/ask_loan_received", required=False, low=Decimal(1), high=MAX_AMOUNT,
         options=("received_full",), meaning={"received_full": RECEIVED_IN_FULL}, when=_lender_unclear,
         keep=_received),
    Slot("repaid", K.amount, "intake/ask_loan_repaid", required=False, low=Decimal(0), high=MAX_AMOUNT,
         options=("repaid_none",), meaning={"repaid_none": "0"}, when=_lender_unclear),
    Slot("term_months", K.months, "intake/ask_loan_term_months", required=False, when=_needs_term),
    Slot("installment", K.amount, "intake/ask_loan_installment", required=False, low=Decimal(1), high=MAX_AMOUNT,
         when=_has_term),
    Slot("contract_date", K.month, "intake/ask_loan_contract_date", required=False,
         when=lambda v: _lender_unclear(v) and v.get("rate") is not None),
    Slot("contacted_others", K.yes_no, "intake/ask_loan_contacted_others", options=("yes", "no", "unknown"),
         meaning={"yes": True, "no": False, "unknown": None}, stage=DETAILS,
         when=lambda v: _late(v) and v.get("collection") not in ("col:contacts", "col:threats")),
    Slot("guaranteed", K.yes_no, "intake/ask_loan_guaranteed", options=("yes", "no", "unknown"),
         meaning={"yes": True, "no": False, "unknown": None}, stage=DETAILS),
    Slot("previous_overdue", K.yes_no, "intake/ask_loan_previous_overdue", options=("yes", "no", "unknown"),
         meaning={"yes": True, "no": False, "unknown": None}, stage=DETAILS, when=_late),
)

PROFILE_FORM = Form("profile", PROFILE_SLOTS)
LOAN_FORM = Form("loan", LOAN_SLOTS, prefix="loan_")
