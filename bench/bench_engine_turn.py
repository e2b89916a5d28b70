"""Benchmark: CPU per engine turn in this process, for the throughput scenario's five intake steps.

The bot-level throughput run (`bench_throughput.py`) moves by a fifth from run to run on a shared VM,
because it measures four processes and the PTB echo bot's own rate at once. This one measures only
`Engine.handle`: each step's median CPU time (`time.process_time`, so time spent waiting for the
machine is not counted) over `--users` people, on a fresh SQLite file, and the store's own share (a
turn that loads and saves the session unchanged). What is left is the coach's own logic: guard,
readers, forms and templates.

    .venv/bin/python bench/bench_engine_turn.py [--users 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from botapi_load import COACH_STEPS

from flows.core.engine import Engine
from flows.core.models import Input, Reply
from flows.storage import open_store

STEPS = tuple(None if step.kind == "tap" else step.text for step in COACH_STEPS)
"""The throughput scenario: None taps the first button offered (consent)."""


def _input(step: str | None, last: list[Reply]) -> Input:
    if step is None:
        return Input.of_choice(next(choice.id for reply in last for choice in reply.choices))
    return Input.of_text(step)


def measure(users: int) -> tuple[list[float], float]:
    """Return each step's median CPU µs over `users` people, and the median µs of a bare store turn."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(db_path=Path(tmp) / "coach.db")
        engine = Engine(store)
        samples: list[list[float]] = [[] for _ in STEPS]
        for n in range(users + 50):  # the first 50 people warm the caches and are not counted
            last: list[Reply] = []
            for index, step in enumerate(STEPS):
                inp = _input(step, last)
                started = time.process_time()
                last = engine.handle(f"tg:{7_000_000 + n}", inp)
                if n >= 50:
                    samples[index].append(time.process_time() - started)
        bare = []
        for n in range(50, users + 50):
            started = time.process_time()
            with store.turn(f"tg:{7_000_000 + n}") as stored:
                assert stored.session is not None
                stored.save(stored.session)
            bare.append(time.process_time() - started)
        store.close()
    return [statistics.median(each) * 1e6 for each in samples], statistics.median(bare) * 1e6


def main() -> None:
    """Measure `--repeat` times and print each run and the best."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [measure(args.users) for _ in range(args.repeat)]
    labels = [step or "tap" for step in STEPS]
    print(f"{'run':<5}" + "".join(f"{label:>9}" for label in labels) + f"{'per step':>10}{'store':>8}{'logic':>8}")
    for number, (steps, store) in enumerate(runs, 1):
        mean = sum(steps) / len(steps)
        print(f"{number:<5}" + "".join(f"{value:>9.0f}" for value in steps) + f"{mean:>10.0f}{store:>8.0f}"
              f"{mean - store:>8.0f}")
    best = min(runs, key=lambda run: sum(run[0]))
    mean = sum(best[0]) / len(best[0])
    print(f"best: {mean:.0f} µs CPU per step, of which the store {best[1]:.0f} µs and the coach's logic "
          f"{mean - best[1]:.0f} µs")


if __name__ == "__main__":
    main()
