"""Reminder rows: the durable schedule of what to send whom and when (SQL lives only here).

A row goes pending -> claimed -> sending -> sent (or skipped, failed, blocked).  A dispatcher
claims due rows in one short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several bot
instances never take the same row; SQLite's IMMEDIATE transactions serialise one process), holding
a lease.  A row whose lease ran out while `claimed` was never sent and is simply claimed again; one
that ran out while `sending` may or may not have reached Telegram (the process died between the
request and `sent`): it is sent again, because a lost due-date reminder costs the user more than a
duplicate.  That window is one HTTP round trip per message in flight.

Only the chat id is plain; what a reminder is about (`params`) is encrypted with the store's key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, LargeBinary, Text, UniqueConstraint, delete, func, select
from sqlalchemy import insert as sa_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker
from sqlalchemy.orm import Session as OrmSession

from flows.storage.crypto import Cipher
from flows.storage.sql import Base, SqlStore

PENDING, CLAIMED, SENDING, SENT = "pending", "claimed", "sending", "sent"
SKIPPED, FAILED, BLOCKED = "skipped", "failed", "blocked"
IN_FLIGHT = (CLAIMED, SENDING)
FINAL = (SENT, SKIPPED, FAILED, BLOCKED)


class ReminderRow(Base):
    """One reminder to look at (and maybe send) at `due_at`."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "slot", name="uq_reminders_user_kind_slot"),
        Index("ix_reminders_status_due", "status", "due_at"),
        Index("ix_reminders_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                    autoincrement=True)
    user_id: Mapped[str] = mapped_column(Text, nullable=False)
    chat_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    slot: Mapped[str] = mapped_column(Text, nullable=False)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    params: Mapped[bytes | None] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    claimed_by: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[int | None] = mapped_column(BigInteger)


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

    def __init__(self, engine: Engine, cipher: Cipher) -> None:
        """Use the store's engine (already migrated) and its cipher for `params`."""
        self.engine = engine
        self._cipher = cipher
        self._db = sessionmaker(bind=engine, expire_on_commit=False)
        self._postgres = engine.dialect.name == "postgresql"

    @classmethod
    def for_store(cls, store: SqlStore) -> ReminderRepo:
        """Build the repository on an open `SqlStore` (same database, same key)."""
        return cls(store.engine, store.cipher)

    def _encode(self, params: dict[str, Any]) -> bytes:
        return self._cipher.encrypt(json.dumps(params, sort_keys=True).encode())

    def _decode(self, blob: bytes | None) -> dict[str, Any]:
        return dict(json.loads(self._cipher.decrypt(blob))) if blob else {}

    def _insert(self, db: OrmSession, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        keys = ["user_id", "kind", "slot"]
        if self._postgres:
            db.execute(pg_insert(ReminderRow).values(rows).on_conflict_do_nothing(index_elements=keys))
        elif self.engine.dialect.name == "sqlite":
            db.execute(sqlite_insert(ReminderRow).values(rows).on_conflict_do_nothing(index_elements=keys))
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            db.execute(sa_insert(ReminderRow).values(rows))

    # -- the user's schedule -------------------------------------------------------------------

    def used_slots(self, user_id: str, kind: str, slots: Sequence[str]) -> set[str]:
        """Return which of `slots` already have a row that is not pending (claimed, sent, skipped...)."""
        with self._db.begin() as db:
            found = db.scalars(select(ReminderRow.slot).where(
                ReminderRow.user_id == user_id, ReminderRow.kind == kind, ReminderRow.slot.in_(list(slots)),
                ReminderRow.status != PENDING))
            return set(found)

    def replace_pending(self, user_id: str, chat_id: int | None, wanted: Sequence[NewReminder]) -> None:
        """Make the user's pending rows exactly `wanted` (rows in flight or done are left alone).

        A wanted row whose (kind, slot) already exists in another status is not created again.
        """
        with self._db.begin() as db:
            current = db.scalars(select(ReminderRow).where(ReminderRow.user_id == user_id,
                                                           ReminderRow.status == PENDING)).all()
            keep = {(w.kind, w.slot, _utc(w.due_at)) for w in wanted} if chat_id is not None else set()
            have = set()
            for row in current:
                key = (row.kind, row.slot, _utc(row.due_at))
                if key in keep:
                    have.add(key)
                else:
                    db.delete(row)
            db.flush()
            if chat_id is None:
                return
            self._insert(db, [
                {"user_id": user_id, "chat_id": chat_id, "kind": w.kind, "slot": w.slot,
                 "due_at": _utc(w.due_at), "status": PENDING, "params": self._encode(w.params), "attempts": 0}
                for w in wanted if (w.kind, w.slot, _utc(w.due_at)) not in have
            ])

    def pending(self, user_id: str) -> list[NewReminder]:
        """Return the user's pending rows, soonest first."""
        with self._db.begin() as db:
            rows = db.scalars(select(ReminderRow).where(ReminderRow.user_id == user_id,
                                                        ReminderRow.status == PENDING)
                              .order_by(ReminderRow.due_at)).all()
            return [NewReminder(r.kind, r.slot, _utc(r.due_at), self._decode(r.params)) for r in rows]

    # -- dispatching ---------------------------------------------------------------------------

    def claim(self, worker: str, now: datetime, *, lease: timedelta, limit: int) -> list[ClaimedReminder]:
        """Take up to `limit` due rows (and rows whose lease ran out) for `worker`, in one transaction.

        The cost is proportional to the rows returned: both queries walk `ix_reminders_status_due`.
        """
        now = _utc(now)
        with self._db.begin() as db:
            stale = db.scalars(select(ReminderRow).where(
                ReminderRow.status.in_(IN_FLIGHT), ReminderRow.lease_until < now)
                .order_by(ReminderRow.due_at).limit(limit).with_for_update(skip_locked=True)).all()
            due = db.scalars(select(ReminderRow).where(
                ReminderRow.status == PENDING, ReminderRow.due_at <= now)
                .order_by(ReminderRow.due_at).limit(limit - len(stale))
                .with_for_update(skip_locked=True)).all() if len(stale) < limit else []
            out = []
            for row in [*stale, *due]:
                out.append(ClaimedReminder(
                    id=row.id, user_id=row.user_id, chat_id=row.chat_id, kind=row.kind, slot=row.slot,
                    due_at=_utc(row.due_at), params=self._decode(row.params), attempts=row.attempts + 1,
                    uncertain=row.status == SENDING))
                row.status, row.claimed_by, row.lease_until = CLAIMED, worker, now + lease
                row.attempts += 1
            return out

    def _update(self, reminder_id: int, worker: str, expect: Sequence[str], **values: Any) -> bool:
        with self._db.begin() as db:
            row = db.get(ReminderRow, reminder_id, with_for_update=self._postgres)
            if row is None or row.claimed_by != worker or row.status not in expect:
                return False
            for name, value in values.items():
                setattr(row, name, value)
            return True

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
        with self._db.begin() as db:
            db.execute(delete(ReminderRow).where(ReminderRow.user_id == user_id, ReminderRow.status == PENDING))

    def purge(self, before: datetime, *, limit: int = 1000) -> int:
        """Delete up to `limit` finished rows due before `before`; return how many."""
        with self._db.begin() as db:
            ids = db.scalars(select(ReminderRow.id).where(ReminderRow.status.in_(FINAL),
                                                          ReminderRow.due_at < _utc(before)).limit(limit)).all()
            if ids:
                db.execute(delete(ReminderRow).where(ReminderRow.id.in_(ids)))
            return len(ids)

    def next_due(self) -> datetime | None:
        """Return the earliest pending due time (to sleep until), if any."""
        with self._db.begin() as db:
            found = db.scalar(select(func.min(ReminderRow.due_at)).where(ReminderRow.status == PENDING))
            return _utc(found) if found is not None else None

    def counts(self) -> dict[str, int]:
        """Return how many rows are in each status (operators, tests, the benchmark)."""
        with self._db.begin() as db:
            rows = db.execute(select(ReminderRow.status, func.count()).group_by(ReminderRow.status)).all()
            return {status: int(count) for status, count in rows}
