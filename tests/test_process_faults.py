"""The real bot process when updates or the Bot API misbehave (issue 17, findings 3, 4 and 8).

- An update the Telegram library cannot parse leaves no text, id or name in any log line, in either
  mode, and the next update is answered (polling moves past it instead of fetching it forever).
- A revoked token (401) ends polling: the process exits 2 with one clear line, and shuts down clean.
- A reply lost to a timeout after the turn was saved: the current question is sent again, and the
  next answer lands where it belongs (never "please send it again").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bot_runs import BotRun
from botapi_server import BotApiServer, Call
from test_faults_botapi import _button

from flows.core.texts import render
from flows.storage import open_store

USER, OTHER = 700000031, 700000032
SECRET_TEXT, SECRET_NAME = "我的工资是98765元请保密", "Zhangsanfeng"
SHUTDOWN_NOISE = ("Event loop is closed", "Unclosed client session", "Task was destroyed", "tasks still pending",
                  "Traceback")  # fmt: skip


def _unparsable(server: BotApiServer) -> dict[str, Any]:
    """Queue an update PTB cannot parse (its date is not a number) that carries a text, an id and a name."""
    person = {"id": OTHER, "is_bot": False, "first_name": SECRET_NAME}
    chat = {"id": OTHER, "type": "private", "first_name": SECRET_NAME}
    message = {"message_id": 1, "date": "yesterday", "chat": chat, "from": person, "text": SECRET_TEXT}
    return server.api.push(message=message)


def _is_text(call: Call) -> bool:
    return call.method == "sendMessage"


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_an_unparsable_update_leaves_no_trace_and_the_next_is_answered(tmp_path: Path, webhook: bool) -> None:
    async with BotApiServer() as server:
        bot = BotRun(server, tmp_path, webhook=webhook)
        await bot.start()
        try:
            bad = _unparsable(server)
            server.push_text(USER, "/start")
            await server.wait_for(USER, _is_text, timeout=30)
            if webhook:
                assert (bad["update_id"], 200) in server.deliveries  # answered, so Telegram does not resend it
            else:
                polls = sum(1 for c in server.calls if c.method == "getUpdates")
                assert polls < 10, f"{polls} getUpdates: the poller is stuck on the unparsable update"
        finally:
            assert await bot.stop() == 0
    logs = bot.logs()
    assert "skipped an update that cannot be parsed: TypeError" in logs
    for secret in (SECRET_TEXT, "98765", SECRET_NAME, str(OTHER), str(USER), server.token):
        assert secret not in logs, f"{secret!r} is in the log"
    assert not server.sent(OTHER)


async def test_a_revoked_token_ends_polling_with_exit_2_and_a_clean_shutdown(tmp_path: Path) -> None:
    async with BotApiServer() as server:
        bot = BotRun(server, tmp_path, webhook=False)
        await bot.start()
        server.push_text(USER, "/start")
        await server.wait_for(USER, _is_text, timeout=30)
        server.api.token = "1:revoked" + "x" * 30  # every call with the old token is now answered 401
        server.push_text(USER, "/help")  # ends the long poll now, so the next one meets the 401
        await server.wait_until(bot.exited, 60)
        code = await bot.stop()
    logs = bot.logs()
    assert code == 2, logs
    lines = [line for line in logs.splitlines() if line.startswith("debt-coach run:")]
    assert lines == ["debt-coach run: the Bot API rejected TELEGRAM_BOT_TOKEN (401): it is invalid or was revoked"]
    for noise in SHUTDOWN_NOISE:
        assert noise not in logs, logs


async def test_a_reply_lost_after_the_turn_was_saved_asks_the_current_question_again(tmp_path: Path) -> None:
    async with BotApiServer() as server:
        bot = BotRun(server, tmp_path, webhook=False)
        await bot.start()
        try:
            server.push_text(USER, "/start")
            await server.wait_for(USER, lambda c: _is_text(c) and bool(c.buttons), timeout=30)
            server.push_callback(USER, *_button(server, USER, "consent_yes"))
            asked = len(server.sent(USER, "sendMessage"))
            await server.wait_until(lambda: len(server.sent(USER, "sendMessage")) > asked, 30)
            income_question = server.sent(USER, "sendMessage")[-1].plain
            before = len(server.sent(USER, "sendMessage"))
            # The answer to the income is applied by Telegram but its response never comes back in time.
            server.api.stall_next("sendMessage", USER, 8.0)
            server.push_text(USER, "8000")
            await server.wait_until(lambda: len(server.sent(USER, "sendMessage")) >= before + 2, 30)
            lost, again = server.sent(USER, "sendMessage")[before : before + 2]
            assert again.plain.endswith(lost.plain.rsplit("\n\n", 1)[-1])  # the expenses question, asked again
            assert again.plain != income_question
            assert render("telegram/error") not in again.plain
            server.push_text(USER, "3000")
            await server.wait_until(lambda: len(server.sent(USER, "sendMessage")) > before + 2, 30)
        finally:
            assert await bot.stop() == 0
    logs = bot.logs()
    assert "telegram/reply_lost" in logs and "8000" not in logs
    store = open_store(f"sqlite:///{tmp_path / 'coach.db'}", key=(tmp_path / "coach.key").read_text())
    try:
        session = store.load_session(f"tg:{USER}")
    finally:
        store.close()
    assert session is not None
    stored = json.dumps(session.model_dump(mode="json"), ensure_ascii=False)
    assert '"monthly_income": "8000"' in stored or '"monthly_income": 8000' in stored, stored[:2000]
    assert '"monthly_expenses": "3000"' in stored or '"monthly_expenses": 3000' in stored, stored[:2000]
