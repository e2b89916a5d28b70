"""Build the PTB Application for the coach: rate limiting, handlers, command menu."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import BotCommand, Update
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot.metrics import UPDATES
from bot.settings import Settings
from bot.telegram.callbacks import CallbackSigner
from bot.telegram.handlers import Adapter, EngineLike
from bot.telegram.processor import PerUserUpdateProcessor
from bot.telegram.transport import AiohttpRequest
from flows.core.texts import lexicon

_LOGGER = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
NETWORK_RETRIES = 5
HTTP_POOL_SIZE = 32
"""Connections to the Bot API open at once; more requests wait for one (each takes a few ms)."""
BACKOFF_FIRST = 0.25
BACKOFF_MAX = 4.0
COUNTING_GROUP = -1
"""Handler group of the update counter: runs before, and independently of, the adapter's handlers."""

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter that also retries a request a few times after a plain NetworkError (e.g. 502)."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Apply the rate limit and RetryAfter retries, retrying network failures with backoff."""
        for attempt in range(NETWORK_RETRIES + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except (BadRequest, TimedOut):
                raise
            except NetworkError:
                if attempt == NETWORK_RETRIES:
                    raise
                _LOGGER.info("network error on %s, retrying", endpoint)
                # Exponential backoff: 0.25, 0.5, 1, 2, 4 s rides out a restarting API without hammering it.
                await asyncio.sleep(min(BACKOFF_FIRST * 2**attempt, BACKOFF_MAX))
        raise AssertionError("unreachable")


class CoachApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application, minus the per-user memory kept for a persistence the coach does not use."""

    def _mark_for_persistence_update(self, *, update: object | None = None, job: Any = None) -> None:
        # PTB notes every chat and user id it sees for the next persistence flush, but only a
        # configured persistence ever empties those sets: without one they gain an id per user,
        # for the life of the process (bench/README.md, memory).  The coach keeps state in its store.
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)


def bot_commands() -> list[BotCommand]:
    """Return the command menu from `scripts_zh/lexicons/tg_commands.yaml`."""
    entries: list[dict[str, str]] = lexicon("tg_commands")
    return [BotCommand(entry["command"], entry["description"]) for entry in entries]


async def _post_init(app: AnyApplication) -> None:
    """Publish the command menu; a failure here is logged, not fatal."""
    try:
        await app.bot.set_my_commands(bot_commands())
    except TelegramError as exc:
        _LOGGER.warning("could not set the command menu: %s", type(exc).__name__)


async def _count_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Count every update for `/metrics`; reads nothing from it."""
    UPDATES.inc()


def build_application(
    settings: Settings,
    engine: EngineLike,
    *,
    request: BaseRequest | None = None,
    concurrency: int = 256,
    turn_threads: int = 4,
    callback_key: bytes | None = None,
) -> AnyApplication:
    """Assemble the Application: token, API URLs, rate limiter, per-user ordering, handlers.

    Args:
        settings: Validated settings (the token must be present).
        engine: The engine; its synchronous `handle` is run in a worker thread.
        request: A BaseRequest to use for every call (tests), else the aiohttp transport.
        concurrency: How many updates may be processed at once (one per user at a time).
        turn_threads: Threads running engine turns (which wait on the database) at once.
        callback_key: The button-signing key (`Settings.callback_key(store)`); default from the settings.

    Returns:
        The built, not yet initialised, Application.
    """
    builder = (
        Application.builder()
        .application_class(CoachApplication)
        .token(settings.token())
        .rate_limiter(RetryingRateLimiter(max_retries=3))
        .concurrent_updates(PerUserUpdateProcessor(concurrency))
        .job_queue(None)
        .updater(None)  # bot.telegram.serve fetches updates (polling or webhook) itself
        .post_init(_post_init)
    )
    urls = settings.api_urls()
    if urls is not None:
        builder = builder.base_url(urls[0]).base_file_url(urls[1])
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        builder = builder.request(AiohttpRequest(HTTP_POOL_SIZE)).get_updates_request(AiohttpRequest(1))
    app: AnyApplication = builder.build()
    app.add_handler(TypeHandler(Update, _count_update), group=COUNTING_GROUP)
    key = callback_key if callback_key is not None else settings.callback_key()
    Adapter(engine, CallbackSigner(key), turn_threads=turn_threads).register(app)
    return app


def quiet_loggers() -> None:
    """Keep request URLs (which contain the token), update bodies and message texts out of the logs.

    PTB logs the Bot API URL and every request's parameters at DEBUG, httpx every request URL at
    INFO, aiohttp's client may log URLs at DEBUG, tornado every webhook request at INFO: those
    loggers stay above that whatever the root level, so turning the root logger to DEBUG never
    shows what users typed.
    """
    for name in ("aiohttp", "httpx", "httpcore", "hpack", "tornado.access", "transitions"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLogger("telegram").level))


class RedactSecrets(logging.Filter):
    """A handler filter that replaces secrets (the bot token) in a record's message and traceback.

    Belt and braces beside `quiet_loggers`: a library that puts a URL with the token in an
    exception or a log line at a level we let through still shows `***` instead.
    """

    MASK = "***"

    def __init__(self, *secrets: str) -> None:
        """Redact each of `secrets` (empty ones are ignored)."""
        super().__init__()
        self._secrets = tuple(secret for secret in secrets if secret)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place with the secrets masked; never drops a record."""
        if not self._secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self._secrets:
            message = message.replace(secret, self.MASK)
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, self.MASK)
            if record.stack_info:
                record.stack_info = record.stack_info.replace(secret, self.MASK)
        record.msg, record.args = message, None
        return True
