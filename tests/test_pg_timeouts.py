"""PostgreSQL limits every turn: a held lock or a database gone silent fails the turn in bounded time."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from tcp_proxy import TcpProxy

from flows.core.session import Session
from flows.storage import Cipher, SqlStore, StorageError, open_store
from flows.storage.sql import PgTimeouts, pg_timeouts

USER = "console:timeouts"


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_DB_LOCK_TIMEOUT_MS", "300")
    monkeypatch.setenv("COACH_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", "500")


@pytest.fixture
def direct(pg_url: str, cipher: Cipher, limits: None) -> Iterator[SqlStore]:
    store = open_store(pg_url, key=cipher)
    try:
        yield store
    finally:
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM sessions"))
        store.close()


def test_timeouts_come_from_the_environment_with_defaults() -> None:
    assert pg_timeouts({}) == PgTimeouts()
    assert pg_timeouts({"COACH_DB_STATEMENT_TIMEOUT_MS": "1500"}).statement_ms == 1500
    with pytest.raises(StorageError, match="COACH_DB_LOCK_TIMEOUT_MS"):
        pg_timeouts({"COACH_DB_LOCK_TIMEOUT_MS": "soon"})


def test_every_connection_carries_the_limits(direct: SqlStore) -> None:
    with direct.engine.connect() as conn:
        shown = {name: conn.execute(text(f"SHOW {name}")).scalar()
                 for name in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")}
        search_path = conn.execute(text("SHOW search_path")).scalar()
    assert shown == {"statement_timeout": "5s", "lock_timeout": "300ms", "idle_in_transaction_session_timeout": "500ms"}
    assert str(search_path).startswith("t_")  # the URL's own options survive


def test_a_turn_waiting_on_a_held_lock_fails_instead_of_hanging(direct: SqlStore, pg_url: str) -> None:
    direct.save_session(Session.new(USER))
    holder = create_engine(make_url(pg_url).set(drivername="postgresql+psycopg"), poolclass=NullPool)
    try:
        with holder.begin() as conn:
            conn.execute(text("SELECT 1 FROM sessions WHERE user_id = :u FOR UPDATE"), {"u": direct.ref(USER)})
            with pytest.raises(DBAPIError, match="lock timeout"), direct.turn(USER):
                pass
        with direct.turn(USER) as turn:  # the holder is gone: the next turn goes through
            assert turn.session is not None
    finally:
        holder.dispose()


def test_a_database_gone_silent_fails_the_turn_and_releases_the_lock(direct: SqlStore, pg_url: str) -> None:
    direct.save_session(Session.new(USER))
    url = make_url(pg_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    silent = open_store(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
                        key=direct.cipher)
    failures: list[BaseException] = []

    def turn() -> None:
        try:
            with silent.turn(USER) as current:
                assert current.session is not None
                changed = current.session.model_copy(update={"consent": True})
                current.save(changed)
                proxy.freeze()  # the row is locked; from here on the database hears nothing
        except BaseException as error:
            failures.append(error)

    try:
        worker = threading.Thread(target=turn, daemon=True)
        worker.start()
        worker.join(timeout=30)  # a deadline, not a measurement: it used to hang for good
        assert not worker.is_alive(), "the turn hung on a silent database"
        assert len(failures) == 1 and isinstance(failures[0], DBAPIError)
        assert "idle-in-transaction" in str(failures[0])
        with direct.turn(USER) as current:  # the lock was released and nothing was committed
            assert current.session is not None and current.session.consent is False
    finally:
        proxy.stop()
        silent.close()


def test_the_pool_keeps_a_connection_for_every_turn_thread(direct: SqlStore) -> None:
    from bot.cli_run import _turn_threads

    # An overflow connection is closed when returned: a busy bot would open a server backend per turn.
    assert direct.engine.pool.size() >= _turn_threads(direct) + 2  # type: ignore[attr-defined]
