"""Unit tests of the Telegram transport's pure parts: splitting, signing, settings, `run` start-up."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from botapi_server import TOKEN
from hypothesis import given
from hypothesis import strategies as st
from telegram import Update

from bot.settings import SettingsError, load_settings
from bot.telegram.callbacks import Callback, CallbackSigner
from bot.telegram.processor import FloodGate, PerUserUpdateProcessor
from bot.telegram.render import split_text, utf16_len

ENV_NAMES = [
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_LISTEN",
    "WEBHOOK_PORT", "DATABASE_URL", "COACH_ENCRYPTION_KEY", "CALLBACK_SECRET", "COACH_BUTTON_SECRET",
]  # fmt: skip


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return monkeypatch


# ---- split_text ---------------------------------------------------------------------------


def test_split_prefers_paragraphs_then_lines() -> None:
    text = "\n\n".join(["甲" * 3000, "乙" * 3000])
    assert split_text(text) == ["甲" * 3000, "乙" * 3000]
    lines = "\n".join(["丙" * 100] * 60)
    pieces = split_text(lines)
    assert all(p.startswith("丙") and p.endswith("丙") for p in pieces)
    assert "\n".join(pieces) == lines


def test_split_counts_utf16_units() -> None:
    text = "😀" * 3000  # 6000 UTF-16 units
    pieces = split_text(text)
    assert len(pieces) == 2 and "".join(pieces) == text
    assert all(utf16_len(p) <= 4096 for p in pieces)


def test_split_short_and_blank() -> None:
    assert split_text("你好") == ["你好"]
    assert split_text("\n\n") == []


@given(st.text(alphabet=st.sampled_from("ab 。\n钱😀&<"), max_size=400), st.integers(min_value=8, max_value=60))
def test_split_keeps_every_visible_character(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(0 < utf16_len(p) <= limit for p in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


# ---- callback signing ---------------------------------------------------------------------


def test_signer_roundtrip_and_binding() -> None:
    signer = CallbackSigner(b"k" * 32)
    data = signer.choice(1001, "loan:3")
    assert signer.verify(1001, data) == Callback(kind="choice", choice="loan:3")
    assert signer.verify(2002, data) is None
    assert CallbackSigner(b"j" * 32).verify(1001, data) is None
    assert signer.verify(1001, signer.page(1001, 2)) == Callback(kind="page", page=2)
    assert signer.verify(1001, signer.noop(1001)) == Callback(kind="noop")
    assert signer.verify(1001, None) is None
    assert signer.verify(1001, "") is None


def test_signer_limits() -> None:
    signer = CallbackSigner(b"k" * 32)
    assert len(signer.choice(1, "x" * 48).encode()) <= 64
    for bad in ("x" * 49, "有中文", "a|b", "~p1", ""):
        with pytest.raises(ValueError):
            signer.choice(1, bad)
    with pytest.raises(ValueError):
        CallbackSigner(b"short")


# ---- settings -----------------------------------------------------------------------------


def test_settings_from_env_and_dotenv(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nWEBHOOK_PORT=9000\n", encoding="utf-8")
    clean_env.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot")
    settings = load_settings()
    assert settings.token() == TOKEN and settings.webhook_port == 9000
    assert settings.api_urls() == ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot")


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("WEBHOOK_PORT", "http", "WEBHOOK_PORT"),
        ("WEBHOOK_PORT", "70000", "WEBHOOK_PORT"),
        ("TELEGRAM_API_BASE_URL", "127.0.0.1:8081", "TELEGRAM_API_BASE_URL"),
        ("WEBHOOK_SECRET", "has spaces!", "WEBHOOK_SECRET"),
    ],
)
def test_malformed_setting_is_one_line_without_value(
    clean_env: pytest.MonkeyPatch, name: str, value: str, fragment: str
) -> None:
    clean_env.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert fragment in message and value not in message and "\n" not in message


def test_token_checks(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError, match="not set"):
        load_settings().token()
    clean_env.setenv("TELEGRAM_BOT_TOKEN", "nonsense")
    with pytest.raises(SettingsError, match="malformed"):
        load_settings().token()


class _SubkeyStore:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def subkey(self, purpose: str) -> bytes:
        self.asked.append(purpose)
        return b"k" * 32


def test_button_key_never_comes_from_the_encryption_key(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    from_token = load_settings().callback_key()
    clean_env.setenv("COACH_ENCRYPTION_KEY", "first-fernet-key")
    assert load_settings().callback_key() == from_token
    clean_env.setenv("COACH_ENCRYPTION_KEY", "second-fernet-key,first-fernet-key")  # a key added for rotation
    assert load_settings().callback_key() == from_token  # buttons already sent still verify
    store = _SubkeyStore()
    assert load_settings().callback_key(store) == b"k" * 32 and store.asked == ["telegram/callback"]
    assert load_settings().callback_key(object()) == from_token  # a store without subkeys: the token's key
    clean_env.setenv("CALLBACK_SECRET", "older-name-of-the-button-secret")
    assert load_settings().callback_key(store) == b"older-name-of-the-button-secret"
    clean_env.setenv("COACH_BUTTON_SECRET", "explicit-button-secret-value")
    assert load_settings().callback_key(store) == b"explicit-button-secret-value"


def test_webhook_needs_url_and_secret(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError, match="WEBHOOK_URL"):
        load_settings().webhook()
    clean_env.setenv("WEBHOOK_URL", "https://coach.example/tg")
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        load_settings().webhook()
    clean_env.setenv("WEBHOOK_SECRET", "abc_DEF-123")
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET is too short") as caught:
        load_settings().webhook()
    assert "abc_DEF-123" not in str(caught.value)
    clean_env.setenv("WEBHOOK_SECRET", "x")  # one character: accepted before, refused now
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET is too short"):
        load_settings().webhook()
    clean_env.setenv("WEBHOOK_SECRET", "abc_DEF-123" * 3)
    assert load_settings().webhook() == ("https://coach.example/tg", "abc_DEF-123" * 3)
    clean_env.setenv("WEBHOOK_SECRET", "a" * 257)
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        load_settings()


# ---- `debt-coach run` start-up errors -----------------------------------------------------


def _run(*argv: str) -> int:
    from bot.cli import main

    return main(list(argv))


@pytest.mark.parametrize(
    ("env", "argv", "fragment"),
    [
        ({}, ["run"], "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "oops"}, ["run"], "TELEGRAM_BOT_TOKEN is malformed"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_PORT": "x"}, ["run"], "WEBHOOK_PORT is invalid"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, ["run", "--webhook"], "WEBHOOK_URL is not set"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://coach.example/tg", "WEBHOOK_SECRET": "s"},
         ["run", "--webhook"], "WEBHOOK_SECRET is too short"),
    ],
)
def test_run_refuses_bad_settings_with_one_line(
    clean_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    argv: list[str],
    fragment: str,
) -> None:
    for name, value in env.items():
        clean_env.setenv(name, value)
    assert _run(*argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and TOKEN not in err


def test_run_rejects_bad_port_flag(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit) as caught:
        _run("run", "--webhook", "--port", "99999")
    assert caught.value.code == 2


# ---- per-user ordering --------------------------------------------------------------------


def _private_update(user_id: int, n: int, *, tap: bool = False) -> Update:
    """A text in the user's private chat, or a tap on a button under it, as PTB parses them."""
    user = {"id": user_id, "is_bot": False, "first_name": "u"}
    message = {"message_id": n, "date": 0, "text": "x", "chat": {"id": user_id, "type": "private"}, "from": user}
    if tap:
        query = {"id": str(n), "from": user, "chat_instance": "c", "message": message, "data": "d"}
        return Update.de_json({"update_id": n, "callback_query": query}, None)
    return Update.de_json({"update_id": n, "message": message}, None)


