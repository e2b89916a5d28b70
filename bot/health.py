"""A small HTTP server beside the bot: `/healthz` (every probe passes) and `/metrics` (Prometheus).

It runs on the bot's own event loop (asyncio streams, no thread per connection): a loop too busy
or blocked to answer is itself unhealthy.  Each connection has a deadline for its request line and
headers and for the whole exchange, and at most `max_connections` are served at once; others are
closed at once, so half-open connections cost a file descriptor each for a few seconds, never a
thread.  Probes are synchronous `() -> bool` functions (a database ping may block), so they run one
batch at a time in one worker thread, with a time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Gauge, generate_latest

_LOGGER = logging.getLogger(__name__)
PING_TIMEOUT_SECONDS = 3.0
HEADER_TIMEOUT_SECONDS = 5.0
"""How long a client may take to send its request line and headers."""
MAX_CONNECTIONS = 32
MAX_HEADER_BYTES = 8 * 1024

PROBE_UP = Gauge("debt_coach_probe_up", "1 when the named health probe passed at the last check.", ["probe"])


class Probes:
    """Named liveness checks; `/healthz` is ok only when all of them pass."""

    def __init__(self) -> None:
        self._checks: dict[str, Callable[[], bool]] = {}

    def add(self, name: str, check: Callable[[], bool]) -> None:
        """Register `check` under `name` (e.g. `probes.add("reminders", dispatcher.alive)`).

        Raises:
            ValueError: The name is already taken.
        """
        if name in self._checks:
            raise ValueError(f"probe {name!r} is already registered")
        self._checks[name] = check

    @property
    def names(self) -> list[str]:
        """The registered probe names, in order."""
        return list(self._checks)

    def run(self) -> dict[str, bool]:
        """Run every probe now; one that raises counts as failed."""
        results: dict[str, bool] = {}
        for name, check in self._checks.items():
            try:
                results[name] = bool(check())
            except Exception as exc:  # a failing check means "not healthy", never a 500
                _LOGGER.warning("health probe %s failed: %s", name, type(exc).__name__)
                results[name] = False
        return results


class _Runner:
    """Runs the probes in one thread with a time limit, never more than one batch at a time."""

    def __init__(self, probes: Probes, timeout: float) -> None:
        self._probes = probes
        self._timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-probe")
        self._running: asyncio.Future[dict[str, bool]] | None = None

    async def results(self) -> dict[str, bool]:
        """Return each probe's answer; all fail while a batch still hangs past the limit."""
        if self._running is None or self._running.done():
            self._running = asyncio.get_running_loop().run_in_executor(self._pool, self._probes.run)
        try:
            results = await asyncio.wait_for(asyncio.shield(self._running), self._timeout)
        except TimeoutError:
            # A check still hanging (an unreachable PostgreSQL) answers "unhealthy" at once
            # instead of stacking more hung checks behind it.
            results = dict.fromkeys(self._probes.names, False)
        for name, ok in results.items():
            PROBE_UP.labels(probe=name).set(1 if ok else 0)
        return results

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class HealthServer:
    """`/healthz` and `/metrics` on their own port, served on the running event loop."""

    def __init__(
        self,
        probes: Probes,
        host: str,
        port: int,
        *,
        timeout: float = PING_TIMEOUT_SECONDS,
        header_timeout: float = HEADER_TIMEOUT_SECONDS,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        """Configure the server; `start` binds it.

        Args:
            probes: The checks `/healthz` reports (the database, the poller, the reminders).
            host: Address to listen on.
            port: Port to listen on; 0 picks a free one (see `port`).
            timeout: How long `/healthz` waits for the probes before answering 503.
            header_timeout: How long a client may take to send its request.
            max_connections: Connections served at once; more are closed unanswered.
        """
        self._runner = _Runner(probes, timeout)
        self._address = (host, port)
        self._header_timeout = header_timeout
        self._max_connections = max_connections
        self._open = 0
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The port actually bound."""
        assert self._server is not None, "not started"
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def open_connections(self) -> int:
        """Connections being served now."""
        return self._open

    async def start(self) -> HealthServer:
        """Bind and start serving; return self.

        Raises:
            OSError: The address cannot be bound.
        """
        self._server = await asyncio.start_server(self._serve, *self._address, limit=MAX_HEADER_BYTES)
        return self

    async def stop(self) -> None:
        """Stop serving, close open connections and release the port."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(AttributeError):  # close_clients: Python 3.13+
                self._server.close_clients()  # type: ignore[attr-defined]
            await self._server.wait_closed()
        self._runner.close()

    async def __aenter__(self) -> HealthServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._open >= self._max_connections:
            writer.transport.abort()
            return
        self._open += 1
        try:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self._header_timeout)
            except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            status, body, content_type = await self._answer(head)
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode("ascii")
                + body
            )
            with contextlib.suppress(TimeoutError, ConnectionError):
                await asyncio.wait_for(writer.drain(), self._header_timeout)
        finally:
            self._open -= 1
            writer.close()

    async def _answer(self, head: bytes) -> tuple[str, bytes, str]:
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split(" ")
        if len(parts) != 3 or parts[0] not in ("GET", "HEAD"):
            return "405 Method Not Allowed", b"method not allowed\n", "text/plain"
        path = parts[1].split("?", 1)[0]
        if path == "/healthz":
            results = await self._runner.results()
            failed = [name for name, ok in results.items() if not ok]
            if not failed:
                return "200 OK", b"ok\n", "text/plain"
            return "503 Service Unavailable", "".join(f"{name} failing\n" for name in failed).encode(), "text/plain"
        if path == "/metrics":
            await self._runner.results()
            return "200 OK", generate_latest(REGISTRY), CONTENT_TYPE_LATEST
        return "404 Not Found", b"not found\n", "text/plain"
