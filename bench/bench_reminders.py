"""Benchmark: send N due reminders through the fake Bot API server at Telegram's 30 messages a second.

Not a test: it takes N / 30 seconds (about 6 minutes for 10,000).  It prints the achieved rate as a
fraction of the limit, the busiest one-second window, duplicates and losses.  Run from the repo root:

    .venv/bin/python bench/bench_reminders.py [--count 10000] [--rate 30] [--db PATH | --url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from datetime import time as day_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from botapi_server import BotApiServer  # noqa: E402
from telegram import Bot  # noqa: E402

from bot.reminder_dispatch import Dispatcher, Limits, Sender  # noqa: E402
from flows.core.clock import FixedClock  # noqa: E402
from flows.reminders.scheduler import Scheduler  # noqa: E402
from flows.storage import open_store  # noqa: E402
from flows.storage.reminders_sql import ReminderRepo  # noqa: E402
from flows.storage.sql import user_tables  # noqa: E402

MONDAY = date(2025, 7, 14)
FIRST_CHAT = 5_000_000


def _moment(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY, day_time(hour, minute), tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


def _session(user_id: str) -> Any:
    from test_reminders_support import user

    return user(user_id)


def _busiest_second(times: list[float]) -> int:
    return max((bisect.bisect_left(times, at + 1.0) - index for index, at in enumerate(times)), default=0)


class TimedBot(Bot):
    """A Bot that notes when each sendMessage request leaves (the Sender's own pacing)."""

    issued: list[float]

    async def send_message(self, *args: Any, **kwargs: Any) -> Any:
        """Record the time, then send."""
        self.issued.append(time.monotonic())
        return await super().send_message(*args, **kwargs)


async def main(args: argparse.Namespace) -> None:
    """Fill the store, send everything, report."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    url = args.url or f"sqlite:///{args.db or Path(tempfile.mkdtemp()) / 'bench.db'}"
    store = open_store(url, key=None if "sqlite" in url else os.environ.get("COACH_ENCRYPTION_KEY"))
    with store.engine.begin() as conn:
        for table in user_tables():
            conn.execute(table.delete())
    chats = range(FIRST_CHAT, FIRST_CHAT + args.count)
    prepare = Scheduler(store, ReminderRepo.for_store(store), FixedClock(_moment(8)))
    started = time.monotonic()
    for chat in chats:
        store.save_session(_session(f"tg:{chat}"))
        prepare.sync_user(f"tg:{chat}")
    print(f"prepared {args.count} users and their due nudges in {time.monotonic() - started:.1f}s", flush=True)
    sends: list[tuple[float, int]] = []
    async with BotApiServer() as server:
        for chat in chats:
            server.api.chat(chat)
        real_call = server.api.call

        async def recording_call(method: str, params: dict[str, Any], files: dict[str, Any]) -> Any:
            arrived = time.monotonic()
            answer = await real_call(method, params, files)
            if method.lower() == "sendmessage" and isinstance(answer, tuple) and answer[0] == 200:
                sends.append((arrived, int(params["chat_id"])))
            return answer

        server.api.call = recording_call  # type: ignore[method-assign,unused-ignore]
        scheduler = Scheduler(store, ReminderRepo.for_store(store), FixedClock(_moment(9, 1)))
        TimedBot.issued = []
        async with TimedBot(server.token, base_url=server.base_url) as bot:
            dispatcher = Dispatcher(Sender(bot, Limits(per_second=args.rate)), scheduler,
                                    batch=args.batch, concurrency=args.concurrency)
            stats = await dispatcher.run(asyncio.Event(), until_idle=True)
    times = sorted(at for at, _ in sends)
    per_chat: dict[int, int] = {}
    for _, chat in sends:
        per_chat[chat] = per_chat.get(chat, 0) + 1
    elapsed = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / elapsed if elapsed else 0.0
    print(f"sent {len(times)} messages in {elapsed:.1f}s: {rate:.2f}/s = {rate / args.rate:.3f} of the "
          f"{args.rate:g}/s limit")
    print(f"busiest one-second window: {_busiest_second(sorted(TimedBot.issued))} requests as sent, "
          f"{_busiest_second(times)} as they reached the server (same event loop: stalls bunch arrivals)")
    print(f"duplicates {sum(n - 1 for n in per_chat.values() if n > 1)}, "
          f"losses {sum(1 for chat in chats if chat not in per_chat)}, dispatcher stats {stats}")
    print(f"rows: {ReminderRepo.for_store(store).counts()}")
    store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--db", help="SQLite file (default: a fresh temporary one)")
    parser.add_argument("--url", help="a database URL instead (PostgreSQL needs COACH_ENCRYPTION_KEY)")
    asyncio.run(main(parser.parse_args()))
