"""Benchmark: from starting `debt-coach run` to its first answer, five times, median reported.

Each try starts a fresh fake Bot API server with one `/start` already waiting, spawns the real
`debt-coach run` (a new database each time, so the schema migration is included), and times from
just before the spawn to the arrival of the welcome message.  The process is then stopped.

    .venv/bin/python bench/bench_startup.py [--tries 5] [--backend sqlite|postgres]

Target: median at most 1.5 s.
"""

from __future__ import annotations

import argparse
import asyncio

from botapi_load import (
    Backend,
    Driver,
    bot_env,
    bot_process,
    coach_argv,
    database,
    machine,
    median,
    table,
    timed_server,
    verdict,
    workdir,
)

TARGET_SECONDS = 1.5


async def one_try(backend: Backend) -> tuple[float, float]:
    """Return (seconds to the first answer, seconds of that spent before the first getUpdates)."""
    with workdir("bench-start-") as work, database(backend, work) as url:
        async with timed_server() as server:
            driver = Driver.for_bot("coach", server)
            driver.send_next(driver.new_user())
            env = bot_env(server, work, url, 30.0)
            async with bot_process(coach_argv(real=True), env, work) as bot:
                await driver.drain(60)
            [sample] = driver.samples
    return sample.done - bot.started, sample.handed - bot.started


async def main(args: argparse.Namespace) -> int:
    """Run the tries and print the table and the verdict."""
    print(f"machine: {machine()}")
    rows = []
    totals = []
    for number in range(args.tries):
        total, polled = await one_try(args.backend)
        totals.append(total)
        rows.append([number + 1, f"{polled:.2f}", f"{total - polled:.3f}", f"{total:.2f}"])
    print()
    print(table(["try", "to hand-out s", "first turn s", "to first answer s"], rows))
    result = median(totals)
    print(f"\nmedian {result:.2f} s <= {TARGET_SECONDS} s ({args.backend}): {verdict(result <= TARGET_SECONDS)}")
    return 0 if result <= TARGET_SECONDS else 1


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tries", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    return parser.parse_args()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(parse_args())))
