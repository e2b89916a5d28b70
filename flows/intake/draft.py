"""From the intake's answers to the Profile contract and back.

Answers are stored per slot under the Profile field of the same name; a slot with no field of its
own (a question added later) travels as an extra field of the Loan, which the contract allows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flows.core.forms import Form, FormState, encode
from flows.core.models import MAX_LOANS, Collection, Loan, Profile
from flows.core.platforms import lookup_platform
from flows.core.texts import render
from flows.intake.slots import (
    LOAN_FORM,
    OVERDUE_UNSURE,
    OVERDUE_UNSURE_DAYS,
    PROFILE_FORM,
    RECEIVED_IN_FULL,
    UNNAMED_PLATFORM,
)


def infer(state: FormState) -> None:
    """Fill what a loan's other answers tell (a known platform's usual lender is licensed)."""
    info = lookup_platform(str(state.values.get("platform") or ""))
    if info is not None and "licensed" not in state.values:
        state.values["licensed"] = info.licensed
        state.inferred.append("licensed")


def _collection(choice: Any) -> tuple[Collection, bool]:
    """Return the collection level a choice stands for, and whether collectors reached other people."""
    value = str(choice or "col:none").removeprefix("col:")
    if value == "contacts":  # how often they call was not said: calls, not "every day"
        return Collection.calls, True
    return Collection(value) if value in Collection.__members__ else Collection.none, False


def to_loan(state: FormState) -> Loan:
    """Build the contract Loan from one loan's answers."""
    values: dict[str, Any] = {k: v for k, v in LOAN_FORM.typed(state).items() if v is not None}
    collection, contacts = _collection(values.pop("collection", None))
    values["collection"] = collection
    if values.get("overdue_days") == OVERDUE_UNSURE:
        values["overdue_days"], values["overdue_unsure"] = OVERDUE_UNSURE_DAYS, True
    if contacts:
        values["contacted_others"] = True
    outstanding = values.get("outstanding")
    repaid = Decimal(values.get("repaid") or 0)
    values.setdefault("principal", (outstanding or Decimal(0)) + repaid)
    received = values.get("received")
    if received == RECEIVED_IN_FULL:
        values["received"] = values["principal"]
    elif isinstance(received, str) and received.startswith("less:"):
        values["received"] = max(values["principal"] - Decimal(received.removeprefix("less:")), Decimal(0))
    return Loan.model_validate(values)


def to_profile(profile: FormState, loans: list[FormState]) -> Profile:
    """Build the contract Profile from the intake's answers (required figures must be there)."""
    values = {k: v for k, v in PROFILE_FORM.typed(profile).items() if v is not None}
    values.setdefault("hardship", "")
    built = [to_loan(loan) for loan in loans[:MAX_LOANS]]
    for number, loan in enumerate(built, start=1):
        if loan.platform == UNNAMED_PLATFORM:
            loan.platform = render("intake/unnamed_platform", loan_no=number)
    return Profile.model_validate({**values, "loans": built})


def _state(form: Form, data: dict[str, Any]) -> FormState:
    values = {}
    for name, slot in form.by_name.items():
        if name in data and data[name] is not None and data[name] != "":
            values[name] = encode(slot.kind, data[name])
    extras = {k: v for k, v in data.items() if k not in form.by_name and v is not None}
    return FormState(values={**extras, **values}, trail=list(values))


def from_profile(profile: Profile) -> tuple[FormState, list[FormState]]:
    """Open a stored profile for editing, as the intake's answers."""
    person = _state(PROFILE_FORM, profile.model_dump(exclude={"loans"}))
    loans = []
    for loan in profile.loans:
        data = loan.model_dump()
        if loan.contacted_others and loan.collection in (Collection.calls, Collection.frequent):
            data["collection"] = "col:contacts"
        else:
            data["collection"] = f"col:{loan.collection.value}"
        if data.pop("overdue_unsure", False):
            data["overdue_days"] = OVERDUE_UNSURE
        state = _state(LOAN_FORM, data)
        loans.append(state)
    return person, loans
