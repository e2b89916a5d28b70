"""A database written before pseudonymous rows (revision 0002) upgrades in place and keeps working.

Its rows name users by transport id and encrypt under the master key; after the upgrade no row or
file holds a transport id, every row is under its user's data key, and the reminders still go out.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from privacy_support import database_dump, files_dump
from pydantic_core import to_json
from sqlalchemy import Engine, text

from flows.core.session import Session
from flows.storage import Cipher, EncryptionKeyError, open_store, resolve_url
from flows.storage.migrate import alembic_config
from flows.storage.reminders_sql import ReminderRepo
from flows.storage.sql import make_engine

CHAT = 730000123
USER = f"tg:{CHAT}"
DUE = datetime(2025, 7, 14, 1, 0, tzinfo=UTC)


def _legacy_database(url: str, master: Cipher) -> None:
    engine = make_engine(resolve_url(url))
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0002")
        _legacy_rows(engine, master)
    finally:
        engine.dispose()


def _legacy_rows(engine: Engine, master: Cipher) -> None:
    session = Session.new(USER).model_copy(update={"consent": True})
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO sessions (user_id, payload, updated_at) VALUES (:u, :p, :t)"),
            {"u": USER, "p": master.encrypt(to_json(session.model_dump(mode="python"))), "t": DUE},
        )
        conn.execute(text("INSERT INTO sessions (user_id, payload, updated_at) VALUES ('tg:5', NULL, :t)"), {"t": DUE})
        conn.execute(
            text(
                "INSERT INTO reminders (user_id, chat_id, kind, slot, due_at, status, params, attempts)"
                " VALUES (:u, :c, 'nudge', '2025-07-14', :d, 'pending', :p, 0)"
            ),
            {"u": USER, "c": CHAT, "d": DUE, "p": master.encrypt(json.dumps({"day": "2025-07-14"}).encode())},
        )


@pytest.mark.parametrize("in_child", [False, True])
def test_a_0002_database_upgrades_and_keeps_working(empty_db_url: str, tmp_path: Path, in_child: bool) -> None:
    master = Cipher.generate()
    _legacy_database(empty_db_url, master)
    with pytest.raises(EncryptionKeyError, match="does not match this database"):
        open_store(empty_db_url, key=Cipher.generate(), migrate_in_child=in_child)  # and nothing changed
    store = open_store(empty_db_url, key=master, migrate_in_child=in_child)
    try:
        session = store.load_session(USER)
        assert session is not None and session.consent is True
        dump = database_dump(store.engine)
        assert str(CHAT).encode() not in dump and b"tg:" not in dump
        assert store.ref(USER).encode() in dump
        if "sqlite" in empty_db_url:  # nor the files: the old rows' pages were zeroed, the log truncated
            assert USER.encode() not in files_dump(tmp_path)
        repo = ReminderRepo.for_store(store)
        [row] = repo.claim("w", DUE + timedelta(minutes=1), lease=timedelta(minutes=5), limit=10)
        assert (row.user_id, row.chat_id, row.params) == (USER, CHAT, {"day": "2025-07-14"})
        assert list(store.user_ids()) == [USER]  # the lock placeholder of the crash is gone
    finally:
        with store.engine.begin() as conn:
            for table in ("reminders", "sessions", "user_keys", "coach_meta", "coach_alembic_version"):
                conn.execute(text(f"DROP TABLE {table}"))
        store.close()
