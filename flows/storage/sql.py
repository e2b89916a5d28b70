"""The SQLAlchemy store: one encrypted row per user, one locked transaction per turn.

Every table of user data is an ORM model deriving from `Base` with a `user_id` column; that
column is how `delete_user` finds it, so a new table (reminders, role-play history) is erased
with the user as soon as its model is imported.  The schema itself is owned by the Alembic
migrations in `flows/storage/migrations`; `tests/test_storage.py` checks they agree.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import DateTime, Engine, LargeBinary, Table, Text, create_engine, delete, event, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import URL, Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.pool import StaticPool

from flows.clock import Clock, SystemClock
from flows.models import Session
from flows.storage.base import Store
from flows.storage.crypto import Cipher
from flows.storage.errors import StorageError

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 30
"""How long a turn waits for another process's turn on the same data before failing."""

CONNECT_TIMEOUT_SECONDS = 10
"""How long opening a PostgreSQL connection may take before the turn fails (and the user is asked to retry)."""
POOL_RECYCLE_SECONDS = 1800
"""Pooled PostgreSQL connections older than this are replaced (idle-timeout proxies drop them silently)."""

_READ_ONLY = "coach_read_only"


class Base(DeclarativeBase):
    """Declarative base of every storage table."""


class SessionRow(Base):
    """One user's `Session`, encrypted; `payload` is NULL only while PostgreSQL holds a new user's lock."""

    __tablename__ = "sessions"

    user_id: Mapped[str] = mapped_column(Text, primary_key=True)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def user_tables() -> list[Table]:
    """Return every table keyed by user, children before parents (the order deletes must run in)."""
    return [table for table in reversed(Base.metadata.sorted_tables) if "user_id" in table.c]


def _install_sqlite_hooks(engine: Engine) -> None:
    # pysqlite's own transaction handling skips BEGIN before SELECT and DDL; the SQLAlchemy
    # docs' recipe takes it over so every transaction really begins where SQLAlchemy says.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front, so two processes' turns queue on the busy
        # timeout instead of both reading and one failing at its first write.
        if conn.get_execution_options().get(_READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: URL) -> Engine:
    """Create an engine configured for the store: SQLite in WAL mode with locking turns, or PostgreSQL.

    Args:
        url: A `sqlite` or `postgresql+psycopg` URL.

    Returns:
        The engine; the caller disposes it (the store does on `close`).
    """
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            # One shared connection, so the in-memory database outlives a checkout (tests only).
            engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False, "timeout": 0})
        else:
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
        _install_sqlite_hooks(engine)
        return engine
    # A server that went away (restart, failover, killed backend) costs the turns that were using it,
    # never the process: pre-ping replaces dead pooled connections before a turn uses them, a
    # disconnect during a turn invalidates the pool, and connecting gives up after a bounded time.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_recycle=POOL_RECYCLE_SECONDS,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )


class SqlTurn:
    """The session loaded at the start of a turn and the one staged to be written at its end."""

    def __init__(self, user_id: str, session: Session | None) -> None:
        """Start a turn for `user_id` with its stored session (None for a new user)."""
        self.user_id = user_id
        self.session = session
        self.staged: Session | None = None

    def save(self, session: Session) -> None:
        """Stage `session` to be written when the turn's transaction commits.

        Raises:
            ValueError: The session belongs to another user.
        """
        if session.user_id != self.user_id:
            raise ValueError("a turn can only save the session of its own user")
        self.staged = session


