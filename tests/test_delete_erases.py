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


def _tokens(blob: bytes) -> set[bytes]:
    # A record packs its values side by side: a token may run into the next value's base64-looking
    # characters (a timestamp, say), so each match is also tried without its last few characters.
    return {match[: len(match) - cut] for match in _TOKEN.findall(blob) for cut in range(0, 41)}


def _decrypts(cipher: Cipher, token: bytes) -> bytes | None:
    try:
        return cipher.decrypt(token)
    except DecryptionError:
        return None


def _readable(blob: bytes, master: Cipher) -> list[bytes]:
    """Decrypt every token in `blob` with the master key, or with any data key the master key unwraps."""
    tokens = _tokens(blob)
    ciphers = [master]
    for token in tokens:
        key = _decrypts(master, token)
        if key is not None and len(key) == 44:
            ciphers.append(Cipher(key))
    found = []
    for token in tokens:
        for cipher in ciphers:
            text = _decrypts(cipher, token)
            if text is not None:
                found.append(text)
                break
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
        before, ref = files_dump(folder), store.ref(GONE).encode()
        assert ref in before and any(GONE.encode() in text for text in _readable(before, cipher))
        chat.say("/delete")
        chat.tap("confirm_yes")
        after = files_dump(folder)
        assert ref not in after and GONE.removeprefix("tg:").encode() not in after
        readable = _readable(after, cipher)
        assert readable, "the scan finds the kept user's tokens"
        # What still decrypts is the kept user's session, their data key, and the install-wide values.
        assert all(KEPT.encode() in text or len(text) in (23, 32, 44) for text in readable), readable
        assert not any(GONE.encode() in text for text in readable), "a token of the deleted user still decrypts"
        assert sum(len(text) == 44 for text in readable) == 1, "a data key other than the kept user's is left"
        assert plaintext_found(after) == []
        assert FIGURES[0].encode() not in b"".join(readable)
        assert store.load_session(GONE) is None and store.load_session(KEPT) is not None
    finally:
        store.close()
