"""Turn the rules' day message into the words and buttons the user gets (templates `scripts_zh/reminders/*.j2`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flows.analysis import Concern
from flows.core.models import Choice, Reply
from flows.core.money import yuan
from flows.core.texts import label, render
from flows.negotiation.toolkit import call_window
from flows.reminders.rules import DayMessage, Step

PREFIX = "rm:"


def button(choice_id: str, key: str, arg: object = "") -> Choice:
    """Build a button whose label is the lexicon entry `key` (with `{arg}` filled in)."""
    return Choice(id=choice_id, label=label(key).format(arg=arg))


def date_text(day: date) -> str:
    """Format a date for people: month, day and weekday (template `rm_date`)."""
    return render("reminders/date", month=day.month, day=day.day, weekday=day.weekday())


def time_text(moment: datetime) -> str:
    """Format a local date and time for people: the date as `date_text`, then HH:MM."""
    return f"{date_text(moment.date())} {moment:%H:%M}"


def day_token(day: date) -> str:
    """Return the compact date used in button ids: "20250815"."""
    return f"{day:%Y%m%d}"


def _step_context(step: Step) -> dict[str, Any]:
    return {
        "kind": step.kind,
        "platform": step.loan,
        "amount": yuan(step.amount) if step.amount is not None else "",
        "due": date_text(step.due) if step.due is not None else "",
        "days_left": step.days_left,
        "number": (step.index or 0) + 1,
        "parts": [(name, yuan(part)) for name, part in step.parts],
        "term": step.term or 0,
        "practice": step.practice,
        "help": step.help,
        "set_aside": yuan(step.set_aside) if step.set_aside > 0 else "",
        "saved": yuan(step.saved) if step.saved > 0 else "",
        "window": call_window(),
    }


def step_buttons(step: Step, day: date) -> list[Choice]:
    """Return the buttons under a day's main step: act on it (or get help), snooze the day, or skip it."""
    token = day_token(day)
    snooze, skip = button(f"{PREFIX}snooze:{token}", "rm_snooze"), button(f"{PREFIX}skip:{token}", "rm_skip")
    if step.kind == "due":
        return [button(f"{PREFIX}paid:{step.agreement}:{step.index}", "rm_paid"), snooze, skip]
    if step.kind == "payday":
        if step.parts:
            return [button(f"{PREFIX}paid:pd:{(step.month or '').replace('-', '')}", "rm_paid"), snooze, skip]
        return [button(f"{PREFIX}skip:{token}", "rm_set_aside"), snooze]
    if step.kind == "written":
        act = button(f"{PREFIX}written:{step.agreement}", "rm_written")
        return [act, skip] if step.help else [act, snooze, skip]
    if step.kind == "advice":
        return [snooze, skip]
    call = button(f"{PREFIX}call:{step.loan_index}", "rm_call")
    practice = Choice(id="menu:roleplay", label=label("rm_practice"))
    if step.help:
        return [call, practice, button(f"{PREFIX}pause:{step.loan_index}", "rm_pause_lender"), skip]
    return [call, snooze, skip]


def day_reply(message: DayMessage) -> Reply:
    """Render a day's message with the buttons for its main step.

    Args:
        message: From `rules.day_message`.

    Returns:
        One short reply.
    """
    text = render(
        "reminders/nudge",
        main=render("reminders/step", **_step_context(message.main)),
        others=[render("reminders/step_short", **_step_context(step)) for step in message.others],
        kept_month=message.kept_month,
        left=yuan(message.left),
    )
    return Reply(text=text, choices=step_buttons(message.main, message.day))


def concern_texts(concerns: list[Concern]) -> list[str]:
    """Render what to question in a proposed agreement (from `flows.analysis.check_agreement`).

    Args:
        concerns: The concerns, in order.

    Returns:
        One short paragraph per concern, for the /call form to show before it saves the agreement.
    """
    return [render("reminders/call_check", code=item.code, platform=item.loan,
                   amount=yuan(item.amount) if item.amount is not None else "",
                   limit=yuan(item.limit) if item.limit is not None and item.limit > 0 else "")
            for item in concerns]