class SqlStore:
    """`Store` on SQLAlchemy: SQLite (one file) or PostgreSQL (several bot instances)."""

    def __init__(self, engine: Engine, cipher: Cipher, *, clock: Clock | None = None) -> None:
        """Wrap an engine whose schema is already migrated (see `flows.storage.open_store`).

        Args:
            engine: From `make_engine`; the store disposes it on `close`.
            cipher: Encrypts every payload.
            clock: Stamps `updated_at`; the system clock by default.
        """
        self.engine = engine
        self._cipher = cipher
        self._clock: Clock = clock or SystemClock()
        self._writer = sessionmaker(bind=engine, expire_on_commit=False)
        self._reader = sessionmaker(bind=engine.execution_options(**{_READ_ONLY: True}))
        self._postgres = engine.dialect.name == "postgresql"

    @property
    def cipher(self) -> Cipher:
        """Return the cipher, for other storage modules that encrypt their own rows."""
        return self._cipher

    @contextmanager
    def turn(self, user_id: str) -> Iterator[SqlTurn]:
        """Open one transaction for `user_id`, holding their row locked until it ends.

        On PostgreSQL the row is locked with SELECT ... FOR UPDATE (inserted first if missing,
        so there is a row to lock); on SQLite the transaction begins IMMEDIATE, which holds the
        database's write lock.  Either way a second turn for the user waits (up to
        `BUSY_TIMEOUT_SECONDS`) until this one commits, then sees what it saved.

        Args:
            user_id: Whose turn it is.

        Yields:
            The turn: `session` as stored, and `save()` to stage the new one.  The staged
            session is written and committed when the block exits normally; everything is
            rolled back if it raises.
        """
        with self._writer.begin() as db:
            row = self._lock(db, user_id)
            stored = self._decode(row) if row is not None and row.payload is not None else None
            current = SqlTurn(user_id, stored)
            yield current
            if current.staged is not None:
                self._write(db, row, current.staged)
            elif row is not None and row.payload is None:
                db.delete(row)  # only the lock placeholder: leave no trace of an unsaved turn

    def load_session(self, user_id: str) -> Session | None:
        """Read a user's session without locking (for commands and previews).

        Raises:
            DecryptionError: The stored session does not decrypt with this store's key.
        """
        with self._reader.begin() as db:
            row = db.get(SessionRow, user_id)
            return self._decode(row) if row is not None and row.payload is not None else None

    def save_session(self, session: Session) -> None:
        """Write a user's session in its own (locking) transaction."""
        with self.turn(session.user_id) as current:
            current.save(session)

    def delete_user(self, user_id: str) -> None:
        """Erase every row about a user from every user-keyed table, in one transaction."""
        with self._writer.begin() as db:
            for table in user_tables():
                db.execute(delete(table).where(table.c.user_id == user_id))

    def user_ids(self) -> Iterator[str]:
        """Yield the ids of every user with a stored session (operators' tools only)."""
        with self._reader.begin() as db:
            ids = list(
                db.scalars(
                    select(SessionRow.user_id).where(SessionRow.payload.is_not(None)).order_by(SessionRow.user_id)
                )
            )
        yield from ids

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def _lock(self, db: OrmSession, user_id: str) -> SessionRow | None:
        if not self._postgres:
            return db.get(SessionRow, user_id)
        db.execute(text(f"SET LOCAL lock_timeout = '{BUSY_TIMEOUT_SECONDS}s'"))
        # Retry: a concurrent turn may delete its placeholder between our insert and our lock.
        for _ in range(5):
            db.execute(
                pg_insert(SessionRow)
                .values(user_id=user_id, payload=None, updated_at=self._clock.now())
                .on_conflict_do_nothing(index_elements=[SessionRow.user_id])
            )
            row = db.scalars(select(SessionRow).where(SessionRow.user_id == user_id).with_for_update()).one_or_none()
            if row is not None:
                return row
        raise StorageError(f"could not lock the session row for user {user_id}")

    def _write(self, db: OrmSession, row: SessionRow | None, session: Session) -> None:
        # Dumping in python mode keeps Decimals as exact strings ("0.10"), where the JSON
        # serialiser of the contract would turn yuan into floats.
        payload = self._cipher.encrypt(to_json(session.model_dump(mode="python")))
        if row is None:
            db.add(SessionRow(user_id=session.user_id, payload=payload, updated_at=self._clock.now()))
        else:
            row.payload = payload
            row.updated_at = self._clock.now()

    def _decode(self, row: SessionRow) -> Session:
        assert row.payload is not None
        session = Session.model_validate_json(self._cipher.decrypt(row.payload))
        if session.user_id != row.user_id:
            # Fernet cannot bind a token to its row, so check that rows were not swapped.
            raise StorageError("a stored session belongs to another user; the database was altered")
        return session


def _conforms(store: SqlStore) -> Store:
    return store  # mypy checks SqlStore against the Store protocol here
