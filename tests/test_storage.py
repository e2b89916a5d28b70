"""Storage: encrypted sessions, locked turns, erasure, keys, migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from flows.core.models import Loan, Profile
from flows.core.session import Session
from flows.storage import (
    Cipher,
    EncryptionKeyError,
    SqlStore,
    StorageError,
    load_or_create_key,
    open_store,
    resolve_url,
)
from flows.storage.crypto import ENV_KEY, ENV_KEY_FILE, generate_key, resolve_cipher
from flows.storage.migrate import VERSION_TABLE
from flows.storage.sql import METADATA

INCOME = "98765.43"
PLATFORM = "借呗"
HARDSHIP = "今年三月失业，孩子住院花光积蓄"
PLAINTEXT = [INCOME.encode(), PLATFORM.encode(), HARDSHIP.encode(), HARDSHIP[:6].encode()]


@pytest.fixture(autouse=True)
def _no_key_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.delenv(ENV_KEY_FILE, raising=False)


def _session(user_id: str) -> Session:
    profile = Profile(
        monthly_income=Decimal(INCOME),
        monthly_expenses=Decimal("3200.10"),
        hardship=HARDSHIP,
        loans=[
            Loan(platform=PLATFORM, principal=Decimal("12000.00"), repaid=Decimal("0.10"), overdue_days=45),
            Loan(platform="美团月付", principal=Decimal("123456789012.01")),
        ],
    )
    return Session(user_id=user_id, consent=True, profile=profile, stack=["home"], parts={"note": {"text": "hi"}})


def _rows(store: SqlStore) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (table, row) for every row of every table the database has, migrations' own included."""
    with store.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')).mappings():
                yield table, dict(row)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    return str(value).encode()


def _one_line(error: BaseException) -> str:
    message = str(error)
    assert message and "\n" not in message
    return message


def test_round_trip_keeps_every_field_and_decimal_exactly(store: SqlStore) -> None:
    saved = _session("u1")
    store.save_session(saved)
    loaded = store.load_session("u1")
    assert loaded == saved
    assert loaded is not None and loaded.profile is not None
    assert str(loaded.profile.monthly_income) == INCOME
    assert str(loaded.profile.loans[0].repaid) == "0.10"
    assert str(loaded.profile.loans[1].principal) == "123456789012.01"
    assert store.load_session("nobody") is None


def test_turn_commits_on_normal_exit(store: SqlStore) -> None:
    with store.turn("u1") as turn:
        assert turn.session is None
        turn.save(_session("u1"))
    with store.turn("u1") as turn:
        assert turn.session == _session("u1")
        updated = turn.session.model_copy(update={"parts": {"note": {"text": "again"}}})
        turn.save(updated)
    loaded = store.load_session("u1")
    assert loaded is not None and loaded.parts == {"note": {"text": "again"}}
    assert list(store.user_ids()) == ["u1"]


def test_turn_rolls_back_on_exception(store: SqlStore) -> None:
    store.save_session(_session("u1"))
    with pytest.raises(RuntimeError), store.turn("u1") as turn:
        turn.save(_session("u1").model_copy(update={"parts": {"note": {"text": "lost"}}}))
        raise RuntimeError("engine crashed mid-turn")
    with pytest.raises(RuntimeError), store.turn("new") as turn:
        turn.save(_session("new"))
        raise RuntimeError("engine crashed mid-turn")
    loaded = store.load_session("u1")
    assert loaded is not None and loaded.parts == {"note": {"text": "hi"}}
    assert store.load_session("new") is None
    assert {row["user_id"] for _, row in _rows(store) if "user_id" in row} == {store.ref("u1")}


def test_turn_without_save_leaves_no_row(store: SqlStore) -> None:
    with store.turn("looker") as turn:
        assert turn.session is None
    assert list(store.user_ids()) == []
    assert not [row for _, row in _rows(store) if "user_id" in row]


def test_turn_refuses_another_users_session(store: SqlStore) -> None:
    with pytest.raises(ValueError), store.turn("u1") as turn:
        turn.save(_session("u2"))


def test_delete_user_leaves_no_row_in_any_table(store: SqlStore) -> None:
    store.save_session(_session("gone"))
    store.save_session(_session("kept"))
    store.delete_user("gone")
    assert {row.get("user_id") for _, row in _rows(store)} >= {store.ref("kept")}
    assert not [(table, row) for table, row in _rows(store) if row.get("user_id") == store.ref("gone")]
    assert store.load_session("gone") is None
    assert store.load_session("kept") == _session("kept")
    assert list(store.user_ids()) == ["kept"]


