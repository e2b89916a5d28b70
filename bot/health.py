"""A small HTTP server beside the bot: `/healthz` (the database answers) and `/metrics` (Prometheus).

PTB's webhook server is its own tornado app, so health and metrics get a second port, served by
the standard library in a daemon thread: nothing here touches the bot's event loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

_LOGGER = logging.getLogger(__name__)
PING_TIMEOUT_SECONDS = 3.0


class _Probe:
    """Runs the database check with a time limit, never more than one check at a time."""

    def __init__(self, check: Callable[[], bool], timeout: float) -> None:
        self._check = check
        self._timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-probe")
        self._lock = threading.Lock()
        self._running: Future[bool] | None = None

    def healthy(self) -> bool:
        """Return the check's answer, or False when it fails or takes longer than the limit."""
        with self._lock:
            # A check still hanging (an unreachable PostgreSQL) answers "unhealthy" at once
            # instead of stacking more hung checks behind it.
            if self._running is None or self._running.done():
                self._running = self._pool.submit(self._check)
            running = self._running
        try:
            return running.result(timeout=self._timeout)
        except FutureTimeout:
            return False
        except Exception as exc:  # any failure of the check means "not healthy", never a 500
            _LOGGER.warning("health check failed: %s", type(exc).__name__)
            return False

    def close(self) -> None:
        """Stop accepting checks; a hung one is left to finish on its own."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _handler_class(probe: _Probe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "debt-coach"
        sys_version = ""

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                ok = probe.healthy()
                self._send(200 if ok else 503, b"ok\n" if ok else b"database unavailable\n", "text/plain")
            elif path == "/metrics":
                self._send(200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
            else:
                self._send(404, b"not found\n", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            _LOGGER.debug("health server: " + format, *args)

    return Handler


class HealthServer:
    """`/healthz` and `/metrics` on their own port, served from a daemon thread."""

    def __init__(
        self, check: Callable[[], bool], host: str, port: int, *, timeout: float = PING_TIMEOUT_SECONDS
    ) -> None:
        """Bind the port now, so a busy port is reported before the bot starts.

        Args:
            check: Returns True when the database answers (e.g. `flows.storage.health.database_answers`).
            host: Address to listen on.
            port: Port to listen on; 0 picks a free one (see `port`).
            timeout: How long `/healthz` waits for `check` before answering 503.

        Raises:
            OSError: The address cannot be bound.
        """
        self._probe = _Probe(check, timeout)
        self._server = ThreadingHTTPServer((host, port), _handler_class(self._probe))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="health-server", daemon=True)

    @property
    def port(self) -> int:
        """The port actually bound."""
        port: int = self._server.server_address[1]
        return port

    def start(self) -> HealthServer:
        """Start serving in the background; return self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()
        self._probe.close()

    def __enter__(self) -> HealthServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
