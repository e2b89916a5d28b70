"""Reminders for people whose transport cannot push a message: shown at their next chat.

Telegram users get their nudges from the dispatcher (rows in the reminders table, sent on time). A
transport that only speaks when spoken to, such as the terminal chat, asks `Engine.notices` when the
person comes back; the reminders dialogue then gives the message of the latest day whose nudge fell
due since they last chatted, once. Which users get pushed messages is one rule, `pushes`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flows.core.models import Reply
from flows.core.session import Session
from flows.reminders.models import load_state
from flows.reminders.rules import next_nudge
from flows.reminders.scheduler import chat_id_of, compose

_AFTER = timedelta(seconds=1)


def pushes(user_id: str) -> bool:
    """Tell whether the user's transport delivers reminders on time (today: Telegram)."""
    return chat_id_of(user_id) is not None


def held_reminder(session: Session, now: datetime) -> Reply | None:
    """Return the reminder a person without push delivery missed since they last chatted, and mark it shown.

    Args:
        session: The person's session (its reminders state is updated).
        now: The current time.

    Returns:
        The message of the latest day whose nudge fell due since the last chat, or None.
    """
    state = load_state(session)
    settings = state.settings
    since = state.held_until or session.updated_at
    if pushes(session.user_id) or settings is None or not settings.enabled or since is None:
        return None
    state.held_until = now
    taken = frozenset(state.skipped)
    day, moment = next_nudge(since, settings, taken)
    if moment > now:
        return None
    while True:  # only the latest due day: a week away is one message, not seven
        following, at = next_nudge(moment + _AFTER, settings, taken)
        if at > now:
            break
        day, moment = following, at
    return compose(session, day)
