"""`debt-coach keys`: a wrong key refuses to start, rotation re-encrypts every row while turns run, subkeys stay."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import load_settings
from bot.telegram.callbacks import CallbackSigner
from flows.core.session import Session
from flows.storage import Cipher, open_store
from flows.storage.crypto import ENV_KEY, generate_key
from flows.storage.rotate import left_behind, rotate_keys
from flows.storage.sql import user_tables

OLD, NEW = generate_key().decode(), generate_key().decode()


def _db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str) -> str:
    monkeypatch.setenv(ENV_KEY, key)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return str(tmp_path / "coach.db")


def test_rotate_re_encrypts_everything_and_keeps_the_subkeys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _db(tmp_path, monkeypatch, OLD)
    store = open_store(db_path=db)
    for n in range(5):
        store.save_session(Session.new(f"tg:{n}"))
    subkey = store.subkey("telegram/callback")
    monkeypatch.delenv("COACH_BUTTON_SECRET", raising=False)
    monkeypatch.delenv("CALLBACK_SECRET", raising=False)
    sent = CallbackSigner(load_settings().callback_key(store)).choice(7, "menu:plan")  # a button already sent
    store.close()
    monkeypatch.setenv(ENV_KEY, f"{NEW},{OLD}")
    assert main(["keys", "check", "--db", db]) == 0
    assert "still need" in capsys.readouterr().out
    assert main(["keys", "rotate", "--db", db]) == 0
    assert "5 user keys" in capsys.readouterr().out
    monkeypatch.setenv(ENV_KEY, NEW)
    rotated = open_store(db_path=db)
    try:
        assert left_behind(rotated.engine, rotated.cipher) == 0
        assert rotated.subkey("telegram/callback") == subkey
        tapped = CallbackSigner(load_settings().callback_key(rotated)).verify(7, sent)
        assert tapped is not None and tapped.choice == "menu:plan"  # old buttons still work after rotation
        assert [rotated.load_session(f"tg:{n}") is not None for n in range(5)] == [True] * 5
    finally:
        rotated.close()


def test_a_wrong_key_refuses_to_start_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _db(tmp_path, monkeypatch, OLD)
    open_store(db_path=db).close()
    monkeypatch.setenv(ENV_KEY, NEW)
    assert main(["keys", "check", "--db", db]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "加密密钥" in err and "does not match this database" in err
    assert NEW not in err and OLD not in err


def test_rotation_while_turns_run_leaves_nothing_under_the_old_key(db_url: str, cipher: Cipher) -> None:
    old = cipher.material()
    new = generate_key().decode()
    first = open_store(db_url, key=old)
    users = [f"console:r{n}" for n in range(60)]
    for user in users[:40]:
        first.save_session(Session.new(user))
    first.close()
    running = open_store(db_url, key=f"{new},{old}")  # the bot, restarted with both keys
    stop, errors = threading.Event(), []

    def turns() -> None:
        n = 0
        while not stop.is_set() or n < len(users):
            try:
                with running.turn(users[n % len(users)]) as turn:
                    turn.save(turn.session or Session.new(users[n % len(users)]))
            except Exception as error:  # pragma: no cover - the assertion below reports it
                errors.append(error)
            n += 1

    bot = threading.Thread(target=turns)
    bot.start()
    try:
        done = rotate_keys(running.engine, running.cipher, batch=7)
    finally:
        stop.set()
        bot.join()
    try:
        assert not errors and done.user_keys >= 40
        assert left_behind(running.engine, running.cipher) == 0
        only_new = open_store(db_url, key=new)
        try:
            assert all(only_new.load_session(user) is not None for user in users)
        finally:
            only_new.close()
    finally:
        rotate_keys(running.engine, Cipher(f"{old},{new}"))  # the shared schema keeps the session's key
        with running.engine.begin() as conn:
            for table in user_tables():
                conn.execute(table.delete())
        running.close()


