"""Benchmark: resident memory of the real bot process with 10,000 users mid-conversation.

`debt-coach run` (through `bench/coach_run.py`, which lifts PTB's 30 sends/s limit and adds a
SIGUSR1 census) serves `--users` distinct users, `--concurrency` at a time; each sends `/start` and
taps the consent button, and every other one also answers the income question (2-3 intake messages),
so all of them are left mid-intake with their state in the database.  Resident memory (VmRSS from
/proc) is sampled as users accumulate; at the end the process counts its live `transitions.Machine`
objects (must equal the count after the first turn: one machine per dialogue, never one per user)
and its live `Session` objects (nothing per user may stay in memory).

    .venv/bin/python bench/bench_memory.py [--users 10000] [--concurrency 50] [--backend sqlite|postgres]

Target: at most 100 MB resident with 10,000 users; the number of Machines constant.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from pathlib import Path
from typing import Any

from botapi_load import (
    COACH_STEPS,
    SEND_RATE_UNLIMITED,
    BotProcess,
    Driver,
    Subject,
    machine,
    now,
    rss_kib,
    running,
    table,
    timed_api,
    verdict,
)

TARGET_MB = 100.0
SAMPLE_EVERY = 1000


async def census(bot: BotProcess, stats: Path) -> dict[str, Any]:
    """Ask the bot for its census (SIGUSR1) and wait for the answer file."""
    stats.unlink(missing_ok=True)
    bot.proc.send_signal(signal.SIGUSR1)
    deadline = now() + 30
    while not stats.exists():
        if now() > deadline:
            raise TimeoutError("the bot wrote no census")
        await asyncio.sleep(0.05)
    result: dict[str, Any] = json.loads(stats.read_text())
    return result


async def run(args: argparse.Namespace) -> int:
    """Fill the bot with users, sample its memory, take the census, print the verdict."""
    print(f"machine: {machine()}")
    started = now()
    rows: list[list[object]] = []
    async with running(Subject("coach", args.backend), "bench-mem-", SEND_RATE_UNLIMITED) as run:
        bot = run.bot
        idle = rss_kib(bot.pid)[0]
        rows.append(["idle, polling", 0, f"{idle / 1024:.1f}", ""])
        driver = Driver(timed_api(run.server), COACH_STEPS, first_user=8_000_000_000)
        driver.send_next(driver.new_user())
        await driver.drain(30)
        first = await census(bot, run.stats_file)
        rows.append(["after the first turn", 1, f"{first['rss_kib'] / 1024:.1f}", first["machines"]])
        await fill(driver, args, bot, rows)
        await driver.drain(60)
        last = await census(bot, run.stats_file)
        rss, hwm = rss_kib(bot.pid)
        rows.append([f"{driver.users} users, after gc", driver.users, f"{rss / 1024:.1f}", last["machines"]])
    errors = run.errors
    print()
    print(table(["moment", "users", "RSS MB", "Machines"], rows))
    steps = len(driver.samples)
    print(f"\n{steps} turns answered, {driver.unexpected} stray messages, {errors} ERROR log lines; "
          f"peak RSS {hwm / 1024:.1f} MB; live Sessions at the end: {last['sessions']}; "
          f"gc objects {first['gc_objects']} -> {last['gc_objects']}")  # fmt: skip
    memory_ok = rss / 1024 <= TARGET_MB
    machines_ok = last["machines"] == first["machines"] and last["sessions"] <= args.concurrency
    print(f"memory: {rss / 1024:.1f} MB <= {TARGET_MB:.0f} MB: {verdict(memory_ok)}")
    print(f"machines: {first['machines']} after the first turn, {last['machines']} after {driver.users} users: "
          f"{verdict(machines_ok)}")  # fmt: skip
    print(f"({now() - started:.0f}s)")
    return 0 if memory_ok and machines_ok else 1


async def fill(driver: Driver, args: argparse.Namespace, bot: BotProcess, rows: list[list[object]]) -> None:
    """Play `args.users` users through 2 or 3 intake steps, `args.concurrency` at a time; sample RSS."""
    done = asyncio.Event()
    finished = 0

    def steps_for(chat: int) -> int:
        return 3 if chat % 2 else 2

    def advance(chat: int) -> None:
        nonlocal finished
        state = driver.step_of(chat)
        if state < steps_for(chat):
            driver.send_next(chat)
            return
        finished += 1
        driver.forget(chat)
        if driver.users < args.users:
            driver.send_next(driver.new_user())
        elif finished >= args.users - 1:
            done.set()

    driver.on_step_done = advance
    for _ in range(min(args.concurrency, args.users - 1)):
        driver.send_next(driver.new_user())
    next_sample = SAMPLE_EVERY
    deadline = now() + args.timeout
    while not done.is_set():
        if now() > deadline:
            raise TimeoutError(f"{finished} of {args.users} users after {args.timeout:.0f}s")
        await driver.changed(0.5)
        if finished >= next_sample:
            rows.append([f"{finished} users", finished, f"{rss_kib(bot.pid)[0] / 1024:.1f}", ""])
            next_sample += SAMPLE_EVERY
    driver.on_step_done = None


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50, help="users talking at once")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--timeout", type=float, default=900.0)
    return parser.parse_args()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(run(parse_args())))
