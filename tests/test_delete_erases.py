"""`/delete` deletes: no SQLite file still holds the user's id or a token that decrypts to their data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conversation import Conversation
from privacy_support import FIGURES, files_dump, plaintext_found, steps_taken

from flows.core.engine import Engine
from flows.storage import Cipher, DecryptionError, open_store
from flows.storage.crypto import load_or_create_key

GONE, KEPT = "tg:700000099", "console:kept"
_TOKEN = re.compile(rb"gAAAAA[A-Za-z0-9_\-]{40,}={0,2}")


def _do(chat: Conversation) -> Any:
    def do(step: tuple[str, str]) -> list[str]:
        kind, value = step
        chat.say(value) if kind == "say" else chat.tap(value)
        return [choice.id for choice in chat.offered]

    return do


def _readable(blob: bytes, cipher: Cipher) -> list[bytes]:
    found = []
    for token in set(_TOKEN.findall(blob)):
        try:
            found.append(cipher.decrypt(token))
        except DecryptionError:
            continue
    return found


def test_after_delete_no_sqlite_file_holds_the_id_or_a_token_that_decrypts(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    store = open_store(db_path=folder / "coach.db")
    try:
        engine = Engine(store)
        chat = Conversation(engine, GONE)
        assert steps_taken(_do(chat)) > 15
        Conversation(engine, KEPT).say("/start")
        cipher = Cipher(load_or_create_key(folder / "coach.key", create=False))
        before = files_dump(folder)
        assert GONE.encode() in before and any(GONE.encode() in text for text in _readable(before, cipher))
        chat.say("/delete")
        chat.tap("confirm_yes")
        after = files_dump(folder)
        assert GONE.encode() not in after and GONE.removeprefix("tg:").encode() not in after
        readable = _readable(after, cipher)
        assert readable, "the scan finds the kept user's tokens"
        assert all(KEPT.encode() in text for text in readable), "a token of the deleted user still decrypts"
        assert plaintext_found(after) == []
        assert FIGURES[0].encode() not in b"".join(readable)
        assert store.load_session(GONE) is None and store.load_session(KEPT) is not None
    finally:
        store.close()
