"""Send within Telegram's limits: about 30 messages a second in total and one a second per chat.

PTB's AIORateLimiter does not pace private chats, so `Sender` does: it waits out `RetryAfter` for
every chat, retries network errors with backoff, and reports a chat that blocked the bot (Forbidden)
so its user is marked inactive instead of being retried forever.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

log = logging.getLogger(__name__)

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
