"""The Bot API fails 20% of sends (429 with retry_after, 502, dropped connections): the real
`debt-coach run` process still delivers every reply to every user, in order, exactly once.

How "drop" is modelled: the fake server aborts the connection *before* applying the call, so a
retry is always safe.  A real connection can also drop *after* Telegram applied a sendMessage
and before the answer arrived; a Bot API client cannot tell the two apart (sendMessage has no
idempotency key), so the bot's retry would then show that message twice.  That residual risk is
accepted: a rare duplicate beats a lost answer, and nothing is stored twice (the turn committed once).

The bot's retries live in `bot.telegram.app.RetryingRateLimiter`: 429 waits `retry_after` (up to 3
times), 502 and network errors back off and retry (up to 2 times).  Chat actions ("typing…") are
left out of the faults: they are best effort, and their retries would make which later call gets
which fault depend on timing, so the seeded run would not be reproducible.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from botapi_server import BotApiServer, Call, Faults
from botapi_wire import SEND_METHODS
from processes import stop_gracefully

ALICE, BOB = 700000011, 700000012
STARTUP = 60.0
VISIBLE = {"sendMessage", "sendPhoto", "sendDocument"}
# (user, typed text) or (user, "tap:<choice id>"), run one at a time so the fault sequence is fixed.
SCRIPT: list[tuple[int, str]] = [
    (ALICE, "/start"), (BOB, "/start"), (ALICE, "tap:consent_yes"), (BOB, "同意"), (ALICE, "小李"),
    (BOB, "12000"), (ALICE, "8000"), (BOB, "/help"), (ALICE, "3000"), (BOB, "4000"),
    (ALICE, "借呗欠一万二，逾期40天，天天打电话"), (BOB, "tap:back"), (ALICE, "tap:more_no"), (BOB, "5000"),
]  # fmt: skip


def _command() -> list[str]:
    script = Path(sys.executable).with_name("debt-coach")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


@asynccontextmanager
async def bot_process(server: BotApiServer, workdir: Path) -> AsyncIterator[Path]:
    """Run `debt-coach run` against the fake server; yield its log file; always stop it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "CALLBACK_"))}
    env.pop("COACH_ENCRYPTION_KEY", None)
    env.update(TELEGRAM_BOT_TOKEN=server.token, TELEGRAM_API_BASE_URL=server.base_url,
               DATABASE_URL=f"sqlite:///{workdir / 'coach.db'}", PYTHONUNBUFFERED="1")  # fmt: skip
    log_path = workdir / "bot.log"
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            *_command(), "run", env=env, cwd=workdir, stdout=log, stderr=asyncio.subprocess.STDOUT
        )
        try:
            yield log_path
        finally:
            await stop_gracefully(proc)


def _turns(log_path: Path) -> int:
    return log_path.read_text(encoding="utf-8", errors="replace").count(" turn user=")


def _button(server: BotApiServer, chat_id: int, choice: str) -> tuple[int, str]:
    for call in reversed(server.sent(chat_id)):
        for button in call.buttons:
            if str(button.get("callback_data", "")).startswith(f"{choice}|"):
                return call.result["message_id"], button["callback_data"]
    raise AssertionError(f"no button {choice!r} was offered to {chat_id}")


async def _play(server: BotApiServer, workdir: Path) -> None:
    async with bot_process(server, workdir) as log_path:
        await server.wait_until(lambda: any(c.method == "setMyCommands" for c in server.calls), STARTUP)
        for done, (user, step) in enumerate(SCRIPT, start=1):
            if step.startswith("tap:"):
                message_id, data = _button(server, user, step.removeprefix("tap:"))
                server.push_callback(user, message_id, data)
            else:
                server.push_text(user, step)
            while _turns(log_path) < done:  # the bot logs a turn after its last reply was sent
                await server.api.changed(0.05)
        log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "update failed" not in log, log


def _received(server: BotApiServer, chat_id: int) -> list[tuple[str, str, list[str]]]:
    return [(c.method, c.plain, [b["text"] for b in c.buttons]) for c in server.sent(chat_id) if c.method in VISIBLE]


def _taps(server: BotApiServer) -> list[Any]:
    return sorted(server.api.answered)


async def test_every_reply_arrives_once_in_order_despite_a_fifth_of_sends_failing(tmp_path: Path) -> None:
    (tmp_path / "clean").mkdir()
    (tmp_path / "faulty").mkdir()
    async with BotApiServer() as clean:
        await _play(clean, tmp_path / "clean")
    faults = Faults(rate_429=0.07, rate_502=0.07, rate_drop=0.06, seed=7,
                    methods=SEND_METHODS - {"sendchataction"})  # fmt: skip
    async with BotApiServer(faults=faults) as faulty:
        await _play(faulty, tmp_path / "faulty")

    kinds = {kind for _, kind in faults.injected}
    assert kinds == {"429", "502", "drop"} and len(faults.injected) >= 8, faults.injected
    for user in (ALICE, BOB):
        expected = _received(clean, user)
        assert len(expected) >= 6  # a real conversation, not a greeting (plain replies are joined)
        assert _received(faulty, user) == expected  # nothing lost, nothing doubled, same order
    assert _taps(faulty) == _taps(clean)  # every button tap was answered once
    assert _call_count(faulty, "editMessageReplyMarkup") == _call_count(clean, "editMessageReplyMarkup")


def _call_count(server: BotApiServer, method: str) -> int:
    calls: list[Call] = [c for c in server.calls if c.method == method]
    return len(calls)
