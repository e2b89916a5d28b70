"""The database goes away during traffic (PostgreSQL, simulated): failing updates are answered kindly and
logged once each without their text, and the store recovers by itself when the database is back.

Two ways to lose the database without touching the machine's shared server: a loopback TCP proxy in
front of it that is stopped (every connection cut, new ones refused) and started again, and
`pg_terminate_backend` on the store's own backends, between turns and in the middle of one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from botapi_server import TOKEN, FakeBotApi, RecordingRequest
from pydantic import SecretStr
from sessions import answers
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from tcp_proxy import TcpProxy
from telegram import Update

from bot.settings import Settings
from bot.telegram import build_application
from flows.core.engine import Engine
from flows.core.models import Input
from flows.core.tags import user_tag
from flows.core.texts import render
from flows.storage import Cipher, SqlStore, open_store

ALICE, BOB = 5550001, 5550002
FIGURE = "87654"


@pytest.fixture
def proxied(pg_url: str, cipher: Cipher) -> Iterator[tuple[SqlStore, TcpProxy, str]]:
    """A store whose PostgreSQL connections go through a switchable proxy and carry a unique name."""
    url = make_url(pg_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    name = f"coach-fault-{uuid.uuid4().hex[:8]}"
    query = dict(url.query) | {"application_name": name}
    routed = url.set(host="127.0.0.1", port=proxy.port, query=query).render_as_string(hide_password=False)
    store = open_store(routed, key=cipher)
    try:
        yield store, proxy, name
    finally:
        proxy.stop()
        proxy.start()  # so the cleanup below can reach the database
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM sessions"))
        store.close()
        proxy.stop()


def _errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


def _assert_logs_are_clean(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        line = record.getMessage()
        for secret in (FIGURE, "8000", str(ALICE), str(BOB), "小李"):
            assert secret not in line, f"{secret!r} in log line {line!r}"


async def test_outage_through_telegram_is_answered_logged_once_and_recovers(
    proxied: tuple[SqlStore, TcpProxy, str], caplog: pytest.LogCaptureFixture
) -> None:
    store, proxy, _ = proxied
    api = FakeBotApi()
    settings = Settings(_env_file=None, telegram_bot_token=SecretStr(TOKEN), callback_secret=SecretStr("s" * 32))
    app = build_application(settings, Engine(store), request=RecordingRequest(api))
    await app.initialize()

    async def say(user: int, words: str) -> list[str]:
        before = len(api.sent(user, "sendMessage"))
        await app.process_update(Update.de_json(api.push_text(user, words), app.bot))
        return [c.plain for c in api.sent(user, "sendMessage")[before:]]

    try:
        caplog.set_level(logging.INFO)
        for words in ("/start", "同意", "小李", "8000"):
            await say(ALICE, words)
        assert not _errors(caplog)

        proxy.stop()  # the database goes away
        sorry = [render("core/error_try_again")]
        assert await say(ALICE, FIGURE) == sorry
        assert await say(BOB, "/start") == sorry
        assert await say(ALICE, "/help") == sorry
        errors = _errors(caplog)
        assert [r.getMessage().split(" error=")[0] for r in errors] == [
            f"turn failed user={user_tag(f'tg:{uid}')}" for uid in (ALICE, BOB, ALICE)
        ]
        assert all("OperationalError" in r.getMessage() and "\n" not in r.getMessage() for r in errors)

        proxy.start()  # back, on the same address; the bot was never restarted
        caplog.clear()
        assert "平台" in "".join(await say(ALICE, "3000"))
        assert "同意" in "".join(await say(BOB, "/start"))
        assert not _errors(caplog)
        found = answers(store, f"tg:{ALICE}")
        assert (found["monthly_income"], found["monthly_expenses"]) == (Decimal(8000), Decimal(3000))
        _assert_logs_are_clean(caplog)
    finally:
        await app.shutdown()


def test_killed_backends_between_and_during_turns(
    proxied: tuple[SqlStore, TcpProxy, str], pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store, _, name = proxied
    engine = Engine(store)
    admin = create_engine(make_url(pg_url).set(drivername="postgresql+psycopg"), poolclass=NullPool)
    user = "console:fault"

    def terminate(pid: int | None = None) -> int:
        where = "pid = :pid" if pid is not None else "application_name = :name AND pid <> pg_backend_pid()"
        with admin.begin() as conn:
            killed = conn.execute(
                text(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {where}"),
                {"pid": pid, "name": name},
            ).scalar_one()
        return int(killed)

    def say(words: str) -> str:
        return "\n".join(reply.text for reply in engine.handle(user, Input.of_text(words)))

    try:
        caplog.set_level(logging.INFO)
        for words in ("/start", "同意", "小李"):
            say(words)
        assert terminate() >= 1  # the pooled connection dies while idle
        assert "支出" in say("8000")  # pre-ping notices and reconnects: the user sees nothing
        assert not _errors(caplog)

        armed = [True]

        @event.listens_for(store.engine, "before_cursor_execute")
        def _die_mid_turn(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if armed[0] and statement.lstrip().upper().startswith("UPDATE SESSIONS"):
                armed[0] = False
                terminate(conn.connection.dbapi_connection.info.backend_pid)

        assert say("3000") == render("core/error_try_again")  # the write of this turn hit a dead backend
        [error] = _errors(caplog)
        assert error.getMessage().startswith(f"turn failed user={user_tag(user)} error=")
        assert "monthly_expenses" not in answers(store, user)  # the turn was rolled back
        assert "平台" in say("3000")  # and the very next turn works
        assert answers(store, user)["monthly_expenses"] == Decimal(3000)
        assert len(_errors(caplog)) == 1
    finally:
        admin.dispose()
