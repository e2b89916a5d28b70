"""Draw plan charts in a child process, for the long-running bot.

matplotlib costs the process that imports it about 30 MB for good, and a chart holds the GIL for
tens of milliseconds: in the bot's own process that pauses every other user's turn.  A one-worker
process pool keeps both out of the bot; the worker starts on the first chart and is replaced after
`CHARTS_PER_WORKER` charts (matplotlib's caches only grow) or when it dies.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from flows.analysis import Analysis, chart_png

_LOGGER = logging.getLogger(__name__)

CHART_TIMEOUT_SECONDS = 30.0
"""The first chart includes starting the worker and importing matplotlib (a second or two)."""
CHARTS_PER_WORKER = 500


class ChartProcess:
    """A `draw_chart` for the engine that draws in a child process; call `close` when done."""

    def __init__(self) -> None:
        """Start nothing yet: the worker is spawned on the first chart."""
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def __call__(self, analysis: Analysis) -> bytes:
        """Draw the chart of `analysis` as PNG bytes in the worker (called from a turn's thread).

        Raises:
            TimeoutError: The worker took longer than `CHART_TIMEOUT_SECONDS`.
            BrokenProcessPool: The worker died; the next chart starts a new one.
        """
        try:
            return self._worker().submit(chart_png, analysis).result(timeout=CHART_TIMEOUT_SECONDS)
        except BrokenProcessPool:
            _LOGGER.error("the chart worker died; the next chart starts a new one")
            self._forget()
            raise

    def close(self) -> None:
        """Stop the worker, if one was started."""
        self._forget()

    def _worker(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn, not fork: a forked child would inherit the bot's threads, sockets and locks.
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    max_tasks_per_child=CHARTS_PER_WORKER,
                )
            return self._pool

    def _forget(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
