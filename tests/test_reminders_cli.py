"""`debt-coach reminders preview`: the next days' messages with their local date and time."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from test_reminders_support import MONDAY, clock_at, scheduler, user

from bot.cli_reminders import register
from flows.storage import open_store


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(argv)


def test_preview_prints_each_message_with_its_local_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "coach.db"
    store = open_store(db_path=db)
    store.save_session(user())
    store.close()
    args = _parse("reminders", "preview", "--user", "tg:7", "--days", "7", "--db", str(db), "--json")
    assert args.func(args, None, clock_at(MONDAY, 8)) == 0
    items = json.loads(capsys.readouterr().out)
    assert [item["local_time"][:16] for item in items] == [
        "2025-07-14T09:00", "2025-07-15T09:00", "2025-07-16T09:00", "2025-07-17T09:00", "2025-07-18T09:00"]
    assert items[0]["buttons"][0]["id"] == "rm:call:0" and "A平台" in items[0]["text"]
    args = _parse("reminders", "preview", "--user", "tg:7", "--from", "2025-07-19", "--days", "2", "--db", str(db))
    assert args.func(args, None, clock_at(MONDAY, 8)) == 0
    assert "nothing will be sent" in capsys.readouterr().out


def test_preview_skips_a_day_already_sent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "coach.db"
    store = open_store(db_path=db)
    store.save_session(user())
    clock = clock_at(MONDAY, 8)
    sched = scheduler(store, clock)
    sched.sync_user("tg:7")
    clock.set(clock.now().replace(hour=1, minute=0))
    sched.claim("w", 5)
    store.close()
    args = _parse("reminders", "preview", "--user", "tg:7", "--from", "2025-07-14", "--days", "1", "--db", str(db))
    assert args.func(args, None, clock) == 0
    assert "nothing will be sent" in capsys.readouterr().out
    args = _parse("reminders", "preview", "--user", "tg:404", "--db", str(db))
    assert args.func(args, None, clock) == 1
