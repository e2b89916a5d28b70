"""How the intake shows itself: each question, progress, the summary, and briefly noted facts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flows.core.dialog import choices
from flows.core.models import Collection, LoanDraft, ProfileDraft, Reply, Session
from flows.core.money import yuan
from flows.core.platforms import lookup_platform
from flows.core.texts import label, render
from flows.intake.machine import IntakeState
from flows.intake.slots import LOAN_SLOTS, PROFILE_SLOTS, SLOTS_BY_STATE, Slot


def current_loan(session: Session) -> LoanDraft:
    """Return the loan being entered or edited, creating the first one if needed."""
    if not session.draft.loans:
        session.draft.loans.append(LoanDraft())
        session.loan_index = 0
    index = session.loan_index if session.loan_index is not None else len(session.draft.loans) - 1
    index = min(max(index, 0), len(session.draft.loans) - 1)
    session.loan_index = index
    return session.draft.loans[index]


def draft_for(session: Session, slot: Slot) -> ProfileDraft | LoanDraft:
    """Return the draft a slot writes into."""
    return session.draft if slot.scope == "profile" else current_loan(session)


def is_optional(slot: Slot, draft: ProfileDraft | LoanDraft) -> bool:
    """Tell whether a slot may be skipped; the principal may be when what is owed is known."""
    if slot.name == "loan_principal" and isinstance(draft, LoanDraft):
        return draft.outstanding is not None
    return slot.optional


def show_value(field: str, value: Any) -> str:
    """Format one stored value for people; empty text for nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return label("yes" if value else "no")
    if isinstance(value, Collection):
        return label(f"col:{value.value}")
    if isinstance(value, Decimal):
        return yuan(value)
    if isinstance(value, date):
        return render("core/fmt_date", year=value.year, month=value.month, day=value.day)
    if field == "overdue_days":
        return render("core/fmt_days", days=value)
    if field == "term_months":
        return render("core/fmt_months", months=value)
    return str(value)


def progress(session: Session, slot: Slot) -> str:
    """Render "step i of n" for the section the slot belongs to."""
    if slot.scope == "profile":
        return render("intake/progress_profile", step=PROFILE_SLOTS.index(slot) + 1, total=len(PROFILE_SLOTS))
    loan = current_loan(session)
    applicable = [s for s in LOAN_SLOTS if s.applies is None or s.applies(loan)]
    step = applicable.index(slot) + 1 if slot in applicable else 1
    return render("intake/progress_loan", loan_no=(session.loan_index or 0) + 1, step=step, total=len(applicable))


def _licensed_hint(loan: LoanDraft) -> dict[str, str]:
    info = lookup_platform(loan.platform or "")
    if info is None:
        return {"usual_lender": "", "usual_kind": ""}
    return {"usual_lender": info.lender, "usual_kind": label(f"kind:{info.kind}")}


def ask(session: Session) -> Reply:
    """Ask the question of the session's current state."""
    state = IntakeState(session.state)
    if state is IntakeState.welcome:
        return Reply(text=render("intake/welcome"), choices=choices("consent_yes", "consent_no"))
    if state is IntakeState.ask_more_loans:
        return Reply(
            text=render("intake/ask_more_loans", count=len(session.draft.loans)),
            choices=choices("more_yes", "more_no", "back"),
        )
    if state is IntakeState.summary:
        return summary(session)
    if state is IntakeState.done:
        return Reply(text=render("intake/intake_done"))
    slot = SLOTS_BY_STATE[state.value]
    draft = draft_for(session, slot)
    value = getattr(draft, slot.field)
    current = show_value(slot.field, value) if slot.field in draft.answered else ""
    context: dict[str, Any] = {"progress": progress(session, slot), "current": current}
    if slot.scope == "loan":
        loan = current_loan(session)
        context |= {"platform": loan.platform or "", "loan_no": (session.loan_index or 0) + 1}
        context |= _licensed_hint(loan)
    if slot.name == "loan_installment":
        context["term_months"] = show_value("term_months", current_loan(session).term_months)
    ids = list(slot.options)
    if is_optional(slot, draft):
        ids.append("skip")
    if current:
        ids.append("keep")
    ids.append("back")
    return Reply(text=render(f"intake/ask_{slot.name}", **context), choices=choices(*ids))


def _loan_lines(loan: LoanDraft) -> dict[str, str]:
    owed = loan.outstanding
    if owed is None and loan.principal is not None:
        owed = max(loan.principal - (loan.repaid or Decimal(0)), Decimal(0))
    return {
        "platform": loan.platform or "",
        "principal": show_value("principal", loan.principal),
        "repaid": show_value("repaid", loan.repaid),
        "owed": show_value("outstanding", owed),
        "overdue_days": show_value("overdue_days", loan.overdue_days),
        "rate": loan.rate or "",
        "received": show_value("received", loan.received),
        "term_months": show_value("term_months", loan.term_months),
        "installment": show_value("installment", loan.installment),
        "contract_date": show_value("contract_date", loan.contract_date),
        "licensed": show_value("licensed", loan.licensed),
        "collection": show_value("collection", loan.collection),
        "third_party": show_value("third_party", loan.third_party),
        "previous_overdue": show_value("previous_overdue", loan.previous_overdue),
    }


def summary(session: Session) -> Reply:
    """Show everything entered, with buttons to confirm or correct any item."""
    draft = session.draft
    editing_loan = session.pending.get("edit_loan")
    if isinstance(editing_loan, int) and editing_loan < len(draft.loans):
        loan = draft.loans[editing_loan]
        ids = [f"edit_f:{slot.name}" for slot in LOAN_SLOTS if slot.applies is None or slot.applies(loan)]
        return Reply(
            text=render("intake/summary_edit_loan", loan_no=editing_loan + 1, loan=_loan_lines(loan)),
            choices=choices(*ids, f"del_l:{editing_loan}", "summary"),
        )
    text = render(
        "intake/summary",
        name=draft.name or "",
        income=show_value("monthly_income", draft.monthly_income),
        expenses=show_value("monthly_expenses", draft.monthly_expenses),
        hardship=draft.hardship or "",
        new_loans=show_value("new_loans_to_repay_old", draft.new_loans_to_repay_old),
        loans=[_loan_lines(loan) for loan in draft.loans],
    )
    ids = ["confirm"] if draft.loans else []
    ids += [f"edit_p:{slot.name}" for slot in PROFILE_SLOTS]
    ids += [f"edit_l:{index}" for index in range(len(draft.loans))]
    ids.append("add_loan")
    return Reply(text=text, choices=choices(*ids))


def noted(facts: dict[str, Any]) -> str:
    """Confirm briefly the extra facts taken from one message."""
    items = [render("intake/noted_item", what=label(f"field:{name}"), value=show_value(name, value))
             for name, value in facts.items() if value is not None]
    return render("intake/noted_facts", items=items) if items else ""


