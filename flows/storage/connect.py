"""Engines configured for the store: SQLite in WAL mode with locking turns, or PostgreSQL with limits."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection
from sqlalchemy.pool import StaticPool

from flows.storage.errors import StorageError

BUSY_TIMEOUT_SECONDS = 30
"""How long a turn waits for another process's turn on the same data before failing."""

SQLITE_CACHE_KIB = 512
"""Page cache per SQLite connection."""

CONNECT_TIMEOUT_SECONDS = 10
"""How long opening a PostgreSQL connection may take before the turn fails (and the user is asked to retry)."""
POOL_RECYCLE_SECONDS = 1800
"""Pooled PostgreSQL connections older than this are replaced (idle-timeout proxies drop them silently)."""
PG_POOL_SIZE = 10
"""PostgreSQL connections kept open: the bot's 8 turn threads, the reminder dispatcher and the health probe.

SQLAlchemy's default of 5 made the busiest three of them overflow connections, closed at check-in and
opened again at the next turn: a new server backend (a process) for most turns of a busy bot.
"""
PG_MAX_OVERFLOW = 5
"""Extra connections a burst beyond the pool may open (closed again when returned)."""

READ_ONLY = "coach_read_only"
"""Execution option: begin a plain (not IMMEDIATE) transaction on SQLite."""


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
        # Straight on the driver's connection: BEGIN returns no rows, and SQLAlchemy's statement
        # machinery around it cost as much as the turn's own SELECT.
        begin = "BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"
        conn.connection.dbapi_connection.execute(begin)  # type: ignore[union-attr]


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
        pool_size=PG_POOL_SIZE,
        max_overflow=PG_MAX_OVERFLOW,
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
