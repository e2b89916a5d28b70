"""Logging a real call: which platform, who answered, what was agreed, whether it came in writing.

Answers collect in `session.pending["rm_call"]` until the agreement is stored in the reminders state.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flows.core.models import Choice, Input, Reply, Session
from flows.core.money import yuan
from flows.core.texts import render
from flows.parsing import ParseError, parse_amount, parse_yes_no
from flows.reminders.answers import parse_count, parse_future_date
from flows.reminders.machine import RemindModel, RemindState, fire
from flows.reminders.messages import PREFIX, button, date_text
from flows.reminders.models import Agreement, ReminderSettings, load_state, save_state
from flows.reminders.progress import PlanView, replan

KEY = "rm_call"
KINDS = ("instalments", "extension", "waiver")
S = RemindState


def _draft(session: Session) -> dict[str, Any]:
    draft: dict[str, Any] = session.pending.setdefault(KEY, {})
    return draft


def open_loans(plan: PlanView) -> list[str]:
    """Return the loans that can still be negotiated (something still owed)."""
    return [key for key in plan.keys if plan.balances.get(key, Decimal(0)) > 0]


def start(session: Session, plan: PlanView, loan_index: int | None = None) -> list[Reply]:
    """Begin logging a call; with a known platform (from a nudge's button) skip straight to the agent."""
    session.pending[KEY] = {}
    fire(session, "log_call")
    loans = open_loans(plan)
    if not loans:
        fire(session, "leave")
        return [Reply(text=render("reminders/no_open_loans"))]
    if loan_index is not None and 0 <= loan_index < len(plan.keys) and plan.keys[loan_index] in loans:
        chosen = plan.keys[loan_index]
    elif len(loans) == 1:
        chosen = loans[0]
    else:
        return [ask(session, plan)]
    _draft(session)["loan"] = chosen
    fire(session, "next")
    return [ask(session, plan)]


def ask(session: Session, plan: PlanView) -> Reply:
    """Ask the question of the current call state."""
    state = RemindModel(session).state
    choices: list[Choice] = []
    if state == S.call_platform:
        choices = [button(f"{PREFIX}cp:{plan.keys.index(key)}", "rm_platform", key) for key in open_loans(plan)]
    elif state == S.call_agent:
        choices = [button(f"{PREFIX}cskip", "rm_agent_skip")]
    elif state == S.call_kind:
        choices = [button(f"{PREFIX}ck:{kind}", f"rm_kind_{kind}") for kind in KINDS]
    elif state == S.call_written:
        choices = [button(f"{PREFIX}cw:yes", "rm_written_yes"), button(f"{PREFIX}cw:no", "rm_written_no")]
    return Reply(text=render(f"reminders/{state.value.replace('call_', 'call_ask_')}"), choices=choices)


def _bad(what: str, session: Session, plan: PlanView) -> list[Reply]:
    return [Reply(text=render("reminders/bad_answer", what=what)), ask(session, plan)]


def answer(session: Session, plan: PlanView, inp: Input, today: date) -> list[Reply]:
    """Take one answer while logging a call; the last one stores the agreement."""
    state = RemindModel(session).state
    draft = _draft(session)
    choice, text = inp.choice or "", inp.text.strip()
    if state == S.call_platform:
        index = choice.removeprefix(f"{PREFIX}cp:")
        loans = open_loans(plan)
        picked = plan.keys[int(index)] if index.isdigit() and int(index) < len(plan.keys) else None
        picked = picked or next((key for key in loans if text and (text in key or key in text)), None)
        if picked is None or picked not in loans:
            return _bad("choice", session, plan)
        draft["loan"] = picked
    elif state == S.call_agent:
        draft["agent"] = "" if choice == f"{PREFIX}cskip" else text[:40]
    elif state == S.call_kind:
        kind = choice.removeprefix(f"{PREFIX}ck:")
        if kind not in KINDS:
            return _bad("choice", session, plan)
        draft["kind"] = kind
        fire(session, kind)
        return [ask(session, plan)]
    elif state == S.call_count:
        count = parse_count(text)
        if count is None:
            return _bad("count", session, plan)
        draft["count"] = count
    elif state in (S.call_amount, S.call_settle_amount):
        try:
            amount = parse_amount(text)
        except ParseError:
            return _bad("amount", session, plan)
        if amount <= 0:
            return _bad("amount", session, plan)
        draft["amount"] = str(amount)
    elif state in (S.call_first_date, S.call_until, S.call_settle_date):
        day = parse_future_date(text, today=today)
        if day is None:
            return _bad("date", session, plan)
        draft["first_date"] = day.isoformat()
    elif state == S.call_written:
        written = {f"{PREFIX}cw:yes": True, f"{PREFIX}cw:no": False}.get(choice)
        written = parse_yes_no(text) if written is None and text else written
        if written is None:
            return _bad("choice", session, plan)
        draft["written"] = written
        return finish(session, today)
    fire(session, "next")
    return [ask(session, plan)]


def finish(session: Session, today: date) -> list[Reply]:
    """Store the agreement, recompute the plan, and ask for it in writing when it is only spoken."""
    assert session.profile is not None
    draft = session.pending.pop(KEY, {})
    state = load_state(session)
    before = replan(session.profile, state, today=today, strategy=session.plan_strategy)
    agreement = Agreement(
        loan=draft["loan"], kind=draft["kind"], agent=draft.get("agent", ""), count=draft.get("count"),
        amount=Decimal(draft["amount"]) if "amount" in draft else None,
        first_date=date.fromisoformat(draft["first_date"]), written=bool(draft["written"]), made_on=today,
        owed=before.balances.get(draft["loan"], Decimal(0)),
    )
    state.agreements.append(agreement)
    auto = state.settings is None
    if auto:
        state.settings = ReminderSettings()
    save_state(session, state)
    fire(session, "leave")
    plan = replan(session.profile, state, today=today, strategy=session.plan_strategy)
    replies = [Reply(text=render("reminders/call_logged", **terms(agreement), agent=agreement.agent,
                                 others=[(k, yuan(v)) for k, v in plan.monthly.items() if v > 0],
                                 months=plan.months_to_go, auto_enabled=auto))]
    if not agreement.written:
        replies.append(written_draft(agreement))
    return replies


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
