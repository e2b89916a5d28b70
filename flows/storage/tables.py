"""The storage tables every module registers on, and which of them hold a user's rows."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, LargeBinary, MetaData, Table, Text

METADATA = MetaData()
"""Every storage table; the Alembic migrations in `flows/storage/migrations` must agree with it."""

SESSIONS = Table(
    "sessions",
    METADATA,
    Column("user_id", Text, primary_key=True),  # the keyed pseudonym (`Keyring.ref`), never the transport id
    Column("payload", LargeBinary),  # NULL only while PostgreSQL holds a new user's lock
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""One user's `Session`, encrypted under their data key."""


def user_tables() -> list[Table]:
    """Return every table keyed by user, children before parents (the order deletes must run in)."""
    return [table for table in reversed(METADATA.sorted_tables) if "user_id" in table.c]
