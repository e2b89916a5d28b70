"""Benchmark: time from an update being handed out by getUpdates to the bot's answer arriving, at a steady load.

Updates are offered at a fixed rate (`--rates`, default 200/s, then a lower rate the coach can
sustain), whatever the answers do: a user whose answer arrived sends the next intake answer in the
next free slot, else a new user starts (`/start`, consent tap, skip tap, "8000", "3000").  Latency
is from the fake server handing the update out to the arrival of the last message of its answer
(the coach answers the consent tap with two).  The first `--warmup` seconds are not counted.  For
each rate the echo bot, the coach on SQLite and the coach on PostgreSQL run back to back.

    .venv/bin/python bench/bench_latency.py [--rates 200,50] [--duration 12] [--backends sqlite,postgres]
        [--echo-transports httpx,aiohttp]

Target: at 200 updates/s, the coach's p99 is at most 50 ms above the bare echo bot's p99 (PTB's own
transport); the echo bot on the coach's aiohttp transport runs too, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass

from botapi_load import (
    BARE_ECHO,
    Driver,
    Subject,
    add_subject_options,
    machine,
    now,
    percentile,
    run_open,
    running,
    subjects,
    table,
    verdict,
)

TARGET_RATE = 200.0
TARGET_GAP_MS = 50.0
DRAIN_TIMEOUT = 90.0


@dataclass
class Result:
    """One run at one offered rate."""

    label: str
    rate: float
    answered_rate: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    samples: int
    errors: int


async def measure(subject: Subject, rate: float, args: argparse.Namespace) -> Result:
    """Offer `rate` updates/s to one bot for `args.duration` seconds and collect the latencies."""
    async with running(subject, "bench-lat-", args.send_rate) as run:
        driver = Driver.for_bot(subject.kind, run.server)
        start = await run_open(driver, rate, args.duration)
        offered_until = now()
        await driver.drain(DRAIN_TIMEOUT)
    counted = [s for s in driver.samples if s.handed >= start + args.warmup]
    latencies = [s.latency * 1000 for s in counted]
    window = [s for s in driver.samples if s.done <= offered_until and s.done >= start + args.warmup]
    answered = len(window) / max(offered_until - start - args.warmup, 1e-9)
    return Result(subject.label, rate, answered, percentile(latencies, 50), percentile(latencies, 99), max(latencies),
                  len(latencies), run.errors)  # fmt: skip


async def main(args: argparse.Namespace) -> int:
    """Run every rate for every bot, print the table and the verdict."""
    bots = subjects(args.echo_transports, args.backends)
    rates = [float(rate) for rate in args.rates.split(",")]
    print(f"machine: {machine()}")
    print(f"offered for {args.duration:.0f}s per run, first {args.warmup:.0f}s not counted, send limit "
          f"{args.send_rate or 'off'}")  # fmt: skip
    started = now()
    rows: list[list[object]] = []
    passed = True
    for rate in rates:
        results = {bot: await measure(bot, rate, args) for bot in bots}
        echo = results[BARE_ECHO]
        for bot, result in results.items():
            gap = result.p99_ms - echo.p99_ms
            judged = bot.kind == "coach" and rate == TARGET_RATE
            ok = gap <= TARGET_GAP_MS
            passed &= ok or not judged
            rows.append([
                f"{rate:.0f}/s", result.label, f"{result.answered_rate:.0f}/s", f"{result.p50_ms:.1f}",
                f"{result.p99_ms:.1f}", f"{result.max_ms:.0f}", "-" if result is echo else f"{gap:+.1f}",
                result.samples, result.errors, verdict(ok) if judged else "",
            ])  # fmt: skip
            print(f"{rate:.0f}/s {result.label}: p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms", flush=True)
    print()
    print(table(["offered", "bot", "answered", "p50 ms", "p99 ms", "max ms", "p99 vs echo", "n", "errors",
                 f"<= +{TARGET_GAP_MS:.0f}ms"], rows))  # fmt: skip
    print(f"\n{'target met' if passed else 'target missed'} ({now() - started:.0f}s)")
    return 0 if passed else 1


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="200,50", help="offered updates per second, comma-separated")
    parser.add_argument("--duration", type=float, default=12.0, help="seconds of offered load per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="first seconds not counted")
    add_subject_options(parser)
    return parser.parse_args()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(parse_args())))
