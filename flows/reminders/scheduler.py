"""From a user's session to reminder rows, and from a due row back to the message to send.

- `sync_user` makes the user's pending rows match their session: the next daily nudge (one row per
  user per day, materialised one day ahead) and any snoozes.  Run it after every turn.
- `claim` takes due rows for a dispatcher and materialises each user's next nudge at once, so a
  tick touches only due rows, never every user.
- `render` reads the session when the row is sent: texts are never stored, only when to look.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flows.core.clock import Clock
from flows.core.models import Reply
from flows.core.session import Session
from flows.core.tags import user_tag
from flows.reminders.messages import day_reply
from flows.reminders.models import load_state
from flows.reminders.progress import replan
from flows.reminders.rules import can_send, day_message, local, next_nudge, nudge_moment
from flows.storage.base import Store
from flows.storage.reminders_sql import ClaimedReminder, NewReminder, ReminderRepo

log = logging.getLogger(__name__)

NUDGE, SNOOZE = "nudge", "snooze"
LEASE = timedelta(minutes=5)
LOOKAHEAD_DAYS = 3
TELEGRAM_PREFIX = "tg:"


def chat_id_of(user_id: str) -> int | None:
    """Return the Telegram chat of a "tg:<id>" user (private chats share the user's id), else None."""
    if not user_id.startswith(TELEGRAM_PREFIX):
        return None
    try:
        return int(user_id.removeprefix(TELEGRAM_PREFIX))
    except ValueError:
        return None


def compose(session: Session, day: date) -> Reply | None:
    """Build the message for a user's local day, or None when there is nothing to do or reminders are off.

    Args:
        session: The user's session (profile, plan order, reminders state).
        day: The local date the message is about.

    Returns:
        The reply exactly as the dispatcher sends it.
    """
    state = load_state(session)
    if session.profile is None or not state.active:
        return None
    plan = replan(session.profile, state, today=day, strategy=session.plan_strategy)
    message = day_message(day, state, plan)
    return day_reply(message) if message is not None else None


def wanted_rows(session: Session, now: datetime, taken: frozenset[date] = frozenset()) -> list[NewReminder]:
    """Return the pending rows a session calls for at `now`: the next nudge and future snoozes."""
    state = load_state(session)
    settings = state.settings
    if session.profile is None or settings is None or not settings.enabled:
        return []
    day, moment = next_nudge(now, settings, taken)
    rows = [NewReminder(NUDGE, day.isoformat(), moment, {"day": day.isoformat()})]
    for snooze in state.snoozes:
        if snooze.at > now and snooze.day not in state.skipped:
            rows.append(NewReminder(SNOOZE, f"{snooze.day.isoformat()}@{snooze.at:%H%M%S}", snooze.at,
                                    {"day": snooze.day.isoformat()}))
    return rows


@dataclass(frozen=True)
class PreviewItem:
    """One message the next days will bring."""

    at: datetime
    """Local date and time in the user's zone."""
    kind: str
    reply: Reply


def preview(session: Session, start: datetime, days: int, taken: frozenset[date] = frozenset()) -> list[PreviewItem]:
    """List what will be sent from `start` for `days` days, rendered as the dispatcher would.

    Args:
        session: The user's session.
        start: From when (aware).
        days: How many local days to cover.
        taken: Days whose nudge was already sent or skipped.

    Returns:
        The messages in time order; days with nothing to do are absent.
    """
    state = load_state(session)
    settings = state.settings
    if session.profile is None or settings is None or not settings.enabled:
        return []
    first = local(start, settings).date()
    items = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        moment = nudge_moment(day, settings)
        if moment < start or day in taken:
            continue
        reply = compose(session, day)
        if reply is not None:
            items.append(PreviewItem(local(moment, settings), NUDGE, reply))
    for snooze in state.snoozes:
        if snooze.at >= start and can_send(snooze.at, settings, snooze.day) and snooze.day < first + timedelta(days):
            reply = compose(session, snooze.day)
            if reply is not None:
                items.append(PreviewItem(local(snooze.at, settings), SNOOZE, reply))
    return sorted(items, key=lambda item: item.at)


class Scheduler:
    """The reminders' side of the store: keep rows in step with sessions, hand due rows to dispatchers."""

    def __init__(self, store: Store, repo: ReminderRepo, clock: Clock, *, lease: timedelta = LEASE) -> None:
        """Combine the session store, the reminder rows on the same database, and the clock."""
        self.store = store
        self.repo = repo
        self.clock = clock
        self.lease = lease

    def taken_days(self, user_id: str, now: datetime, session: Session) -> frozenset[date]:
        """Return the coming days whose nudge already left the pending state."""
        settings = load_state(session).settings
        if settings is None:
            return frozenset()
        today = local(now, settings).date()
        days = [today + timedelta(days=k) for k in range(-1, LOOKAHEAD_DAYS)]
        used = self.repo.used_slots(user_id, NUDGE, [day.isoformat() for day in days])
        return frozenset(day for day in days if day.isoformat() in used)

    def sync_user(self, user_id: str) -> None:
        """Make the user's pending rows match their stored session (idempotent; safe from several processes)."""
        session = self.store.load_session(user_id)
        if session is None or chat_id_of(user_id) is None:
            self.repo.replace_pending(user_id, None, [])
            return
        self.sync_session(session)

    def sync_session(self, session: Session) -> None:
        """Make the user's pending rows match a session just saved by the engine (its after-turn hook).

        A user who never set reminders up has no rows and costs nothing here.
        """
        chat_id = chat_id_of(session.user_id)
        if chat_id is None or load_state(session).settings is None:
            return
        now = self.clock.now()
        taken = self.taken_days(session.user_id, now, session)
        self.repo.replace_pending(session.user_id, chat_id, wanted_rows(session, now, taken))

    def claim(self, worker: str, limit: int) -> list[ClaimedReminder]:
        """Claim due rows for `worker` and schedule each of their users' next nudge."""
        claimed = self.repo.claim(worker, self.clock.now(), lease=self.lease, limit=limit)
        for user_id in dict.fromkeys(row.user_id for row in claimed):
            try:
                self.sync_user(user_id)
            except Exception as error:  # one broken session must not stop everyone's reminders
                log.error("sync failed user=%s error=%s", user_tag(user_id), type(error).__name__)
        return claimed

    def render(self, row: ClaimedReminder) -> Reply | None:
        """Build the message for a claimed row now, or None when it should not be sent."""
        session = self.store.load_session(row.user_id)
        if session is None:
            return None
        settings = load_state(session).settings
        day = date.fromisoformat(str(row.params.get("day", "")))
        if settings is None or not can_send(self.clock.now(), settings, day):
            return None
        return compose(session, day)

    def mark_sending(self, row: ClaimedReminder, worker: str) -> bool:
        """Record that the request for `row` is about to go out."""
        return self.repo.mark_sending(row.id, worker, self.clock.now(), lease=self.lease)

    def finish(self, row: ClaimedReminder, worker: str, status: str, message_id: int | None = None) -> bool:
        """Close a claimed row with its final status."""
        return self.repo.finish(row.id, worker, status, self.clock.now(), message_id)

    def retry_later(self, row: ClaimedReminder, worker: str, delay: timedelta) -> bool:
        """Give a row back to be tried again after `delay`."""
        return self.repo.retry_later(row.id, worker, self.clock.now() + delay)

    def block(self, row: ClaimedReminder, worker: str, status: str) -> None:
        """Close a row whose chat refused it and stop the user's reminders until they write again."""
        self.repo.finish(row.id, worker, status, self.clock.now())
        self.repo.block_user(row.user_id)


