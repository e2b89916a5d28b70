"""Turn the rules' day message into the words and buttons the user gets (templates `scripts_zh/reminders/*.j2`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flows.core.models import Choice, Reply
from flows.core.money import yuan
from flows.core.texts import label, render
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
    }


def step_buttons(step: Step, day: date) -> list[Choice]:
    """Return the buttons under a day's main step: act on it, snooze the day, or skip it."""
    token = day_token(day)
    if step.kind == "due":
        act = button(f"{PREFIX}paid:{step.agreement}:{step.index}", "rm_paid")
    elif step.kind == "payday":
        act = button(f"{PREFIX}paid:pd:{(step.month or '').replace('-', '')}", "rm_paid")
    elif step.kind == "written":
        act = button(f"{PREFIX}written:{step.agreement}", "rm_written")
    else:
        act = button(f"{PREFIX}call:{step.loan_index}", "rm_call")
    return [act, button(f"{PREFIX}snooze:{token}", "rm_snooze"), button(f"{PREFIX}skip:{token}", "rm_skip")]


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
