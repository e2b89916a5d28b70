"""Shared load harness for the benchmarks: a timed fake Bot API, bot subprocesses and conversation drivers.

The server is the project's own fake (`tests/botapi_server.py`), with two additions: it notes when each
update is handed out by getUpdates and when every sendMessage arrives, so latency is measured where
Telegram would measure it, between the server handing an update over and the reply reaching the server.

A `Driver` plays many users through a fixed scenario of intake answers.  Each step says how many
sendMessage calls completes its answer (the coach answers the consent tap with two messages); a step
is done when that many have arrived for the user's chat, and only then does the user send the next
one, as a person waiting for the answer would.

Two bots are driven the same way: the coach (`debt-coach run` through `bench/coach_run.py`, which
only sets the Bot API send limit) and a bare python-telegram-bot echo bot (`bench/echo_bot.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests"))

from botapi_core import FakeBotApi  # noqa: E402
from botapi_server import BotApiServer  # noqa: E402

BotKind = Literal["echo", "coach"]
Backend = Literal["sqlite", "postgres"]
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SEND_RATE_UNLIMITED = 0.0
"""`BENCH_SEND_RATE` value that turns PTB's overall 30 messages/s limiter off (see README)."""
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def now() -> float:
    """Return the benchmark clock (monotonic seconds, high resolution)."""
    return time.perf_counter()


class TimedBotApi(FakeBotApi):
    """The fake Bot API, timestamping updates as they are handed out and replies as they arrive."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handed: dict[int, float] = {}
        self.polling = asyncio.Event()
        self.on_message: Callable[[int, dict[str, Any], float], None] | None = None
        self.method_counts: dict[str, int] = {}

    async def _m_getupdates(self, p: dict[str, Any], f: Any) -> Any:
        self.polling.set()
        updates = await super()._m_getupdates(p, f)
        stamp = now()
        for update in updates:
            self.handed.setdefault(update["update_id"], stamp)
        return updates

    async def call(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes, str]]) -> Any:
        """Answer as the fake does; note sendMessage arrivals; keep no call log (it would only grow)."""
        answer = await super().call(method, params, files)
        self.calls.clear()
        name = method.lower()
        self.method_counts[name] = self.method_counts.get(name, 0) + 1
        if name == "sendmessage" and isinstance(answer, tuple) and answer[0] == 200 and self.on_message:
            message = answer[1]["result"]
            self.on_message(message["chat"]["id"], message, now())
        return answer


@contextlib.asynccontextmanager
async def timed_server() -> AsyncIterator[BotApiServer]:
    """Start a fresh fake Bot API server whose core is a `TimedBotApi`."""
    server = BotApiServer()
    server.api = TimedBotApi(server.api.token)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def timed_api(server: BotApiServer) -> TimedBotApi:
    """Return the server's core, typed."""
    api = server.api
    assert isinstance(api, TimedBotApi)
    return api


# -- databases ------------------------------------------------------------------------------------


@contextlib.contextmanager
def database(backend: Backend, workdir: Path) -> Iterator[str]:
    """Yield a fresh, empty database URL: a SQLite file in `workdir`, or a private PostgreSQL schema.

    The PostgreSQL schema (`bench_<random>`) is dropped afterwards.
    """
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'coach.db'}"
        return
    from pg_schema import private_schema

    with private_schema(PG_ADMIN_URL, "bench_") as url:
        yield url


# -- bot processes ----------------------------------------------------------------------------------


def coach_argv(real: bool = False) -> list[str]:
    """Return the coach's command line: `debt-coach run`, through the send-limit wrapper unless `real`."""
    if real:
        script = Path(sys.executable).with_name("debt-coach")
        return [str(script), "run"] if script.exists() else [sys.executable, "-m", "bot.cli", "run"]
    return [sys.executable, str(BENCH / "coach_run.py"), "run"]


def echo_argv() -> list[str]:
    """Return the echo bot's command line."""
    return [sys.executable, str(BENCH / "echo_bot.py")]