def _recorder(log: list[str]) -> Callable[[str, float], Coroutine[Any, Any, None]]:
    """Return a handler stand-in that logs its start and end around a pause."""

    async def work(tag: str, delay: float) -> None:
        log.append(f"{tag}+")
        await asyncio.sleep(delay)
        log.append(f"{tag}-")

    return work


async def test_processor_serialises_each_user_but_not_across_users() -> None:
    processor = PerUserUpdateProcessor(8)
    log: list[str] = []
    work = _recorder(log)
    async with processor:
        await asyncio.gather(
            processor.process_update(_private_update(1, 1), work("a1", 0.05)),
            processor.process_update(_private_update(1, 2), work("a2", 0.0)),
            processor.process_update(_private_update(2, 3), work("b1", 0.0)),
        )
    assert log.index("a1-") < log.index("a2+")
    assert log.index("b1-") < log.index("a1-")
    assert processor._lanes == {}


async def test_a_tap_during_a_flood_skips_the_queue_but_never_overlaps_a_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    processor = PerUserUpdateProcessor(8, FloodGate(burst=1, rate=4.0, clock=lambda: 0.0))
    log: list[str] = []
    work = _recorder(log)

    async def notice(update: object) -> None:
        log.append("notice")

    monkeypatch.setattr("bot.telegram.processor._notify", notice)
    async with processor:
        await asyncio.gather(
            processor.process_update(_private_update(1, 1), work("t1", 0.1)),
            processor.process_update(_private_update(1, 2), work("t2", 0.0)),  # over the burst: held 0.25 s
            processor.process_update(_private_update(1, 3), work("t3", 0.0)),  # held 0.5 s
            processor.process_update(_private_update(1, 4, tap=True), work("tap", 0.0)),
        )
    assert log == ["t1+", "notice", "t1-", "tap+", "tap-", "t2+", "t2-", "t3+", "t3-"]
    assert processor._lanes == {}


def test_plain_replies_join_the_next_one() -> None:
    from bot.telegram.render import coalesce
    from flows.core.models import Attachment, Choice, Reply

    noted, question = Reply(text="记下了"), Reply(text="下一个问题", choices=[Choice(id="skip", label="跳过")])
    photo = Reply(text="图", attachments=[Attachment(kind="photo", filename="p.png", mime="image/png", data=b"x")])
    assert coalesce([noted, question]) == [Reply(text="记下了\n\n下一个问题", choices=question.choices)]
    assert coalesce([question, noted]) == [question, noted]  # buttons stay on their own message
    assert coalesce([photo, noted]) == [photo, noted]
    long = Reply(text="长" * 4000)
    assert coalesce([long, Reply(text="短" * 200)]) == [long, Reply(text="短" * 200)]
