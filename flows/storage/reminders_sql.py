"""Reminder rows: the durable schedule of what to send whom and when (SQL lives only here).

A row goes pending -> claimed -> sending -> sent (or skipped, failed, blocked).  A dispatcher
claims due rows in one short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several bot
instances never take the same row; SQLite's IMMEDIATE transactions serialise one process), holding
a lease.  A row whose lease ran out while `claimed` was never sent and is simply claimed again; one
that ran out while `sending` may or may not have reached Telegram (the process died between the
request and `sent`): it is sent again, because a lost due-date reminder costs the user more than a
duplicate.  That window is one HTTP round trip per message in flight.

Rows are keyed by the user's keyed pseudonym (`Keyring.ref`); the address (user and chat id) and
what a reminder is about (`params`) are encrypted under the user's data key, so a row without its
key (the user deleted) cannot be sent or read.  Only the kind, slot, status and times are plain:
the dispatcher's index needs the due time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine

from flows.storage.crypto import Cipher
from flows.storage.errors import DecryptionError
from flows.storage.keys import USER_KEYS, Keyring
from flows.storage.sql import SqlStore
from flows.storage.tables import METADATA

log = logging.getLogger(__name__)

PENDING, CLAIMED, SENDING, SENT = "pending", "claimed", "sending", "sent"
SKIPPED, FAILED, BLOCKED = "skipped", "failed", "blocked"
IN_FLIGHT = (CLAIMED, SENDING)
FINAL = (SENT, SKIPPED, FAILED, BLOCKED)

REMINDERS = Table(
    "reminders",
    METADATA,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("user_id", Text, nullable=False),  # the keyed pseudonym, as in every user table
    Column("address", LargeBinary, nullable=False),
    Column("kind", Text, nullable=False),
    Column("slot", Text, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False),
    Column("params", LargeBinary),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", Text),
    Column("lease_until", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("message_id", BigInteger),
    UniqueConstraint("user_id", "kind", "slot", name="uq_reminders_user_kind_slot"),
    Index("ix_reminders_status_due", "status", "due_at"),
    Index("ix_reminders_user_id", "user_id"),
)
"""One reminder to look at (and maybe send) at `due_at`."""
_R = REMINDERS.c
_WITH_KEY = select(REMINDERS, USER_KEYS.c.wrapped).select_from(
    REMINDERS.outerjoin(USER_KEYS, USER_KEYS.c.user_id == _R.user_id)
)


@dataclass(frozen=True)
class NewReminder:
    """A row the scheduler wants to exist (pending) for a user."""

    kind: str
    slot: str
    due_at: datetime
    params: dict[str, Any]


@dataclass(frozen=True)
class ClaimedReminder:
    """A row this worker now holds; `uncertain` means an earlier attempt may already have been sent."""

    id: int
    user_id: str
    chat_id: int
    kind: str
    slot: str
    due_at: datetime
    params: dict[str, Any]
    attempts: int
    uncertain: bool


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class ReminderRepo:
    """Reads and writes reminder rows on the store's database."""

    def __init__(self, engine: Engine, keyring: Keyring) -> None:
        """Use the store's engine (already migrated) and its keyring (pseudonyms, users' data keys)."""
        self.engine = engine
        self._keyring = keyring
        self._postgres = engine.dialect.name == "postgresql"

    @classmethod
    def for_store(cls, store: SqlStore) -> ReminderRepo:
        """Build the repository on an open `SqlStore` (same database, same keys)."""
        return cls(store.engine, store.keyring)

    @staticmethod
    def _encode(cipher: Cipher, params: dict[str, Any]) -> bytes:
        return cipher.encrypt(json.dumps(params, sort_keys=True).encode())

    @staticmethod
    def _decode(cipher: Cipher, blob: bytes | None) -> dict[str, Any]:
        return dict(json.loads(cipher.decrypt(blob))) if blob else {}

    def _user_cipher(self, conn: Connection, ref: str) -> Cipher | None:
        # FOR SHARE: a concurrent delete_user (which deletes the key first) waits for this
        # transaction, or has already removed the key and nothing is written.
        query = select(USER_KEYS.c.wrapped).where(USER_KEYS.c.user_id == ref)
        wrapped = conn.execute(query.with_for_update(read=True) if self._postgres else query).scalar()
        return self._keyring.unwrap(wrapped) if wrapped is not None else None

    def _insert(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        keys = ["user_id", "kind", "slot"]
        # Each dialect's module is imported only when its database is in use (`resolve_url` admits no other).
        if self._postgres:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            conn.execute(pg_insert(REMINDERS).values(rows).on_conflict_do_nothing(index_elements=keys))
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            conn.execute(sqlite_insert(REMINDERS).values(rows).on_conflict_do_nothing(index_elements=keys))

    # -- the user's schedule -------------------------------------------------------------------

    def used_slots(self, user_id: str, kind: str, slots: Sequence[str]) -> set[str]:
        """Return which of `slots` already have a row that is not pending (claimed, sent, skipped...)."""
        with self.engine.begin() as conn:
            found = conn.scalars(
                select(_R.slot).where(
                    _R.user_id == self._keyring.ref(user_id),
                    _R.kind == kind,
                    _R.slot.in_(list(slots)),
                    _R.status != PENDING,
                )
            )
            return set(found)

    def replace_pending(self, user_id: str, chat_id: int | None, wanted: Sequence[NewReminder]) -> None:
        """Make the user's pending rows exactly `wanted` (rows in flight or done are left alone).

        A wanted row whose (kind, slot) already exists in another status is not created again; a user
        without a data key (deleted meanwhile) gets no rows.
        """
        ref = self._keyring.ref(user_id)
        with self.engine.begin() as conn:
            cipher = self._user_cipher(conn, ref)
            if cipher is None:
                chat_id = None
            current = conn.execute(
                select(_R.id, _R.kind, _R.slot, _R.due_at).where(_R.user_id == ref, _R.status == PENDING)
            ).all()
            keep = {(w.kind, w.slot, _utc(w.due_at)) for w in wanted} if chat_id is not None else set()
            have = set()
            stale = []
            for row in current:
                key = (row.kind, row.slot, _utc(row.due_at))
                if key in keep:
                    have.add(key)
                else:
                    stale.append(row.id)
            if stale:
                conn.execute(delete(REMINDERS).where(_R.id.in_(stale)))
            if chat_id is None or cipher is None:
                return
            address = self._encode(cipher, {"user_id": user_id, "chat_id": chat_id})
            self._insert(
                conn,
                [
                    {
                        "user_id": ref,
                        "address": address,
                        "kind": w.kind,
                        "slot": w.slot,
                        "due_at": _utc(w.due_at),
                        "status": PENDING,
                        "params": self._encode(cipher, w.params),
                        "attempts": 0,
                    }
                    for w in wanted
                    if (w.kind, w.slot, _utc(w.due_at)) not in have
                ],
            )

    def pending(self, user_id: str) -> list[NewReminder]:
        """Return the user's pending rows, soonest first."""
        ref = self._keyring.ref(user_id)
        with self.engine.begin() as conn:
            cipher = self._user_cipher(conn, ref)
            rows = conn.execute(
                select(_R.kind, _R.slot, _R.due_at, _R.params)
                .where(_R.user_id == ref, _R.status == PENDING)
                .order_by(_R.due_at)
            ).all()
        if cipher is None:
            return []
        return [NewReminder(r.kind, r.slot, _utc(r.due_at), self._decode(cipher, r.params)) for r in rows]

    # -- dispatching ---------------------------------------------------------------------------

    def claim(self, worker: str, now: datetime, *, lease: timedelta, limit: int) -> list[ClaimedReminder]:
        """Take up to `limit` due rows (and rows whose lease ran out) for `worker`, in one transaction.

        The cost is proportional to the rows returned: both queries walk `ix_reminders_status_due`.
        """
        now = _utc(now)
        with self.engine.begin() as conn:
            stale = conn.execute(
                _WITH_KEY.where(_R.status.in_(IN_FLIGHT), _R.lease_until < now)
                .order_by(_R.due_at)
                .limit(limit)
                .with_for_update(skip_locked=True, of=REMINDERS)
            ).all()
            due = (
                conn.execute(
                    _WITH_KEY.where(_R.status == PENDING, _R.due_at <= now)
                    .order_by(_R.due_at)
                    .limit(limit - len(stale))
                    .with_for_update(skip_locked=True, of=REMINDERS)
                ).all()
                if len(stale) < limit
                else []
            )
            rows = [*stale, *due]
            if rows:
                conn.execute(
                    update(REMINDERS)
                    .where(_R.id.in_([row.id for row in rows]))
                    .values(status=CLAIMED, claimed_by=worker, lease_until=now + lease, attempts=_R.attempts + 1)
                )
            claimed, unreadable = [], []
            for row in rows:
                try:
                    if row.wrapped is None:
                        raise DecryptionError("no data key")
                    cipher = self._keyring.unwrap(row.wrapped)
                    params = self._decode(cipher, row.params)
                    address = self._decode(cipher, row.address)
                    user_id, chat_id = str(address["user_id"]), int(address["chat_id"])
                except (DecryptionError, ValueError, KeyError, TypeError):
                    unreadable.append(row.id)
                    continue
                claimed.append(
                    ClaimedReminder(
                        id=row.id,
                        user_id=user_id,
                        chat_id=chat_id,
                        kind=row.kind,
                        slot=row.slot,
                        due_at=_utc(row.due_at),
                        params=params,
                        attempts=row.attempts + 1,
                        uncertain=row.status == SENDING,
                    )
                )
            if unreadable:
                # Retrying cannot make a row decrypt; closing it keeps it from blocking the others forever.
                log.error("reminder rows do not decrypt; marked failed count=%d", len(unreadable))
                conn.execute(
                    update(REMINDERS)
                    .where(_R.id.in_(unreadable))
                    .values(status=FAILED, claimed_by=None, lease_until=None, sent_at=now)
                )
        return claimed

    def _update(self, reminder_id: int, worker: str, expect: Sequence[str], **values: Any) -> bool:
        # One conditional UPDATE: it changes the row only while this worker still holds it.
        with self.engine.begin() as conn:
            result = conn.execute(
                update(REMINDERS)
                .where(_R.id == reminder_id, _R.claimed_by == worker, _R.status.in_(list(expect)))
                .values(**values)
            )
            return result.rowcount == 1

    def mark_sending(self, reminder_id: int, worker: str, now: datetime, *, lease: timedelta) -> bool:
        """Record that the request is about to go out; False when the row is no longer ours."""
        return self._update(reminder_id, worker, (CLAIMED,), status=SENDING, lease_until=_utc(now) + lease)

    def finish(self, reminder_id: int, worker: str, status: str, now: datetime, message_id: int | None = None) -> bool:
        """Close a row we hold: sent, skipped, failed or blocked."""
        return self._update(reminder_id, worker, IN_FLIGHT, status=status, sent_at=_utc(now),
                            message_id=message_id, lease_until=None)

    def retry_later(self, reminder_id: int, worker: str, due_at: datetime) -> bool:
        """Give a row back to be tried again at `due_at` (after a network failure)."""
        return self._update(reminder_id, worker, IN_FLIGHT, status=PENDING, due_at=_utc(due_at),
                            claimed_by=None, lease_until=None)

    def block_user(self, user_id: str) -> None:
        """Drop a user's pending rows (they blocked the bot); their next turn schedules again."""
        with self.engine.begin() as conn:
            conn.execute(delete(REMINDERS).where(_R.user_id == self._keyring.ref(user_id), _R.status == PENDING))

    def purge(self, before: datetime, *, limit: int = 1000) -> int:
        """Delete up to `limit` finished rows due before `before`; return how many."""
        with self.engine.begin() as conn:
            ids = conn.scalars(select(_R.id).where(_R.status.in_(FINAL), _R.due_at < _utc(before)).limit(limit)).all()
            if ids:
                conn.execute(delete(REMINDERS).where(_R.id.in_(ids)))
            return len(ids)

    def counts(self) -> dict[str, int]:
        """Return how many rows are in each status (operators, tests, the benchmark)."""
        with self.engine.begin() as conn:
            rows = conn.execute(select(_R.status, func.count()).group_by(_R.status)).all()
            return {status: int(count) for status, count in rows}
