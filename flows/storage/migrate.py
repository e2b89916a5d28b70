"""Bring a database's schema to the newest migration, safely when several processes start at once."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import Connection

from flows.storage.crypto import Cipher
from flows.storage.errors import WRONG_KEY_EN, EncryptionKeyError, StorageError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "coach_alembic_version"
"""Not Alembic's default name, so the coach can share a PostgreSQL database with other apps."""


def alembic_config(connection: Connection | None = None, cipher: Cipher | None = None) -> Config:
    """Build the Alembic configuration in code (no alembic.ini needed, works from an installed wheel).

    Args:
        connection: The connection migrations run on, handed to `env.py` through
            `config.attributes["connection"]`.
        cipher: The master key, for migrations that re-encrypt rows (`config.attributes["cipher"]`).

    Returns:
        The configuration for `alembic.command` functions.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_table", VERSION_TABLE)
    config.attributes["connection"] = connection
    config.attributes["cipher"] = cipher
    return config


def upgrade_to_head(engine: Engine, cipher: Cipher | None = None) -> None:
    """Run every pending migration in one transaction.

    On PostgreSQL a transaction-scoped advisory lock (per schema) makes a second process that
    starts at the same moment wait, then find nothing left to do; on SQLite the store's
    engine begins transactions IMMEDIATE, which does the same.

    Args:
        engine: The store's engine.
        cipher: The master key; needed when a migration converts stored rows.
    """
    before = current_revision(engine)
    if before == head_revision():
        return  # the usual start: nothing to do, and Alembic (~10 MB) stays unloaded
    from alembic import command

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # A migration may rewrite every row and wait for another process's: the turns' limits do not apply.
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{MIGRATE_TIMEOUT_SECONDS}s'")
            connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:name || current_schema()))"),
                {"name": "debt-coach-migrate:"},
            )
        command.upgrade(alembic_config(connection, cipher), "head")
    if before is not None and engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        _compact(engine)


def _compact(engine: Engine) -> None:
    # A migration that rewrites rows (0003 replaced transport ids) leaves the old bytes in free pages
    # and the write-ahead log; VACUUM rebuilds the file without them and the checkpoint empties the log.
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("VACUUM")
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


MIGRATE_TIMEOUT_SECONDS = 300


def upgrade_in_child(engine: Engine, cipher: Cipher | None = None) -> None:
    """Run `upgrade_to_head` in a short-lived child process when the database is behind.

    The long-running bot calls this instead of `upgrade_to_head`: Alembic and Mako, once loaded,
    stay resident (about 14 MB, bench/README.md), and a bot migrates at most once per release.
    The URL, password included, and the keys reach the child on its stdin, never on its command
    line or in its environment.

    Args:
        engine: The store's engine (a file or server database; an in-memory one has no other process).
        cipher: The master key, for migrations that re-encrypt rows.

    Raises:
        StorageError: The migration failed; the child's one-line reason is in the message.
    """
    if current_revision(engine) == head_revision():
        return
    try:
        done = subprocess.run(
            [sys.executable, "-m", "flows.storage", "migrate"],
            input=engine.url.render_as_string(hide_password=False) + "\n" + (cipher.material() if cipher else ""),
            capture_output=True,
            text=True,
            timeout=MIGRATE_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise StorageError(f"migrating the database took more than {MIGRATE_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        reason = lines[-1] if lines else f"migrating the database failed (exit {done.returncode})"
        raise (EncryptionKeyError if reason.endswith(WRONG_KEY_EN) else StorageError)(reason)


@cache
def head_revision() -> str:
    """Return the newest revision id, read from the migration files without loading Alembic."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r'^revision[^=]*=\s*"([^"]+)"', source, re.MULTILINE)
        parent = re.search(r'^down_revision[^=]*=\s*(?:"([^"]+)"|None)', source, re.MULTILINE)
        if revision:
            revisions[revision.group(1)] = parent.group(1) if parent else None
    parents = set(revisions.values())
    heads = [revision for revision in revisions if revision not in parents]
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {sorted(heads)}")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at, or None when it has never been migrated."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        return found[0] if len(found) == 1 else None
