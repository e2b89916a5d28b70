"""Benchmark: updates answered per second, the coach against a bare PTB echo bot, same server, same run.

Each bot runs as its own process against a fresh fake Bot API server (`bench/botapi_load.py`) and
is kept busy by `--users` people talking at once: each sends an intake answer, waits for the whole
answer, sends the next (`/start`, consent tap, "8000", "3000", "借呗"), and a finished person is
replaced by a new one.  Every coach step is a real turn: engine, store (SQLite or PostgreSQL) and
templates.  The rate counts answered steps after the first 10% (warm-up excluded).  Runs go echo,
coach on SQLite, coach on PostgreSQL, repeated `--rounds` times, so a busy machine slows all alike;
each round's ratio compares the coach with that round's echo run.

    .venv/bin/python bench/bench_throughput.py [--rounds 2] [--steps 3000] [--users 200]
        [--backends sqlite,postgres] [--echo-transports httpx,aiohttp] [--send-rate 0]

Target: the coach answers at least 80% of the bare echo bot's rate (PTB's own httpx transport), on each
backend.  The echo bot on the coach's aiohttp transport is measured too, and the ratio against it shown.
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
    median,
    now,
    run_closed,
    running,
    subjects,
    table,
    verdict,
)

TARGET_RATIO = 0.80
WARMUP_FRACTION = 0.10


@dataclass
class Result:
    """One measured run."""

    label: str
    rate: float
    steps: int
    seconds: float
    p50_ms: float
    errors: int
    unexpected: int


async def measure(subject: Subject, args: argparse.Namespace) -> Result:
    """Start one bot, warm it up, then count answered steps per second under a closed-loop load."""
    async with running(subject, "bench-tp-", args.send_rate) as run:
        warm = Driver.for_bot(subject.kind, run.server, first_user=6_000_000_000)
        await run_closed(warm, concurrency=min(args.users, 50), total=250)
        await warm.drain(30)
        driver = Driver.for_bot(subject.kind, run.server)
        await run_closed(driver, concurrency=args.users, total=args.steps)
        await driver.drain(30)
    done = sorted(sample.done for sample in driver.samples)
    skip = int(len(done) * WARMUP_FRACTION)
    latencies = sorted(sample.latency for sample in driver.samples)
    return Result(
        subject.label,
        (len(done) - 1 - skip) / (done[-1] - done[skip]),
        len(done),
        done[-1] - done[skip],
        latencies[len(latencies) // 2] * 1000,
        run.errors,
        driver.unexpected + warm.unexpected,
    )


async def main(args: argparse.Namespace) -> int:
    """Run the rounds and print the table and verdicts."""
    bots = subjects(args.echo_transports, args.backends)
    print(f"machine: {machine()}")
    print(f"load: {args.users} users at once, {args.steps} steps per run, send limit "
          f"{args.send_rate or 'off'}, {args.rounds} rounds")  # fmt: skip
    started = now()
    rounds: list[dict[Subject, Result]] = []
    for number in range(args.rounds):
        results = {bot: await measure(bot, args) for bot in bots}
        rounds.append(results)
        print(f"round {number + 1}: " + ", ".join(f"{r.label} {r.rate:.0f}/s" for r in results.values()), flush=True)
    # Judged against the bare echo bot (the baseline); the echo bot on the coach's own
    # transport, when measured, is shown beside it as the stricter comparison.
    equal_plumbing = Subject("echo", "aiohttp")
    rows = []
    passed = True
    for bot in bots:
        runs = [results[bot] for results in rounds]
        ratio = median([results[bot].rate / results[BARE_ECHO].rate for results in rounds])
        strict = (
            f"{median([results[bot].rate / results[equal_plumbing].rate for results in rounds]):.0%}"
            if bot.kind == "coach" and equal_plumbing in bots
            else "-"
        )
        judged = bot.kind == "coach"
        ok = ratio >= TARGET_RATIO
        passed &= ok or not judged
        rows.append([
            bot.label,
            f"{median([r.rate for r in runs]):.0f}",
            " ".join(f"{r.rate:.0f}" for r in runs),
            f"{median([r.p50_ms for r in runs]):.1f}",
            f"{ratio:.0%}" if bot != BARE_ECHO else "-",
            strict,
            sum(r.errors for r in runs),
            sum(r.unexpected for r in runs),
            verdict(ok) if judged else "",
        ])  # fmt: skip
    print()
    print(table(["bot", "steps/s", "per round", "p50 ms", "vs echo", "vs echo/aiohttp", "errors", "stray",
                 f">= {TARGET_RATIO:.0%}"], rows))  # fmt: skip
    print(f"\n{'all targets met' if passed else 'target missed'} ({now() - started:.0f}s)")
    return 0 if passed else 1


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=3000, help="answered steps measured per run")
    parser.add_argument("--users", type=int, default=200, help="people talking at once")
    add_subject_options(parser)
    return parser.parse_args()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(parse_args())))
