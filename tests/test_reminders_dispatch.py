"""Sending through the fake Bot API: delivery with working buttons, limits, flood control, blocked users."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from typing import Any

import pytest
from botapi_server import BotApiServer, Faults
from telegram import Bot
from test_reminders_support import MONDAY, clock_at, scheduler, user, utc

from bot.reminder_dispatch import Dispatcher, Limits, Outcome, Sender
from bot.telegram.callbacks import CallbackSigner
from flows.storage import SqlStore
from flows.storage.reminders_sql import BLOCKED, SENT

FAST = Limits(per_second=1000.0, chat_interval=0.0, backoff=0.0)
KEY = b"0123456789abcdef0123"


class FakeTime:
    """Monotonic time that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        yield running


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    async with Bot(server.token, base_url=server.base_url) as opened:
        yield opened


def _users(store: SqlStore, server: BotApiServer, chats: range, *, known: bool = True) -> None:
    sched = scheduler(store, clock_at(MONDAY, 8))
    for chat in chats:
        if known:
            server.api.chat(chat)
        store.save_session(user(f"tg:{chat}"))
        sched.sync_user(f"tg:{chat}")


async def test_due_reminders_are_delivered_once_with_signed_buttons(store: SqlStore, server: BotApiServer,
                                                                    bot: Bot) -> None:
    _users(store, server, range(501, 506))
    clock = clock_at(MONDAY, 9)
    signer = CallbackSigner(KEY)
    dispatcher = Dispatcher(Sender(bot, FAST), scheduler(store, clock), signer=signer, batch=2)
    stats = await dispatcher.run(asyncio.Event(), until_idle=True)
    assert stats.sent == 5
    for chat in range(501, 506):
        [call] = server.sent(chat, "sendMessage")
        assert "A平台" in call.plain
        tapped = signer.verify(chat, call.buttons[0]["callback_data"])
        assert tapped is not None and tapped.choice == "rm:call:0"
    again = await Dispatcher(Sender(bot, FAST), scheduler(store, clock), signer=signer).run(
        asyncio.Event(), until_idle=True)
    assert again.sent == 0 and len(server.calls) == 5 + 1  # getMe + five messages
    assert dispatcher.scheduler.repo.counts() == {SENT: 5, "pending": 5}


async def test_a_user_who_blocked_the_bot_is_not_retried(store: SqlStore, server: BotApiServer, bot: Bot) -> None:
    _users(store, server, range(601, 602), known=False)
    sched = scheduler(store, clock_at(MONDAY, 9))
    stats = await Dispatcher(Sender(bot, FAST), sched).run(asyncio.Event(), until_idle=True)
    assert stats.blocked == 1
    assert sched.repo.counts() == {BLOCKED: 1}
    assert sched.repo.pending("tg:601") == []


async def test_flood_control_and_network_errors_are_waited_out(store: SqlStore, bot: Bot,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as `debt-coach run` does: PTB 22 warns about int retry_after
    async with BotApiServer(faults=Faults(rate_429=0.2, rate_502=0.2, rate_drop=0.1, seed=3)) as flaky:
        _users(store, flaky, range(701, 721))
        clock = clock_at(MONDAY, 9)
        fake = FakeTime()
        async with Bot(flaky.token, base_url=flaky.base_url) as flaky_bot:
            sender = Sender(flaky_bot, Limits(per_second=30.0), monotonic=fake.monotonic, sleep=fake.sleep)
            sent = 0
            for _ in range(5):  # a row whose retries ran out comes back a minute later
                stats = await Dispatcher(sender, scheduler(store, clock)).run(asyncio.Event(), until_idle=True)
                sent += stats.sent
                clock.advance(timedelta(minutes=5))
        assert sent == 20
        assert {chat: len(flaky.sent(chat, "sendMessage")) for chat in range(701, 721)} == dict.fromkeys(
            range(701, 721), 1)
        assert any(kind == "429" for _, kind in flaky.api.faults.injected)
        assert any(seconds >= 1.0 for seconds in fake.slept)  # retry_after=1 was waited out


class VirtualTime:
    """Monotonic time for many concurrent sleepers: time jumps to the earliest wake-up once all are waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._waiters, (self.now + max(seconds, 0.0), self._seq, future))
        await future

    async def run(self, work: Awaitable[Any]) -> Any:
        task = asyncio.ensure_future(work)
        while not task.done():
            for _ in range(20):
                await asyncio.sleep(0)
            if self._waiters and not task.done():
                wake, _, future = heapq.heappop(self._waiters)
                self.now = max(self.now, wake)
                future.set_result(None)
        return task.result()


class _Recorder:
    def __init__(self, fake: VirtualTime) -> None:
        self.fake = fake
        self.sent: list[tuple[float, int]] = []

    async def send_message(self, chat_id: int, *args: Any, **kwargs: Any) -> Any:
        self.sent.append((self.fake.now, chat_id))

        class Message:
            message_id = len(self.sent)

        return Message()


async def test_sender_keeps_30_a_second_overall_and_one_a_second_per_chat() -> None:
    fake = VirtualTime()
    recorder = _Recorder(fake)
    sender = Sender(recorder, Limits(), monotonic=fake.monotonic, sleep=fake.sleep)  # type: ignore[arg-type]
    chats = [1, 1, 1, *range(100, 190)]
    results = await fake.run(asyncio.gather(*(sender.send(chat, "x") for chat in chats)))
    assert all(result.outcome == Outcome.sent for result in results)
    times = [at for at, _ in recorder.sent]
    for index, at in enumerate(times):
        assert sum(1 for other in times[index:] if other - at < 1.0 - 1e-9) <= 30
    ones = [at for at, chat in recorder.sent if chat == 1]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(ones))
    assert max(times) - min(times) <= len(chats) / 30 + 1.0  # no idle time beyond one chat's wait


async def test_a_row_taken_over_by_another_worker_is_not_sent(store: SqlStore, server: BotApiServer,
                                                              bot: Bot) -> None:
    _users(store, server, range(801, 802))
    clock = clock_at(MONDAY, 9)
    slow = scheduler(store, clock)
    [row] = slow.claim("slow", 10)
    clock.advance(slow.lease + timedelta(seconds=1))
    fast = scheduler(store, clock)
    await Dispatcher(Sender(bot, FAST), fast, worker="fast").run(asyncio.Event(), until_idle=True)
    assert await Dispatcher(Sender(bot, FAST), slow, worker="slow").process(row) == Outcome.lost
    assert len(server.sent(801, "sendMessage")) == 1
    assert utc(MONDAY, 9) < clock.now()
