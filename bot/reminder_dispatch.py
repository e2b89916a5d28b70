"""Send due reminders to Telegram: claim rows, render them, send within Telegram's limits, mark them.

One dispatcher task per process (`run_dispatcher`); several processes may share one PostgreSQL.
A producer claims due rows in batches (the store's lease makes a crashed process's rows come back);
consumers render each row from the session *now*, wait for the rate limits, mark the row `sending`,
call `sendMessage` and mark it `sent`.  Only a crash between Telegram accepting a message and the
`sent` mark can repeat it (see `flows/storage/reminders_sql.py`); waiting for the rate limiter
happens *before* `sending` is marked, so that window is one HTTP round trip.

`Sender` (bot/reminder_sender.py) keeps Telegram's limits.  The loop is supervised: a database
outage or a bug in one iteration is logged by error type and backed off, never the end of reminders;
`Dispatcher.alive()` says whether the loop still comes round, for the health probes.
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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.ext import Application

from bot.metrics import REMINDERS_PENDING, REMINDERS_SENT
from bot.reminder_sender import Limits, Outcome, Sender, SendResult
from bot.telegram.callbacks import CallbackSigner
from bot.telegram.render import build_keyboard, split_text
from flows.core.clock import Clock
from flows.core.tags import user_tag
from flows.reminders.scheduler import Scheduler
from flows.storage import SqlStore
from flows.storage.reminders_sql import BLOCKED, FAILED, PENDING, SENT, SKIPPED, ClaimedReminder, ReminderRepo

__all__ = [
    "Dispatcher",
    "Limits",
    "Outcome",
    "SendResult",
    "Sender",
    "Stats",
    "attach_dispatcher",
    "build_dispatcher",
    "run_dispatcher",
    "worker_name",
]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_DELAY = timedelta(minutes=1)
PURGE_AFTER = timedelta(days=30)


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
    loop_errors: int = 0


class Dispatcher:
    """Claim due reminders and send them with a `Sender`."""

    def __init__(self, sender: Sender, scheduler: Scheduler, *, signer: CallbackSigner | None = None,
                 worker: str | None = None, batch: int = 50, concurrency: int = 16, idle_wait: float = 5.0,
                 backoff: float = 1.0, max_backoff: float = 60.0, stale_after: float = 600.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        """Set up; nothing runs until `run`.

        Args:
            sender: Sends within the limits.
            scheduler: Claims rows and renders them.
            signer: Signs the buttons' callback data as the Telegram adapter expects (no buttons without).
            worker: This process's name on claimed rows.
            batch: Rows claimed at a time.
            concurrency: Messages in flight at once (the limits still apply).
            idle_wait: Seconds to wait when nothing is due before looking again.
            backoff: Seconds to wait after a failed iteration, doubled per failure in a row.
            max_backoff: The longest wait between failed iterations.
            stale_after: `alive()` turns false when the loop has not come round for this long
                (a claim stuck on the database, say).
            monotonic: The clock `alive()` measures with.
        """
        self.sender = sender
        self.scheduler = scheduler
        self.signer = signer
        self.worker = worker or worker_name()
        self.batch = batch
        self.concurrency = concurrency
        self.idle_wait = idle_wait
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.stale_after = stale_after
        self.monotonic = monotonic
        self.stats = Stats()
        self._running = False
        self._beat = 0.0

    def alive(self) -> bool:
        """Whether the claim loop is running and has come round recently (for `/healthz`)."""
        if not self._running:
            return False
        return self.monotonic() - self._beat <= self.stale_after

    async def run(self, stop: asyncio.Event, *, until_idle: bool = False) -> Stats:
        """Dispatch until `stop` is set (or, with `until_idle`, until nothing is due).

        Supervised: a failing iteration (the database gone, say) is logged by error type, waited out
        with a growing backoff, and tried again; only cancellation ends the loop early.
        """
        queue: asyncio.Queue[ClaimedReminder] = asyncio.Queue(maxsize=self.batch)
        workers = [asyncio.create_task(self._consume(queue)) for _ in range(self.concurrency)]
        self._running, self._beat = True, self.monotonic()
        failures = 0
        try:
            while not stop.is_set():
                self._beat = self.monotonic()
                try:
                    idle = await self._iteration(queue, until_idle=until_idle)
                except Exception as error:
                    failures += 1
                    self.stats.loop_errors += 1
                    log.error("reminder dispatch loop failed error=%s", type(error).__name__)
                    await self._pause(stop, min(self.backoff * 2 ** (failures - 1), self.max_backoff))
                    continue
                failures = 0
                if idle is None:
                    continue
                if until_idle:
                    break
                await self._pause(stop, self.idle_wait)
            await queue.join()
        finally:
            self._running = False
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        return self.stats

    async def _iteration(self, queue: asyncio.Queue[ClaimedReminder], *, until_idle: bool) -> bool | None:
        """Claim and queue one batch; when nothing was due, housekeep and return True (None: look again)."""
        rows = await asyncio.to_thread(self.scheduler.claim, self.worker, self.batch)
        for row in rows:
            await queue.put(row)
        if rows:
            return None
        await queue.join()
        if until_idle:
            return True
        await asyncio.to_thread(self.scheduler.repo.purge, self.scheduler.clock.now() - PURGE_AFTER)
        counts = await asyncio.to_thread(self.scheduler.repo.counts)
        REMINDERS_PENDING.set(counts.get(PENDING, 0))
        return True

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    async def _consume(self, queue: asyncio.Queue[ClaimedReminder]) -> None:
        while True:
            row = await queue.get()
            try:
                await self.process(row)
            except Exception as error:  # one bad row must not stop the others
                log.error("reminder failed user=%s error=%s", user_tag(row.user_id), type(error).__name__)
                await self._give_up_or_retry(row)
            finally:
                queue.task_done()

    async def _give_up_or_retry(self, row: ClaimedReminder) -> None:
        # A row that keeps failing is closed, not retried forever; if even that fails, its lease
        # brings it back and `attempts` still grows.
        try:
            if row.attempts >= MAX_ATTEMPTS:
                await asyncio.to_thread(self.scheduler.finish, row, self.worker, FAILED)
                self.stats.failed += 1
            else:
                await asyncio.to_thread(self.scheduler.retry_later, row, self.worker, RETRY_DELAY * row.attempts)
                self.stats.retried += 1
        except Exception as error:
            log.error("reminder row left to its lease error=%s", type(error).__name__)

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


def build_dispatcher(bot: Bot, store: SqlStore, clock: Clock, *, signer: CallbackSigner | None = None,
                     limits: Limits | None = None) -> Dispatcher:
    """Build this process's reminder dispatcher on the store's database (nothing runs until `run`).

    Args:
        bot: The bot to send with (the Application's, so its request settings apply).
        store: The open store; reminder rows live in its database.
        clock: The clock (SystemClock in production).
        signer: The adapter's callback signer, so the reminder's buttons work when tapped.
        limits: Rate limits and retries; Telegram's defaults when None.
    """
    scheduler = Scheduler(store, ReminderRepo.for_store(store), clock)
    return Dispatcher(Sender(bot, limits or Limits()), scheduler, signer=signer)


async def run_dispatcher(bot: Bot, store: SqlStore, clock: Clock, *, stop: asyncio.Event,
                         signer: CallbackSigner | None = None, limits: Limits | None = None) -> Stats:
    """Run a reminder dispatcher until `stop` is set (see `build_dispatcher` for the arguments).

    Returns:
        What was done.
    """
    return await build_dispatcher(bot, store, clock, signer=signer, limits=limits).run(stop)


def attach_dispatcher(app: Application[Any, Any, Any, Any, Any, Any], store: SqlStore, clock: Clock, *,
                      signer: CallbackSigner) -> Dispatcher:
    """Run this process's reminder dispatcher for as long as `app` runs (polling or webhook).

    It starts after the application's own post-init (so the bot is initialised) and is stopped,
    after the messages in flight, before the application shuts down.

    Returns:
        The dispatcher; its `alive()` belongs in the health probes.
    """
    dispatcher = build_dispatcher(app.bot, store, clock, signer=signer)
    stop = asyncio.Event()
    tasks: list[asyncio.Task[Stats]] = []
    started, stopping = app.post_init, app.post_stop

    async def start(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if started is not None:
            await started(application)
        tasks.append(asyncio.create_task(dispatcher.run(stop)))

    async def halt(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        stop.set()
        for task in tasks:
            try:
                await task
            except Exception as error:  # the loop is supervised; this is a bug, so say so
                log.error("reminder dispatcher ended with error=%s", type(error).__name__)
        if stopping is not None:
            await stopping(application)

    app.post_init = start
    app.post_stop = halt
    return dispatcher
