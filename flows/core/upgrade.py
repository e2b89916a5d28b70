"""Upgrade stored sessions of earlier schema versions, so nobody who used an earlier release loses anything.

Version 1 (the releases of stops 9 and 10) kept one `dialog`/`state` pair, the intake's `draft`, and
the other dialogues' data in `pending` and `extras` dicts keyed by prefix. Version 2 keeps a stack of
dialogues and one typed part per dialogue. This module is a migration: it names the dialogues and
fields of those releases as plain strings, on purpose; it imports a feature only to name what a
version-1 call under way never stored (its agent), the same way the call would have.
"""

from __future__ import annotations

from typing import Any

V1_DIALOGS = {"intake": "intake", "home": "home", "crisis": "crisis", "scripts": "negotiation",
              "roleplay": "roleplay", "reminders": "reminders", "export": "home"}
V1_PROFILE_FIELDS = ("name", "monthly_income", "monthly_expenses", "hardship", "new_loans_to_repay_old")
V1_LOAN_FIELDS = ("platform", "principal", "repaid", "outstanding", "overdue_days", "rate", "received", "term_months",
                  "installment", "licensed", "collection", "third_party", "contract_date", "previous_overdue")
V1_SETUP = {"ask_time": "nudge_time", "ask_quiet": "quiet", "ask_tz": "tz", "ask_payday": "payday"}


def upgrade(data: dict[str, Any], version: int) -> dict[str, Any]:
    """Return a stored session of an earlier version in the current shape.

    Args:
        data: The session as stored (parsed JSON).
        version: The version it was stored in.
    """
    if version <= 1:
        data = _v1_to_v2(data)
    return data


def _v1_to_v2(old: dict[str, Any]) -> dict[str, Any]:
    pending: dict[str, Any] = old.get("pending") or {}
    extras: dict[str, Any] = old.get("extras") or {}
    dialog, state = str(old.get("dialog") or "intake"), str(old.get("state") or "welcome")
    base = "home" if old.get("profile") else "intake"
    parts: dict[str, Any] = {"intake": _intake(old, dialog, state)}
    stack = [base]
    if dialog == "crisis":
        under = V1_DIALOGS.get(str(old.get("paused_dialog") or ""), base)
        if under != base:
            stack.append(under)
        stack.append("crisis")
        parts["crisis"] = {"state": "listening", "watch": 10}
        dialog, state = str(old.get("paused_dialog") or base), str(old.get("paused_state") or "")
    elif V1_DIALOGS.get(dialog, base) != base and not (dialog == "reminders" and state == "idle"):
        stack.append(V1_DIALOGS[dialog])
    if dialog == "scripts":
        parts["negotiation"] = _negotiation(pending, state)
    if "roleplay" in extras or "roleplay_history" in extras or dialog == "roleplay":
        parts["roleplay"] = _roleplay(pending, extras, state if dialog == "roleplay" else "platform")
    if "reminders" in extras or dialog == "reminders":
        parts["reminders"] = _reminders(pending, extras, state if dialog == "reminders" else "idle")
    return {
        "schema_version": 2, "user_id": old.get("user_id"), "consent": bool(old.get("consent")),
        "profile": old.get("profile"), "plan_strategy": old.get("plan_strategy") or "avalanche",
        "stack": stack, "parts": parts, "confirm": pending.get("confirm"), "updated_at": old.get("updated_at"),
    }


