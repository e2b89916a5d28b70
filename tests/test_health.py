"""`/healthz` and `/metrics` in-process: every probe counts, a hung probe is a 503 in time, half-open
connections are capped and cost no thread.  The real process under 300 half-open connections:
`test_webhook_limits.py`."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading

import aiohttp
import pytest

from bot.health import HealthServer, Probes


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


def test_a_probe_name_is_registered_once() -> None:
    probes = Probes()
    probes.add("database", lambda: True)
    with pytest.raises(ValueError, match="database"):
        probes.add("database", lambda: True)


async def test_healthz_reports_every_probe_and_metrics_show_them() -> None:
    state = {"database": True, "reminders": True}
    hang = threading.Event()
    release = threading.Event()

    def database() -> bool:
        if hang.is_set():
            release.wait(5)
        return state["database"]

    def broken() -> bool:
        raise RuntimeError("secret 12345")

    probes = Probes()
    probes.add("database", database)
    probes.add("reminders", lambda: state["reminders"])
    async with HealthServer(probes, "127.0.0.1", 0, timeout=0.5) as server:
        base = f"http://127.0.0.1:{server.port}"
        assert await _get(f"{base}/healthz") == (200, "ok\n")
        state["reminders"] = False
        assert await _get(f"{base}/healthz") == (503, "reminders failing\n")
        status, body = await _get(f"{base}/metrics")
        assert status == 200
        assert re.search(r'^debt_coach_probe_up\{probe="reminders"\} 0\.0$', body, re.MULTILINE)
        assert re.search(r'^debt_coach_probe_up\{probe="database"\} 1\.0$', body, re.MULTILINE)
        state["reminders"] = True
        hang.set()  # a database that never answers: 503 after the time limit, not a hung request
        assert (await _get(f"{base}/healthz"))[0] == 503
        release.set()
        hang.clear()
        assert await _get(f"{base}/healthz") == (200, "ok\n")
        probes.add("broken", broken)
        assert await _get(f"{base}/healthz") == (503, "broken failing\n")
        assert (await _get(f"{base}/nothing"))[0] == 404


async def test_half_open_connections_are_capped_and_take_no_thread() -> None:
    probes = Probes()
    probes.add("database", lambda: True)
    threads = threading.active_count()
    async with HealthServer(probes, "127.0.0.1", 0, max_connections=8, header_timeout=30) as server:
        opened = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(50)]
        for _, writer in opened:
            writer.write(b"GET /healthz HTTP/1.1\r\n")  # and never the end of the headers
            await writer.drain()
        closed = 0
        for reader, _ in opened:
            try:
                if await asyncio.wait_for(reader.read(), 0.2) == b"":
                    closed += 1
            except ConnectionResetError:
                closed += 1
            except TimeoutError:
                pass  # still held open, waiting for the rest of its request
        assert server.open_connections == 8
        assert closed == 50 - 8  # the rest were closed at once, unanswered
        assert threading.active_count() <= threads + 1  # at most the probe thread, never one per connection
        for _, writer in opened:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        for _ in range(100):
            if server.open_connections == 0:
                break
            await asyncio.sleep(0.01)
        assert await _get(f"http://127.0.0.1:{server.port}/healthz") == (200, "ok\n")
