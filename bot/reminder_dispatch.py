"""Send due reminders to Telegram: claim rows, render them, send within Telegram's limits, mark them.

One dispatcher task per process (`run_dispatcher`); several processes may share one PostgreSQL.
A producer claims due rows in batches (the store's lease makes a crashed process's rows come back);
consumers render each row from the session *now*, wait for the rate limits, mark the row `sending`,
call `sendMessage` and mark it `sent`.  Only a crash between Telegram accepting a message and the
`sent` mark can repeat it (see `flows/storage/reminders_sql.py`); waiting for the rate limiter
happens *before* `sending` is marked, so that window is one HTTP round trip.

`Sender` enforces about 30 messages a second in total and one a second per chat (PTB's
AIORateLimiter does not pace private chats), waits out `RetryAfter` for every chat, retries
network errors with backoff, and reports a chat that blocked the bot (Forbidden) so its user is
marked inactive instead of being retried forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
import socket
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application

from bot.metrics import REMINDERS_PENDING, REMINDERS_SENT
from bot.telegram.callbacks import CallbackSigner
from bot.telegram.render import build_keyboard, split_text
from flows.core.clock import Clock
from flows.core.tags import user_tag
from flows.reminders.scheduler import Scheduler
from flows.storage import SqlStore
from flows.storage.reminders_sql import BLOCKED, FAILED, PENDING, SENT, SKIPPED, ClaimedReminder, ReminderRepo

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_DELAY = timedelta(minutes=1)
PURGE_AFTER = timedelta(days=30)
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_GONE_CHAT = ("chat not found", "user is deactivated", "bot was blocked")


class Outcome(StrEnum):
    """How one send ended."""

    sent = "sent"
    blocked = "blocked"
    failed = "failed"
    retry = "retry"
    lost = "lost"
    """The row was no longer ours when it was about to go out (another worker took it over)."""


@dataclass(frozen=True)
class SendResult:
    """The outcome of one send and, when sent, Telegram's message id."""

    outcome: Outcome
    message_id: int | None = None


@dataclass
class Limits:
    """Telegram's limits and how hard to retry."""

    per_second: float = 30.0
    chat_interval: float = 1.0
    network_retries: int = 3
    backoff: float = 0.5
    max_retry_after: float = 120.0
    window_margin: float = 0.02
    """Seconds added to the one-second window of the final check, so network jitter cannot squeeze 31 in."""


def _retry_after_seconds(error: RetryAfter) -> float:
    # PTB 22 warns when `retry_after` is read as an int; the timedelta it keeps is exact.
    value = getattr(error, "_retry_after", None)
    return value.total_seconds() if isinstance(value, timedelta) else 1.0