def _values(draft: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    answered = set(draft.get("answered") or [])
    values = {name: draft[name] for name in fields if name in answered and draft.get(name) is not None}
    if "collection" in values:
        values["collection"] = f"col:{values['collection']}"
    if "received" in answered and draft.get("received") is None:
        values["received"] = "full"  # version 1 stored "received in full" as an answered None
    return values


def _form(values: dict[str, Any]) -> dict[str, Any]:
    return {"values": values, "trail": list(values)}


def _intake(old: dict[str, Any], dialog: str, state: str) -> dict[str, Any]:
    draft: dict[str, Any] = old.get("draft") or {}
    intake_state = state if dialog == "intake" else ("done" if old.get("profile") else "welcome")
    new_state = {"welcome": "welcome", "ask_more_loans": "review", "summary": "summary", "done": "done"}.get(
        intake_state, "loan" if intake_state.startswith("ask_loan_") else "profile")
    if dialog == "crisis" and old.get("paused_dialog") == "intake":
        paused = str(old.get("paused_state") or "welcome")
        new_state = {"welcome": "welcome", "ask_more_loans": "review", "summary": "summary"}.get(
            paused, "loan" if paused.startswith("ask_loan_") else "profile")
    loans = [_form(_values(loan, V1_LOAN_FIELDS)) for loan in draft.get("loans") or []]
    if new_state == "loan" and not loans:
        loans = [_form({})]
    return {"state": new_state, "person": _form(_values(draft, V1_PROFILE_FIELDS)), "loans": loans,
            "current": old.get("loan_index") or 0, "editing": bool(old.get("editing"))}


def _negotiation(pending: dict[str, Any], state: str) -> dict[str, Any]:
    complaint = {k: v for k, v in (pending.get("sc_complaint") or {}).items() if k in ("platform", "dates", "what")}
    return {"state": "complaint" if state.startswith("c_") else state, "platform": pending.get("sc_platform"),
            "goal": pending.get("sc_goal"), "complaint": _form(complaint)}


def _roleplay(pending: dict[str, Any], extras: dict[str, Any], state: str) -> dict[str, Any]:
    call = extras.get("roleplay")
    if isinstance(call, dict):
        call = _v1_call(call)
    history = [{**item, "start": "opening"} for item in extras.get("roleplay_history") or [] if isinstance(item, dict)]
    return {"state": state, "platform": pending.get("rp_platform"), "call": call, "history": history}


def _v1_call(call: dict[str, Any]) -> dict[str, Any]:
    """A version-1 call under way, in the shape calls have now (the figures it froze, the agent it names)."""
    from decimal import ROUND_FLOOR, Decimal

    from flows.roleplay.lines import make_agent  # the one place a call's agent is named, from its seed

    used = call.get("used_lines") or {}
    figures = {"balance": call.get("outstanding") or "0",
               "steady_monthly": str(Decimal(str(call.get("plan_monthly") or 0)).to_integral_value(ROUND_FLOOR)),
               "overdue_days": call.get("overdue_days") or 0}
    agent = make_agent(call["persona"], int(call.get("seed") or 0)).model_dump() if "persona" in call else None
    deal = {"agreed": bool(call.get("agreed")), "promised": call.get("promised")}
    return {**call, "used_lines": {k.replace("rp_", "roleplay/", 1): v for k, v in used.items()},
            "figures": figures, "agent": agent, "deal": {k: v for k, v in deal.items() if v is not None}}


def _reminders(pending: dict[str, Any], extras: dict[str, Any], state: str) -> dict[str, Any]:
    data: dict[str, Any] = extras.get("reminders") or {}
    part: dict[str, Any] = {"data": data, "editing": bool(pending.get("rm_editing"))}
    if state in V1_SETUP:
        settings = data.get("settings") or {}
        done = list(V1_SETUP)[: list(V1_SETUP).index(state)]
        values = {V1_SETUP[ask]: _setting(settings, V1_SETUP[ask]) for ask in done}
        part |= {"state": "setup", "setup": _form({k: v for k, v in values.items() if v is not None})}
    elif state.startswith("call_"):
        draft: dict[str, Any] = dict(pending.get("rm_call") or {})
        kind = draft.get("kind")
        if "first_date" in draft and kind in ("extension", "waiver"):
            draft["until" if kind == "extension" else "settle_date"] = draft.pop("first_date")
        if kind == "waiver" and "amount" in draft:
            draft["settle_amount"] = draft.pop("amount")
        part |= {"state": "call", "call": _form(draft)}
    else:
        part["state"] = "summary" if state == "summary" else "idle"
    return part


def _setting(settings: dict[str, Any], slot: str) -> Any:
    if slot == "nudge_time":
        return str(settings.get("nudge_time", ""))[:5] or None
    if slot == "quiet":
        start, end = str(settings.get("quiet_start", ""))[:5], str(settings.get("quiet_end", ""))[:5]
        return f"{start}-{end}" if start and end else None
    return settings.get(slot)
