"""The fake Bot API server over HTTP, and the bot (in-process, fake engine) talking to it for real."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from botapi_server import TOKEN, BotApiServer, Call, Faults

from bot.settings import Settings
from bot.telegram import ALLOWED_UPDATES, build_application
from bot.telegram.serve import Poller
from flows.core.models import Choice, Input, Reply

ALICE, BOB = 1001, 2002


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        yield running


async def _api(server: BotApiServer, method: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session:
        url = f"{server.base_url}{server.token}/{method}"
        async with session.post(url, **kwargs) as response:
            return response.status, await response.json()


async def test_bodies_json_form_and_multipart(server: BotApiServer) -> None:
    server.push_text(ALICE, "hi")  # the chat must exist before the bot may write to it
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "x"}]]}
    status, body = await _api(server, "sendMessage", json={"chat_id": ALICE, "text": "j", "reply_markup": markup})
    assert status == 200 and body["result"]["reply_markup"] == markup
    status, _ = await _api(server, "sendMessage", data={"chat_id": str(ALICE), "text": "f"})
    assert status == 200
    form = aiohttp.FormData()
    form.add_field("chat_id", str(ALICE))
    form.add_field("document", b"%PDF-1", filename="r.pdf", content_type="application/pdf")
    status, body = await _api(server, "sendDocument", data=form)
    assert status == 200 and body["result"]["document"]["file_name"] == "r.pdf"
    assert [c.method for c in server.sent(ALICE)] == ["sendMessage", "sendMessage", "sendDocument"]
    assert server.sent(ALICE)[2].files["document"] == ("r.pdf", b"%PDF-1", "application/pdf")


async def test_errors_like_the_real_api(server: BotApiServer) -> None:
    async with aiohttp.ClientSession() as session, session.post(f"{server.base_url}nope:x/getMe") as reply:
        assert reply.status == 401
    assert (await _api(server, "frobnicate"))[0] == 404
    assert (await _api(server, "sendMessage", json={"chat_id": 555, "text": "x"}))[0] == 403
    server.push_text(ALICE, "hi")
    status, body = await _api(server, "sendMessage", json={"chat_id": ALICE, "text": "<b", "parse_mode": "HTML"})
    assert status == 400 and "can't parse entities" in body["description"]
    assert (await _api(server, "sendMessage", json={"chat_id": ALICE, "text": "x" * 4097}))[0] == 400


async def test_get_updates_long_poll_and_offset(server: BotApiServer) -> None:
    waiter = asyncio.create_task(_api(server, "getUpdates", json={"timeout": 5}))
    await asyncio.sleep(0.1)
    assert not waiter.done()
    first = server.push_text(ALICE, "one")
    status, body = await waiter
    assert status == 200 and [u["update_id"] for u in body["result"]] == [first["update_id"]]
    second = server.push_text(ALICE, "two")
    _, body = await _api(server, "getUpdates", json={"offset": first["update_id"] + 1})
    assert [u["update_id"] for u in body["result"]] == [second["update_id"]]
    _, body = await _api(server, "getUpdates", json={"offset": second["update_id"] + 1, "timeout": 0})
    assert body["result"] == []


async def test_webhook_delivery_carries_the_secret(server: BotApiServer) -> None:
    got: list[tuple[str | None, dict[str, Any]]] = []

    async def receive(request: web.Request) -> web.Response:
        got.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        await _api(server, "setWebhook", json={"url": url, "secret_token": "s3cret"})
        assert (await _api(server, "getUpdates", json={}))[0] == 409
        update = server.push_text(ALICE, "hello")
        await server.wait_until(lambda: bool(got))
        assert got == [("s3cret", update)]
        assert await server.post_to_webhook(update, secret_token=None) == 200
        assert got[-1][0] is None
    finally:
        await runner.cleanup()


async def test_fault_injection(server: BotApiServer) -> None:
    server.push_text(ALICE, "hi")
    server.api.faults = Faults(rate_429=1.0, retry_after=3)
    status, body = await _api(server, "sendMessage", json={"chat_id": ALICE, "text": "x"})
    assert status == 429 and body["parameters"] == {"retry_after": 3}
    assert (await _api(server, "getMe"))[0] == 200  # only sending calls are faulted
    server.api.faults = Faults(rate_502=1.0)
    assert (await _api(server, "sendMessage", json={"chat_id": ALICE, "text": "x"}))[0] == 502
    server.api.faults = Faults(rate_drop=1.0)
    with pytest.raises(aiohttp.ClientError):
        await _api(server, "sendMessage", json={"chat_id": ALICE, "text": "x"})
    assert server.sent(ALICE) == []


# ---- the bot over HTTP, in-process, with a fake engine -------------------------------------


class EchoEngine:
    """Answers every turn with the user's own words and one button."""

    def __init__(self) -> None:
        self.inputs: list[tuple[str, Input]] = []

    def handle(self, user_id: str, inp: Input) -> list[Reply]:
        self.inputs.append((user_id, inp))
        said = inp.text if inp.kind != "choice" else f"choice {inp.choice}"
        return [Reply(text=f"{user_id} said {said}", choices=[Choice(id="next", label="下一步")])]


