"""The intake's slots as data: what each question fills, how its answer is read, what bounds it has.

Each slot `x` is asked by the state `ask_x` with the template `scripts_zh/intake/ask_x.j2` (Rasa's
`utter_ask_<slot>` convention); a bad answer is explained by `forms/invalid_<problem>.j2`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

import flows.parsing as parsing
from flows.core.models import Collection, LoanDraft, ProfileDraft
from flows.core.platforms import find_platform_in
from flows.core.texts import label, lexicon
from flows.parsing.dates import parse_month


class SlotKind(StrEnum):
    """How an answer is read."""

    name = "name"
    amount = "amount"
    text = "text"
    yes_no = "yes_no"
    platform = "platform"
    days = "days"
    rate = "rate"
    months = "months"
    month_date = "month_date"
    licensed = "licensed"
    collection = "collection"


@dataclass(frozen=True)
class Slot:
    """One question of the intake."""

    name: str
    scope: Literal["profile", "loan"]
    field: str
    kind: SlotKind
    optional: bool = False
    low: Decimal | None = None
    high: Decimal | None = None
    options: tuple[str, ...] = ()
    applies: Callable[[LoanDraft], bool] | None = dataclasses.field(default=None, compare=False)

    @property
    def state(self) -> str:
        """Return the dialogue state that asks this slot."""
        return f"ask_{self.name}"


class InvalidAnswer(Exception):
    """An answer that cannot fill the slot; `problem` names the template that explains why."""

    def __init__(self, problem: str, **context: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.context = context


class AmbiguousDays(Exception):
    """A duration such as 'a month or so' that needs a follow-up question."""

    def __init__(self, low: int, high: int) -> None:
        super().__init__(f"{low}-{high}")
        self.low = low
        self.high = high


def _has_term(loan: LoanDraft) -> bool:
    return loan.term_months is not None


_YES_NO = ("yes", "no")

PROFILE_SLOTS: tuple[Slot, ...] = (
    Slot("name", "profile", "name", SlotKind.name, optional=True),
    Slot("monthly_income", "profile", "monthly_income", SlotKind.amount, low=Decimal(0), high=Decimal(500_000)),
    Slot("monthly_expenses", "profile", "monthly_expenses", SlotKind.amount, low=Decimal(0), high=Decimal(500_000)),
    Slot(
        "hardship",
        "profile",
        "hardship",
        SlotKind.text,
        options=("hs:job_loss", "hs:illness", "hs:pay_cut", "hs:family", "hs:business"),
    ),
    Slot("new_loans_to_repay_old", "profile", "new_loans_to_repay_old", SlotKind.yes_no, options=_YES_NO),
)

LOAN_SLOTS: tuple[Slot, ...] = (
    Slot("loan_platform", "loan", "platform", SlotKind.platform),
    Slot("loan_principal", "loan", "principal", SlotKind.amount, low=Decimal(1), high=Decimal(10_000_000)),
    Slot("loan_repaid", "loan", "repaid", SlotKind.amount, optional=True, low=Decimal(0),
         high=Decimal(10_000_000), options=("repaid_none",)),
    Slot("loan_overdue_days", "loan", "overdue_days", SlotKind.days, options=("od:not_yet",)),
    Slot("loan_rate", "loan", "rate", SlotKind.rate, optional=True),
    Slot("loan_received", "loan", "received", SlotKind.amount, optional=True, low=Decimal(1),
         high=Decimal(10_000_000), options=("received_full",)),
    Slot("loan_term_months", "loan", "term_months", SlotKind.months, optional=True),
    Slot("loan_installment", "loan", "installment", SlotKind.amount, optional=True, low=Decimal(1),
         high=Decimal(10_000_000), applies=_has_term),
    Slot("loan_contract_date", "loan", "contract_date", SlotKind.month_date, optional=True),
    Slot("loan_licensed", "loan", "licensed", SlotKind.licensed, options=("yes", "no", "unknown")),
    Slot("loan_collection", "loan", "collection", SlotKind.collection,
         options=tuple(f"col:{value.value}" for value in Collection)),
    Slot("loan_third_party", "loan", "third_party", SlotKind.yes_no, options=_YES_NO),
    Slot("loan_previous_overdue", "loan", "previous_overdue", SlotKind.yes_no, options=_YES_NO),
)

SLOTS_BY_STATE: dict[str, Slot] = {slot.state: slot for slot in PROFILE_SLOTS + LOAN_SLOTS}

MAX_TEXT = 200


def is_filled(slot: Slot, draft: ProfileDraft | LoanDraft) -> bool:
    """Tell whether the slot was answered or skipped, or does not apply to this loan."""
    if isinstance(draft, LoanDraft) and slot.applies is not None and not slot.applies(draft):
        return True
    return slot.field in draft.answered


def store(slot: Slot, draft: ProfileDraft | LoanDraft, value: Any) -> None:
    """Fill a slot and remember it was answered."""
    setattr(draft, slot.field, value)
    if slot.field not in draft.answered:
        draft.answered.append(slot.field)


def read_choice(slot: Slot, choice_id: str) -> Any:
    """Turn a tapped button into the slot's value; raise InvalidAnswer for a foreign id."""
    if choice_id not in slot.options:
        raise InvalidAnswer("stale_button")
    if slot.kind in (SlotKind.yes_no, SlotKind.licensed):
        return {"yes": True, "no": False, "unknown": None}[choice_id]
    if slot.kind is SlotKind.collection:
        return Collection(choice_id.removeprefix("col:"))
    if slot.kind is SlotKind.text:
        return label(choice_id)
    if choice_id == "repaid_none":
        return Decimal(0)
    if choice_id == "od:not_yet":
        return 0
    return None  # received_full: nothing was deducted up front


