"""The Telegram command menu lists what the issue asks for, and the engine answers every entry."""

from __future__ import annotations

from pathlib import Path

from conversation import Conversation

from flows.core.engine import Engine
from flows.core.texts import lexicon, render
from flows.storage import open_store

REQUIRED = {"start", "plan", "script", "roleplay", "remind", "progress", "export", "delete", "help", "cancel"}


def test_menu_has_every_required_command() -> None:
    commands = [entry["command"] for entry in lexicon("tg_commands")]
    assert set(commands) >= REQUIRED
    assert len(commands) == len(set(commands))


def test_engine_answers_every_menu_command(tmp_path: Path) -> None:
    store = open_store(db_path=str(tmp_path / "coach.db"))
    try:
        chat = Conversation(Engine(store), "tg:menu")
        unknown = render("core/unknown_command")
        for entry in lexicon("tg_commands"):
            chat.say(f"/{entry['command']}")
            assert chat.replies and unknown not in chat.text, entry["command"]
    finally:
        store.close()