def _is_reply(text: str) -> Any:
    return lambda c: c.method == "sendMessage" and c.plain.endswith(text)


@pytest.fixture
async def polling_bot(server: BotApiServer) -> AsyncIterator[tuple[BotApiServer, EchoEngine]]:
    settings = Settings(
        _env_file=None, telegram_bot_token=TOKEN, telegram_api_base_url=server.base_url
    )
    engine = EchoEngine()
    app = build_application(settings, engine)
    async with app:
        assert app.post_init is not None
        await app.post_init(app)
        await app.start()
        polling = Poller(app, ALLOWED_UPDATES, timeout=1).start()
        try:
            yield server, engine
        finally:
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
            await app.stop()


async def test_two_users_at_once_get_only_their_own_replies(polling_bot: tuple[BotApiServer, EchoEngine]) -> None:
    server, _ = polling_bot
    for n in range(3):
        server.push_text(ALICE, f"alice {n}")
        server.push_text(BOB, f"bob {n}")
    await server.wait_for(ALICE, _is_reply("alice 2"))
    await server.wait_for(BOB, _is_reply("bob 2"))
    for user, other in ((ALICE, "bob"), (BOB, "alice")):
        replies = [c.plain for c in server.sent(user, "sendMessage")]
        assert replies == [f"tg:{user} said {'alice' if user == ALICE else 'bob'} {n}" for n in range(3)]
        assert not any(other in text for text in replies)
    assert {c.chat_id for c in server.calls if c.chat_id is not None} == {ALICE, BOB}
    assert server.api.commands['{"type": "default"}|'][0]["command"] == "start"


async def test_button_over_http(polling_bot: tuple[BotApiServer, EchoEngine]) -> None:
    server, _ = polling_bot
    server.push_text(ALICE, "hi")
    menu: Call = await server.wait_for(ALICE, _is_reply("said hi"))
    server.push_callback(ALICE, menu.result["message_id"], menu.buttons[0]["callback_data"])
    await server.wait_for(ALICE, _is_reply("said choice next"))
    assert server.sent(ALICE, "editMessageReplyMarkup") and server.api.answered


async def test_bot_rides_out_429_and_dropped_connections(
    polling_bot: tuple[BotApiServer, EchoEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 warns about int retry_after inside RetryAfter
    server, _ = polling_bot
    faults = Faults(rate_429=0.2, retry_after=1, rate_drop=0.1, rate_502=0.1, seed=3)
    faults.methods = frozenset({"sendmessage"})
    server.api.faults = faults
    for n in range(4):
        server.push_text(ALICE, f"m{n}")
    await server.wait_for(ALICE, _is_reply("said m3"), timeout=30)
    texts = [c.plain for c in server.sent(ALICE, "sendMessage")]
    assert texts == [f"tg:{ALICE} said m{n}" for n in range(4)]
    assert {kind for _, kind in faults.injected} == {"429", "502", "drop"}, json.dumps(faults.injected)