@dataclass
class Sender:
    """Send messages within Telegram's global and per-chat limits; time functions are injectable."""

    bot: Bot
    limits: Limits = field(default_factory=Limits)
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _global_next: float = 0.0
    _global_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _chat_next: dict[int, float] = field(default_factory=dict)
    _chat_locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    _recent: deque[float] = field(default_factory=deque)
    _recent_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def _wait_until(self, moment: float) -> None:
        delay = moment - self.monotonic()
        if delay > 0:
            await self.sleep(delay)

    async def _global_slot(self) -> None:
        async with self._global_lock:
            start = max(self.monotonic(), self._global_next)
            self._global_next = start + 1.0 / self.limits.per_second
        await self._wait_until(start)

    async def _window_check(self) -> None:
        # Slots are handed out before the row is marked `sending`; that database write takes a
        # variable time, so requests are checked once more against a sliding one-second window.
        window = 1.0 + self.limits.window_margin
        allowed = max(1, int(self.limits.per_second))
        async with self._recent_lock:
            while True:
                now = self.monotonic()
                while self._recent and now - self._recent[0] >= window:
                    self._recent.popleft()
                if len(self._recent) < allowed:
                    self._recent.append(now)
                    return
                await self.sleep(max(self._recent[0] + window - now, 0.001))

    def _pause_all(self, seconds: float) -> None:
        self._global_next = max(self._global_next, self.monotonic() + seconds)

    def _forget_idle_chats(self) -> None:
        now = self.monotonic()
        for chat in [c for c, at in self._chat_next.items() if at < now and not self._chat_locks[c].locked()]:
            del self._chat_next[chat], self._chat_locks[chat]

    async def send(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None,
        before_send: Callable[[], Awaitable[bool]] | None = None,
    ) -> SendResult:
        """Send one HTML message when both limits allow it.

        Args:
            chat_id: The private chat.
            text: HTML-escaped text (at most one message long).
            markup: Buttons, if any.
            before_send: Called once the limits allow the send, right before the first request; a
                False answer abandons the send (used to mark the row `sending` as late as possible).

        Returns:
            sent (with the message id), blocked (Forbidden or a gone chat), failed (a request
            Telegram refuses), retry (network errors outlasted the retries), or lost.
        """
        if len(self._chat_locks) > 10_000:
            self._forget_idle_chats()
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            await self._wait_until(self._chat_next.get(chat_id, 0.0))
            await self._global_slot()
            if before_send is not None and not await before_send():
                return SendResult(Outcome.lost)
            try:
                return await self._attempts(chat_id, text, markup)
            finally:
                self._chat_next[chat_id] = self.monotonic() + self.limits.chat_interval

    async def _attempts(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> SendResult:
        failures = 0
        while True:
            try:
                await self._window_check()
                message = await self.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                                      link_preview_options=_NO_PREVIEW)
                return SendResult(Outcome.sent, message.message_id)
            except RetryAfter as error:
                wait = min(_retry_after_seconds(error), self.limits.max_retry_after)
                log.warning("flood control: waiting %.1fs", wait)
                self._pause_all(wait)
                failures += 1
            except Forbidden:
                return SendResult(Outcome.blocked)
            except BadRequest as error:
                gone = any(phrase in error.message.lower() for phrase in _GONE_CHAT)
                return SendResult(Outcome.blocked if gone else Outcome.failed)
            except NetworkError as error:
                failures += 1
                if failures > self.limits.network_retries:
                    log.warning("network error, giving up for now: %s", type(error).__name__)
                    return SendResult(Outcome.retry)
                self._pause_all(0)
                await self.sleep(self.limits.backoff * 2 ** (failures - 1))
            if failures > self.limits.network_retries + 3:
                return SendResult(Outcome.retry)
            await self._global_slot()


