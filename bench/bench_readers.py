"""Benchmark: how many phrase-set lines the answer readers read right, and how long one answer takes.

Reads every `tests/data/understanding_*.yaml` set (format: tests/phrase_sets.py), so the number readers'
sets and the word readers' sets are measured by one script. For each set it prints the lines read right
and the time per message in microseconds: each line is read `--repeat` times after a warm-up pass and
its median kept (so a busy machine's preemptions do not stand in for the reader's cost); p50, p99 and
max are taken over those per-line medians. "raw p99" is the p99 of every single read, noise included.

    .venv/bin/python bench/bench_readers.py [--repeat 20] [--pattern 'understanding_*.yaml'] [--misses]

Target: every set at least 97% right; the readers cheap enough that the throughput benchmark stays at
or above the bare echo bot (a reader costs well under the ~2.4 ms a coach step takes).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from phrase_sets import Case, check, load, readers, set_files  # noqa: E402

TARGET = 0.97


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def timed(cases: list[Case], repeat: int) -> tuple[list[float], list[float]]:
    """Microseconds per answer: each case's median over `repeat` reads, and every single read."""
    found = readers()
    for case in cases:  # warm-up: lexicons loaded, regexes compiled, cn2an imported
        found[case.kind](case.question, case.text, case.today)
    reads: list[list[float]] = [[] for _ in cases]
    gc.disable()
    try:
        for _ in range(repeat):
            for index, case in enumerate(cases):
                reader = found[case.kind]
                start = time.perf_counter_ns()
                reader(case.question, case.text, case.today)
                reads[index].append((time.perf_counter_ns() - start) / 1000)
    finally:
        gc.enable()
    return [statistics.median(times) for times in reads], [t for times in reads for t in times]


def main() -> None:
    """Print accuracy and time per answer for every phrase set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--pattern", default="understanding_*.yaml")
    parser.add_argument("--misses", action="store_true", help="print every line read wrong")
    args = parser.parse_args()
    found = readers()
    rows: list[tuple[str, int, int, float, float, float, float]] = []
    every: list[float] = []
    raw: list[float] = []
    for path in set_files(args.pattern):
        cases = load(path)
        wrong = 0
        for case in cases:
            misses = check(case, found)
            if misses:
                wrong += 1
                if args.misses:
                    print(f"MISS {path.stem} {case.text!r}: {'; '.join(misses)}")
        samples, reads = timed(cases, args.repeat)
        every.extend(samples)
        raw.extend(reads)
        rows.append((path.stem.removeprefix("understanding_"), len(cases) - wrong, len(cases),
                     statistics.median(samples), percentile(samples, 0.99), max(samples), percentile(reads, 0.99)))
    print(f"{'set':<20} {'right':>9} {'share':>7} {'p50 us':>8} {'p99 us':>8} {'max us':>8} {'raw p99':>8}"
          "  target >= 97%")
    for name, right, total, p50, p99, top, noisy in rows:
        verdict = "PASS" if right / total >= TARGET else "MISS"
        print(f"{name:<20} {right:>4}/{total:<4} {right / total:>7.1%} {p50:>8.0f} {p99:>8.0f} {top:>8.0f}"
              f" {noisy:>8.0f}  {verdict}")
    right = sum(row[1] for row in rows)
    total = sum(row[2] for row in rows)
    print(f"{'all':<20} {right:>4}/{total:<4} {right / total:>7.1%} {statistics.median(every):>8.0f} "
          f"{percentile(every, 0.99):>8.0f} {max(every):>8.0f} {percentile(raw, 0.99):>8.0f}")


if __name__ == "__main__":
    main()
