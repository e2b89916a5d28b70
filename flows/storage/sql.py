"""The SQLAlchemy store: one encrypted row per user, one locked transaction per turn.

Every table of user data is a SQLAlchemy Core `Table` on `METADATA` with a `user_id` column; that
column is how `delete_user` finds it, so a new table (reminders, role-play history) is erased
with the user as soon as its module is imported.  Core, not the ORM: each turn reads and writes one
row by key, and the ORM's unit of work cost more CPU and memory than everything else in the store.
The schema itself is owned by the Alembic migrations in `flows/storage/migrations`;
`tests/test_storage.py` checks they agree.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from pydantic_core import to_json
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    Table,
    Text,
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.engine import URL, Connection
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.elements import BindParameter

from flows.core.clock import Clock, SystemClock
from flows.core.session import Session
from flows.storage.base import Store
from flows.storage.crypto import Cipher
from flows.storage.errors import StorageError

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 30
"""How long a turn waits for another process's turn on the same data before failing."""

SQLITE_CACHE_KIB = 512
"""Page cache per SQLite connection."""

CONNECT_TIMEOUT_SECONDS = 10
"""How long opening a PostgreSQL connection may take before the turn fails (and the user is asked to retry)."""
POOL_RECYCLE_SECONDS = 1800
"""Pooled PostgreSQL connections older than this are replaced (idle-timeout proxies drop them silently)."""

_READ_ONLY = "coach_read_only"


@dataclass(frozen=True)
class PgTimeouts:
    """PostgreSQL's per-connection limits; each comes from `COACH_DB_<NAME>` (milliseconds or a count)."""

    statement_ms: int = 5_000
    lock_ms: int = 5_000
    idle_in_transaction_ms: int = 10_000
    keepalive_idle_s: int = 30
    keepalive_interval_s: int = 10
    keepalive_count: int = 3
    tcp_user_timeout_ms: int = 30_000


_TIMEOUT_ENV = {
    "statement_ms": "COACH_DB_STATEMENT_TIMEOUT_MS",
    "lock_ms": "COACH_DB_LOCK_TIMEOUT_MS",
    "idle_in_transaction_ms": "COACH_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS",
    "keepalive_idle_s": "COACH_DB_KEEPALIVES_IDLE_S",
    "keepalive_interval_s": "COACH_DB_KEEPALIVES_INTERVAL_S",
    "keepalive_count": "COACH_DB_KEEPALIVES_COUNT",
    "tcp_user_timeout_ms": "COACH_DB_TCP_USER_TIMEOUT_MS",
}