def worker_name() -> str:
    """Return a name unique to this process (host, pid, random), recorded on claimed rows."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Stats:
    """What a dispatcher did (logs, tests, the benchmark)."""

    sent: int = 0
    skipped: int = 0
    blocked: int = 0
    failed: int = 0
    retried: int = 0
    uncertain: int = 0


class Dispatcher:
    """Claim due reminders and send them with a `Sender`."""

    def __init__(self, sender: Sender, scheduler: Scheduler, *, signer: CallbackSigner | None = None,
                 worker: str | None = None, batch: int = 50, concurrency: int = 16, idle_wait: float = 5.0) -> None:
        """Set up; nothing runs until `run`.

        Args:
            sender: Sends within the limits.
            scheduler: Claims rows and renders them.
            signer: Signs the buttons' callback data as the Telegram adapter expects (no buttons without).
            worker: This process's name on claimed rows.
            batch: Rows claimed at a time.
            concurrency: Messages in flight at once (the limits still apply).
            idle_wait: Seconds to wait when nothing is due before looking again.
        """
        self.sender = sender
        self.scheduler = scheduler
        self.signer = signer
        self.worker = worker or worker_name()
        self.batch = batch
        self.concurrency = concurrency
        self.idle_wait = idle_wait
        self.stats = Stats()

    async def run(self, stop: asyncio.Event, *, until_idle: bool = False) -> Stats:
        """Dispatch until `stop` is set (or, with `until_idle`, until nothing is due)."""
        queue: asyncio.Queue[ClaimedReminder] = asyncio.Queue(maxsize=self.batch)
        workers = [asyncio.create_task(self._consume(queue)) for _ in range(self.concurrency)]
        try:
            while not stop.is_set():
                rows = await asyncio.to_thread(self.scheduler.claim, self.worker, self.batch)
                for row in rows:
                    await queue.put(row)
                if rows:
                    continue
                await queue.join()
                if until_idle:
                    break
                await asyncio.to_thread(self.scheduler.repo.purge, self.scheduler.clock.now() - PURGE_AFTER)
                counts = await asyncio.to_thread(self.scheduler.repo.counts)
                REMINDERS_PENDING.set(counts.get(PENDING, 0))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.idle_wait)
            await queue.join()
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        return self.stats

    async def _consume(self, queue: asyncio.Queue[ClaimedReminder]) -> None:
        while True:
            row = await queue.get()
            try:
                await self.process(row)
            except Exception as error:  # one bad row must not stop the others; its lease brings it back
                log.error("reminder failed user=%s error=%s", user_tag(row.user_id), type(error).__name__)
            finally:
                queue.task_done()

    async def process(self, row: ClaimedReminder) -> Outcome | None:
        """Render, send and mark one claimed row."""
        if row.uncertain:
            self.stats.uncertain += 1
            log.warning("resending a reminder whose earlier attempt may have gone out user=%s", user_tag(row.user_id))
        reply = await asyncio.to_thread(self.scheduler.render, row)
        if reply is None:
            await asyncio.to_thread(self.scheduler.finish, row, self.worker, SKIPPED)
            self.stats.skipped += 1
            return None
        pieces = split_text(reply.text)
        text = html.escape(pieces[0] if pieces else reply.text)
        markup = build_keyboard(reply.choices, row.chat_id, self.signer) if self.signer and reply.choices else None

        async def mark_sending() -> bool:
            return await asyncio.to_thread(self.scheduler.mark_sending, row, self.worker)

        result = await self.sender.send(row.chat_id, text, markup, before_send=mark_sending)
        await self._record(row, result)
        return result.outcome

    async def _record(self, row: ClaimedReminder, result: SendResult) -> None:
        if result.outcome == Outcome.sent:
            await asyncio.to_thread(self.scheduler.finish, row, self.worker, SENT, result.message_id)
            self.stats.sent += 1
            REMINDERS_SENT.inc()
        elif result.outcome == Outcome.blocked:
            log.info("chat refused reminders; user marked inactive user=%s", user_tag(row.user_id))
            await asyncio.to_thread(self.scheduler.block, row, self.worker, BLOCKED)
            self.stats.blocked += 1
        elif result.outcome == Outcome.failed or (result.outcome == Outcome.retry and row.attempts >= MAX_ATTEMPTS):
            await asyncio.to_thread(self.scheduler.finish, row, self.worker, FAILED)
            self.stats.failed += 1
        elif result.outcome == Outcome.retry:
            await asyncio.to_thread(self.scheduler.retry_later, row, self.worker, RETRY_DELAY * row.attempts)
            self.stats.retried += 1


async def run_dispatcher(bot: Bot, store: SqlStore, clock: Clock, *, stop: asyncio.Event,
                         signer: CallbackSigner | None = None, limits: Limits | None = None) -> Stats:
    """Run this process's reminder dispatcher until `stop` is set.

    Args:
        bot: An initialised bot (the Application's, so its request settings apply).
        store: The open store; reminder rows live in its database.
        clock: The clock (SystemClock in production).
        stop: Set it to stop after the messages in flight.
        signer: The adapter's callback signer, so the reminder's buttons work when tapped.
        limits: Rate limits and retries; Telegram's defaults when None.

    Returns:
        What was done.
    """
    scheduler = Scheduler(store, ReminderRepo.for_store(store), clock)
    dispatcher = Dispatcher(Sender(bot, limits or Limits()), scheduler, signer=signer)
    return await dispatcher.run(stop)


def attach_dispatcher(app: Application[Any, Any, Any, Any, Any, Any], store: SqlStore, clock: Clock, *,
                      signer: CallbackSigner) -> None:
    """Run this process's reminder dispatcher for as long as `app` runs (polling or webhook).

    It starts after the application's own post-init (so the bot is initialised) and is stopped,
    after the messages in flight, before the application shuts down.
    """
    stop = asyncio.Event()
    tasks: list[asyncio.Task[Stats]] = []
    started, stopping = app.post_init, app.post_stop

    async def start(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if started is not None:
            await started(application)
        tasks.append(asyncio.create_task(run_dispatcher(application.bot, store, clock, stop=stop, signer=signer)))

    async def halt(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        stop.set()
        for task in tasks:
            with contextlib.suppress(Exception):
                await task
        if stopping is not None:
            await stopping(application)

    app.post_init = start
    app.post_stop = halt
