"""Durability: a dispatcher killed mid-batch loses and repeats nothing; two dispatchers share one PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botapi_server import BotApiServer
from botapi_wire import DROP
from sqlalchemy import select
from telegram import Bot
from test_reminders_support import MONDAY, clock_at, scheduler, user

from bot.reminder_dispatch import Dispatcher, Limits, Sender
from flows.storage import Cipher, SqlStore, open_store
from flows.storage.reminders_sql import REMINDERS, SENDING, SENT
from flows.storage.sql import user_tables

USERS = range(900001, 900041)
KILL_AFTER = 15
WORKER = """
import asyncio, sys
from datetime import datetime
from telegram import Bot
from bot.reminder_dispatch import Dispatcher, Limits, Sender
from flows.core.clock import FixedClock
from flows.reminders.scheduler import Scheduler
from flows.storage import open_store
from flows.storage.reminders_sql import ReminderRepo

async def main() -> None:
    url, key, base_url, token, now = sys.argv[1:6]
    store = open_store(url, key=key)
    sched = Scheduler(store, ReminderRepo.for_store(store), FixedClock(datetime.fromisoformat(now)))
    async with Bot(token, base_url=base_url) as bot:
        sender = Sender(bot, Limits(per_second=200.0, chat_interval=0.0))
        stats = await Dispatcher(sender, sched, batch=8, concurrency=4).run(asyncio.Event(), until_idle=True)
    print("done", stats.sent, stats.uncertain, flush=True)
    store.close()

asyncio.run(main())
"""


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        yield running


@pytest.fixture
def keyed_store(db_url: str, cipher: Cipher) -> Iterator[tuple[SqlStore, str]]:
    """A store whose key the test can hand to a worker process; emptied afterwards."""
    key = cipher.material()
    opened = open_store(db_url, key=key)
    try:
        yield opened, key
    finally:
        with opened.engine.begin() as conn:
            for table in user_tables():
                conn.execute(table.delete())
        opened.close()


def _prepare(store: SqlStore, server: BotApiServer) -> None:
    sched = scheduler(store, clock_at(MONDAY, 8))
    for chat in USERS:
        server.api.chat(chat)
        store.save_session(user(f"tg:{chat}"))
        sched.sync_user(f"tg:{chat}")


def _statuses(store: SqlStore) -> dict[int, str]:
    with store.engine.connect() as conn:
        today = REMINDERS.c.slot == MONDAY.isoformat()
        rows = conn.execute(select(REMINDERS.c.user_id, REMINDERS.c.status).where(REMINDERS.c.kind == "nudge", today))
        chats = {store.ref(f"tg:{chat}"): chat for chat in USERS}  # rows hold only the keyed pseudonym
        return {chats[ref]: str(status) for ref, status in rows}


async def _worker(tmp_path: Path, db_url: str, cipher_key: str, server: BotApiServer,
                  now: str) -> asyncio.subprocess.Process:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "PTB_TIMEDELTA": "true", "PYTHONWARNINGS": "ignore"}
    return await asyncio.create_subprocess_exec(
        sys.executable, str(script), db_url, cipher_key, server.base_url, server.token, now,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)


async def test_sigkill_mid_batch_then_restart_delivers_each_reminder_exactly_once(
    keyed_store: tuple[SqlStore, str], db_url: str, server: BotApiServer, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, key_text = keyed_store
    _prepare(store, server)
    accepted: list[int] = []
    held: list[int] = []
    release = asyncio.Event()
    real_call = server.api.call

    async def call(method: str, params: dict[str, Any], files: dict[str, Any]) -> Any:
        if method.lower() == "sendmessage":
            if len(accepted) >= KILL_AFTER:  # from now on the process dies before Telegram accepts anything
                held.append(params["chat_id"])
                await release.wait()
                return DROP
            accepted.append(params["chat_id"])
        return await real_call(method, params, files)

    monkeypatch.setattr(server.api, "call", call)
    nine = clock_at(MONDAY, 9).now()
    first = await _worker(tmp_path, db_url, key_text, server, nine.isoformat())
    deadline = asyncio.get_running_loop().time() + 60
    while True:  # wait until every accepted message is marked sent and the rest are held in flight
        statuses = _statuses(store)
        done = all(statuses.get(chat) == SENT for chat in accepted)
        if held and done and len(accepted) == KILL_AFTER:
            break
        assert asyncio.get_running_loop().time() < deadline, f"worker stuck: {statuses}"
        await asyncio.sleep(0.02)
    assert SENDING in _statuses(store).values()  # killed with requests in flight, mid-batch
    first.send_signal(signal.SIGKILL)
    await first.wait()
    release.set()
    monkeypatch.setattr(server.api, "call", real_call)
    later = nine + scheduler(store, clock_at(MONDAY, 9)).lease + timedelta(seconds=30)
    second = await _worker(tmp_path, db_url, key_text, server, later.isoformat())
    out, err = await asyncio.wait_for(second.communicate(), 60)
    assert second.returncode == 0, err.decode()[-2000:]
    delivered = {chat: len(server.sent(chat, "sendMessage")) for chat in USERS}
    assert delivered == dict.fromkeys(USERS, 1)
    assert set(_statuses(store).values()) == {SENT}
    assert out.split()[0] == b"done"


async def test_two_dispatchers_on_one_postgres_never_send_twice(
    pg_url: str, server: BotApiServer, cipher: Cipher,
) -> None:
    first_store, second_store = open_store(pg_url, key=cipher), open_store(pg_url, key=cipher)
    try:
        _prepare(first_store, server)
        clock = clock_at(MONDAY, 9)
        async with Bot(server.token, base_url=server.base_url) as bot:
            limits = Limits(per_second=500.0, chat_interval=0.0)
            runs = [Dispatcher(Sender(bot, limits), scheduler(opened, clock), worker=f"w{n}", batch=3, concurrency=3)
                    for n, opened in enumerate((first_store, second_store))]
            stats = await asyncio.gather(*(run.run(asyncio.Event(), until_idle=True) for run in runs))
        assert stats[0].sent + stats[1].sent == len(USERS)
        assert stats[0].sent > 0 and stats[1].sent > 0
        assert {chat: len(server.sent(chat, "sendMessage")) for chat in USERS} == dict.fromkeys(USERS, 1)
    finally:
        with first_store.engine.begin() as conn:
            for table in user_tables():
                conn.execute(table.delete())
        first_store.close()
        second_store.close()
