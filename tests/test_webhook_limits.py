"""The real process's webhook and health ports under abuse, and kill -9 in webhook mode (issue 17, 6 and 7).

- A large body without the secret is refused before it is read: the answer comes while the client
  has sent only its headers, and the connection is closed; the process's memory does not grow.
- 300 half-open connections to `/healthz` add no thread (the health server is async and capped).
- kill -9 loses no acknowledged update: the webhook answers 200 only once the update was processed.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from bot_runs import HOOK_SECRET, BotRun
from botapi_server import BotApiServer

LARGE = 100 * 1024 * 1024


async def _close(writer: asyncio.StreamWriter) -> None:
    """Close a client connection and wait for it, whatever state the server left it in."""
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
CHUNK = b"x" * (256 * 1024)


async def _post_headers(port: int, headers: dict[str, str]) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = "POST /tg/hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write((head + "\r\n").encode())
    await writer.drain()
    return reader, writer


async def _answer_and_close(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read the status line the server sent and whether it then closed the connection."""
    status = int((await asyncio.wait_for(reader.readline(), 10)).split()[1])
    try:
        await asyncio.wait_for(reader.read(), 10)  # returns only at EOF: the server closed
    except ConnectionResetError:
        return status, True
    except TimeoutError:
        return status, False
    return status, True


async def test_large_bodies_are_refused_unread_and_memory_stays_flat(tmp_path: Path) -> None:
    async with BotApiServer() as server:
        bot = BotRun(server, tmp_path, webhook=True)
        await bot.start()
        try:
            rss = bot.status("VmRSS")
            cases = [
                ({"Content-Length": str(LARGE)}, 403),  # no secret
                ({"Content-Length": str(LARGE), "X-Telegram-Bot-Api-Secret-Token": "x" * len(HOOK_SECRET)}, 403),
                ({"Content-Length": str(LARGE), "X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET}, 413),
            ]
            for _ in range(4):
                for headers, expected in cases:
                    reader, writer = await _post_headers(bot.hook_port, headers)
                    # Nothing of the body has been sent: an answer now means the body was never read.
                    assert await _answer_and_close(reader) == (expected, True)
                    with contextlib.suppress(ConnectionError):
                        for _ in range(32):  # 8 MiB into a closed connection: nobody reads it
                            writer.write(CHUNK)
                            await writer.drain()
                    await _close(writer)
            # Chunked, with the secret: read up to the 1 MiB limit, then refused.
            reader, writer = await _post_headers(
                bot.hook_port, {"Transfer-Encoding": "chunked", "X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET}
            )
            with contextlib.suppress(ConnectionError):
                for _ in range(8):
                    writer.write(f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n")
                    await writer.drain()
            assert (await _answer_and_close(reader))[0] == 413
            await _close(writer)
            assert bot.status("VmRSS") - rss < 32 * 1024, "the process grew by more than 32 MiB"
            server.push_text(700000041, "/start")  # and it still serves Telegram's own posts
            await server.wait_for(700000041, lambda c: c.method == "sendMessage", timeout=30)
        finally:
            assert await bot.stop() == 0


async def _held(reader: asyncio.StreamReader) -> bool:
    """Tell whether the server still holds the connection open (nothing read, no EOF, within a second)."""
    try:
        await asyncio.wait_for(reader.read(), 1.0)
    except TimeoutError:
        return True
    except ConnectionError:
        return False
    return False


async def _healthz_once_freed(port: int, attempts: int = 100) -> bytes:
    """GET /healthz until a slot is free (the server frees one as it sees each client's close)."""
    for _ in range(attempts):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            answer = await asyncio.wait_for(reader.readline(), 10)
        except ConnectionError:
            answer = b""
        await _close(writer)
        if answer:
            return answer.strip()
        await asyncio.sleep(0.05)  # refused while the 32 slots drain: try again
    raise AssertionError("no slot was ever freed")


async def test_three_hundred_half_open_health_connections_add_no_thread(tmp_path: Path) -> None:
    async with BotApiServer() as server:
        bot = BotRun(server, tmp_path, webhook=True, metrics=True)
        await bot.start()
        try:
            # Once the first /healthz has started the probe's one worker thread, nothing adds another.
            assert await _healthz_once_freed(bot.metrics_port) == b"HTTP/1.1 200 OK"
            threads = bot.status("Threads")
            opened = []
            for _ in range(300):
                reader, writer = await asyncio.open_connection("127.0.0.1", bot.metrics_port)
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # the headers never end
                opened.append((reader, writer))
            await asyncio.gather(*(writer.drain() for _, writer in opened), return_exceptions=True)
            held = await asyncio.gather(*(_held(reader) for reader, _ in opened))
            assert sum(held) <= 32, f"{sum(held)} half-open connections held, over the cap"
            assert bot.status("Threads") <= threads, "half-open connections grew threads"
            await asyncio.gather(*(_close(writer) for _, writer in opened))
            assert await _healthz_once_freed(bot.metrics_port) == b"HTTP/1.1 200 OK"
            assert bot.status("Threads") <= threads
        finally:
            assert await bot.stop() == 0


async def test_kill_9_in_webhook_mode_loses_no_acknowledged_update(tmp_path: Path) -> None:
    users = list(range(700000100, 700000140))
    async with BotApiServer() as server:
        bot = BotRun(server, tmp_path, webhook=True)
        await bot.start()
        for user in users:
            server.push_text(user, "/start")

        def acknowledged() -> set[int]:
            return {update_id for update_id, status in server.deliveries if status == 200}

        await server.wait_until(lambda: len(acknowledged()) >= 12, 60)
        await bot.stop(kill=True)
        before_kill = acknowledged()
        assert 12 <= len(before_kill) < len(users), "the kill must land mid-way"
        await bot.start()
        try:
            await server.wait_until(lambda: not server.api.updates, 120)  # the rest is redelivered
            unanswered = [user for user in users if not server.sent(user, "sendMessage")]
        finally:
            assert await bot.stop() == 0
    assert unanswered == [], f"{len(unanswered)} acknowledged or redelivered updates were never answered"