def test_no_plaintext_in_any_row(store: SqlStore) -> None:
    store.save_session(_session("plain-user-7"))
    stored = b"\n".join(_as_bytes(value) for _, row in _rows(store) for value in row.values())
    assert store.ref("plain-user-7").encode() in stored  # the scan does see the rows
    for secret in (*PLAINTEXT, b"plain-user-7"):
        assert secret not in stored


def test_no_plaintext_in_sqlite_files(tmp_path: Path, cipher: Cipher) -> None:
    def files() -> bytes:
        return b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())

    store = open_store(db_path=tmp_path / "coach.db", key=cipher)
    try:
        store.save_session(_session("plain-user-7"))
        ref = store.ref("plain-user-7").encode()
        while_open = files()  # the write may still sit in the -wal file
    finally:
        store.close()
    for raw in (while_open, files()):
        assert ref in raw
        for secret in (*PLAINTEXT, b"plain-user-7"):
            assert secret not in raw


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    db = tmp_path / "new" / "coach.db"
    store = open_store(db_path=db)
    store.save_session(_session("u1"))
    store.close()
    key_file = db.with_suffix(".key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    key = key_file.read_bytes()
    Cipher(key)  # a valid key
    store = open_store(db_path=db)
    try:
        assert store.load_session("u1") == _session("u1")
    finally:
        store.close()
    assert key_file.read_bytes() == key
    assert load_or_create_key(key_file) == key.strip()


def test_missing_key_file_of_existing_database_is_an_error(tmp_path: Path) -> None:
    db = tmp_path / "coach.db"
    open_store(db_path=db).close()
    db.with_suffix(".key").unlink()
    with pytest.raises(EncryptionKeyError) as caught:
        open_store(db_path=db)
    assert "coach.key" in _one_line(caught.value)
    assert not db.with_suffix(".key").exists()


BAD_KEY = "Zm9vYmFy-not-a-key"


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("argument", "the key given"),
        ("env", ENV_KEY),
        ("env file", "bad.key"),
        ("env file missing", "absent.key"),
        ("key file next to the database", "coach.key"),
    ],
)
def test_malformed_or_missing_key_is_a_one_line_error(
    source: str, named: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = BAD_KEY if source == "argument" else None
    if source == "env":
        monkeypatch.setenv(ENV_KEY, BAD_KEY)
    elif source == "env file":
        (tmp_path / "bad.key").write_text(BAD_KEY)
        monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "bad.key"))
    elif source == "env file missing":
        monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "absent.key"))
    elif source == "key file next to the database":
        (tmp_path / "coach.key").write_text(BAD_KEY)
    with pytest.raises(EncryptionKeyError) as caught:
        open_store(db_path=tmp_path / "coach.db", key=key)
    message = _one_line(caught.value)
    assert named in message and BAD_KEY not in message and "Zm9vYmFy" not in message
    assert not (tmp_path / "coach.db").exists()


def test_postgres_without_a_configured_key_is_an_error() -> None:
    with pytest.raises(EncryptionKeyError) as caught:
        resolve_cipher(None, None)
    assert ENV_KEY in _one_line(caught.value)


def test_unreachable_database_is_a_one_line_error() -> None:
    with pytest.raises(StorageError) as caught:
        open_store("postgresql://coach:s3cret@127.0.0.1:1/coach", key=Cipher.generate())
    message = _one_line(caught.value)
    assert "127.0.0.1:1" in message and "s3cret" not in message


