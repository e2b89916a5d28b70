"""A reminder write racing `/delete` never leaves a row behind: the write needs the user's data key,
and `delete_user` removes that key first (on PostgreSQL, waiting for a write already holding it)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select
from test_reminders_support import MONDAY, clock_at, scheduler, user

from flows.storage import SqlStore
from flows.storage.keys import USER_KEYS
from flows.storage.reminders_sql import REMINDERS


def _rows(store: SqlStore, user_id: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).where(REMINDERS.c.user_id == store.ref(user_id))) or 0)


def test_a_sync_after_delete_writes_no_reminder(store: SqlStore) -> None:
    session = user("tg:4401")
    store.save_session(session)
    sched = scheduler(store, clock_at(MONDAY, 8))
    sched.sync_session(session)
    assert _rows(store, "tg:4401") > 0
    store.delete_user("tg:4401")
    sched.sync_session(session)  # the after-turn hook of a turn that read the session before the delete
    sched.sync_user("tg:4401")
    assert _rows(store, "tg:4401") == 0


def test_postgres_delete_waits_for_a_write_in_flight_then_removes_its_rows(store: SqlStore) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: the test above covers it")
    session = user("tg:4402")
    store.save_session(session)
    writer = store.engine.connect()
    try:
        tx = writer.begin()
        # What replace_pending does first: share-lock the key, then insert under it.
        writer.execute(select(USER_KEYS.c.wrapped).where(USER_KEYS.c.user_id == store.ref("tg:4402"))
                       .with_for_update(read=True))
        deleter = threading.Thread(target=store.delete_user, args=("tg:4402",))
        deleter.start()
        time.sleep(0.2)  # not a measurement: only gives the delete the chance to run ahead if it could
        assert deleter.is_alive(), "the delete did not wait for the write holding the key"
        writer.execute(REMINDERS.insert().values(
            user_id=store.ref("tg:4402"), address=b"x", kind="nudge", slot="s", due_at=clock_at(MONDAY, 9).now(),
            status="pending", attempts=0))
        tx.commit()
        deleter.join(timeout=30)
        assert not deleter.is_alive()
    finally:
        writer.close()
    assert _rows(store, "tg:4402") == 0
