"""Start the real `debt-coach run` process against the fake Bot API, polling or on a webhook, and
read what it did: its log, its exit code, its threads and memory."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

from botapi_server import BotApiServer
from cryptography.fernet import Fernet
from processes import stop_gracefully

STARTUP = 60.0
HOOK_SECRET = "test_Webhook-secret_" + "0123456789abcdef"


def free_port() -> int:
    """Return a TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _command() -> list[str]:
    script = Path(sys.executable).with_name("debt-coach")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


class BotRun:
    """One `debt-coach run` process after another on the same database and ports."""

    def __init__(self, server: BotApiServer, workdir: Path, *, webhook: bool, metrics: bool = False) -> None:
        self.server, self.workdir, self.webhook = server, workdir, webhook
        self.hook_port, self.metrics_port = free_port(), free_port() if metrics else 0
        self.runs = 0
        self.proc: asyncio.subprocess.Process | None = None
        key_file = workdir / "coach.key"
        key_file.write_bytes(Fernet.generate_key())
        key_file.chmod(0o600)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("TELEGRAM_", "WEBHOOK_", "CALLBACK_", "COACH_", "METRICS_"))}  # fmt: skip
        self.env.update(TELEGRAM_BOT_TOKEN=server.token, TELEGRAM_API_BASE_URL=server.base_url,
                        DATABASE_URL=f"sqlite:///{workdir / 'coach.db'}", COACH_ENCRYPTION_KEY_FILE=str(key_file),
                        METRICS_PORT=str(self.metrics_port), PYTHONUNBUFFERED="1")  # fmt: skip
        if webhook:
            self.env.update(WEBHOOK_URL=self.hook_url, WEBHOOK_SECRET=HOOK_SECRET)

    @property
    def hook_url(self) -> str:
        return f"http://127.0.0.1:{self.hook_port}/tg/hook"

    @property
    def log(self) -> Path:
        return self.workdir / f"bot{self.runs}.log"

    def logs(self) -> str:
        """Every run's log, joined."""
        return "".join(
            (self.workdir / f"bot{n}.log").read_text(encoding="utf-8", errors="replace")
            for n in range(1, self.runs + 1)
        )

    def turns(self) -> int:
        return self.log.read_text(encoding="utf-8", errors="replace").count(" turn user=")

    async def start(self) -> None:
        """Start the next run and wait until it serves (its command menu is set, and its webhook)."""
        self.runs += 1
        menus = sum(1 for c in self.server.api.calls if c.method == "setMyCommands")
        hooks = sum(1 for c in self.server.api.calls if c.method == "setWebhook")
        args = ["--webhook", "--listen", "127.0.0.1", "--port", str(self.hook_port)] if self.webhook else []
        with self.log.open("wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *_command(), "run", *args, env=self.env, cwd=self.workdir, stdout=log, stderr=asyncio.subprocess.STDOUT
            )

        def serving() -> bool:
            calls = self.server.api.calls
            menu = sum(1 for c in calls if c.method == "setMyCommands") > menus
            hook = not self.webhook or sum(1 for c in calls if c.method == "setWebhook") > hooks
            return menu and hook

        await self.server.wait_until(lambda: serving() or self.exited(), STARTUP)
        assert not self.exited(), self.log.read_text(encoding="utf-8", errors="replace")

    def exited(self) -> bool:
        return self.proc is not None and self.proc.returncode is not None

    async def stop(self, *, kill: bool = False) -> int:
        """SIGKILL, or SIGTERM then wait; return the exit code."""
        assert self.proc is not None
        if kill and self.proc.returncode is None:
            self.proc.kill()
        await stop_gracefully(self.proc)
        assert self.proc.returncode is not None
        return self.proc.returncode

    def status(self, field: str) -> int:
        """A number from /proc/<pid>/status, e.g. "Threads" or "VmRSS" (kB)."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name == field:
                return int(value.split()[0])
        raise KeyError(field)