def _check_bounds(slot: Slot, value: Decimal) -> Decimal:
    if slot.low is not None and value < slot.low:
        raise InvalidAnswer("too_small", low=slot.low)
    if slot.high is not None and value > slot.high:
        raise InvalidAnswer("too_large", high=slot.high)
    return value


def _amount(slot: Slot, text: str) -> Decimal:
    try:
        value = parsing.parse_amount(text)
    except parsing.ParseError as error:
        raise InvalidAnswer(f"amount_{error.problem.value}") from error
    return _check_bounds(slot, value)


MAX_ANNUAL_RATE = Decimal("3.65")  # a daily 1%: above it an answer is far more likely a typo


def read_text(slot: Slot, text: str, *, today: Any) -> Any:
    """Read a typed answer for the slot; raise InvalidAnswer or AmbiguousDays when it cannot."""
    typed = " ".join(text.split())  # free text is kept as typed (Chinese punctuation included)
    text = parsing.normalise(text).strip()
    if not text:
        raise InvalidAnswer("empty")
    kind = slot.kind
    if kind is SlotKind.amount:
        return _amount(slot, text)
    if kind is SlotKind.name:
        return typed[:20]
    if kind is SlotKind.text:
        return typed[:MAX_TEXT]
    if kind is SlotKind.platform:
        return find_platform_in(text) or typed[:30]
    if kind in (SlotKind.yes_no, SlotKind.licensed):
        answer = parsing.parse_yes_no(text)
        if answer is None:
            if kind is SlotKind.licensed and text in lexicon("intents")["unknown"]:
                return None
            raise InvalidAnswer("yes_no")
        return answer
    if kind is SlotKind.collection:
        collection = parsing.parse_collection(text)
        if collection is None:
            raise InvalidAnswer("collection")
        return collection
    if kind is SlotKind.days:
        try:
            return parsing.parse_duration_days(text)
        except parsing.ParseError as error:
            if error.problem is parsing.ParseProblem.ambiguous:
                raise AmbiguousDays(int(error.detail["low"]), int(error.detail["high"])) from error
            raise InvalidAnswer("days") from error
    if kind is SlotKind.rate:
        try:
            rate = parsing.parse_rate(text)
        except parsing.ParseError as error:
            raise InvalidAnswer("rate") from error
        if rate.annual_simple > MAX_ANNUAL_RATE:
            raise InvalidAnswer("rate_too_high")
        return rate.text
    if kind is SlotKind.months:
        facts = parsing.extract_loan_facts(text)
        months = facts.term_months
        if months is None:
            try:
                months = int(parsing.parse_amount(text))
            except parsing.ParseError as error:
                raise InvalidAnswer("months") from error
        if not 1 <= months <= 120:
            raise InvalidAnswer("months")
        return months
    if kind is SlotKind.month_date:
        found = parse_month(text, today=today)
        if found is None:
            raise InvalidAnswer("month_date")
        return found
    raise AssertionError(f"unhandled slot kind {kind}")
