"""Private data stays private: nothing typed is stored in plaintext or logged, and /delete leaves nothing.

Every test drives the same whole conversation (`privacy_support.full_conversation`): through the
engine on SQLite and PostgreSQL, through the Telegram adapter in-process with every log record
captured at DEBUG, and through the real `debt-coach run` process with its stderr as it is.
`tests/test_storage.py` covers the store on its own (a hand-made session); these cover what the
whole bot writes after real turns.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from botapi_server import TOKEN, BotApiServer
from conversation import Conversation
from privacy_support import (
    FIGURES,
    NAME,
    database_dump,
    files_dump,
    plaintext_found,
    steps_taken,
    steps_taken_async,
    table_rows,
)
from processes import stop_gracefully
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from telegram import Update

from bot.settings import Settings
from bot.telegram.app import RedactSecrets, build_application, quiet_loggers
from flows.core.engine import Engine
from flows.core.tags import user_tag
from flows.storage import SqlStore, open_store
from flows.storage.migrate import VERSION_TABLE

TG_USER = 700000077
KEPT_USER = 700000088
SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument"}


def _engine_do(chat: Conversation) -> Any:
    def do(step: tuple[str, str]) -> list[str]:
        kind, value = step
        chat.say(value) if kind == "say" else chat.tap(value)
        return [choice.id for choice in chat.offered]

    return do


def _converse(store: SqlStore, user_id: str) -> Conversation:
    chat = Conversation(Engine(store), user_id)
    assert steps_taken(_engine_do(chat)) > 15  # the whole conversation ran, the script included
    session = store.load_session(user_id)
    assert session is not None and session.profile is not None, "the conversation did not finish the intake"
    assert str(session.profile.monthly_income) == FIGURES[0] and session.profile.name == NAME
    # The scan would see the data were it stored as the session serialises it.
    assert len(plaintext_found(session.model_dump_json())) >= 10
    return chat


# ---- at rest ------------------------------------------------------------------------------


def test_whole_conversation_leaves_no_plaintext_in_any_table_or_file(
    store: SqlStore, db_url: str, tmp_path: Path
) -> None:
    user_id = f"tg:{TG_USER}"
    _converse(store, user_id)
    dump = database_dump(store.engine)
    assert store.ref(user_id).encode() in dump  # the scan does reach the stored rows
    assert plaintext_found(dump, str(TG_USER)) == []  # and no row names the user by their Telegram id
    if make_url(db_url).get_backend_name() == "sqlite":
        raw = files_dump(tmp_path)  # the database, its -wal (where the turns still are) and -shm
        assert store.ref(user_id).encode() in raw
        assert plaintext_found(raw, str(TG_USER)) == []


def test_delete_leaves_nothing_in_any_table(store: SqlStore) -> None:
    gone, kept = f"tg:{TG_USER}", f"tg:{KEPT_USER}"
    chat = _converse(store, gone)
    Conversation(Engine(store), kept).say("/start")
    chat.say("/delete")
    chat.tap("confirm_yes")
    traces = (gone, str(TG_USER), user_tag(gone), store.ref(gone))
    rows = list(table_rows(store.engine, skip=(VERSION_TABLE,)))
    assert any(str(value) == store.ref(kept) for _, row in rows for value in row.values())  # the scan sees rows
    left = [(table, row) for table, row in rows if any(t in str(value) for value in row.values() for t in traces)]
    assert left == []
    assert store.load_session(gone) is None
    assert plaintext_found(database_dump(store.engine)) == []


# ---- logs ---------------------------------------------------------------------------------


@pytest.fixture
def logger_levels() -> Iterator[None]:
    """Put back the levels `quiet_loggers` changes, so other tests see the loggers as they were."""
    names = ("telegram", "aiohttp", "httpx", "httpcore", "hpack", "tornado.access", "transitions")
    saved = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


@asynccontextmanager
async def _telegram_bot(tmp_path: Path) -> AsyncIterator[tuple[BotApiServer, Any, SqlStore]]:
    """The Application with the real engine and store, calling the fake Bot API over real HTTP."""
    store = open_store(db_path=tmp_path / "coach.db")
    try:
        async with BotApiServer() as server:
            settings = Settings(
                _env_file=None, telegram_bot_token=SecretStr(TOKEN), telegram_api_base_url=server.base_url
            )
            app = build_application(settings, Engine(store))
            async with app:
                yield server, app, store
    finally:
        store.close()


class TelegramUser:
    """A user driving the bot through the fake server: typed text and taps on signed buttons."""

    def __init__(self, server: BotApiServer, user_id: int) -> None:
        self.server = server
        self.user_id = user_id
        self.buttons: dict[str, tuple[int, str]] = {}

    def update_for(self, step: tuple[str, str]) -> dict[str, Any]:
        """Queue the update a person's step makes: a message, or a tap on an offered button."""
        kind, value = step
        if kind == "say":
            return self.server.push_text(self.user_id, value)
        assert value in self.buttons, f"no button {value!r} among {sorted(self.buttons)}"
        message_id, data = self.buttons[value]
        return self.server.push_callback(self.user_id, message_id, data)

    def offered_since(self, first_call: int) -> list[str]:
        """Return the choice ids on the newest keyboard sent since call number `first_call`."""
        sent = [c for c in self.server.calls[first_call:] if c.chat_id == self.user_id and c.method in SEND_METHODS]
        with_buttons = [c for c in sent if c.buttons]
        assert sent, "the bot did not answer"
        if with_buttons:
            last = with_buttons[-1]
            self.buttons = {
                b["callback_data"].split("|")[0]: (last.result["message_id"], b["callback_data"])
                for b in last.buttons
                if "callback_data" in b and not b["callback_data"].startswith("~")
            }
        return list(self.buttons)


