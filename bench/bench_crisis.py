"""Benchmark the crisis detector: time per message, start-up and memory cost, and accuracy on every set.

Run from the repository root: `.venv/bin/python bench/bench_crisis.py`. Not a test: it prints figures
(recorded in bench/README.md) and a PASS/MISS verdict against the targets of issue 12.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from crisis_sets import (  # noqa: E402
    Line,
    Score,
    false_alarms_own,
    load_tsv,
    psysuicide,
    recall_own,
    score_psysuicide,
)

from flows.crisis.detector import Level, assess  # noqa: E402

_COST = """
import sys, time
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))
if sys.argv[1] == "marginal":
    import flows.core.engine  # what the bot has loaded anyway: jinja2, yaml, pydantic, the old safety reader
before, t = rss(), time.perf_counter()
from flows.crisis.signals import detect_signals
from flows.crisis import replies
detect_signals("warm up")
replies.crisis_text()
print(rss() - before, time.perf_counter() - t)
"""


def _judge(text: str) -> Level:
    return assess(text).level


def timing(texts: list[str], rounds: int = 5) -> dict[str, tuple[float, float, float]]:
    """Median, p99 and max microseconds per message, wall clock and thread CPU, over `rounds` passes.

    The thread's CPU time leaves out the time other processes held the core: the machine is shared.
    """
    for text in texts:
        assess(text)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        for text in texts:
            start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
            assess(text)
            cpu.append((time.thread_time_ns() - start_cpu) / 1000)
            wall.append((time.perf_counter_ns() - start) / 1000)
    figures = {}
    for name, samples in (("wall", wall), ("cpu", cpu)):
        samples.sort()
        figures[name] = (statistics.median(samples), samples[int(len(samples) * 0.99)], samples[-1])
    return figures


def cost(kind: str) -> tuple[int, float]:
    """RSS (KiB) and seconds added by importing the package and reading a first message, in a fresh interpreter.

    Args:
        kind: "bare" from an empty interpreter; "marginal" on top of flows.core.engine, as in the bot.
    """
    out = subprocess.run([sys.executable, "-c", _COST, kind], cwd=ROOT, capture_output=True, text=True, check=True)
    kib, seconds = out.stdout.split()
    return int(kib), float(seconds)


def _table(title: str, score: Score, *, alarm: bool = False) -> None:
    print(f"\n{title}")
    for group in score.groups():
        print(f"  {group:<28} {score.hits(group):>4}/{score.total(group):<4} {score.rate(group):6.1%}")
    word = "alarms" if alarm else "all"
    print(f"  {word:<28} {score.hits():>4}/{score.total():<4} {score.rate():6.1%}")


def main() -> int:
    """Print every figure and the verdict."""
    own = load_tsv("crisis_positives") + load_tsv("crisis_negatives") + load_tsv("crisis_heldout")
    psy = psysuicide()
    texts = [line.text for line in own] + [line.text for line in psy]
    print(f"load average at the start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    figures = timing(texts)
    for name, (median, p99, worst) in figures.items():
        print(f"{name} time per message over {len(texts)} lines x 5: "
              f"median {median:.0f} us, p99 {p99:.0f} us, max {worst:.0f} us")
    p99 = figures["cpu"][1]
    for kind in ("bare", "marginal"):
        kib, seconds = cost(kind)
        print(f"fresh interpreter ({kind}): import, lexicon, first message and reply: "
              f"+{kib / 1024:.1f} MiB RSS, {seconds * 1000:.0f} ms")

    positives: list[Line] = [line for line in own if line.level == Level.crisis]
    negatives: list[Line] = [line for line in own if line.level < Level.crisis]
    recall = recall_own(_judge, positives)
    crisis, check_in, missed = false_alarms_own(_judge, negatives)
    _table("own sets: crisis recall per family", recall)
    _table("own hard negatives: full crisis raised, per kind", crisis, alarm=True)
    _table("own lines expected none: check-in raised, per kind", check_in, alarm=True)
    _table("own lines expected check-in: check-in missed, per kind", missed, alarm=True)

    psy_recall, psy_crisis, psy_check_in = score_psysuicide(_judge, psy)
    _table("PsySUICIDE valid: recall (crisis or check-in) per class", psy_recall)
    _table("PsySUICIDE unrelated: full crisis raised", psy_crisis, alarm=True)
    _table("PsySUICIDE unrelated: check-in or crisis raised", psy_check_in, alarm=True)

    verdicts = {
        "p99 (thread CPU) <= 1 ms": p99 <= 1000,
        "PsySUICIDE recall >= 90%": psy_recall.rate() >= 0.90,
        "PsySUICIDE crisis false alarms <= 3%": psy_crisis.rate() <= 0.03,
        "own recall >= 95%": recall.rate() >= 0.95,
        "own crisis false alarms <= 3%": crisis.rate() <= 0.03,
        "own check-in false alarms <= 3%": check_in.rate() <= 0.03,
    }
    print()
    for name, ok in verdicts.items():
        print(f"  {'PASS' if ok else 'MISS'}  {name}")
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
