"""How the intake shows itself: each question, one loan shown back, the summary."""

from __future__ import annotations

from typing import Any

from flows.core.dialog import choices
from flows.core.forms import Form, FormState, Slot, show
from flows.core.models import Choice, Reply
from flows.core.platforms import lookup_platform
from flows.core.texts import label, render
from flows.intake.machine import IntakePart
from flows.intake.slots import LOAN_FORM, PROFILE_FORM, PROFILE_SLOTS

NO_MORE = "more_no"
""""That is all the loans": on the review card, and at the platform question of a loan not yet begun."""


def loan_no(part: IntakePart) -> int:
    """Return the 1-based number of the loan being asked about."""
    return part.current + 1


def current_loan(part: IntakePart) -> FormState:
    """Return the loan being asked about or shown, opening the first one if needed."""
    if not part.loans:
        part.loans.append(FormState())
    part.current = min(max(part.current, 0), len(part.loans) - 1)
    return part.loans[part.current]


def ask_person(part: IntakePart, slot: Slot) -> Reply:
    """Ask one question about the person."""
    if slot.stage == "plan":
        asked = [s for s in PROFILE_SLOTS if s.stage == "plan"]
        progress = render("intake/progress_profile", step=asked.index(slot) + 1, total=len(asked))
    else:
        progress = render("intake/progress_details")
    return PROFILE_FORM.ask(slot, part.person, progress=progress)


def ask_loan(part: IntakePart, slot: Slot) -> Reply:
    """Ask one question about the current loan."""
    loan = current_loan(part)
    platform = str(loan.values.get("platform") or "")
    info = lookup_platform(platform)
    term = loan.values.get("term_months")
    reply = LOAN_FORM.ask(
        slot, loan,
        progress=render("intake/progress_loan", loan_no=loan_no(part), platform=platform),
        platform=platform, loan_no=loan_no(part),
        usual_lender=info.lender if info else "", usual_kind=label(f"kind:{info.kind}") if info else "",
        term_months=render("core/fmt_months", months=term) if term else "",
    )
    if slot.name == "platform" and not loan.values and len(part.loans) > 1:
        # A second loan begun by mistake ("mm-hm" at "any more?") must be easy to take back.
        reply = reply.model_copy(update={"choices": [Choice(id=NO_MORE, label=label(NO_MORE)), *reply.choices]})
    return reply


def items(form: Form, state: FormState) -> list[dict[str, str]]:
    """List a form's answers for people, in slot order, each with how it was read."""
    shown = []
    for slot in form.slots:
        if slot.name not in state.values or slot.name == "platform":
            continue
        said = state.said.get(slot.name, "")
        note = render("intake/item_note", inferred=slot.name in state.inferred, approx=slot.name in state.approx,
                      said=said)
        shown.append({"what": slot.label, "value": show(slot, state.values[slot.name]), "note": note})
    return shown


def review(part: IntakePart, *, edited: bool = False) -> Reply:
    """Show the current loan back in one screen and ask whether there are more."""
    loan = current_loan(part)
    text = render("intake/review", loan_no=loan_no(part), platform=str(loan.values.get("platform") or ""),
                  items=items(LOAN_FORM, loan), has_rate="rate" in loan.values, editing=edited,
                  next_platform=str(part.loans[part.current + 1].values.get("platform") or "")
                  if part.current + 1 < len(part.loans) and not part.from_summary else "")
    if part.from_summary:
        ids = ["summary_back"]
    elif part.current + 1 < len(part.loans):
        ids = ["next_loan"]  # one message told about the next loan too
    else:
        ids = ["more_no", "more_yes"]
    return Reply(text=text, choices=choices(*ids, "edit_loan"))


def review_edit(part: IntakePart) -> Reply:
    """Offer every item of the current loan for correction."""
    loan = current_loan(part)
    slots = [slot for slot in LOAN_FORM.slots if slot.name in loan.values or LOAN_FORM.applies(slot, loan)]
    buttons = [Choice(id=f"edit:{slot.name}", label=render("intake/edit_button", what=slot.label)) for slot in slots]
    text = render("intake/review_edit", loan_no=loan_no(part), platform=str(loan.values.get("platform") or ""))
    return Reply(text=text, choices=[*buttons, *choices("del_loan", "review")])


def summary(part: IntakePart) -> Reply:
    """Show everything entered, with buttons to confirm or correct any item."""
    person = items(PROFILE_FORM, part.person)
    loans: list[dict[str, Any]] = [
        {"platform": str(loan.values.get("platform") or ""), "fields": items(LOAN_FORM, loan)} for loan in part.loans
    ]
    buttons = choices("confirm") if part.loans else []
    buttons += [Choice(id=f"edit_p:{slot.name}", label=render("intake/edit_button", what=slot.label))
                for slot in PROFILE_SLOTS]
    buttons += choices(*(f"edit_l:{index}" for index in range(len(part.loans))), "add_loan")
    return Reply(text=render("intake/summary", person=person, loans=loans), choices=buttons)


def welcome() -> Reply:
    """Introduce the coach and ask for consent."""
    return Reply(text=render("intake/welcome"), choices=choices("consent_yes", "consent_no"))
