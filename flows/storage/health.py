"""Liveness of the database behind a store, for health checks (SQL stays inside storage)."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from flows.storage.connect import READ_ONLY
from flows.storage.sql import SqlStore

logger = logging.getLogger(__name__)


def database_answers(store: SqlStore) -> bool:
    """Run `SELECT 1` on the store's database and tell whether it answered.

    The query runs in a read-only transaction (plain BEGIN on SQLite), so a health check never
    queues behind a turn holding the write lock.

    Args:
        store: An open store.

    Returns:
        True when the database answered, False on any database error (logged by type only).
    """
    try:
        with store.engine.execution_options(**{READ_ONLY: True}).connect() as conn:
            return bool(conn.execute(text("SELECT 1")).scalar() == 1)
    except SQLAlchemyError as exc:
        logger.warning("health check: database did not answer: %s", type(exc).__name__)
        return False
