"""The aiohttp transport against a real HTTP server on loopback: bodies, timeouts, failures."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.transport import AiohttpRequest

Seen = list[dict[str, Any]]
SEEN = web.AppKey("seen", list)


async def _echo_form(request: web.Request) -> web.Response:
    seen: Seen = request.app[SEEN]
    if request.content_type == "multipart/form-data":
        parts: dict[str, Any] = {}
        async for part in await request.multipart():
            body = await part.read()  # type: ignore[union-attr]
            parts[part.name or ""] = (part.filename, body, part.headers.get("Content-Type"))  # type: ignore[union-attr]
        seen.append({"multipart": parts})
    else:
        seen.append({"form": dict(await request.post()), "agent": request.headers.get("User-Agent")})
    return web.json_response({"ok": True, "result": True})


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(float(request.query.get("delay", "1")))
    return web.json_response({"ok": True, "result": True})


async def _drop(request: web.Request) -> web.StreamResponse:
    assert request.transport is not None
    request.transport.close()
    return web.Response()


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Seen]]:
    app = web.Application()
    seen: Seen = []
    app[SEEN] = seen
    app.router.add_post("/form", _echo_form)
    app.router.add_post("/slow", _slow)
    app.router.add_post("/drop", _drop)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


@pytest.fixture
async def transport() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(pool_size=4)
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


def _data(**params: Any) -> RequestData:
    return RequestData([RequestParameter.from_input(key, value) for key, value in params.items()])


async def test_sends_form_fields_as_ptb_encodes_them(server: tuple[str, Seen], transport: AiohttpRequest) -> None:
    base, seen = server
    status, body = await transport.do_request(f"{base}/form", "POST", _data(chat_id=7, text="您好 <b>"))
    assert status == 200 and b'"ok": true' in body
    assert seen == [{"form": {"chat_id": "7", "text": "您好 <b>"}, "agent": AiohttpRequest.USER_AGENT}]


async def test_uploads_files_as_multipart(server: tuple[str, Seen], transport: AiohttpRequest) -> None:
    base, seen = server
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    photo = InputFile(png, filename="plan.png")
    status, _ = await transport.do_request(f"{base}/form", "POST", _data(chat_id=7, photo=photo))
    assert status == 200
    parts = seen[0]["multipart"]
    assert parts["chat_id"][1] == b"7"
    uploaded = [value for value in parts.values() if value[0] == "plan.png"]
    assert uploaded == [("plan.png", png, "image/png")]


async def test_a_slow_answer_times_out_and_a_long_poll_waits(
    server: tuple[str, Seen], transport: AiohttpRequest
) -> None:
    base, _ = server
    with pytest.raises(TimedOut):
        await transport.do_request(f"{base}/slow?delay=1", "POST", read_timeout=0.2)
    status, _ = await transport.do_request(f"{base}/slow?delay=0.3", "POST", read_timeout=2)
    assert status == 200


async def test_dropped_and_refused_connections_are_network_errors(
    server: tuple[str, Seen], transport: AiohttpRequest
) -> None:
    base, _ = server
    with pytest.raises(NetworkError) as dropped:
        await transport.do_request(f"{base}/drop", "POST")
    assert not isinstance(dropped.value, TimedOut)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(NetworkError):
        await transport.do_request(f"http://127.0.0.1:{port}/form", "POST")
    status, _ = await transport.do_request(f"{base}/form", "POST", _data(text="again"))
    assert status == 200


async def test_refuses_before_initialise_and_reopens_after_shutdown(server: tuple[str, Seen]) -> None:
    base, _ = server
    request = AiohttpRequest()
    with pytest.raises(RuntimeError):
        await request.do_request(f"{base}/form", "POST")
    await request.initialize()
    await request.shutdown()
    with pytest.raises(RuntimeError):
        await request.do_request(f"{base}/form", "POST")
    await request.initialize()
    try:
        assert (await request.do_request(f"{base}/form", "POST"))[0] == 200
    finally:
        await request.shutdown()