def pg_timeouts(environ: Mapping[str, str] | None = None) -> PgTimeouts:
    """Read PostgreSQL's timeouts from the environment (see `PgTimeouts` for names and defaults).

    Raises:
        StorageError: A value is not a positive whole number.
    """
    env = os.environ if environ is None else environ
    values: dict[str, int] = {}
    for field_name, variable in _TIMEOUT_ENV.items():
        raw = env.get(variable, "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) <= 0:
            raise StorageError(f"{variable} must be a positive whole number")
        values[field_name] = int(raw)
    return PgTimeouts(**values)


METADATA = MetaData()
"""Every storage table; the Alembic migrations in `flows/storage/migrations` must agree with it."""

SESSIONS = Table(
    "sessions",
    METADATA,
    Column("user_id", Text, primary_key=True),
    Column("payload", LargeBinary),  # NULL only while PostgreSQL holds a new user's lock
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""One user's `Session`, encrypted."""


def user_tables() -> list[Table]:
    """Return every table keyed by user, children before parents (the order deletes must run in)."""
    return [table for table in reversed(METADATA.sorted_tables) if "user_id" in table.c]


def _install_sqlite_hooks(engine: Engine) -> None:
    # pysqlite's own transaction handling skips BEGIN before SELECT and DDL; the SQLAlchemy
    # docs' recipe takes it over so every transaction really begins where SQLAlchemy says.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL's recommended setting: no fsync per commit, still durable if the process dies; a
            # power cut can lose the last turns but never corrupts the file.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # Deleted rows are overwritten with zeros, so /delete leaves no readable copy in free pages.
            cursor.execute("PRAGMA secure_delete=ON")
            # 512 KiB holds every interior B-tree page of a large user table; leaf pages come from
            # the OS's file cache.  SQLite's 2 MB default per connection is resident memory we miss.
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
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


def in_memory(url: URL) -> bool:
    """Whether `url` is a SQLite database that lives only in this process."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(url: URL) -> Engine:
    """Create an engine configured for the store: SQLite in WAL mode with locking turns, or PostgreSQL.

    Args:
        url: A `sqlite` or `postgresql+psycopg` URL.

    Returns:
        The engine; the caller disposes it (the store does on `close`).
    """
    if url.get_backend_name() == "sqlite":
        if in_memory(url):
            # One shared connection, so the in-memory database outlives a checkout (tests only).
            engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False, "timeout": 0})
        else:
            # LIFO: the connection used last is used next, so one page cache stays warm instead of
            # every pooled connection filling its own.
            engine = create_engine(url, pool_use_lifo=True, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
        _install_sqlite_hooks(engine)
        return engine
    # A server that went away (restart, failover, killed backend) costs the turns that were using it,
    # never the process: pre-ping replaces dead pooled connections before a turn uses them, a
    # disconnect during a turn invalidates the pool, and connecting gives up after a bounded time.
    # The server-side timeouts bound a turn's statements, its wait for another instance's lock on the
    # same user, and a client that went silent in a transaction (its locks are released); the TCP
    # settings notice a peer that vanished without a word.  They join any options the URL already
    # carries (a search_path, say) instead of replacing them.
    timeouts = pg_timeouts()
    options = " ".join(
        [
            str(url.query.get("options", "")),
            f"-c statement_timeout={timeouts.statement_ms}",
            f"-c lock_timeout={timeouts.lock_ms}",
            f"-c idle_in_transaction_session_timeout={timeouts.idle_in_transaction_ms}",
        ]
    ).strip()
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_recycle=POOL_RECYCLE_SECONDS,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": options,
            "keepalives": 1,
            "keepalives_idle": timeouts.keepalive_idle_s,
            "keepalives_interval": timeouts.keepalive_interval_s,
            "keepalives_count": timeouts.keepalive_count,
            "tcp_user_timeout": timeouts.tcp_user_timeout_ms,
        },
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


_USER: BindParameter[str] = bindparam("uid")  # not "user_id": INSERT and UPDATE reserve column names for their values
# Built once, compiled once: each turn runs two or three of these by key.
_READ = select(SESSIONS.c.payload).where(SESSIONS.c.user_id == _USER)
_READ_LOCKED = _READ.with_for_update()
_INSERT = insert(SESSIONS)
_UPDATE = update(SESSIONS).where(SESSIONS.c.user_id == _USER)
_DELETE = delete(SESSIONS).where(SESSIONS.c.user_id == _USER)
_LOCK_ATTEMPTS = 5


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
        self._read_only = engine.execution_options(**{_READ_ONLY: True})
        self._postgres = engine.dialect.name == "postgresql"
        # SQLite has one writer at a time whatever we do; queueing this process's turns on a lock
        # wakes the next one as soon as the last commits, where SQLite's busy handler would poll
        # with sleeps of up to 100 ms.  PostgreSQL locks per user row and needs nothing more.
        self._one_writer: AbstractContextManager[object] = nullcontext() if self._postgres else threading.Lock()
        if self._postgres:  # the dialect's module is loaded only for PostgreSQL
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            self._placeholder = pg_insert(SESSIONS).on_conflict_do_nothing(index_elements=[SESSIONS.c.user_id])

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
        `BUSY_TIMEOUT_SECONDS` on SQLite, `COACH_DB_LOCK_TIMEOUT_MS` on PostgreSQL) until this
        one commits, then sees what it saved.

        Args:
            user_id: Whose turn it is.

        Yields:
            The turn: `session` as stored, and `save()` to stage the new one.  The staged
            session is written and committed when the block exits normally; everything is
            rolled back if it raises.
        """
        with self._one_writer, self.engine.begin() as conn:
            has_row, payload = self._lock(conn, user_id)
            current = SqlTurn(user_id, self._decode(user_id, payload) if payload is not None else None)
            yield current
            if current.staged is not None:
                self._write(conn, current.staged, new=not has_row)
            elif has_row and payload is None:
                conn.execute(_DELETE, {"uid": user_id})  # only the lock placeholder: leave no trace

    def load_session(self, user_id: str) -> Session | None:
        """Read a user's session without locking (for commands and previews).

        Raises:
            DecryptionError: The stored session does not decrypt with this store's key.
        """
        with self._read_only.begin() as conn:
            payload = conn.execute(_READ, {"uid": user_id}).scalar()
        return self._decode(user_id, payload) if payload is not None else None

    def save_session(self, session: Session) -> None:
        """Write a user's session in its own (locking) transaction."""
        with self.turn(session.user_id) as current:
            current.save(session)

    def delete_user(self, user_id: str) -> None:
        """Erase every row about a user from every user-keyed table, in one transaction.

        On a SQLite file the write-ahead log is then checkpointed and truncated: until then it
        still holds the pages as they were before the delete.
        """
        with self._one_writer, self.engine.begin() as conn:
            for table in user_tables():
                conn.execute(delete(table).where(table.c.user_id == user_id))
        if not self._postgres and not in_memory(self.engine.url):
            self._checkpoint()

    def _checkpoint(self) -> None:
        raw = self.engine.raw_connection()
        try:
            busy = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            raw.close()
        if busy and busy[0]:
            # A reader kept an old snapshot; the next checkpoint (SQLite's automatic ones) finishes the job.
            logger.warning("the write-ahead log could not be truncated after a delete")

    def user_ids(self) -> Iterator[str]:
        """Yield the ids of every user with a stored session (operators' tools only)."""
        with self._read_only.begin() as conn:
            ids = list(
                conn.scalars(
                    select(SESSIONS.c.user_id).where(SESSIONS.c.payload.is_not(None)).order_by(SESSIONS.c.user_id)
                )
            )
        yield from ids

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def _lock(self, conn: Connection, user_id: str) -> tuple[bool, bytes | None]:
        """Lock the user's row and return whether it exists and its payload (None for a placeholder)."""
        params = {"uid": user_id}
        if not self._postgres:
            row = conn.execute(_READ, params).first()  # BEGIN IMMEDIATE already holds the write lock
            return (False, None) if row is None else (True, row.payload)
        row = conn.execute(_READ_LOCKED, params).first()
        # Retry: a concurrent turn may delete its placeholder between our insert and our lock.
        for _ in range(_LOCK_ATTEMPTS):
            if row is not None:
                return True, row.payload
            conn.execute(self._placeholder, {"user_id": user_id, "payload": None, "updated_at": self._clock.now()})
            row = conn.execute(_READ_LOCKED, params).first()
        if row is not None:
            return True, row.payload
        raise StorageError(f"could not lock the session row for user {user_id}")

    def _write(self, conn: Connection, session: Session, *, new: bool) -> None:
        # Dumping in python mode keeps Decimals as exact strings ("0.10"), where the JSON
        # serialiser of the contract would turn yuan into floats.
        payload = self._cipher.encrypt(to_json(session.model_dump(mode="python")))
        if new:
            conn.execute(_INSERT, {"user_id": session.user_id, "payload": payload, "updated_at": self._clock.now()})
        else:
            conn.execute(_UPDATE, {"uid": session.user_id, "payload": payload, "updated_at": self._clock.now()})

    def _decode(self, user_id: str, payload: bytes) -> Session:
        session = Session.model_validate_json(self._cipher.decrypt(payload))
        if session.user_id != user_id:
            # Fernet cannot bind a token to its row, so check that rows were not swapped.
            raise StorageError("a stored session belongs to another user; the database was altered")
        return session


def _conforms(store: SqlStore) -> Store:
    return store  # mypy checks SqlStore against the Store protocol here
