"""Bring a database's schema to the newest migration, safely when several processes start at once."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "coach_alembic_version"
"""Not Alembic's default name, so the coach can share a PostgreSQL database with other apps."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Build the Alembic configuration in code (no alembic.ini needed, works from an installed wheel).

    Args:
        connection: The connection migrations run on, handed to `env.py` through
            `config.attributes["connection"]`.

    Returns:
        The configuration for `alembic.command` functions.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_table", VERSION_TABLE)
    config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Run every pending migration in one transaction.

    On PostgreSQL a transaction-scoped advisory lock (per schema) makes a second process that
    starts at the same moment wait, then find nothing left to do; on SQLite the store's
    engine begins transactions IMMEDIATE, which does the same.

    Args:
        engine: The store's engine.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:name || current_schema()))"),
                {"name": "debt-coach-migrate:"},
            )
        command.upgrade(alembic_config(connection), "head")