def test_second_process_sees_the_saved_session(tmp_path: Path) -> None:
    db = tmp_path / "coach.db"
    store = open_store(db_path=db)  # key file next to it, found by the child on its own
    try:
        store.save_session(_session("u1"))
        child = (
            "import sys\n"
            "from flows.core.session import Session\n"
            "from flows.storage import open_store\n"
            "store = open_store(db_path=sys.argv[1])\n"
            "print(store.load_session('u1').model_dump_json())\n"
            "store.save_session(Session.new('from-child'))\n"
            "store.close()\n"
        )
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", ENV_KEY, ENV_KEY_FILE)}
        done = subprocess.run(
            [sys.executable, "-W", "error", "-c", child, str(db)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert Session.model_validate_json(done.stdout) == _session("u1")
        assert store.load_session("from-child") == Session.new("from-child")
    finally:
        store.close()


def _run_in_thread(target: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def guarded() -> None:
        try:
            target()
        except BaseException as exc:  # surfaced by the test's assertion on `errors`
            errors.append(exc)

    thread = threading.Thread(target=guarded, daemon=True)
    thread.start()
    return thread


def test_two_turns_for_one_user_serialise(store: SqlStore) -> None:
    first_in, release, second_in = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def take_turn(mark: str, entered: threading.Event, wait_for: threading.Event | None) -> None:
        with store.turn("u1") as turn:
            entered.set()
            if wait_for is not None:
                assert wait_for.wait(10)
            session = turn.session or Session.new("u1")
            marks = [*session.parts.get("marks", {}).get("seen", []), mark]
            turn.save(session.model_copy(update={"parts": {"marks": {"seen": marks}}}))

    first = _run_in_thread(lambda: take_turn("first", first_in, release), errors)
    assert first_in.wait(10), errors
    second = _run_in_thread(lambda: take_turn("second", second_in, None), errors)
    assert not second_in.wait(0.5), "the second turn ran while the first held the lock"
    release.set()
    first.join(10)
    second.join(10)
    assert not errors
    assert second_in.is_set()
    loaded = store.load_session("u1")
    assert loaded is not None and loaded.parts == {"marks": {"seen": ["first", "second"]}}


def test_postgres_turns_for_different_users_do_not_wait(store: SqlStore, db_url: str) -> None:
    if make_url(db_url).get_backend_name() != "postgresql":
        pytest.skip("SQLite locks the whole database, by design")
    with store.turn("a") as turn_a:
        errors: list[BaseException] = []
        done = threading.Event()
        other = _run_in_thread(lambda: _save_and_signal(store, "b", done), errors)
        assert done.wait(10)
        other.join(10)
        turn_a.save(Session.new("a"))
    assert not errors and sorted(store.user_ids()) == ["a", "b"]


def test_connection_settings_bound_waits_and_keep_the_urls_options(store: SqlStore, db_url: str) -> None:
    with store.engine.connect() as conn:
        if make_url(db_url).get_backend_name() != "postgresql":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -512  # KiB
            return
        assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "5s"
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "5s"
        wanted = make_url(db_url).query.get("options")
        if wanted:  # the test session's private schema, given as a URL option, is still in use
            schema = str(wanted).removeprefix("-csearch_path=")
            assert conn.exec_driver_sql("SELECT current_schema()").scalar() == schema


def _save_and_signal(store: SqlStore, user_id: str, done: threading.Event) -> None:
    store.save_session(Session.new(user_id))
    done.set()


def test_migrations_match_the_models(store: SqlStore) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, METADATA) == []
        assert conn.scalar(select(text("version_num")).select_from(text(VERSION_TABLE))) == "0003"


def test_reopening_a_migrated_database_is_a_no_op(store: SqlStore, db_url: str, cipher: Cipher) -> None:
    store.save_session(_session("u1"))
    again = open_store(db_url, key=cipher)
    try:
        assert again.load_session("u1") == _session("u1")
    finally:
        again.close()


_OPEN_LIKE_THE_BOT = """
import sys
from flows.storage import open_store
from flows.storage.migrate import current_revision, head_revision
store = open_store(sys.argv[1], migrate_in_child=True)
assert current_revision(store.engine) == head_revision()
store.save_session(store.load_session("nobody") or __import__("flows.core.session").core.session.Session.new("u1"))
print(sorted({name.split(".")[0] for name in sys.modules} & {"alembic", "mako"}))
"""


def test_the_bot_migrates_in_a_child_and_never_loads_alembic(empty_db_url: str) -> None:
    key = generate_key().decode()
    env = {**os.environ, ENV_KEY: key}
    done = subprocess.run(
        [sys.executable, "-c", _OPEN_LIKE_THE_BOT, empty_db_url], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    store = open_store(empty_db_url, key=key)  # in this process: already at head, nothing to do
    try:
        assert list(store.user_ids()) == ["u1"]
    finally:
        store.close()


def test_a_failed_child_migration_is_a_one_line_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flows.storage", "migrate"],
        input=f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}",
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("cannot migrate the database:") and done.stderr.count("\n") == 1


def test_in_memory_sqlite_works_for_quick_tests() -> None:
    store = open_store("sqlite://")
    try:
        store.save_session(_session("u1"))
        assert store.load_session("u1") == _session("u1")
    finally:
        store.close()


def test_resolve_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_url().database == str(tmp_path / "xdg" / "debt-coach" / "coach.db")
    assert resolve_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("sqlite:///x.db", db_path=tmp_path / "y.db").database == str(tmp_path / "y.db")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///rel/coach.db")
    monkeypatch.chdir(tmp_path)
    assert resolve_url().database == str(tmp_path / "rel" / "coach.db")
    for bad in ("mysql://u@h/db", "not a url"):
        with pytest.raises(StorageError):
            resolve_url(bad)


def test_default_location_holds_database_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    store = open_store()
    store.close()
    assert sorted(p.name for p in (tmp_path / "debt-coach").iterdir()) == ["coach.db", "coach.key"]
