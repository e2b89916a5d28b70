"""Process updates concurrently across users, in order for each user, and slow down floods.

Flood control is a token bucket per user (`FloodGate`): a user may send `burst` messages at once
and `rate` per second after that (button taps are not metered: every keyboard works once).  A
message over the limit is not dropped: it waits in the user's own queue until the bucket allows
it, so nothing the user typed is lost and order is kept, and the user is told once per flood
(`scripts_zh/telegram/flood.j2`) that answers will come one by one.  Only when one user has more than
`max_queue` messages waiting are further ones dropped (and logged without text).
Waiting never takes one of the `max_concurrent_updates` running slots, so other users are not delayed.
A bucket that has refilled is forgotten (it says nothing a new one would not), so the table holds
only users active in the last few seconds.  Known limits: a tap during a flood is answered before
the user's still-queued texts (never during another of their turns); a user whose bucket was evicted
(more than `max_users` flooding at once) starts afresh, though still behind their queued messages;
on shutdown the queue is answered at once, in order, rather than waited out.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from bot.telegram.handlers import send_template

_LOGGER = logging.getLogger(__name__)

BURST = 10
"""Messages a user may send at once before being slowed down."""
RATE = 2.0
"""Messages per second a flooding user is answered at."""
MAX_QUEUE = 200
"""Messages one user may have waiting; a flood beyond this is dropped (100 in 10 s fits with room)."""
MAX_USERS = 10_000
"""Buckets remembered at once; the least recently active user's bucket is forgotten first."""
_STOP_CHECK = 0.5
_WAITING_CAP = 1 << 20  # PTB's own semaphore: waiting updates must not fill the running slots


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float
    noticed: bool = False


class FloodGate:
    """Per-user token buckets whose debt is a queue: `admit` says how long a message must wait."""

    def __init__(
        self,
        burst: int = BURST,
        rate: float = RATE,
        max_queue: int = MAX_QUEUE,
        max_users: int = MAX_USERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Configure the limits.

        Args:
            burst: Messages allowed at once.
            rate: Messages per second allowed after the burst.
            max_queue: Messages one user may have waiting before more are dropped.
            max_users: Buckets kept (least recently used forgotten first).
            clock: Monotonic seconds (tests may inject their own).
        """
        if burst < 1 or rate <= 0 or max_queue < 0 or max_users < 1:
            raise ValueError("flood limits must be positive")
        self._burst, self._rate, self._max_queue, self._max_users = burst, rate, max_queue, max_users
        self._clock = clock
        self._buckets: OrderedDict[int, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def admit(self, user: int) -> tuple[float | None, bool]:
        """Account one message from `user` arriving now.

        Returns:
            (delay, notify): the seconds the message must wait (0 when within the limit, None when
            the user's queue is full and the message is dropped), and whether this is the first
            delayed message of the flood, so the user should be told once.
        """
        now = self._clock()
        bucket = self._buckets.pop(user, None) or _Bucket(tokens=float(self._burst), stamp=now)
        self._forget_idle(now)
        self._buckets[user] = bucket
        while len(self._buckets) > self._max_users:
            self._buckets.popitem(last=False)
        bucket.tokens = min(float(self._burst), bucket.tokens + (now - bucket.stamp) * self._rate)
        bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.noticed = False  # the flood, if any, is over
            return 0.0, False
        if -bucket.tokens >= self._max_queue:
            return None, False
        bucket.tokens -= 1
        # Negative tokens are the queue: this message is released when the refill pays its debt,
        # which is later than every earlier message of the user, so release order is arrival order.
        notify = not bucket.noticed
        bucket.noticed = True
        return -bucket.tokens / self._rate, notify

    def _forget_idle(self, now: float) -> None:
        """Drop buckets that have refilled: a full bucket says nothing a new one would not."""
        while self._buckets:
            user, oldest = next(iter(self._buckets.items()))
            if oldest.tokens + (now - oldest.stamp) * self._rate < self._burst:
                return  # least recently active first, so most later ones are still refilling too
            del self._buckets[user]


@dataclass(slots=True)
class _Lane:
    """One user's updates in flight: typed messages queue on `queue`; every update runs under `turn`."""

    queue: asyncio.Lock = field(default_factory=asyncio.Lock)
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


def _user_key(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Run up to `max_concurrent_updates` updates at once, one at a time per user, floods slowed down.

    The lane table only holds users with an update in flight, so it stays bounded. Engine work
    runs in the adapter's turn threads, which bound real parallelism far below the slot count.
    """

    def __init__(self, max_concurrent_updates: int, gate: FloodGate | None = None) -> None:
        """Allow `max_concurrent_updates` running updates; `gate` sets the flood limits (defaults above)."""
        if max_concurrent_updates < 1:
            raise ValueError("`max_concurrent_updates` must be a positive integer!")
        super().__init__(max(max_concurrent_updates, _WAITING_CAP))
        self._running = asyncio.Semaphore(max_concurrent_updates)
        self._gate = gate if gate is not None else FloodGate()
        self._lanes: dict[int, _Lane] = {}
        self._is_running: Callable[[], bool] = lambda: True

    def watch(self, is_running: Callable[[], bool]) -> None:
        """Stop holding back queued updates once `is_running()` is false, so a shutdown is not delayed."""
        self._is_running = is_running

    async def _hold(self, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        while (left := deadline - loop.time()) > 0 and self._is_running():
            await asyncio.sleep(min(left, _STOP_CHECK))

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait out the user's flood delay and earlier updates, then await the handler coroutine."""
        key = _user_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        # Button taps are not metered: each keyboard works once, and a tap must be answered quickly.
        metered = not (isinstance(update, Update) and update.callback_query is not None)
        delay, notify = self._gate.admit(key) if metered else (0.0, False)
        if delay is None:
            _LOGGER.warning("flood queue full, update dropped update_id=%s", getattr(update, "update_id", "?"))
            if inspect.iscoroutine(coroutine):
                coroutine.close()
            return
        if notify:
            await _notify(update)
        deadline = asyncio.get_running_loop().time() + delay
        lane = self._lanes.setdefault(key, _Lane())
        lane.users += 1
        try:
            # Typed messages queue on the lane (asyncio.Lock wakes waiters in arrival order) and wait
            # out their flood delay there, so their order holds even when a shutdown ends every wait
            # at once.  Taps skip that queue; `turn` keeps one update at a time per user.  Waiting
            # takes none of the running slots.
            async with lane.queue if metered else contextlib.nullcontext():
                await self._hold(deadline)
                async with lane.turn, self._running:
                    await coroutine
        finally:
            lane.users -= 1
            if lane.users == 0:
                del self._lanes[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


async def _notify(update: object) -> None:
    """Tell a flooding user, once, that answers will come in order; only in private chats."""
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        return
    _LOGGER.info("flood: slowing down a user")
    try:
        await send_template(update.get_bot(), update.effective_chat.id, "telegram/flood")
    except TelegramError as exc:
        _LOGGER.info("could not send the flood notice: %s", type(exc).__name__)
