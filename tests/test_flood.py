"""Flood control: one user sending 100 messages at once is slowed down politely, loses nothing, and
does not delay anyone else (the real update processor, fed through PTB's update queue, offline)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from botapi_server import TOKEN, FakeBotApi, RecordingRequest
from pydantic import SecretStr
from telegram import Update

from bot.settings import Settings
from bot.telegram import build_application
from bot.telegram.processor import BURST, FloodGate
from flows.core.models import Input, Reply
from flows.core.texts import render

ALICE, BOB = 1001, 2002
FLOOD = 100


class EchoEngine:
    """Answers every text with itself, taking a little time like a real turn."""

    def __init__(self) -> None:
        self.inputs: list[tuple[str, str]] = []

    def handle(self, user_id: str, inp: Input) -> list[Reply]:
        self.inputs.append((user_id, inp.text))
        time.sleep(0.002)
        return [Reply(text=f"echo {inp.text}")]


@asynccontextmanager
async def _echo_bot() -> AsyncIterator[tuple[Any, FakeBotApi, EchoEngine]]:
    """The real Application, started, on a recording request and an echoing engine."""
    api, engine = FakeBotApi(), EchoEngine()
    settings = Settings(_env_file=None, telegram_bot_token=SecretStr(TOKEN), callback_secret=SecretStr("s" * 32))
    app = build_application(settings, engine, request=RecordingRequest(api))
    await app.initialize()
    await app.start()
    try:
        yield app, api, engine
    finally:
        if app.running:
            await app.stop()
        await app.shutdown()


@pytest.fixture
async def running() -> AsyncIterator[tuple[Any, FakeBotApi, EchoEngine]]:
    async with _echo_bot() as started:
        yield started


def _texts(api: FakeBotApi, chat_id: int) -> list[str]:
    return [c.plain for c in api.sent(chat_id, "sendMessage")]


async def _queue_text(app: Any, api: FakeBotApi, user_id: int, text: str) -> None:
    await app.update_queue.put(Update.de_json(api.push_text(user_id, text), app.bot))


async def test_flooding_user_is_slowed_politely_without_delaying_others(
    running: tuple[Any, FakeBotApi, EchoEngine],
) -> None:
    app, api, engine = running
    for n in range(FLOOD):
        await _queue_text(app, api, ALICE, f"a{n}")
    await _queue_text(app, api, BOB, "b0")
    bob_reply = await api.wait_for(BOB, lambda c: c.method == "sendMessage", timeout=10)

    replied_to_alice_before_bob = [
        c.plain for c in api.calls[: api.calls.index(bob_reply)] if c.chat_id == ALICE and c.method == "sendMessage"
    ]
    notice = render("telegram/flood")
    echoes_before_bob = [t for t in replied_to_alice_before_bob if t != notice]
    # Bob is answered while Alice's flood is still queued: after at most her burst, not after 100.
    assert len(echoes_before_bob) <= BURST
    assert replied_to_alice_before_bob.count(notice) == 1
    await asyncio.sleep(1.5)
    assert len([t for t in _texts(api, ALICE) if t != notice]) < FLOOD  # still being held back

    await app.stop()  # a shutdown answers the queue at once instead of waiting it out
    alice = _texts(api, ALICE)
    assert alice.count(notice) == 1, "one notice per flood"
    assert [t for t in alice if t != notice] == [f"echo a{n}" for n in range(FLOOD)]  # all, in order, once
    assert [text for user, text in engine.inputs if user == f"tg:{ALICE}"] == [f"a{n}" for n in range(FLOOD)]
    assert _texts(api, BOB) == ["echo b0"]


async def test_flood_over_the_queue_bound_is_dropped_not_reordered(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.telegram.app as app_module
    from bot.telegram.processor import PerUserUpdateProcessor

    monkeypatch.setattr(
        app_module,
        "PerUserUpdateProcessor",
        # A frozen clock: no refill while the ten arrive, however slow the machine.
        lambda n: PerUserUpdateProcessor(n, FloodGate(burst=2, rate=5.0, max_queue=5, clock=lambda: 0.0)),
    )
    async with _echo_bot() as (app, api, _):
        for n in range(10):
            await _queue_text(app, api, ALICE, f"a{n}")
        await api.wait_for(ALICE, lambda c: c.plain == "echo a6", timeout=10)
        await asyncio.sleep(0.5)
    notice = render("telegram/flood")
    # The burst of 2 and the queue of 5 are answered in order; the 3 beyond the bound are dropped.
    texts = _texts(api, ALICE)
    assert texts.count(notice) == 1
    assert [t for t in texts if t != notice] == [f"echo a{n}" for n in range(7)]


def test_gate_notifies_once_per_flood_and_forgets_old_users() -> None:
    now = [0.0]
    gate = FloodGate(burst=3, rate=1.0, max_queue=4, max_users=2, clock=lambda: now[0])
    assert [gate.admit(1) for _ in range(3)] == [(0.0, False)] * 3
    assert gate.admit(1) == (1.0, True)
    assert gate.admit(1) == (2.0, False)
    now[0] = 10.0  # the debt is paid and the bucket is full again: a new flood gets a new notice
    assert [gate.admit(1)[0] for _ in range(3)] == [0.0, 0.0, 0.0]
    assert gate.admit(1) == (1.0, True)
    for _ in range(3):
        gate.admit(1)
    assert gate.admit(1) == (None, False)  # four waiting: the fifth is dropped
    gate.admit(2)
    gate.admit(3)
    assert len(gate) == 2


def test_gate_forgets_buckets_once_refilled_but_keeps_a_floods_debt() -> None:
    now = [0.0]
    gate = FloodGate(burst=3, rate=1.0, max_queue=10, clock=lambda: now[0])
    for user in range(100):
        gate.admit(user)
    for _ in range(5):
        gate.admit(999)  # two messages over the burst: waiting until t=2
    assert len(gate) == 101
    now[0] = 0.5
    gate.admit(1000)
    assert len(gate) == 102  # nothing has refilled yet
    now[0] = 1.0
    gate.admit(1001)
    assert len(gate) == 3  # the hundred are full again; the flooder still owes, the newcomers are kept
    now[0] = 5.0
    gate.admit(1002)
    assert len(gate) == 1  # the flood's debt is paid too
    assert [gate.admit(999)[0] for _ in range(4)] == [0.0, 0.0, 0.0, 1.0]  # a fresh bucket, as before
