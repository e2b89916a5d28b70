"""End to end: the real `debt-coach run` process against the fake Bot API server, polling and webhook."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from botapi_server import TOKEN, BotApiServer, Call
from cryptography.fernet import Fernet
from processes import stop_gracefully

pytest.importorskip("flows.core.engine", exc_type=ImportError)
cli = pytest.importorskip("bot.cli", exc_type=ImportError)


def _cli_has_run() -> bool:
    subcommands = [a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return any("run" in action.choices for action in subcommands)


if not _cli_has_run():  # until bot.cli registers bot.cli_run.register
    pytest.skip("bot.cli does not register `run` yet", allow_module_level=True)

ALICE, BOB = 700000001, 700000002
SECRET = "e2e_Secret-123_with-32-characters-or-more"
QUIET = 1.0
STARTUP = 60.0


def _command() -> list[str]:
    script = Path(sys.executable).with_name("debt-coach")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def bot_process(
    server: BotApiServer, tmp_path: Path, *args: str, **env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run `debt-coach run ARGS` pointed at the fake server; stop it with SIGTERM and expect exit 0."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "CALLBACK_"))}
    key_file = tmp_path / "test-secret.key"  # webhook mode refuses to start without a configured key
    if not key_file.exists():
        key_file.write_bytes(Fernet.generate_key())
        key_file.chmod(0o600)
    clean.update(
        TELEGRAM_BOT_TOKEN=server.token,
        TELEGRAM_API_BASE_URL=server.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'coach.db'}",
        COACH_ENCRYPTION_KEY_FILE=str(key_file),
        METRICS_PORT="0",  # no /healthz server unless a test asks for one (tests/test_deploy.py does)
        PYTHONUNBUFFERED="1",
        **env,
    )
    clean.pop("COACH_ENCRYPTION_KEY", None)
    with (tmp_path / "bot.log").open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            *_command(), "run", *args, env=clean, cwd=tmp_path, stdout=log, stderr=asyncio.subprocess.STDOUT
        )
        try:
            yield proc
        finally:
            await stop_gracefully(proc)
    output = (tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 0, output
    for secret in (TOKEN, SECRET, str(ALICE), str(BOB)):
        assert secret not in output, f"{secret!r} leaked into the log"


async def _settle(server: BotApiServer) -> None:
    """Wait until the bot has made no call for QUIET seconds."""
    while True:
        before = len(server.calls)
        await asyncio.sleep(QUIET)
        if len(server.calls) == before:
            return


def _texts(server: BotApiServer, chat_id: int) -> list[str]:
    return [c.plain for c in server.sent(chat_id) if c.method in {"sendMessage", "sendPhoto", "sendDocument"}]


def _menu(server: BotApiServer, chat_id: int) -> Call | None:
    with_buttons = [c for c in server.sent(chat_id) if any("callback_data" in b for b in c.buttons)]
    return with_buttons[-1] if with_buttons else None


async def _two_users_converse(server: BotApiServer) -> None:
    """Both users start at once and get the same greeting; Alice goes on; Bob sees none of it."""
    server.push_text(ALICE, "/start")
    server.push_text(BOB, "/start")
    await server.wait_for(ALICE, lambda c: c.method == "sendMessage", timeout=30)
    await server.wait_for(BOB, lambda c: c.method == "sendMessage", timeout=30)
    await _settle(server)
    alice_start, bob_start = _texts(server, ALICE), _texts(server, BOB)
    assert alice_start and alice_start == bob_start
    menu = _menu(server, ALICE)
    if menu is not None:
        button = next(b for b in menu.buttons if "callback_data" in b)
        server.push_callback(ALICE, menu.result["message_id"], button["callback_data"])
        await server.wait_for(ALICE, lambda c: c.method == "answerCallbackQuery" or c.method.startswith("edit"))
    server.push_text(ALICE, "/help")
    await server.wait_until(lambda: len(_texts(server, ALICE)) > len(alice_start) + (menu is not None), 30)
    await _settle(server)
    assert _texts(server, BOB) == bob_start
    assert {c.chat_id for c in server.calls if c.chat_id is not None} == {ALICE, BOB}
    if menu is not None:
        assert server.sent(ALICE, "editMessageReplyMarkup")


@asynccontextmanager
async def serving_bot(tmp_path: Path, *, webhook: bool) -> AsyncIterator[tuple[BotApiServer, str]]:
    """Start the fake Bot API and the real bot, polling or on a webhook; yield once the bot is serving.

    Yields:
        The server, and the webhook URL (empty in polling mode).
    """
    async with BotApiServer() as server:
        if not webhook:
            async with bot_process(server, tmp_path):
                await server.wait_until(lambda: any(c.method == "setMyCommands" for c in server.calls), STARTUP)
                yield server, ""
            return
        port = _free_port()
        hook = f"http://127.0.0.1:{port}/tg/hook"
        async with bot_process(server, tmp_path, "--webhook", "--listen", "127.0.0.1", "--port", str(port),
                               WEBHOOK_URL=hook, WEBHOOK_SECRET=SECRET):  # fmt: skip
            await server.wait_until(lambda: server.api.webhook is not None, STARTUP)
            yield server, hook


async def test_polling_process_serves_two_users(tmp_path: Path) -> None:
    async with serving_bot(tmp_path, webhook=False) as (server, _):
        await _two_users_converse(server)


async def test_webhook_process_requires_the_secret(tmp_path: Path) -> None:
    async with serving_bot(tmp_path, webhook=True) as (server, hook):
        assert server.api.webhook is not None
        assert (server.api.webhook["url"], server.api.webhook["secret_token"]) == (hook, SECRET)
        intruder = {"update_id": 900001, "message": server.api.user_message(ALICE, text="/start")}
        status = 0
        for _ in range(int(STARTUP / 0.2)):  # the listener starts right after setWebhook
            status = await server.post_to_webhook(intruder, secret_token=None)
            if status:
                break
            await asyncio.sleep(0.2)
        assert status == 403
        assert await server.post_to_webhook(intruder, secret_token="nope") == 403
        await asyncio.sleep(QUIET)
        assert server.sent(ALICE) == []
        await _two_users_converse(server)


async def test_missing_token_stops_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    proc = await asyncio.create_subprocess_exec(
        *_command(), "run", env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2
    assert err.decode().count("\n") == 1 and "TELEGRAM_BOT_TOKEN" in err.decode()
