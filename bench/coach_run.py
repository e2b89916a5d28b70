"""`debt-coach run` for benchmarks: the real command, with two knobs a benchmark needs and nothing else.

* `BENCH_SEND_RATE`: the overall messages-per-second limit of the coach's `AIORateLimiter` (PTB's
  default, 30, when unset; 0 turns the overall limit off).  At 30/s no bot can answer 200 updates/s,
  so throughput and latency runs lift it for the coach and the echo bot alike.
* `BENCH_STATS_FILE`: on SIGUSR1 the process writes its resident memory and a census of live objects
  (transitions Machines, pydantic Sessions) to this file as JSON.

Usage (as `debt-coach`): `python bench/coach_run.py run [--webhook ...]`.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from bot.telegram import app as telegram_app

_DEFAULT_RATE = 30.0


def _send_rate() -> float:
    raw = os.environ.get("BENCH_SEND_RATE", "").strip()
    return float(raw) if raw else _DEFAULT_RATE


class BenchRateLimiter(telegram_app.RetryingRateLimiter):
    """The coach's limiter with the overall rate taken from `BENCH_SEND_RATE`."""

    def __init__(self, max_retries: int = 0, **kwargs: Any) -> None:
        """Build the limiter; `overall_max_rate` comes from the environment."""
        kwargs["overall_max_rate"] = _send_rate()
        super().__init__(max_retries=max_retries, **kwargs)


def census() -> dict[str, int]:
    """Count live objects that must not grow with the number of users, and read this process's memory."""
    import transitions

    from flows.core.session import Session

    gc.collect()
    objects = gc.get_objects()
    status = Path("/proc/self/status").read_text().splitlines()
    memory = {line.split(":")[0]: int(line.split()[1]) for line in status if line.startswith(("VmRSS", "VmHWM"))}
    return {
        "machines": sum(1 for obj in objects if isinstance(obj, transitions.Machine)),
        "sessions": sum(1 for obj in objects if isinstance(obj, Session)),
        "gc_objects": len(objects),
        "rss_kib": memory.get("VmRSS", 0),
        "hwm_kib": memory.get("VmHWM", 0),
    }


def _dump(signum: int, frame: FrameType | None) -> None:
    target = os.environ.get("BENCH_STATS_FILE")
    if not target:
        return
    temporary = Path(target).with_suffix(".tmp")
    temporary.write_text(json.dumps(census()))
    temporary.replace(target)


def main() -> int:
    """Install the knobs, then run the real command line."""
    from bot.cli import main as cli_main

    telegram_app.RetryingRateLimiter = BenchRateLimiter  # type: ignore[misc,assignment]
    signal.signal(signal.SIGUSR1, _dump)
    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
