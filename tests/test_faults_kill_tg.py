"""SIGKILL the real `debt-coach run` process (polling the fake Bot API) at random points of a
conversation, three times: after each restart the conversation goes on and ends with the profile
an uninterrupted run stores.

Each kill lands at a point the fake Bot API observed, chosen at random (seeded): when the bot has
fetched the step's update, when it has made its first call for it (typing or the first reply), or
when it has answered it; no sleeps, so a slow machine changes where nothing lands.  After a kill
the user does what a person would: waits for the restarted bot (which first receives any update
Telegram had not seen acknowledged, and is idle once it has handled every update it fetched), sends
/start to get the current question back with fresh buttons, and goes on from the first step the
database does not hold yet.  Residual risk, by
design of Telegram polling: an update the bot fetched and acknowledged but had not processed when
killed is lost (the user types it again, as here); one processed but not yet acknowledged would be
delivered again and applied twice — the bot acknowledges on its next poll, right after fetching,
so that window is a few milliseconds.
"""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path
from typing import Any

from botapi_server import BotApiServer
from conversation import Conversation
from test_faults_botapi import _button, _command

from flows.core.engine import Engine
from flows.core.session import Session
from flows.storage import open_store

USER = 700000021
SEED = 424242
KILLS = 3
STARTUP = 60.0
# The current intake: consent, income, expenses, the loan in one message, the review's "no more loans".
SCRIPT = ["/start", "tap:consent_yes", "8000", "3000", "微粒贷欠5000，逾期10天，年化18%，只发短信",
          "tap:more_no"]  # fmt: skip
KILL_POINTS = ("fetched", "first call", "answered")
DEFAULTS = ("confirm", "more_no", "skip", "no", "unknown", "received_full", "repaid_none", "col:calls")


def _state(session: Session | None) -> dict[str, Any] | None:
    return None if session is None else session.model_dump(mode="json", exclude={"updated_at"})


def _baseline(db: Path) -> tuple[list[str], list[dict[str, Any] | None], str]:
    """The steps, the stored session after each, and the final profile of an uninterrupted run."""
    store = open_store(db_path=db)
    chat = Conversation(Engine(store), f"tg:{USER}")
    steps: list[str] = []
    snapshots = [_state(store.load_session(chat.user_id))]
    todo = list(SCRIPT)
    while todo or (session := store.load_session(chat.user_id)) is None or session.profile is None:
        step = todo.pop(0) if todo else "tap:" + next(c for c in DEFAULTS if c in [o.id for o in chat.offered])
        chat.tap(step[4:]) if step.startswith("tap:") else chat.say(step)
        steps.append(step)
        snapshots.append(_state(store.load_session(chat.user_id)))
    profile = session.profile.model_dump_json()
    store.close()
    return steps, snapshots, profile


class Bot:
    """One `debt-coach run` process after another, on the same database; SIGKILL or SIGTERM."""

    def __init__(self, server: BotApiServer, workdir: Path) -> None:
        self.server, self.workdir, self.runs = server, workdir, 0
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def log(self) -> Path:
        return self.workdir / f"bot{self.runs}.log"

    def turns(self) -> int:
        return self.log.read_text(encoding="utf-8", errors="replace").count(" turn user=")

    def handled(self) -> int:
        """Updates this run has finished with: turns, and taps refused or on a used keyboard."""
        log = self.log.read_text(encoding="utf-8", errors="replace")
        return sum(log.count(mark) for mark in (" turn user=", " rejected button user=", " tap on a used keyboard"))

    async def start(self) -> None:
        self.runs += 1
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "CALLBACK_"))}
        env.pop("COACH_ENCRYPTION_KEY", None)
        env.update(TELEGRAM_BOT_TOKEN=self.server.token, TELEGRAM_API_BASE_URL=self.server.base_url,
                   DATABASE_URL=f"sqlite:///{self.workdir / 'coach.db'}", PYTHONUNBUFFERED="1")  # fmt: skip
        polls = sum(1 for c in self.server.api.calls if c.method == "setMyCommands")
        self.fetched_before = len(self.server.api.fetched)
        with self.log.open("wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *_command(), "run", env=env, cwd=self.workdir, stdout=log, stderr=asyncio.subprocess.STDOUT
            )
        await self.server.wait_until(
            lambda: sum(1 for c in self.server.api.calls if c.method == "setMyCommands") > polls, STARTUP
        )

    async def stop(self, kill: bool) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill() if kill else self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    async def idle(self) -> None:
        """Wait until no update is pending and this run has handled every update it fetched."""
        api = self.server.api
        await self.server.wait_until(
            lambda: not api.updates and self.handled() >= len(set(api.fetched[self.fetched_before :])), STARTUP
        )

    async def answered(self, turns: int) -> None:
        """Wait until this run has logged `turns` turns."""
        await self.server.wait_until(lambda: self.turns() >= turns, STARTUP)

    async def kill_at(self, point: str, update_id: int, calls_before: int, turns_before: int) -> None:
        """SIGKILL once the fake has observed `point` for the update just pushed."""
        api = self.server.api
        if point == "fetched":
            await self.server.wait_until(lambda: update_id in api.fetched, STARTUP)
        elif point == "first call":
            await self.server.wait_until(lambda: len(self.server.sent(USER)) > calls_before, STARTUP)
        else:
            await self.server.wait_until(lambda: self.turns() > turns_before, STARTUP)
        await self.stop(kill=True)


def _resume(db: Path, snapshots: list[dict[str, Any] | None], start: int) -> int:
    store = open_store(db_path=db)
    try:
        stored = _state(store.load_session(f"tg:{USER}"))
    finally:
        store.close()
    matches = [i for i in range(start, len(snapshots)) if snapshots[i] == stored]
    assert matches, f"after a kill the stored session matches no state of the uninterrupted run (from {start})"
    return matches[0]


async def test_killed_telegram_bot_resumes_every_conversation(tmp_path: Path) -> None:
    steps, snapshots, expected = _baseline(tmp_path / "base.db")
    rng = random.Random(SEED)
    kill_at = sorted(rng.sample(range(1, len(steps) - 1), KILLS))
    db = tmp_path / "coach.db"
    async with BotApiServer() as server:
        bot = Bot(server, tmp_path)
        try:
            await bot.start()
            done, landed = 0, []
            while done < len(steps):
                step = steps[done]
                expected_turns, calls_before = bot.turns() + 1, len(server.sent(USER))
                if step.startswith("tap:"):
                    pushed = server.push_callback(USER, *_button(server, USER, step[4:]))
                else:
                    pushed = server.push_text(USER, step)
                if kill_at and done >= kill_at[0]:
                    kill_at.pop(0)
                    point = rng.choice(KILL_POINTS)
                    await bot.kill_at(point, pushed["update_id"], calls_before, expected_turns - 1)
                    await bot.start()
                    await bot.idle()  # redelivered updates, if any, are processed first
                    server.push_text(USER, "/start")
                    await bot.idle()
                    done = _resume(db, snapshots, done)
                    landed.append(done)
                    continue
                await bot.answered(expected_turns)
                done += 1
        finally:
            await bot.stop(kill=False)
    assert len(landed) == KILLS
    store = open_store(db_path=db)
    try:
        session = store.load_session(f"tg:{USER}")
    finally:
        store.close()
    assert session is not None and session.profile is not None
    assert session.profile.model_dump_json() == expected
