"""Logging a real call (`/call`): which platform, who answered, what was agreed, whether it came in writing.

The answers are the call form (`flows.reminders.forms.CALL_FORM`); the last one stores the agreement
in the reminders data, and the plan is recomputed with it. A call where nothing was agreed is kept
apart (`failed_calls`): the plan and the reminders go on as before, and the person hears what to try next.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flows.analysis import ProposedAgreement, check_agreement
from flows.core.dialog import Finish, Stay, Step, Turn
from flows.core.forms import BACK, FormState
from flows.core.models import Choice, Input, Reply
from flows.core.money import yuan
from flows.core.texts import render
from flows.reminders.forms import CALL_FORM
from flows.reminders.machine import fire
from flows.reminders.messages import PREFIX, button, concern_texts, date_text
from flows.reminders.models import MAX_FAILED_CALLS, Agreement, FailedCall, ReminderSettings, RemindersPart
from flows.reminders.progress import PlanView, replan

PLATFORM_TAP = f"{PREFIX}cp:"


def open_loans(plan: PlanView) -> list[str]:
    """Return the loans that can still be negotiated (something still owed)."""
    return [key for key in plan.keys if plan.balances.get(key, Decimal(0)) > 0]


def start(turn: Turn, part: RemindersPart, plan: PlanView, loan_index: int | None = None) -> Step:
    """Begin logging a call; with a known platform (from a nudge's button) skip straight to the agent."""
    part.call = FormState()
    loans = open_loans(plan)
    if not loans:
        fire(part, "leave")
        return Finish(replies=[Reply(text=render("reminders/no_open_loans"))])
    fire(part, "log_call")
    if loan_index is not None and 0 <= loan_index < len(plan.keys) and plan.keys[loan_index] in loans:
        part.call.values["loan"] = plan.keys[loan_index]
    elif len(loans) == 1:
        part.call.values["loan"] = loans[0]
    return Stay([ask(turn, part, plan)])


def ask(turn: Turn, part: RemindersPart, plan: PlanView) -> Reply:
    """Ask the next question of the call form."""
    slot = CALL_FORM.pending(part.call)
    if slot is None:
        return Reply(text=render("reminders/stale"))
    reply = CALL_FORM.ask(slot, part.call)
    buttons: list[Choice] = [c for c in reply.choices if c.id != BACK or part.call.trail]
    if slot.name == "loan":
        buttons = [button(f"{PLATFORM_TAP}{plan.keys.index(key)}", "rm_platform", key) for key in open_loans(plan)]
    return reply.model_copy(update={"choices": buttons})


def back(part: RemindersPart) -> bool:
    """Step back one question; False when at the first one."""
    return CALL_FORM.back(part.call) is not None


def answer(turn: Turn, part: RemindersPart, plan: PlanView, inp: Input) -> Step:
    """Take one answer while logging a call; the last one stores the agreement (questioned first when needed)."""
    if part.checking:
        return _after_check(turn, part, plan, inp)
    slot = CALL_FORM.pending(part.call)
    if slot is not None and slot.name == "loan":
        picked = _picked_loan(plan, inp)
        if picked is None:
            return Stay([Reply(text=render("forms/invalid_choice")), ask(turn, part, plan)])
        inp = Input(kind="text", text=picked)
    done = CALL_FORM.answer(part.call, inp, turn.today)
    if done.back:
        return Stay([ask(turn, part, plan)]) if back(part) else Finish()
    if slot is not None and slot.name == "loan" and part.call.values.get("loan") not in open_loans(plan):
        part.call.forget("loan")
        return Stay([Reply(text=render("forms/invalid_choice")), ask(turn, part, plan)])
    if CALL_FORM.pending(part.call) is not None:
        return Stay([*done.replies, ask(turn, part, plan)])
    if CALL_FORM.typed(part.call).get("kind") == "none":
        return Finish(replies=[*done.replies, *finish_failed(turn, part, turn.today)])
    concerns = concern_texts(check_agreement(turn.plan, _proposal(part)))
    if concerns:
        part.checking = True
        return Stay([*done.replies, _check_reply(concerns)])
    return finish(turn, part, turn.today)


CHECK_TAPS = (f"{PREFIX}csave", f"{PREFIX}cfix", f"{PREFIX}cdrop")


def _proposal(part: RemindersPart) -> ProposedAgreement:
    values = CALL_FORM.typed(part.call)
    kind = str(values["kind"])
    return ProposedAgreement(
        loan=str(values["loan"]), kind=kind,  # type: ignore[arg-type]
        count=values.get("count"),
        amount=values.get("amount") if kind == "instalments" else values.get("settle_amount"),
        first_date=values.get("first_date") or values.get("until") or values.get("settle_date"))


def _check_reply(concerns: list[str]) -> Reply:
    return Reply(text=render("reminders/call_checked", concerns=concerns),
                 choices=[button(tap, f"rm_{tap.removeprefix(PREFIX)}") for tap in CHECK_TAPS])


def _after_check(turn: Turn, part: RemindersPart, plan: PlanView, inp: Input) -> Step:
    """Save the questioned agreement as it is, change its figures, or leave it unsaved."""
    part.checking = False
    if inp.choice == f"{PREFIX}csave":
        return finish(turn, part, turn.today)
    if inp.choice == f"{PREFIX}cfix":
        for name in ("count", "amount", "first_date", "until", "settle_amount", "settle_date", "written"):
            part.call.forget(name)
        return Stay([ask(turn, part, plan)])
    if inp.choice == f"{PREFIX}cdrop":
        part.call = FormState()
        fire(part, "leave")
        return Finish(replies=[Reply(text=render("reminders/call_dropped"))])
    part.checking = True
    return Stay([_check_reply(concern_texts(check_agreement(turn.plan, _proposal(part))))])


def _picked_loan(plan: PlanView, inp: Input) -> str | None:
    loans = open_loans(plan)
    index = (inp.choice or "").removeprefix(PLATFORM_TAP)
    if inp.choice and index.isdigit() and int(index) < len(plan.keys):
        key = plan.keys[int(index)]
        return key if key in loans else None
    text = inp.text.strip()
    return next((key for key in loans if text and (text in key or key in text)), None)


def finish(turn: Turn, part: RemindersPart, today: date) -> Step:
    """Store the agreement, recompute the plan, and ask for it in writing when it is only spoken."""
    profile = turn.session.profile
    assert profile is not None
    values = CALL_FORM.typed(part.call)
    state = part.data
    before = replan(profile, state, today=today, strategy=turn.session.plan_strategy)
    kind = str(values["kind"])
    amount = values.get("amount") if kind == "instalments" else values.get("settle_amount")
    first = values.get("first_date") or values.get("until") or values.get("settle_date")
    agreement = Agreement(
        loan=str(values["loan"]), kind=kind, agent=str(values.get("agent") or ""),
        count=values.get("count"), amount=amount, first_date=first, written=bool(values["written"]),
        made_on=today, owed=before.balances.get(str(values["loan"]), Decimal(0)),
    )
    state.agreements.append(agreement)
    part.call = FormState()
    auto = state.settings is None
    if auto:
        state.settings = ReminderSettings()
    state.begin(today)
    turn.replan()
    fire(part, "leave")
    plan = replan(profile, state, today=today, strategy=turn.session.plan_strategy)
    replies = [Reply(text=render("reminders/call_logged", **terms(agreement), agent=agreement.agent,
                                 others=[(k, yuan(v)) for k, v in plan.others_monthly()],
                                 months=plan.months_to_go, auto_enabled=auto))]
    if not agreement.written:
        replies.append(written_draft(agreement))
    return Finish(replies=replies)


def finish_failed(turn: Turn, part: RemindersPart, today: date) -> list[Reply]:
    """Keep a call where nothing was agreed, leave the plan as it is, and say what to try next.

    The plan and the reminders read only `agreements`, so the lender stays among the calls still to
    make: the daily steps go on suggesting the call, and no instalment is taken out of the budget.

    Args:
        turn: The turn (its session holds the reminders data).
        part: The reminders part, whose call form is complete.
        today: The person's local date.

    Returns:
        The reply: noted, nothing changed, and the kind next steps.
    """
    values = CALL_FORM.typed(part.call)
    failed = FailedCall(loan=str(values["loan"]), agent=str(values.get("agent") or ""), made_on=today)
    part.data.failed_calls = [*part.data.failed_calls, failed][-MAX_FAILED_CALLS:]
    part.call = FormState()
    fire(part, "leave")
    tries = sum(1 for call in part.data.failed_calls if call.loan == failed.loan)
    return [Reply(text=render("reminders/call_failed", platform=failed.loan, agent=failed.agent, tries=tries))]


def terms(agreement: Agreement) -> dict[str, Any]:
    """Return an agreement's figures formatted for templates."""
    items = agreement.instalments()
    return {
        "platform": agreement.loan,
        "kind": agreement.kind,
        "count": agreement.count or 1,
        "amount": yuan(items[0].amount if items else Decimal(0)),
        "first_date": date_text(items[0].due) if items else "",
        "last_date": date_text(items[-1].due) if items else "",
    }


def written_draft(agreement: Agreement) -> Reply:
    """Draft the message asking the platform to confirm the agreement in writing."""
    details = terms(agreement)
    return Reply(
        text=render("reminders/written_draft", platform=agreement.loan, agent=agreement.agent,
                    date=date_text(agreement.made_on), terms=render("reminders/terms", **details)),
        choices=[button(f"{PREFIX}written:{agreement.id}", "rm_written")],
    )