def _log_blob(records: list[logging.LogRecord]) -> str:
    lines = []
    for record in records:
        lines.append(f"{record.name} {record.getMessage()}")
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            lines.append(record.stack_info)
    return "\n".join(lines)


async def test_logs_at_debug_hold_no_token_ids_figures_or_texts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, logger_levels: None
) -> None:
    quiet_loggers()  # the logging set-up `debt-coach run` applies
    caplog.set_level(logging.DEBUG)  # the root, so every logger not kept quieter by that set-up
    for ours in ("bot", "flows"):
        caplog.set_level(logging.DEBUG, logger=ours)
    async with _telegram_bot(tmp_path) as (server, app, _):
        user = TelegramUser(server, TG_USER)

        async def do(step: tuple[str, str]) -> list[str]:
            first = len(server.calls)
            await app.process_update(Update.de_json(user.update_for(step), app.bot))
            return user.offered_since(first)

        await steps_taken_async(do)
    blob = _log_blob(caplog.records)
    assert "turn user=" in blob and len(caplog.records) > 20  # the capture sees the bot's own lines
    assert plaintext_found(blob, TOKEN, str(TG_USER), server.base_url) == []


async def test_without_the_set_up_ptb_would_leak_and_the_filter_masks_the_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, logger_levels: None
) -> None:
    caplog.set_level(logging.DEBUG, logger="telegram")  # what quiet_loggers prevents
    async with _telegram_bot(tmp_path) as (server, app, _):
        user = TelegramUser(server, TG_USER)
        await app.process_update(Update.de_json(user.update_for(("say", "/start")), app.bot))
        raw = _log_blob(caplog.records)
        assert TOKEN in raw and str(TG_USER) in raw  # PTB's DEBUG lines: so the scans above can fail
        caplog.clear()
        caplog.handler.addFilter(RedactSecrets(TOKEN))
        try:
            await app.process_update(Update.de_json(server.push_text(TG_USER, "/help"), app.bot))
            logging.getLogger("telegram.ext").error("failed calling %s/sendMessage", server.base_url + TOKEN)
        finally:
            caplog.handler.removeFilter(caplog.handler.filters[-1])
    masked = caplog.text
    assert "sendMessage" in masked and RedactSecrets.MASK in masked
    assert TOKEN not in masked


def test_the_filter_masks_the_token_in_tracebacks_too() -> None:
    try:
        raise ConnectionError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except ConnectionError:
        record = logging.LogRecord(
            "httpx", logging.ERROR, __file__, 1, "request to %s failed", (TOKEN,), sys.exc_info()
        )
    assert RedactSecrets(TOKEN).filter(record)
    shown = logging.Formatter().format(record)
    assert "getMe failed" in shown and "request to *** failed" in shown and TOKEN not in shown


# ---- the real process ---------------------------------------------------------------------


def _command() -> list[str]:
    script = Path(sys.executable).with_name("debt-coach")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


@asynccontextmanager
async def _run_process(server: BotApiServer, db_dir: Path, log_file: Path) -> AsyncIterator[None]:
    """`debt-coach run` (long polling) at its default log level, stderr into `log_file`; SIGTERM at the end."""
    prefixes = ("TELEGRAM_", "WEBHOOK_", "CALLBACK_", "COACH_", "METRICS_", "DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(
        TELEGRAM_BOT_TOKEN=server.token,
        TELEGRAM_API_BASE_URL=server.base_url,
        DATABASE_URL=f"sqlite:///{db_dir / 'coach.db'}",
        PYTHONUNBUFFERED="1",
    )
    with log_file.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            *_command(), "run", env=env, cwd=log_file.parent, stdout=log, stderr=asyncio.subprocess.STDOUT
        )
        try:
            yield
        finally:
            await stop_gracefully(proc)
    assert proc.returncode == 0, log_file.read_text(errors="replace")


async def test_real_process_stores_and_logs_nothing_readable(tmp_path: Path) -> None:
    db_dir, log_file = tmp_path / "data", tmp_path / "bot.log"
    db_dir.mkdir()

    def turns() -> int:
        return log_file.read_text(errors="replace").count("turn user=")

    async with BotApiServer() as server, _run_process(server, db_dir, log_file):
        await server.wait_until(lambda: any(c.method == "setMyCommands" for c in server.calls), 60)
        user = TelegramUser(server, TG_USER)

        async def do(step: tuple[str, str]) -> list[str]:
            first, done = len(server.calls), turns()
            user.update_for(step)  # queued: the process fetches it by long polling
            await server.wait_until(lambda: turns() > done, 60)
            return user.offered_since(first)

        await steps_taken_async(do)
        while_running = files_dump(db_dir)
    assert sorted(p.name for p in db_dir.iterdir())[:2] == ["coach.db", "coach.key"]
    after = files_dump(db_dir)
    reopened = open_store(db_path=db_dir / "coach.db")
    try:
        ref = reopened.ref(f"tg:{TG_USER}").encode()
        for raw in (while_running, after):
            assert ref in raw  # the scan reaches the rows, which name the user only by a keyed pseudonym
            assert plaintext_found(raw, str(TG_USER)) == []
        assert plaintext_found(database_dump(reopened.engine)) == []
        session = reopened.load_session(f"tg:{TG_USER}")
        assert session is not None and session.profile is not None and session.profile.name == NAME
    finally:
        reopened.close()
    output = log_file.read_text(errors="replace")
    assert output.count("turn user=") > 15
    assert plaintext_found(output, TOKEN, str(TG_USER)) == []
