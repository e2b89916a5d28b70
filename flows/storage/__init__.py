"""Storage: one small interface, a SQLAlchemy implementation (SQLite default, PostgreSQL at scale).

`open_store()` picks the database, first match wins:

1. `db_path` (the CLI's `--db PATH`): a SQLite file;
2. `url`, else the `DATABASE_URL` environment variable: `sqlite:///relative.db`,
   `sqlite:////absolute.db`, `postgresql://user@host/db` or `postgres://...` (both run on
   psycopg 3);
3. the default SQLite file `$XDG_DATA_HOME/debt-coach/coach.db`, which is
   `~/.local/share/debt-coach/coach.db` when `XDG_DATA_HOME` is unset — per user, not per
   working directory, so the console finds its sessions wherever it is started.

A SQLite database's key file sits next to it (`coach.db` -> `coach.key`, mode 0600) unless a
key is configured; see `flows.storage.crypto` for the key's sources.  PostgreSQL needs
`COACH_ENCRYPTION_KEY` or `COACH_ENCRYPTION_KEY_FILE`.  The schema is migrated to the newest
revision on every open.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from flows.storage import reminders_sql as _reminders_sql  # noqa: F401  (registers the table for delete_user)
from flows.storage.base import Store, Turn
from flows.storage.crypto import Cipher, KeyMaterial, load_or_create_key, resolve_cipher
from flows.storage.errors import DecryptionError, EncryptionKeyError, StorageError, database_reason
from flows.storage.migrate import upgrade_in_child, upgrade_to_head
from flows.storage.sql import SqlStore, in_memory, make_engine

__all__ = [
    "Cipher",
    "DecryptionError",
    "EncryptionKeyError",
    "SqlStore",
    "StorageError",
    "Store",
    "Turn",
    "default_db_path",
    "load_or_create_key",
    "open_store",
    "resolve_url",
]

ENV_DATABASE_URL = "DATABASE_URL"


def default_db_path() -> Path:
    """Return the default SQLite file: `$XDG_DATA_HOME/debt-coach/coach.db` (`~/.local/share/...`)."""
    data_home = os.environ.get("XDG_DATA_HOME", "").strip()
    base = Path(data_home) if data_home else Path.home() / ".local" / "share"
    return base / "debt-coach" / "coach.db"


def _sqlite_url(path: str | os.PathLike[str]) -> URL:
    return URL.create("sqlite", database=str(Path(path).expanduser().absolute()))


def resolve_url(url: str | None = None, *, db_path: str | os.PathLike[str] | None = None) -> URL:
    """Decide which database to use (see the module docstring for the order).

    Args:
        url: A database URL, or None to read `DATABASE_URL`.
        db_path: A SQLite file path; wins over any URL.

    Returns:
        A SQLAlchemy URL: `sqlite` with an absolute path (or in memory), or `postgresql+psycopg`.

    Raises:
        StorageError: The URL is malformed or names an unsupported database.
    """
    if db_path is not None:
        return _sqlite_url(db_path)
    raw = url if url is not None else os.environ.get(ENV_DATABASE_URL, "").strip()
    if not raw:
        return _sqlite_url(default_db_path())
    source = "the database URL" if url is not None else ENV_DATABASE_URL
    try:
        parsed = make_url(raw)
    except ArgumentError:
        raise StorageError(f"{source} is not a valid database URL") from None
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        if in_memory(parsed):
            return parsed
        return parsed.set(database=str(Path(str(parsed.database)).expanduser().absolute()))
    raise StorageError(f"{source} names {parsed.drivername!r}; only sqlite and postgresql are supported")


def _prepare_sqlite_file(path: Path) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Created private before SQLite opens it; SQLite gives its -wal/-shm files the same mode.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise StorageError(f"cannot create database file {path}: {exc.strerror or exc}") from None


def open_store(
    url: str | None = None,
    *,
    db_path: str | os.PathLike[str] | None = None,
    key: Cipher | KeyMaterial | None = None,
    migrate_in_child: bool = False,
) -> SqlStore:
    """Open the coach's store, creating and migrating the database as needed.

    Args:
        url: A database URL; None reads `DATABASE_URL`, then falls back to the default file.
        db_path: A SQLite file (the CLI's `--db`); wins over `url` and `DATABASE_URL`.
        key: The encryption key(s) or a `Cipher`; None reads `COACH_ENCRYPTION_KEY`,
            `COACH_ENCRYPTION_KEY_FILE`, then a SQLite database's own key file.
        migrate_in_child: Migrate in a child process, so Alembic never stays loaded (the
            long-running bot); ignored for an in-memory database.

    Returns:
        The open store; call `close()` when done.

    Raises:
        StorageError: The database cannot be opened or the key is unusable (its subclass
            `EncryptionKeyError`, also when the key is not the one the database was created
            with); the message is one line, free of passwords and keys.
    """
    db_url = resolve_url(url, db_path=db_path)
    if in_memory(db_url):
        # An in-memory database dies with the process, so a throwaway key is enough.
        cipher = resolve_cipher(key if key is not None else Cipher.generate(), None)
    elif db_url.get_backend_name() == "sqlite":
        db_file = Path(str(db_url.database))
        cipher = resolve_cipher(key, db_file.with_suffix(".key"), create_key_file=not db_file.exists())
        _prepare_sqlite_file(db_file)
    else:
        cipher = resolve_cipher(key, None)
    engine = make_engine(db_url)
    try:
        if migrate_in_child and not in_memory(db_url):
            upgrade_in_child(engine, cipher)
        else:
            upgrade_to_head(engine, cipher)
        store = SqlStore(engine, cipher)
        store.keyring  # noqa: B018  (verifies the key now: a wrong key refuses to start)
    except DBAPIError as exc:
        engine.dispose()
        where = db_url.render_as_string(hide_password=True)
        raise StorageError(f"cannot open database {where}: {database_reason(exc)}") from exc
    except BaseException:
        engine.dispose()
        raise
    return store
