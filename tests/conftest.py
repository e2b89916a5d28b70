"""Shared fixtures.  Storage: `db_url` and `store` run each test on SQLite and, when configured, PostgreSQL.

PostgreSQL runs when `DATABASE_URL` points at it; each test session works in a fresh schema
(`t_<random>`, dropped at the end) so concurrent runs on one server never meet.  With
`REQUIRE_POSTGRES=1` a missing or unreachable PostgreSQL fails those tests instead of skipping.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, NoReturn

import jinja2
import pytest
from pg_schema import private_schema
from sqlalchemy import delete
from sqlalchemy.exc import DBAPIError

from flows.core import texts
from flows.storage import Cipher, SqlStore, open_store
from flows.storage.errors import database_reason
from flows.storage.sql import user_tables


def _skip_or_fail(reason: str) -> NoReturn:
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@contextmanager
def _private_schema() -> Iterator[str]:
    """Yield a URL on a new, empty PostgreSQL schema (dropped afterwards), or skip (fail) without one."""
    raw = os.environ.get("DATABASE_URL", "")
    if not raw.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
        _skip_or_fail("DATABASE_URL does not point at PostgreSQL")
    with ExitStack() as stack:
        try:
            url = stack.enter_context(private_schema(raw, "t_"))
        except DBAPIError as exc:
            _skip_or_fail(f"PostgreSQL is not reachable: {database_reason(exc)}")
        yield url


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a schema private to this test session."""
    with _private_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database never migrated: a SQLite file not yet created, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    with _private_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for each backend: a fresh SQLite file, or the session's PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'coach.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture(scope="session")
def cipher() -> Cipher:
    """A cipher with a random key for the test session: the PostgreSQL schema is shared and keeps its key check."""
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


# -- every sentence any test renders is checked ---------------------------------------------

_LEFTOVERS = re.compile(r"None|\bnan\b|NaN|Decimal\(|\{\{|\}\}|\{%|%\}|\(\s*\)|（\s*）|【\s*】|「\s*」|\[\s*\]|“\s*”")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")
# Latin words a Chinese reader meets in the coach's own sentences: acronyms, file names, URLs.
_ALLOWED_LATIN = frozenset({"APP", "LPR", "IRR", "JSON", "PNG"})
# Slash commands, file names and web addresses are not English prose.
_NOT_PROSE = re.compile(r"/[a-z_]+|[\w-]+\.(?:json|ics|png)|https?://\S+|[a-z]+(?:\.[a-z]+)+")


def sentence_problems(text: str) -> list[str]:
    """Return what is wrong with a rendered sentence: leftovers of code, empty brackets, English."""
    problems = [f"leftover {match.group(0)!r}" for match in _LEFTOVERS.finditer(text)]
    problems += [
        f"English word {match.group(0)!r}"
        for match in _LATIN_WORD.finditer(_NOT_PROSE.sub(" ", text))
        if match.group(0) not in _ALLOWED_LATIN
    ]
    return problems


class _CheckedTemplate:
    def __init__(self, template: jinja2.Template, name: str, problems: list[str]) -> None:
        self._template = template
        self._name = name
        self._problems = problems

    def render(self, *args: Any, **context: Any) -> str:
        text = self._template.render(*args, **context)
        self._problems += [f"{self._name}: {problem}" for problem in sentence_problems(text)]
        return text

    def __getattr__(self, name: str) -> Any:
        # Blocks rendered alone (a form slot's label) come through the template itself.
        return getattr(self._template, name)


@pytest.fixture(autouse=True)
def every_sentence_is_clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test when any template it rendered shows None, empty brackets, leftovers or English."""
    problems: list[str] = []
    original = texts._env.get_template

    def checked(name: str, *args: Any, **kwargs: Any) -> Any:
        return _CheckedTemplate(original(name, *args, **kwargs), name, problems)

    monkeypatch.setattr(texts._env, "get_template", checked)
    yield
    assert not problems, "rendered sentences with problems:\n" + "\n".join(sorted(set(problems)))