@dataclass(frozen=True)
class Subject:
    """One bot under measurement: the echo bot on a transport (`httpx`, `aiohttp`) or the coach on a backend."""

    kind: BotKind
    variant: str

    @property
    def label(self) -> str:
        """Name the subject in tables: plain "echo" is the bare PTB echo bot the targets compare with."""
        return "echo" if self == BARE_ECHO else f"{self.kind}/{self.variant}"

    @property
    def backend(self) -> Backend:
        """The coach's database (the echo bot has none; a SQLite path is harmless to it)."""
        return "postgres" if self.kind == "coach" and self.variant == "postgres" else "sqlite"

    def argv(self) -> list[str]:
        """Return the command line that starts this bot."""
        return coach_argv() if self.kind == "coach" else echo_argv()

    def env(self, server: BotApiServer, workdir: Path, db_url: str, send_rate: float) -> dict[str, str]:
        """Return the bot's environment (see `bot_env`)."""
        if self.kind == "coach":
            return bot_env(server, workdir, db_url, send_rate)
        return bot_env(server, workdir, None, send_rate, BENCH_ECHO_TRANSPORT=self.variant)


BARE_ECHO = Subject("echo", "httpx")
"""PTB's default transport: the "bare python-telegram-bot echo bot" the issue's targets name."""


def subjects(echo_transports: str, backends: str) -> list[Subject]:
    """Return the echo bots (bare one first) and the coaches named by two comma-separated lists."""
    transports = [t for t in ("httpx", "aiohttp") if t in echo_transports.split(",")]
    if "httpx" not in transports:
        transports.insert(0, "httpx")
    return [Subject("echo", t) for t in transports] + [
        Subject("coach", b) for b in ("sqlite", "postgres") if b in backends.split(",")
    ]


def bot_env(server: BotApiServer, workdir: Path, db_url: str | None, send_rate: float, **extra: str) -> dict[str, str]:
    """Build the environment of a bot process: the fake server, the database, a fresh key, the send limit."""
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "CALLBACK_", "COACH_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        TELEGRAM_BOT_TOKEN=server.token,
        TELEGRAM_API_BASE_URL=server.base_url,
        COACH_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        BENCH_SEND_RATE=str(send_rate),
        BENCH_STATS_FILE=str(workdir / "stats.json"),
        PYTHONUNBUFFERED="1",
        XDG_DATA_HOME=str(workdir),
        **extra,
    )
    if db_url is not None:
        env["DATABASE_URL"] = db_url
    return env


@dataclass
class BotProcess:
    """A running bot subprocess and where its log goes."""

    proc: asyncio.subprocess.Process
    log: Path
    started: float

    @property
    def pid(self) -> int:
        """The process id."""
        return self.proc.pid

    def log_text(self) -> str:
        """Return everything the process logged so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextlib.asynccontextmanager
async def bot_process(argv: Sequence[str], env: dict[str, str], workdir: Path) -> AsyncIterator[BotProcess]:
    """Run a bot process (log in `workdir`), stopping it with SIGTERM, then SIGKILL, whatever happens."""
    log_path = workdir / f"{Path(argv[1] if len(argv) > 1 else argv[0]).stem}-{uuid.uuid4().hex[:6]}.log"
    with log_path.open("wb") as log:
        started = now()
        proc = await asyncio.create_subprocess_exec(
            *argv, env=env, cwd=workdir, stdout=log, stderr=asyncio.subprocess.STDOUT
        )
        try:
            yield BotProcess(proc, log_path, started)
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def wait_polling(server: BotApiServer, bot: BotProcess, timeout: float = READY_TIMEOUT) -> None:
    """Wait until the bot sits in its first getUpdates long poll (raise if it died first)."""
    api = timed_api(server)
    deadline = now() + timeout
    while not api.polling.is_set():
        if bot.proc.returncode is not None:
            raise RuntimeError(f"bot exited with {bot.proc.returncode}:\n{bot.log_text()[-3000:]}")
        if now() > deadline:
            raise TimeoutError(f"bot not polling after {timeout}s:\n{bot.log_text()[-3000:]}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(api.polling.wait(), 0.1)


def rss_kib(pid: int) -> tuple[int, int]:
    """Return (VmRSS, VmHWM) of a process in KiB, from /proc/<pid>/status."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


# -- conversations ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One user message: typed text, or a tap on the first button of the bot's last keyboard."""

    kind: Literal["text", "tap"]
    text: str = ""
    replies: int = 1


COACH_STEPS: tuple[Step, ...] = (
    Step("text", "/start", 1),  # welcome + consent buttons
    Step("tap", replies=1),  # consent_yes: thanks and the income question, one message (one "back" button)
    Step("text", "8000", 1),  # income: the expenses question
    Step("text", "3000", 1),  # expenses: the first loan's platform question
    Step("text", "借呗", 1),  # the platform: what is owed on it
)
"""Five intake turns; every one runs the engine, the store and the templates."""


