"""Run the built Application: fetch updates (long polling or a webhook), until a signal or a fatal error.

This replaces PTB's `run_polling` / `run_webhook` and its Updater, for three reasons:

- PTB parses a `getUpdates` batch as a whole: one update it cannot parse makes `Bot.get_updates`
  log the raw batch at CRITICAL (texts, ids, names) and raise, and the Updater fetches the same
  batch again at once, forever.  `Poller` asks for the raw JSON itself (PTB has no public call that
  returns it: `do_api_request` would turn a 401 into "endpoint not found"), parses each update on
  its own and moves past one that fails.
- A revoked token (401) ends PTB's polling loop but not the process: `Poller` raises `Fatal`,
  and `serve` stops everything cleanly and returns a non-zero exit code for the supervisor.
- PTB's webhook server (tornado) reads a body of up to 100 MB before it checks the secret, and
  answers 200 as soon as the update is queued, so a kill loses acknowledged updates.  `Webhook`
  checks the secret before reading, reads at most `MAX_BODY` bytes, and answers 200 only once the
  update has been processed (its turn committed, its replies sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from telegram import Update

from bot.health import HealthServer, Probes

_LOGGER = logging.getLogger(__name__)
AnyApplication = Any  # telegram.ext.Application[...]; its six type parameters say nothing here

EXIT_FATAL = 2
POLL_TIMEOUT = 25
"""Seconds one getUpdates waits for updates (long polling)."""
READ_SLACK = 10.0
"""Seconds a long poll may take beyond its own timeout before it counts as failed."""
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 30.0
MAX_BODY = 1024 * 1024
"""Largest webhook body read (Telegram's updates are a few KiB; a message is at most 4096 characters)."""
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
STOP_GRACE = 20.0
"""Seconds in-flight webhook requests get to finish on shutdown (compose's stop_grace_period is longer)."""
MAX_WEBHOOK_CONNECTIONS = 40


class Fatal(Exception):
    """Fetching updates cannot go on (e.g. the token was revoked); the message is one operator line."""


class _Retry(Exception):
    """A getUpdates that failed for now; `delay` is what the Bot API asked for, if anything."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.delay = reason, delay


def _backoff(failures: int) -> float:
    return float(min(BACKOFF_FIRST * 2 ** max(failures - 1, 0), BACKOFF_MAX))


def parse_update(data: object, bot: Any) -> Update | None:
    """Parse one update, or log its failure by type only and return None."""
    try:
        update = Update.de_json(data, bot) if isinstance(data, dict) else None
    except Exception as exc:  # any malformed field: the update is skipped, not the batch
        _LOGGER.warning("skipped an update that cannot be parsed: %s", type(exc).__name__)
        return None
    if update is None:
        _LOGGER.warning("skipped an update that cannot be parsed: %s", type(data).__name__)
    return update


class Poller:
    """Long polling over the Bot API's raw `getUpdates`, one update parsed at a time."""

    def __init__(self, app: AnyApplication, allowed_updates: list[str], timeout: int = POLL_TIMEOUT) -> None:
        """Poll for `app`, which must be initialised and started (its update queue is read)."""
        self._app = app
        self._allowed = allowed_updates
        self._timeout = timeout
        self._task: asyncio.Task[None] | None = None
        self.offset = 0

    def alive(self) -> bool:
        """Tell whether the polling loop is running (a probe for `/healthz`)."""
        return self._task is not None and not self._task.done()

    def start(self) -> asyncio.Task[None]:
        """Start polling in a task; it ends only by cancellation or `Fatal`."""
        self._task = asyncio.create_task(self._run(), name="coach:poller")
        return self._task

    async def _run(self) -> None:
        failures = 0
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout + READ_SLACK)) as session:
            while True:
                try:
                    if failures == 0 and self.offset == 0:
                        await self._call(session, "deleteWebhook", {"drop_pending_updates": False})
                    batch = await self._call(session, "getUpdates", self._query())
                except _Retry as retry:
                    failures += 1
                    # 409: another instance polls, or a webhook is set; either may end, so keep trying.
                    _LOGGER.warning("getUpdates failed (%s), retrying", retry.reason)
                    await asyncio.sleep(retry.delay if retry.delay is not None else _backoff(failures))
                    continue
                failures = 0
                for data in batch if isinstance(batch, list) else []:
                    update_id = data.get("update_id") if isinstance(data, dict) else None
                    if isinstance(update_id, int):
                        # The next getUpdates acknowledges everything below the offset, parsed or not.
                        self.offset = max(self.offset, update_id + 1)
                    update = parse_update(data, self._app.bot)
                    if update is not None:
                        await self._app.update_queue.put(update)

    def _query(self) -> dict[str, Any]:
        query: dict[str, Any] = {"timeout": self._timeout, "allowed_updates": self._allowed}
        if self.offset:
            query["offset"] = self.offset
        return query

    async def _call(self, session: aiohttp.ClientSession, method: str, params: dict[str, Any]) -> Any:
        """Call one Bot API method; return its result, or raise `_Retry` or `Fatal`."""
        url = f"{self._app.bot.base_url}/{method}"
        try:
            async with session.post(url, json=params) as response:
                status = response.status
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            # The class name only: an aiohttp message carries the URL, and the URL carries the token.
            raise _Retry(type(exc).__name__) from None
        if status in (401, 404):
            raise Fatal(f"the Bot API rejected TELEGRAM_BOT_TOKEN ({status}): it is invalid or was revoked")
        if not isinstance(body, dict) or not body.get("ok"):
            parameters = body.get("parameters") if isinstance(body, dict) else None
            delay = parameters.get("retry_after") if isinstance(parameters, dict) else None
            raise _Retry(f"HTTP {status}", float(delay) if isinstance(delay, int | float) else None)
        return body.get("result")


