"""Shared fixtures.  Storage: `db_url` and `store` run each test on SQLite and, when configured, PostgreSQL.

PostgreSQL runs when `DATABASE_URL` points at it; each test session works in a fresh schema
(`t_<random>`, dropped at the end) so concurrent runs on one server never meet.  With
`REQUIRE_POSTGRES=1` a missing or unreachable PostgreSQL fails those tests instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import create_engine, delete, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from flows.storage import Cipher, SqlStore, open_store, resolve_url
from flows.storage.sql import user_tables


def _skip_or_fail(reason: str) -> NoReturn:
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a schema private to this test session."""
    raw = os.environ.get("DATABASE_URL", "")
    if not raw.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
        _skip_or_fail("DATABASE_URL does not point at PostgreSQL")
    url = resolve_url(raw)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(url, poolclass=NullPool)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except DBAPIError as exc:
        admin.dispose()
        _skip_or_fail(f"PostgreSQL is not reachable: {str(exc.orig).strip().splitlines()[0]}")
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for each backend: a fresh SQLite file, or the session's PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'coach.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def cipher() -> Cipher:
    """A cipher with a fresh random key."""
    return Cipher.generate()


@pytest.fixture
def store(db_url: str, cipher: Cipher) -> Iterator[SqlStore]:
    """An open, migrated store on `db_url`, emptied and closed after the test."""
    opened = open_store(db_url, key=cipher)
    try:
        yield opened
    finally:
        with opened.engine.begin() as conn:
            for table in user_tables():
                conn.execute(delete(table))
        opened.close()
