"""The dispatcher survives what used to stop it for good: a database outage, and a row that does not decrypt."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from botapi_server import BotApiServer
from sqlalchemy import update
from sqlalchemy.engine import make_url
from tcp_proxy import TcpProxy
from telegram import Bot
from test_reminders_support import MONDAY, clock_at, scheduler, user

from bot.reminder_dispatch import Dispatcher, Limits, Sender
from flows.storage import Cipher, SqlStore, open_store
from flows.storage.reminders_sql import FAILED, PENDING, REMINDERS, SENT

FAST = Limits(per_second=1000.0, chat_interval=0.0, backoff=0.0)


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        yield running


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    async with Bot(server.token, base_url=server.base_url) as opened:
        yield opened


@pytest.fixture
def proxied(pg_url: str, cipher: Cipher) -> Iterator[tuple[SqlStore, TcpProxy]]:
    """A PostgreSQL store whose connections go through a proxy the test can switch off."""
    url = make_url(pg_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    routed = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    store = open_store(routed, key=cipher)
    try:
        yield store, proxy
    finally:
        proxy.stop()
        proxy.start()
        with store.engine.begin() as conn:
            conn.execute(REMINDERS.delete())
            conn.exec_driver_sql("DELETE FROM sessions")
        store.close()
        proxy.stop()


def _due_users(store: SqlStore, server: BotApiServer, chats: range) -> None:
    sched = scheduler(store, clock_at(MONDAY, 8))
    for chat in chats:
        server.api.chat(chat)
        store.save_session(user(f"tg:{chat}"))
        sched.sync_user(f"tg:{chat}")


async def _until(condition: object, *, within: float = 30.0) -> None:
    # A deadline, not a measurement: the loop only has to get there at all.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


async def test_every_due_reminder_is_sent_after_a_database_outage(
    proxied: tuple[SqlStore, TcpProxy], server: BotApiServer, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    store, proxy = proxied
    chats = range(9101, 9111)
    _due_users(store, server, chats)
    dispatcher = Dispatcher(Sender(bot, FAST), scheduler(store, clock_at(MONDAY, 9)),
                            idle_wait=0.05, backoff=0.05, max_backoff=0.2)
    stop = asyncio.Event()
    proxy.stop()  # the database is gone before the first claim
    task = asyncio.create_task(dispatcher.run(stop))
    try:
        await _until(lambda: dispatcher.stats.loop_errors >= 3)
        assert dispatcher.alive() and not task.done()
        proxy.start()
        await _until(lambda: dispatcher.stats.sent == len(chats))
        assert dispatcher.alive()
    finally:
        stop.set()
        await task
    assert not dispatcher.alive()
    for chat in chats:
        assert len(server.sent(chat, "sendMessage")) == 1
    assert dispatcher.scheduler.repo.counts().get(SENT) == len(chats)
    loop_lines = [r.getMessage() for r in caplog.records if "dispatch loop failed" in r.getMessage()]
    assert loop_lines and all(line.rsplit("error=", 1)[1].isidentifier() for line in loop_lines)
    assert not any(str(chat) in r.getMessage() for r in caplog.records for chat in chats)


async def test_an_undecryptable_row_is_marked_failed_and_the_others_are_sent(
    store: SqlStore, server: BotApiServer, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    chats = range(9201, 9204)
    _due_users(store, server, chats)
    with store.engine.begin() as conn:
        conn.execute(update(REMINDERS).where(REMINDERS.c.user_id == store.ref("tg:9202"))
                     .values(params=Cipher.generate().encrypt(b'{"day": "2025-07-14"}')))
    clock = clock_at(MONDAY, 9)
    caplog.set_level(logging.ERROR)
    stats = await Dispatcher(Sender(bot, FAST), scheduler(store, clock), batch=10).run(
        asyncio.Event(), until_idle=True)
    assert stats.sent == 2
    assert server.sent(9202, "sendMessage") == []
    assert [len(server.sent(chat, "sendMessage")) for chat in (9201, 9203)] == [1, 1]
    with store.engine.begin() as conn:
        statuses = dict(conn.execute(REMINDERS.select().with_only_columns(REMINDERS.c.user_id, REMINDERS.c.status)
                                     .where(REMINDERS.c.status != PENDING)).all())
    assert statuses == {store.ref("tg:9201"): SENT, store.ref("tg:9202"): FAILED, store.ref("tg:9203"): SENT}
    # Nothing is left claimed: a second dispatcher finds nothing to do.
    again = await Dispatcher(Sender(bot, FAST), scheduler(store, clock)).run(asyncio.Event(), until_idle=True)
    assert again.sent == 0 and again.failed == 0
