"""The webhook only takes Telegram's posts, and a button only works for the user it was sent to.

Already covered elsewhere, not repeated: the real process answers 403 to a missing and a wrong
secret header (`test_telegram_e2e.py`); a tampered, unsigned or over-long button and another user's
replayed button are refused (`test_telegram_adapter.py`).  Here: the secret check in-process for
every near miss, and buttons signed with another key.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from botapi_server import TOKEN, FakeBotApi, RecordingRequest
from pydantic import SecretStr
from telegram import Update

from bot.settings import Settings
from bot.telegram.app import build_application
from bot.telegram.callbacks import CallbackSigner
from bot.telegram.serve import Webhook
from flows.core.models import Choice, Input, Reply
from flows.core.texts import render

SECRET = "hook_Secret-42_long-enough-for-the-setting"
ALICE = 1001
HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Recorder:
    """An engine that records what reaches it and offers one button."""

    def __init__(self) -> None:
        self.inputs: list[tuple[str, Input]] = []

    def handle(self, user_id: str, inp: Input) -> list[Reply]:
        self.inputs.append((user_id, inp))
        return [Reply(text="好的", choices=[Choice(id="yes", label="是")])]


def _settings() -> Settings:
    return Settings(_env_file=None, telegram_bot_token=SecretStr(TOKEN), callback_secret=SecretStr("c" * 32))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def webhook() -> AsyncIterator[tuple[str, FakeBotApi, Recorder]]:
    """The bot's webhook endpoint, on a free port, in front of a recording engine."""
    api, engine, port = FakeBotApi(), Recorder(), _free_port()
    app = build_application(_settings(), engine, request=RecordingRequest(api))
    async with app:
        hook = Webhook(app, "hook", SECRET, "127.0.0.1", port)
        await hook.start()
        await app.start()
        try:
            yield f"http://127.0.0.1:{port}/hook", api, engine
        finally:
            await hook.stop()
            await app.stop()


async def _post(url: str, update: dict[str, Any], headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, json=update, headers=headers) as response:
        await response.read()
        return response.status


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {HEADER: ""},
        {HEADER: "nope"},
        {HEADER: SECRET[:-1] + "3"},  # same length, last character wrong
        {HEADER: SECRET.upper()},
        {HEADER: SECRET + "x"},
        {"X-Telegram-Bot-Api-Secret": SECRET},  # the right value under another header
    ],
)
async def test_posts_without_the_exact_secret_are_refused(
    webhook: tuple[str, FakeBotApi, Recorder], headers: dict[str, str]
) -> None:
    url, api, engine = webhook
    assert await _post(url, {"update_id": 1, "message": api.user_message(ALICE, text="/start")}, headers) == 403
    assert await _post(url, {"update_id": 2, "message": api.user_message(ALICE, text="/help")}, {HEADER: SECRET}) == 200
    await _until(lambda: bool(engine.inputs))
    assert [inp.command for _, inp in engine.inputs] == ["help"]  # only the genuine post reached the engine


async def _until(condition: Any) -> None:
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.mark.parametrize("key", [b"d" * 32, b"c" * 31 + b"d"])
async def test_buttons_signed_with_another_key_are_refused(key: bytes) -> None:
    api, engine = FakeBotApi(), Recorder()
    app = build_application(_settings(), engine, request=RecordingRequest(api))
    async with app:
        await app.process_update(Update.de_json(api.push_text(ALICE, "hi"), app.bot))
        [menu] = api.sent(ALICE, "sendMessage")
        genuine = menu.buttons[0]["callback_data"]
        forged = CallbackSigner(key).choice(ALICE, "yes")
        assert forged != genuine and forged.split("|")[0] == genuine.split("|")[0]
        await app.process_update(Update.de_json(api.push_callback(ALICE, menu.result["message_id"], forged), app.bot))
    assert len(engine.inputs) == 1
    assert [a["text"] for a in api.answered.values()] == [render("telegram/button_invalid")]
    assert not api.sent(ALICE, "editMessageReplyMarkup")  # the genuine button still works
