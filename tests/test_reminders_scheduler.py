"""Reminder rows in the database: one next nudge per user, claims with leases, nothing claimed twice."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Row
from test_reminders_support import MONDAY, SATURDAY, agreement_b, clock_at, scheduler, user, utc

from flows.reminders.models import ReminderSettings, Snooze, load_state, save_state
from flows.storage import Cipher, SqlStore, open_store
from flows.storage.reminders_sql import PENDING, REMINDERS, SENDING, SENT, SKIPPED, ReminderRepo


def _rows(store: SqlStore) -> list[Row[Any]]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(REMINDERS).order_by(REMINDERS.c.due_at)).all())


def test_sync_materialises_only_the_next_nudge(store: SqlStore) -> None:
    clock = clock_at(MONDAY, 8)
    store.save_session(user())
    sched = scheduler(store, clock)
    sched.sync_user("tg:7")
    sched.sync_user("tg:7")
    pending = sched.repo.pending("tg:7")
    assert [(r.kind, r.slot, r.due_at) for r in pending] == [("nudge", MONDAY.isoformat(), utc(MONDAY, 9))]
    assert b"2025" not in (_rows(store)[0].params or b"")


def test_claim_hands_out_due_rows_once_and_schedules_tomorrow(store: SqlStore) -> None:
    clock = clock_at(MONDAY, 8)
    store.save_session(user())
    sched = scheduler(store, clock)
    sched.sync_user("tg:7")
    assert sched.claim("w1", 10) == []
    clock.set(utc(MONDAY, 9))
    [row] = sched.claim("w1", 10)
    assert sched.claim("w2", 10) == []
    reply = sched.render(row)
    assert reply is not None and "A平台" in reply.text
    assert sched.mark_sending(row, "w1") and sched.finish(row, "w1", SENT, 42)
    tuesday = MONDAY + timedelta(days=1)
    assert [(r.slot, r.due_at) for r in sched.repo.pending("tg:7")] == [(tuesday.isoformat(), utc(tuesday, 9))]
    sched.sync_user("tg:7")
    assert len(sched.repo.pending("tg:7")) == 1


def test_nothing_to_do_means_nothing_to_send(store: SqlStore) -> None:
    clock = clock_at(SATURDAY, 8)
    store.save_session(user())
    sched = scheduler(store, clock)
    sched.sync_user("tg:7")
    clock.set(utc(SATURDAY, 9))
    [row] = sched.claim("w1", 10)
    assert sched.render(row) is None


def test_a_late_row_is_not_sent_in_quiet_hours_or_the_next_day(store: SqlStore) -> None:
    clock = clock_at(MONDAY, 8)
    store.save_session(user())
    sched = scheduler(store, clock)
    sched.sync_user("tg:7")
    clock.set(utc(MONDAY, 22, 30))
    [row] = sched.claim("w1", 10)
    assert sched.render(row) is None


def test_off_removes_pending_rows_and_snoozes_add_one(store: SqlStore) -> None:
    clock = clock_at(MONDAY, 10)
    session = user()
    state = load_state(session)
    state.snoozes.append(Snooze(day=MONDAY, at=utc(MONDAY, 12)))
    save_state(session, state)
    store.save_session(session)
    sched = scheduler(store, clock)
    sched.sync_user("tg:7")
    assert [r.kind for r in sched.repo.pending("tg:7")] == ["snooze", "nudge"]
    state.settings = ReminderSettings(enabled=False)
    save_state(session, state)
    store.save_session(session)
    sched.sync_user("tg:7")
    assert sched.repo.pending("tg:7") == []


def test_a_crashed_claim_comes_back_after_its_lease(store: SqlStore) -> None:
    clock = clock_at(MONDAY, 8)
    store.save_session(user())
    sched = scheduler(store, clock)
    sched.sync_user("tg:7")
    clock.set(utc(MONDAY, 9))
    [row] = sched.claim("dead", 10)
    assert sched.mark_sending(row, "dead")
    clock.advance(sched.lease - timedelta(seconds=1))
    assert sched.claim("w2", 10) == []
    clock.advance(timedelta(seconds=2))
    [again] = sched.claim("w2", 10)
    assert again.id == row.id and again.uncertain and again.attempts == 2
    assert not sched.finish(row, "dead", SENT)
    assert sched.finish(again, "w2", SENT)
    assert [r.status for r in _rows(store) if r.id == row.id] == [SENT]


def test_due_dates_from_an_agreement_become_messages(store: SqlStore) -> None:
    first = date(2025, 7, 17)
    clock = clock_at(MONDAY, 8)
    store.save_session(user(agreements=[agreement_b(first, written=True)]))
    sched = scheduler(store, clock)
    sched.sync_user("tg:7")
    texts = {}
    for offset in range(0, 4):
        day = MONDAY + timedelta(days=offset)
        clock.set(utc(day, 9))
        [row] = sched.claim("w", 10)
        reply = sched.render(row)
        assert reply is not None
        texts[day] = reply
        sched.finish(row, "w", SENT if reply else SKIPPED)
    assert "还有 3 天" in texts[MONDAY].text and "500 元" in texts[MONDAY].text
    assert "明天" in texts[first - timedelta(days=1)].text
    assert "今天是B平台第 1 期的还款日" in texts[first].text
    assert texts[first].choices[0].id == "rm:paid:b1:0"


def test_delete_user_removes_their_reminders(store: SqlStore) -> None:
    store.save_session(user())
    sched = scheduler(store, clock_at(MONDAY, 8))
    sched.sync_user("tg:7")
    store.delete_user("tg:7")
    assert _rows(store) == []
    sched.sync_user("tg:7")
    assert _rows(store) == []


def test_concurrent_claims_never_share_a_row(store: SqlStore, db_url: str, cipher: Cipher) -> None:
    clock = clock_at(MONDAY, 8)
    sched = scheduler(store, clock)
    for number in range(60):
        store.save_session(user(f"tg:{1000 + number}"))
        sched.sync_user(f"tg:{1000 + number}")
    other = open_store(db_url, key=cipher)
    try:
        repos = [ReminderRepo.for_store(store), ReminderRepo.for_store(other)]
        taken: list[list[int]] = [[], []]
        start = threading.Barrier(2)

        def claim(index: int) -> None:
            start.wait()
            while rows := repos[index].claim(f"w{index}", utc(MONDAY, 9), lease=timedelta(minutes=5), limit=7):
                taken[index] += [row.id for row in rows]

        threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other.close()
    assert not set(taken[0]) & set(taken[1])
    assert len(taken[0]) + len(taken[1]) == 60
    assert {r.status for r in _rows(store)} == {"claimed"}
    assert PENDING != SENDING