def echo_steps(steps: Sequence[Step]) -> tuple[Step, ...]:
    """The same messages for the echo bot, which answers each with exactly one message."""
    return tuple(Step(step.kind, step.text, 1) for step in steps)


ECHO_TAP = "tap"


@dataclass
class _User:
    chat: int
    step: int = 0
    update_id: int = 0
    got: int = 0
    tap: tuple[int, str] | None = None
    last_mid: int = 0


@dataclass
class Sample:
    """One answered step: when its update was handed out and when its answer was complete."""

    user: int
    step: int
    handed: float
    first: float
    done: float

    @property
    def latency(self) -> float:
        """Seconds from hand-out to the last message of the answer."""
        return self.done - self.handed


@dataclass
class Driver:
    """Plays users through `steps` against a `TimedBotApi`, one outstanding message per user."""

    api: TimedBotApi
    steps: Sequence[Step]
    first_user: int = 7_000_000_000
    tap_data: str | None = None
    """Callback data for taps on the echo bot, whose messages carry no keyboard."""
    samples: list[Sample] = field(default_factory=list)
    unexpected: int = 0
    on_step_done: Callable[[int], None] | None = None
    _users: dict[int, _User] = field(default_factory=dict)
    _firsts: dict[int, float] = field(default_factory=dict)
    _next_user: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.api.on_message = self._on_message
        self._next_user = self.first_user

    @property
    def users(self) -> int:
        """How many users have been started."""
        return self._next_user - self.first_user

    @property
    def in_flight(self) -> int:
        """How many steps are waiting for their answer."""
        return sum(1 for user in self._users.values() if user.update_id)

    def new_user(self) -> int:
        """Start a new user (does not send anything yet); return its id."""
        chat = self._next_user
        self._next_user += 1
        self._users[chat] = _User(chat)
        return chat

    def has_next(self, chat: int) -> bool:
        """Whether the user has a step left and nothing outstanding."""
        user = self._users[chat]
        return user.update_id == 0 and user.step < len(self.steps)

    def step_of(self, chat: int) -> int:
        """Return how many of the user's steps have been answered."""
        return self._users[chat].step

    def send_next(self, chat: int) -> None:
        """Push the user's next step to the server's update queue."""
        user = self._users[chat]
        step = self.steps[user.step]
        if step.kind == "text":
            update = self.api.push_text(chat, step.text)
        elif self.tap_data is not None:
            update = self.api.push_callback(chat, user.last_mid, self.tap_data)
        else:
            if user.tap is None:
                raise RuntimeError(f"step {user.step} taps a button, but user {chat} has no keyboard")
            update = self.api.push_callback(chat, *user.tap)
            user.tap = None
        user.update_id, user.got = update["update_id"], 0

    def forget(self, chat: int) -> None:
        """Drop a finished user's state and the server's copies of its messages."""
        user = self._users.pop(chat)
        for mid in range(1, user.last_mid + 1):
            self.api.messages.pop((chat, mid), None)

    def _on_message(self, chat: int, message: dict[str, Any], stamp: float) -> None:
        user = self._users.get(chat)
        if user is None or not user.update_id:
            self.unexpected += 1
            return
        user.last_mid = message["message_id"]
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if "callback_data" in button:
                    user.tap = (message["message_id"], button["callback_data"])
                    break
            else:
                continue
            break
        user.got += 1
        if user.got == 1:
            self._firsts[user.update_id] = stamp
        if user.got < self.steps[user.step].replies:
            return
        handed = self.api.handed.pop(user.update_id, stamp)
        first = self._firsts.pop(user.update_id, stamp)
        self.samples.append(Sample(chat, user.step, handed, first, stamp))
        user.step += 1
        user.update_id = 0
        self._changed.set()
        if self.on_step_done is not None:
            self.on_step_done(chat)

    async def changed(self, timeout: float) -> None:
        """Wait until a step is answered or `timeout` passes."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)
        self._changed.clear()

    @classmethod
    def for_bot(cls, kind: BotKind, server: BotApiServer, first_user: int = 7_000_000_000) -> Driver:
        """Return a driver playing `COACH_STEPS` to the coach, or the same messages to the echo bot."""
        if kind == "coach":
            return cls(timed_api(server), COACH_STEPS, first_user)
        return cls(timed_api(server), echo_steps(COACH_STEPS), first_user, tap_data=ECHO_TAP)

    async def drain(self, timeout: float) -> None:
        """Wait until no step is outstanding, else raise TimeoutError."""
        deadline = now() + timeout
        while self.in_flight:
            if now() > deadline:
                raise TimeoutError(f"{self.in_flight} answers still missing after {timeout}s")
            await self.changed(0.2)


async def run_closed(driver: Driver, concurrency: int, total: int, timeout: float = 120.0) -> tuple[float, float]:
    """Keep `concurrency` users talking (a finished user is replaced) until `total` steps are answered.

    Returns:
        (start, end) of the run: the first hand-out and the `total`-th answer.
    """
    steps = len(driver.steps)

    def advance(chat: int) -> None:
        if driver.has_next(chat):
            driver.send_next(chat)
            return
        driver.forget(chat)
        if driver.users * steps < total + concurrency * steps:
            driver.send_next(driver.new_user())

    driver.on_step_done = advance
    for _ in range(concurrency):
        driver.send_next(driver.new_user())
    deadline = now() + timeout
    while len(driver.samples) < total:
        if now() > deadline:
            raise TimeoutError(f"only {len(driver.samples)} of {total} answers after {timeout}s")
        await driver.changed(0.5)
    driver.on_step_done = None
    start = min(sample.handed for sample in driver.samples)
    return start, sorted(sample.done for sample in driver.samples)[total - 1]


async def run_open(driver: Driver, rate: float, duration: float) -> float:
    """Offer `rate` messages per second for `duration` seconds, steadily, whatever the answers do.

    A user whose answer has arrived goes first in line for the next slot (so conversations move on);
    when none is waiting, a new user starts.  Returns the time the first message was offered.
    """
    ready: deque[int] = deque()

    def advance(chat: int) -> None:
        if driver.has_next(chat):
            ready.append(chat)
        else:
            driver.forget(chat)

    driver.on_step_done = advance
    start = now()
    count = int(rate * duration)
    for index in range(count):
        delay = start + index / rate - now()
        if delay > 0:
            await asyncio.sleep(delay)
        driver.send_next(ready.popleft() if ready else driver.new_user())
    driver.on_step_done = None
    return start


# -- reporting -----------------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Return the `pct` percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    """Return the median of `values`."""
    return statistics.median(values)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Format a small plain-text table."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.rjust(widths[i]) if i else cell.ljust(widths[i]) for i, cell in enumerate(row))
             for row in cells]  # fmt: skip
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    """Return PASS or MISS."""
    return "PASS" if ok else "MISS"


@dataclass
class Run:
    """One subject running against its own fake server; `errors` is filled in once the bot has stopped."""

    server: BotApiServer
    bot: BotProcess
    stats_file: Path
    errors: int = 0


@contextlib.asynccontextmanager
async def running(subject: Subject, prefix: str, send_rate: float) -> AsyncIterator[Run]:
    """Start `subject` on a fresh database and server, wait until it polls, stop it afterwards.

    The bot's ERROR lines are counted into `Run.errors` after it stops, before its work directory goes.
    """
    with workdir(prefix) as work, database(subject.backend, work) as url:
        async with timed_server() as server:
            env = subject.env(server, work, url, send_rate)
            async with bot_process(subject.argv(), env, work) as bot:
                await wait_polling(server, bot)
                current = Run(server, bot, Path(env["BENCH_STATS_FILE"]))
                yield current
        current.errors = errors_in(bot.log_text())


def add_subject_options(parser: argparse.ArgumentParser) -> None:
    """Add the options that choose the bots to compare and their send limit."""
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument(
        "--echo-transports",
        default="httpx,aiohttp",
        help="echo bots to run: httpx (PTB's own, always run: the baseline) and aiohttp (the coach's transport)",
    )
    parser.add_argument(
        "--send-rate",
        type=float,
        default=SEND_RATE_UNLIMITED,
        help="overall sends/s limit of every bot's AIORateLimiter (0: off; PTB's default is 30)",
    )


def errors_in(log: str) -> int:
    """Count ERROR lines in a bot log (a failed turn is answered, but must not pass unnoticed)."""
    return sum(1 for line in log.splitlines() if " ERROR " in line)


@contextlib.contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    """Yield a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as path:
        yield Path(path)


def machine() -> str:
    """Describe the machine: CPU count, model and the load average when the run started."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores {model}, load average {load:.2f} at start, Python {sys.version.split()[0]}"
