"""Fuzz the Telegram adapter with what only Telegram sends: tampered and foreign button data, taps on
another user's message, edited messages, stickers, photos, voice notes, documents, locations, and
hostile text — through the real PTB application and engine, offline (`RecordingRequest`).

Nothing may fail (no error handler call), every message and alert this user gets is Chinese, no
choice reaches the engine that was not offered to this very user, and the other user's chat,
session and figure (87654) stay untouched and unseen.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest
from botapi_server import TOKEN, FakeBotApi, RecordingRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from telegram import Update
from test_fuzz_engine import HOSTILE, every_sentence_is_clean  # noqa: F401  (same reason to replace the guard)

from bot.settings import Settings
from bot.telegram import build_application
from bot.telegram.callbacks import CallbackSigner
from flows.core.engine import Engine
from flows.core.models import Input, Reply
from flows.storage import open_store

ME, VICTIM = 4242001, 4242002
KEY = b"k" * 32
CJK = re.compile(r"[\u4e00-\u9fff]")
VISIBLE = {"sendMessage", "sendPhoto", "sendDocument"}
FILE = {"file_id": "f", "file_unique_id": "u"}
NON_TEXT: list[dict[str, Any]] = [
    {"sticker": {**FILE, "width": 1, "height": 1, "is_animated": False, "is_video": False, "type": "regular"}},
    {"photo": [{**FILE, "width": 1, "height": 1}], "caption": "欠 87 <b>"},
    {"voice": {**FILE, "duration": 3}},
    {"document": {**FILE, "file_name": "a.exe"}},
    {"location": {"latitude": 1.0, "longitude": 2.0}},
    {"contact": {"phone_number": "123", "first_name": "x"}},
    {"video_note": {**FILE, "length": 1, "duration": 1}},
]


class RecordingEngine:
    """The real engine, remembering every input per user."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.inputs: list[tuple[str, Input]] = []

    def handle(self, user_id: str, inp: Input) -> list[Reply]:
        self.inputs.append((user_id, inp))
        return self.engine.handle(user_id, inp)


def _mangle(data: str, where: int, char: str) -> str:
    at = where % max(len(data), 1)
    return data[:at] + char + data[at + 1 :]


actions = st.one_of(
    st.tuples(st.just("text"), st.one_of(st.sampled_from(HOSTILE), st.text(max_size=60))),
    st.tuples(st.just("edit"), st.text(max_size=30)),
    st.tuples(st.just("non_text"), st.integers(0, len(NON_TEXT) - 1)),
    st.tuples(st.just("tamper"), st.tuples(st.integers(0, 63), st.characters(codec="utf-8"))),
    st.tuples(st.just("junk"), st.text(max_size=70)),
    st.tuples(st.just("foreign"), st.sampled_from(["confirm", "consent_yes", "menu:plan", "~p1", "~n"])),
    st.tuples(st.just("on_victims_message"), st.sampled_from(["confirm", "skip", "~n"])),
    st.tuples(st.just("own"), st.integers(0, 7)),
)


def test_telegram_only_inputs_are_handled_kindly(caplog: pytest.LogCaptureFixture) -> None:
    store = open_store("sqlite://")
    engine = RecordingEngine(Engine(store))
    api = FakeBotApi()
    settings_ = Settings(_env_file=None, telegram_bot_token=SecretStr(TOKEN), callback_secret=SecretStr(KEY.decode()))
    app = build_application(settings_, engine, request=RecordingRequest(api))
    signer = CallbackSigner(KEY)
    loop = asyncio.new_event_loop()
    offered: list[str] = []

    def feed(update: dict[str, Any]) -> None:
        loop.run_until_complete(app.process_update(Update.de_json(update, app.bot)))

    def last_with_buttons(chat: int) -> Any:
        return next((c for c in reversed(api.sent(chat)) if c.buttons), None)

    def remember_offers() -> None:
        for call in api.sent(ME):
            for button in call.buttons:
                data = button.get("callback_data")
                checked = signer.verify(ME, data) if data else None
                if checked is not None and checked.kind == "choice":
                    offered.append(checked.choice)

    try:
        loop.run_until_complete(app.initialize())
        for words in ("/start", "同意", "小赵", "87654"):
            feed(api.push_text(VICTIM, words))
        victim_calls = len(api.sent(VICTIM))
        victim_session = store.load_session(f"tg:{VICTIM}")
        feed(api.push_text(ME, "/start"))
        caplog.set_level(logging.INFO)

        @settings(max_examples=150, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
        @given(st.lists(actions, min_size=3, max_size=3))
        def run(steps: list[tuple[str, Any]]) -> None:
            for kind, arg in steps:
                mine = last_with_buttons(ME)
                mid = mine.result["message_id"] if mine else 1
                own_data = [b["callback_data"] for b in mine.buttons if "callback_data" in b] if mine else []
                if kind == "text":
                    feed(api.push_text(ME, arg))
                elif kind == "edit":
                    feed(api.push(edited_message={**api.user_message(ME, text=arg), "edit_date": 1}))
                elif kind == "non_text":
                    feed(api.push_message(ME, **NON_TEXT[arg]))
                elif kind == "tamper" and own_data:
                    feed(api.push_callback(ME, mid, _mangle(own_data[0], *arg)))
                elif kind == "junk":
                    feed(api.push_callback(ME, mid, arg))
                elif kind == "foreign":
                    feed(api.push_callback(ME, mid, signer._pack(VICTIM, arg)))
                elif kind == "on_victims_message":
                    theirs = last_with_buttons(VICTIM)
                    target = theirs.result["message_id"] if theirs else 1
                    feed(api.push_callback(ME, target, signer._pack(ME, arg), chat_id=VICTIM))
                elif kind == "own" and own_data:
                    feed(api.push_callback(ME, mid, own_data[arg % len(own_data)]))
                remember_offers()

        run()
        assert store.load_session(f"tg:{VICTIM}") == victim_session, "the other user's data changed"
    finally:
        loop.run_until_complete(app.shutdown())
        loop.close()
        store.close()

    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "an update failed"
    mine = [c for c in api.sent(ME) if c.method in VISIBLE]
    assert len(mine) > 200
    for call in mine:
        assert CJK.search(call.plain) and "87654" not in call.plain and "87,654" not in call.plain, call.plain
    for answer in api.answered.values():
        assert answer.get("text") is None or CJK.search(answer["text"])
    assert len(api.sent(VICTIM)) == victim_calls, "the other user's chat was touched"
    for user, inp in engine.inputs:
        assert user in (f"tg:{ME}", f"tg:{VICTIM}")
        if user == f"tg:{ME}" and inp.kind == "choice":
            assert inp.choice in offered, f"{inp.choice!r} was never offered to this user"
