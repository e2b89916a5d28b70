"""A fake Telegram Bot API server for tests, and a PTB BaseRequest that talks to the same fake offline.

Server (aiohttp on 127.0.0.1, a free port, run in the test's event loop)::

    async with BotApiServer() as server:
        env = {"TELEGRAM_API_BASE_URL": server.base_url, "TELEGRAM_BOT_TOKEN": server.token}
        server.push_text(1001, "/start")     # served by getUpdates, or POSTed to the set webhook
        call = await server.wait_for(1001, lambda c: c.method == "sendMessage", timeout=10)
        server.sent(1001)                    # every call the bot made for chat 1001, in order

Offline unit tests plug the same core into PTB directly::

    api = FakeBotApi()
    app = build_application(settings, engine, request=RecordingRequest(api))

Methods: getMe, getUpdates (long poll, offset), setWebhook/deleteWebhook/getWebhookInfo,
sendMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery, sendPhoto,
sendDocument, sendChatAction, set/get/deleteMyCommands, close, logOut. Bodies may be JSON,
form-encoded or multipart. `Faults(rate_429=..., rate_502=..., rate_drop=...)` injects failures
into sending calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web
from botapi_core import FakeBotApi
from botapi_wire import BOT_ID, BOT_USERNAME, DROP, TOKEN, Call, Faults, normalize, parse_html
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "TOKEN",
    "BotApiServer",
    "Call",
    "FakeBotApi",
    "Faults",
    "RecordingRequest",
    "parse_html",
]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_USE_HOOK_SECRET = object()


class BotApiServer:
    """The fake Bot API over HTTP, with webhook delivery."""

    def __init__(self, token: str = TOKEN, faults: Faults | None = None, host: str = "127.0.0.1") -> None:
        self.api = FakeBotApi(token, faults)
        self.host = host
        self.port = 0
        self.deliveries: list[tuple[int, int]] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._deliverer: asyncio.Task[None] | None = None

    @property
    def token(self) -> str:
        return self.api.token

    @property
    def base_url(self) -> str:
        """The value for TELEGRAM_API_BASE_URL / PTB's base_url (the token is appended)."""
        return f"http://{self.host}:{self.port}/bot"

    async def start(self) -> None:
        """Listen on a free port and start delivering to a webhook once one is set."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, 0).start()
        self.port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession()
        self._deliverer = asyncio.create_task(self._deliver_loop())

    async def stop(self) -> None:
        """Stop delivering, close the client session and the server."""
        if self._deliverer is not None:
            self._deliverer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._deliverer
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> BotApiServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # ---- test API (delegates to the core) --------------------------------------------------
    def push_text(self, user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        return self.api.push_text(user_id, text, **kwargs)

    def push_callback(self, user_id: int, message_id: int, data: str, chat_id: int | None = None) -> dict[str, Any]:
        return self.api.push_callback(user_id, message_id, data, chat_id)

    def push_message(self, user_id: int, **content: Any) -> dict[str, Any]:
        return self.api.push_message(user_id, **content)

    def sent(self, chat_id: int, method: str | None = None) -> list[Call]:
        return self.api.sent(chat_id, method)

    @property
    def calls(self) -> list[Call]:
        return self.api.calls

    async def wait_for(self, chat_id: int, predicate: Callable[[Call], bool], timeout: float = 10.0) -> Call:
        return await self.api.wait_for(chat_id, predicate, timeout)

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until `condition()` holds (checked after every change), else raise TimeoutError."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            if loop.time() >= deadline:
                raise TimeoutError("condition not met in time")
            await self.api.changed(min(0.2, deadline - loop.time()))

    async def post_to_webhook(self, update: dict[str, Any], secret_token: Any = _USE_HOOK_SECRET) -> int:
        """POST one update to the webhook now (no retry); return the HTTP status (0: unreachable).

        Args:
            update: The update body.
            secret_token: The header value to send; default the webhook's own; None sends no header.
        """
        hook = self.api.webhook
        if hook is None:
            raise RuntimeError("no webhook is set")
        secret = hook.get("secret_token") if secret_token is _USE_HOOK_SECRET else secret_token
        return await self._post(hook["url"], update, secret)

    # ---- HTTP ------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.api.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        try:
            params, files = await self._read(request)
        except (ValueError, json.JSONDecodeError):
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request"}, status=400)
        answer = await self.api.call(request.match_info["method"], params, files)
        if answer is DROP:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        status, body = answer
        return web.json_response(body, status=status)

    @staticmethod
    async def _read(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes, str]]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[str, bytes, str]] = {}
        if request.content_type == "application/json":
            raw.update(await request.json() or {})
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read(), value.content_type)
                else:
                    raw[key] = value
        return normalize(raw), files

    async def _post(self, url: str, update: dict[str, Any], secret: str | None) -> int:
        assert self._session is not None
        headers = {SECRET_HEADER: secret} if secret else {}
        try:
            async with self._session.post(
                url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
            ) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return 0

    async def _deliver_loop(self) -> None:
        """Deliver queued updates to the webhook in order, retrying failures like Telegram does."""
        while True:
            hook = self.api.webhook
            if hook is None or not self.api.updates:
                await self.api.changed(1.0)
                continue
            update = self.api.updates[0]
            status = await self._post(hook["url"], update, hook.get("secret_token"))
            self.deliveries.append((update["update_id"], status))
            if 200 <= status < 300:
                with contextlib.suppress(ValueError):
                    self.api.updates.remove(update)
            else:
                await asyncio.sleep(0.2)


class RecordingRequest(BaseRequest):
    """A PTB request that answers every call from a FakeBotApi in-process (offline unit tests)."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer the call as the Bot API would, from the fake's state."""
        prefix, _, name = url.rpartition("/")
        if not prefix.endswith(f"/bot{self.api.token}"):
            return 401, b'{"ok": false, "error_code": 401, "description": "Unauthorized"}'
        raw: dict[str, Any] = dict(request_data.json_parameters) if request_data else {}
        files: dict[str, tuple[str, bytes, str]] = {}
        for part, (filename, content, mime) in (request_data.multipart_data if request_data else {}).items():
            data = content if isinstance(content, bytes) else content.read()
            files[part] = (filename or part, data, mime or "application/octet-stream")
            raw.pop(part, None)
        answer = await self.api.call(name, normalize(raw), files)
        if answer is DROP:
            raise NetworkError("fake Bot API dropped the connection")
        status, body = answer
        return status, json.dumps(body).encode()
