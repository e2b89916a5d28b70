"""The SQLAlchemy store: one encrypted row per user, one locked transaction per turn.

Every table of user data is a SQLAlchemy Core `Table` on `METADATA` with a `user_id` column holding
the user's keyed pseudonym (`Keyring.ref`), never the transport id; that column is how
`delete_user` finds it, so a new table (reminders, role-play history) is erased with the user as
soon as its module is imported.  A user's rows are encrypted under their own data key
(`flows/storage/keys.py`), which `delete_user` destroys first.  Core, not the ORM: each turn reads
and writes one row by key, and the ORM's unit of work cost more CPU and memory than everything else.
The schema itself is owned by the Alembic migrations in `flows/storage/migrations`;
`tests/test_storage.py` checks they agree.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from pydantic_core import to_json
from sqlalchemy import Engine, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import BindParameter

from flows.core import tags
from flows.core.clock import Clock, SystemClock
from flows.core.session import Session
from flows.storage.base import Store
from flows.storage.connect import (
    BUSY_TIMEOUT_SECONDS,
    CONNECT_TIMEOUT_SECONDS,
    POOL_RECYCLE_SECONDS,
    READ_ONLY,
    SQLITE_CACHE_KIB,
    PgTimeouts,
    in_memory,
    make_engine,
    pg_timeouts,
)
from flows.storage.crypto import Cipher
from flows.storage.errors import StorageError
from flows.storage.keys import USER_KEYS, Keyring, open_keyring
from flows.storage.tables import METADATA, SESSIONS, user_tables

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "CONNECT_TIMEOUT_SECONDS",
    "METADATA",
    "POOL_RECYCLE_SECONDS",
    "SESSIONS",
    "SQLITE_CACHE_KIB",
    "PgTimeouts",
    "SqlStore",
    "SqlTurn",
    "in_memory",
    "make_engine",
    "pg_timeouts",
    "user_tables",
]

logger = logging.getLogger(__name__)


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
_READ = (
    select(SESSIONS.c.payload, USER_KEYS.c.wrapped)
    .select_from(SESSIONS.outerjoin(USER_KEYS, USER_KEYS.c.user_id == SESSIONS.c.user_id))
    .where(SESSIONS.c.user_id == _USER)
)
_READ_LOCKED = _READ.with_for_update(of=SESSIONS)
_INSERT = insert(SESSIONS)
_INSERT_KEY = insert(USER_KEYS)
_UPDATE = update(SESSIONS).where(SESSIONS.c.user_id == _USER)
_DELETE = delete(SESSIONS).where(SESSIONS.c.user_id == _USER)
_LOCK_ATTEMPTS = 5


class SqlStore:
    """`Store` on SQLAlchemy: SQLite (one file) or PostgreSQL (several bot instances)."""

    def __init__(self, engine: Engine, cipher: Cipher, *, clock: Clock | None = None) -> None:
        """Wrap an engine whose schema is already migrated (see `flows.storage.open_store`).

        Args:
            engine: From `make_engine`; the store disposes it on `close`.
            cipher: The master key(s): they wrap every user's data key and the install secret.
            clock: Stamps `updated_at`; the system clock by default.
        """
        self.engine = engine
        self._cipher = cipher
        self._clock: Clock = clock or SystemClock()
        self._read_only = engine.execution_options(**{READ_ONLY: True})
        self._postgres = engine.dialect.name == "postgresql"
        self._keyring_value: Keyring | None = None
        self._keyring_lock = threading.Lock()
        # SQLite has one writer at a time whatever we do; queueing this process's turns on a lock
        # wakes the next one as soon as the last commits, where SQLite's busy handler would poll
        # with sleeps of up to 100 ms.  PostgreSQL locks per user row and needs nothing more.
        self._one_writer: AbstractContextManager[object] = nullcontext() if self._postgres else threading.Lock()
        if self._postgres:  # the dialect's module is loaded only for PostgreSQL
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            self._placeholder = pg_insert(SESSIONS).on_conflict_do_nothing(index_elements=[SESSIONS.c.user_id])

    @property
    def cipher(self) -> Cipher:
        """Return the master cipher (it wraps data keys; user rows are under their own keys)."""
        return self._cipher

    @property
    def keyring(self) -> Keyring:
        """Return the keyring, verifying the master key against the database on first use.

        Raises:
            EncryptionKeyError: The master key is not the one the database was created with.
        """
        if self._keyring_value is None:
            with self._keyring_lock:
                if self._keyring_value is None:
                    with self._one_writer, self.engine.begin() as conn:
                        self._keyring_value = open_keyring(conn, self._cipher)
                    tags.use_key(self._keyring_value.subkey("logs/user-tag"))
        return self._keyring_value

    def subkey(self, purpose: str) -> bytes:
        """Return a 32-byte secret for `purpose`, derived from the install secret; key rotation keeps it."""
        return self.keyring.subkey(purpose)

    def ref(self, user_id: str) -> str:
        """Return the keyed pseudonym `user_id`'s rows are stored under."""
        return self.keyring.ref(user_id)

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
        keyring = self.keyring
        ref = keyring.ref(user_id)
        with self._one_writer, self.engine.begin() as conn:
            has_row, payload, wrapped = self._lock(conn, ref)
            cipher = keyring.unwrap(wrapped) if wrapped is not None else None
            current = SqlTurn(user_id, self._decode(user_id, payload, cipher) if payload is not None else None)
            yield current
            if current.staged is not None:
                self._write(conn, ref, current.staged, cipher, new=not has_row)
            elif has_row and payload is None:
                conn.execute(_DELETE, {"uid": ref})  # only the lock placeholder: leave no trace

    def load_session(self, user_id: str) -> Session | None:
        """Read a user's session without locking (for commands and previews).

        Raises:
            DecryptionError: The stored session does not decrypt with this store's key.
        """
        ref = self.ref(user_id)
        with self._read_only.begin() as conn:
            row = conn.execute(_READ, {"uid": ref}).first()
        if row is None or not row.payload:
            return None
        return self._decode(user_id, row.payload, self.keyring.unwrap(row.wrapped) if row.wrapped else None)

    def save_session(self, session: Session) -> None:
        """Write a user's session in its own (locking) transaction."""
        with self.turn(session.user_id) as current:
            current.save(session)

    def delete_user(self, user_id: str) -> None:
        """Erase every row about a user from every user-keyed table, in one transaction.

        The user's data key goes first: on PostgreSQL that takes its row lock, so a concurrent
        reminder write (which needs the key) either finishes before the delete or finds no key.
        On a SQLite file the write-ahead log is then checkpointed and truncated: until then it
        still holds the pages as they were before the delete.
        """
        ref = self.ref(user_id)
        with self._one_writer, self.engine.begin() as conn:
            conn.execute(delete(USER_KEYS).where(USER_KEYS.c.user_id == ref))
            for table in user_tables():
                if table is not USER_KEYS:
                    conn.execute(delete(table).where(table.c.user_id == ref))
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
        """Yield the ids of every user with a stored session, sorted (operators' tools only; decrypts each)."""
        with self._read_only.begin() as conn:
            rows = conn.execute(
                select(SESSIONS.c.payload, USER_KEYS.c.wrapped)
                .select_from(SESSIONS.join(USER_KEYS, USER_KEYS.c.user_id == SESSIONS.c.user_id))
                .where(SESSIONS.c.payload.is_not(None))
            ).all()
        keyring = self.keyring
        ids = [Session.model_validate_json(keyring.unwrap(r.wrapped).decrypt(r.payload)).user_id for r in rows]
        yield from sorted(ids)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def _lock(self, conn: Connection, ref: str) -> tuple[bool, bytes | None, bytes | None]:
        """Lock the user's row; return whether it exists, its payload (None: a placeholder) and wrapped key."""
        params = {"uid": ref}
        if not self._postgres:
            row = conn.execute(_READ, params).first()  # BEGIN IMMEDIATE already holds the write lock
            return (False, None, None) if row is None else (True, row.payload, row.wrapped)
        row = conn.execute(_READ_LOCKED, params).first()
        # Retry: a concurrent turn may delete its placeholder between our insert and our lock.
        for _ in range(_LOCK_ATTEMPTS):
            if row is not None:
                return True, row.payload, row.wrapped
            conn.execute(self._placeholder, {"user_id": ref, "payload": None, "updated_at": self._clock.now()})
            row = conn.execute(_READ_LOCKED, params).first()
        if row is not None:
            return True, row.payload, row.wrapped
        raise StorageError("could not lock a session row")

    def _write(self, conn: Connection, ref: str, session: Session, cipher: Cipher | None, *, new: bool) -> None:
        if cipher is None:
            # The user's first save: their data key is made here, under the session row's lock.
            cipher, wrapped = self.keyring.new_data_key()
            conn.execute(_INSERT_KEY, {"user_id": ref, "wrapped": wrapped, "created_at": self._clock.now()})
        # Dumping in python mode keeps Decimals as exact strings ("0.10"), where the JSON
        # serialiser of the contract would turn yuan into floats.
        payload = cipher.encrypt(to_json(session.model_dump(mode="python")))
        if new:
            conn.execute(_INSERT, {"user_id": ref, "payload": payload, "updated_at": self._clock.now()})
        else:
            conn.execute(_UPDATE, {"uid": ref, "payload": payload, "updated_at": self._clock.now()})

    def _decode(self, user_id: str, payload: bytes, cipher: Cipher | None) -> Session:
        if cipher is None:
            raise StorageError("a stored session has no data key; the database was altered")
        session = Session.model_validate_json(cipher.decrypt(payload))
        if session.user_id != user_id:
            # Fernet cannot bind a token to its row, so check that rows were not swapped.
            raise StorageError("a stored session belongs to another user; the database was altered")
        return session


def _conforms(store: SqlStore) -> Store:
    return store  # mypy checks SqlStore against the Store protocol here