class Webhook:
    """The webhook endpoint: the secret first, a bounded body, processed before it is acknowledged.

    Known limits: an update whose turn committed but whose 200 was not yet written when the process
    died is sent again by Telegram and applied twice (a window of one response write); a message
    held behind its user's flood queue keeps its post open, so the proxy's read timeout
    (deploy/nginx.conf, 75 s) must outlast the longest queue a user is allowed.
    """

    def __init__(self, app: AnyApplication, path: str, secret: str, listen: str, port: int) -> None:
        """Configure the endpoint at `http://<listen>:<port>/<path>`; `start` binds it."""
        self._app = app
        self._path = "/" + path.lstrip("/")
        self._secret = secret.encode()
        self._address = (listen, port)
        self._runner: web.AppRunner | None = None
        self.in_flight = 0

    def alive(self) -> bool:
        """Tell whether the endpoint is serving (a probe for `/healthz`)."""
        return self._runner is not None and bool(self._runner.sites)

    @property
    def port(self) -> int:
        """The port actually bound."""
        assert self._runner is not None and self._runner.addresses, "not started"
        port: int = self._runner.addresses[0][1]
        return port

    async def start(self) -> None:
        """Bind and serve.

        Raises:
            OSError: The address cannot be bound.
        """
        server = web.Application(client_max_size=MAX_BODY)
        server.router.add_post(self._path, self._handle)
        # lingering_time=0: an unread body is never drained after a refusal, the connection is closed.
        self._runner = web.AppRunner(server, access_log=None, lingering_time=0, shutdown_timeout=STOP_GRACE)
        await self._runner.setup()
        await web.TCPSite(self._runner, *self._address).start()

    async def stop(self) -> None:
        """Stop accepting, let requests in flight finish (up to `STOP_GRACE`), release the port."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._secret):
            return _refuse(403, "forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _refuse(413, "too large")
        try:
            data = json.loads(await request.read())
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413, "too large")
        except ValueError:
            return _refuse(400, "not JSON")
        update = parse_update(data, self._app.bot)
        if update is None:
            # Answered 200 all the same: Telegram would otherwise send it again, forever.
            return web.Response(text="skipped")
        self.in_flight += 1
        try:
            processor = self._app.update_processor
            await processor.process_update(update, self._app.process_update(update))
        finally:
            self.in_flight -= 1
        return web.Response(text="ok")


def _refuse(status: int, reason: str) -> web.Response:
    response = web.Response(status=status, text=reason)
    response.force_close()
    return response


@dataclass
class Mode:
    """How updates arrive: polling (`webhook` None) or a webhook at `url`."""

    allowed_updates: list[str]
    webhook_url: str | None = None
    webhook_path: str = ""
    secret: str = ""
    listen: str = "127.0.0.1"
    port: int = 8443


async def _call_hook(hook: Callable[[Any], Awaitable[None]] | None, app: AnyApplication) -> None:
    if hook is not None:
        await hook(app)


async def serve(app: AnyApplication, mode: Mode, probes: Probes, health: HealthServer | None) -> int:
    """Run `app` until SIGTERM/SIGINT (exit 0) or until fetching updates cannot go on (`EXIT_FATAL`).

    The order mirrors PTB's `run_*`: initialise, post_init, fetch, start; on the way out stop
    fetching, stop the application (pending updates are processed), post_stop, shut down,
    post_shutdown.  Nothing is left pending: the process exits with its event loop quiet.

    Args:
        app: The built Application (no Updater).
        mode: Polling or webhook, and its settings.
        probes: Liveness checks; the fetcher's own is added here as "updates".
        health: The health server, started here, or None.

    Returns:
        The exit code.

    Raises:
        TelegramError: The Bot API cannot be reached at start (InvalidToken for a rejected token).
        OSError: A port cannot be bound.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    code = 0
    fetcher: Poller | Webhook
    await app.initialize()
    try:
        await _call_hook(app.post_init, app)
        if mode.webhook_url is None:
            fetcher = Poller(app, mode.allowed_updates)
        else:
            fetcher = Webhook(app, mode.webhook_path, mode.secret, mode.listen, mode.port)
        probes.add("updates", fetcher.alive)
        if health is not None:
            try:
                await health.start()
                _LOGGER.info("serving /healthz and /metrics on port %d", health.port)
            except OSError as exc:
                # The bot still serves users; the orchestrator's failing health check reports the problem.
                _LOGGER.error("cannot serve /healthz and /metrics: %s", exc.strerror or type(exc).__name__)
                health = None
        await app.start()
        try:
            code = await _fetch_until_stopped(app, fetcher, mode, stop)
        finally:
            if app.running:
                await app.stop()
            await _call_hook(app.post_stop, app)
            if health is not None:
                await health.stop()
    finally:
        await app.shutdown()
        await _call_hook(app.post_shutdown, app)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    if pending:
        _LOGGER.warning("tasks still pending at exit: %d", len(pending))
    return code


async def _fetch_until_stopped(app: AnyApplication, fetcher: Poller | Webhook, mode: Mode, stop: asyncio.Event) -> int:
    if isinstance(fetcher, Webhook):
        await fetcher.start()
        await app.bot.set_webhook(
            mode.webhook_url,
            secret_token=mode.secret,
            allowed_updates=mode.allowed_updates,
            max_connections=MAX_WEBHOOK_CONNECTIONS,
        )
        _LOGGER.info("webhook set, serving on port %d", fetcher.port)
        try:
            await stop.wait()
        finally:
            await fetcher.stop()
        return 0
    task = fetcher.start()
    _LOGGER.info("long polling started")
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stopping
    try:
        await task
    except asyncio.CancelledError:
        return 0
    except Fatal as exc:
        print(f"debt-coach run: {exc}", flush=True, file=sys.stderr)
        return EXIT_FATAL
    return 0
