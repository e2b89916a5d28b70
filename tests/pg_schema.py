"""A private PostgreSQL schema for one test session or benchmark run, so runs on one server never meet."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from flows.storage import resolve_url


@contextmanager
def private_schema(admin_url: str, prefix: str) -> Iterator[str]:
    """Create an empty schema `<prefix><random>`, yield a URL whose search_path is it, then drop it.

    Raises:
        sqlalchemy.exc.DBAPIError: PostgreSQL could not be reached (nothing was created).
    """
    url = resolve_url(admin_url)
    schema = f"{prefix}{uuid.uuid4().hex[:16]}"
    admin = create_engine(url, poolclass=NullPool)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()
