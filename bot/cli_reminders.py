"""`debt-coach reminders preview --user ID [--from YYYY-MM-DD] [--days N] [--json]`: what the next days bring."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time

from bot.cli_support import user_id
from bot.settings import Settings, SettingsError, load_settings
from flows.core.clock import Clock, SystemClock
from flows.reminders.models import load_state
from flows.reminders.scheduler import NUDGE, PreviewItem, Scheduler, preview
from flows.storage import SqlStore, StorageError, open_store
from flows.storage.reminders_sql import ReminderRepo

MAX_DAYS = 60


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number") from None
    if not 1 <= days <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_DAYS}")
    return days


def _item_json(item: PreviewItem) -> dict[str, object]:
    return {"local_time": item.at.isoformat(), "kind": item.kind, "text": item.reply.text,
            "buttons": [{"id": c.id, "label": c.label} for c in item.reply.choices]}


def _store(args: argparse.Namespace, settings: Settings | None) -> SqlStore:
    try:
        settings = settings if settings is not None else load_settings()
        key = settings.key_material()
    except SettingsError as error:
        raise StorageError(str(error)) from None
    return open_store(None if args.db else settings.database_url, db_path=args.db, key=key)


def run_preview(args: argparse.Namespace, settings: Settings | None = None, clock: Clock | None = None) -> int:
    """Print the reminders a user will get, each with its local date and time, as the dispatcher sends them.

    Args:
        args: Parsed arguments (user, start, days, json, db).
        settings: The settings `bot.cli.main` read (DATABASE_URL and the key); None reads the environment.
        clock: The current time when `--from` is not given.

    Returns:
        0, 1 when the user is unknown, 2 when the database cannot be opened.
    """
    try:
        store = _store(args, settings)
    except StorageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    user = user_id(args.user)
    try:
        session = store.load_session(user)
        if session is None:
            print(f"error: no stored user {user}", file=sys.stderr)
            return 1
        now = (clock or SystemClock()).now()
        chosen = load_state(session).settings
        start = now
        if args.start is not None and chosen is not None:
            start = datetime.combine(args.start, time(0), tzinfo=chosen.zone)
        scheduler = Scheduler(store, ReminderRepo.for_store(store), clock or SystemClock())
        items = preview(session, start, args.days, scheduler.taken_days(user, start, session))
    finally:
        store.close()
    if args.json:
        print(json.dumps([_item_json(item) for item in items], ensure_ascii=False, indent=2))
    else:
        for item in items:
            tag = "" if item.kind == NUDGE else f" [{item.kind}]"
            buttons = " ".join(f"[{c.label}]" for c in item.reply.choices)
            print(f"== {item.at:%Y-%m-%d %H:%M %Z}{tag}\n{item.reply.text}\n{buttons}\n")
        if not items:
            print("(nothing will be sent)")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `reminders` subcommand group (`reminders preview`).

    Args:
        subparsers: The `debt-coach` subcommand set.
    """
    parser = subparsers.add_parser("reminders", help="inspect users' reminders (operators)")
    commands = parser.add_subparsers(dest="reminders_command", required=True)
    shown = commands.add_parser("preview", help="show the reminders of the next days, as they will be sent")
    shown.add_argument("--user", required=True, help="user id, e.g. tg:12345")
    shown.add_argument("--from", dest="start", type=date.fromisoformat, help="first local day, YYYY-MM-DD")
    shown.add_argument("--days", type=_days, default=7, help=f"how many days (1-{MAX_DAYS}, default 7)")
    shown.add_argument("--json", action="store_true", help="print JSON")
    shown.add_argument("--db", metavar="PATH", help="SQLite file (default: DATABASE_URL or the embedded file)")
    shown.set_defaults(func=run_preview)

