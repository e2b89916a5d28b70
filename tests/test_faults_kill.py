"""SIGKILL the console bot at random points of 50 scripted conversations: each one, restarted as
often as it takes, ends with exactly the profile an uninterrupted run stores.

Each conversation is a real `debt-coach chat --db FILE --user U` process (forked by
`chat_zygote.py` after the imports, so 50 conversations and their restarts fit in seconds) fed
its lines on stdin and SIGKILLed at a random point (seeded) chosen by what the process has done,
not by the clock: after its k-th printed answer, at once or a few milliseconds into the next
turn.  No timing is calibrated, so a slow or busy machine changes nothing.  After a kill the test reads the
database: the stored session must equal the session an uninterrupted run had after some number
of lines, never a half-applied turn, and never fewer lines than before.  The restarted process
gets the lines from there on — the ones whose answer the user never saw because the kill came
first, as a person would type them again (the bot's own `/start` on restart changes nothing).
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import cli
from bot.console import show, to_input
from flows.core.engine import Engine
from flows.core.models import Choice, Input
from flows.core.session import Session
from flows.storage import open_store

CONVERSATIONS = 50
SEED = 20240611
USER = "console:k"
ZYGOTE = Path(__file__).with_name("chat_zygote.py")
# The current intake: consent, income, expenses, each loan in one message, the review's "no more
# loans".  Steps: typed text, "id:<choice>" to tap, "until:<choice>" to answer defaults until offered.
SCRIPTS: list[list[str]] = [
    ["id:consent_yes", "8000", "3000", "微粒贷欠5000，逾期10天，年化18%，只发短信", "id:more_no"],
    ["id:consent_yes", "一万二", "大概4000", "借呗欠一万二，逾期40天左右，日息万五，天天打电话", "id:more_no"],
    ["id:consent_yes", "8500", "3500", "借呗欠一万二，逾期40天，日息万五，天天打电话", "id:more_yes",
     "安逸花欠3万，逾期35天，年化24%，只发短信", "id:more_no"],
    ["id:consent_yes", "6500", "6000", "美团借钱欠6000，逾期20天，年化24%，经常打电话", "id:more_no"],
    ["id:consent_yes", "9000", "id:back", "9500", "2000", "分期乐欠8000，逾期3天，年化18%，只发短信", "id:more_no"],
]  # fmt: skip
KILL_DELAYS = (0.0, 0.002, 0.005, 0.01)
"""Seconds from an observed answer to the kill: between two turns, or inside the next one."""
_MIGRATIONS = threading.Lock()  # opening a store runs Alembic, whose context is process-global
DEFAULTS = ("confirm", "more_no", "skip", "no", "unknown", "received_full", "repaid_none", "col:calls")


@dataclass
class Baseline:
    """An uninterrupted run: the console lines, the stored session after each, the exported profile."""

    lines: list[str]
    snapshots: list[dict[str, Any]]
    export: str


def _state(session: Session | None) -> dict[str, Any] | None:
    return None if session is None else session.model_dump(mode="json", exclude={"updated_at"})


def _export(db: Path) -> str:
    out = io.StringIO()
    with _MIGRATIONS, contextlib.redirect_stdout(out):
        assert cli.main(["profile", "export", "--db", str(db), "--user", USER]) == 0
    return out.getvalue()


def _label(offered: list[Choice], choice_id: str) -> str:
    for choice in offered:
        if choice.id == choice_id:
            return choice.label
    raise AssertionError(f"{choice_id!r} not offered: {[c.id for c in offered]}")


def _baseline(script: list[str], db: Path) -> Baseline:
    """Run the script in-process the way `bot.console.chat` does, turning taps into typed labels."""
    store = open_store(db_path=db)
    engine = Engine(store)
    sink = io.StringIO()
    offered = show(engine.handle(USER, Input.of_text("/start")), sink)
    lines: list[str] = []
    snapshots = [_state(store.load_session(USER))]
    steps = list(script)

    def send(line: str) -> None:
        nonlocal offered
        lines.append(line)
        offered = show(engine.handle(USER, to_input(line, offered)), sink)
        snapshots.append(_state(store.load_session(USER)))

    while steps or (session := store.load_session(USER)) is None or session.profile is None:
        step = steps[0] if steps else "until:"
        if step.startswith("until:"):
            wanted = step.removeprefix("until:")
            if wanted and wanted in [c.id for c in offered]:
                steps.pop(0)
                send(_label(offered, wanted))
                continue
            choice = next((c for c in DEFAULTS if c in [o.id for o in offered]), None)
            assert choice is not None, f"no default among {[c.id for c in offered]}"
            send(_label(offered, choice))
        else:
            steps.pop(0)
            send(_label(offered, step.removeprefix("id:")) if step.startswith("id:") else step)
        assert len(lines) < 80, "script does not finish the intake"
    store.close()
    return Baseline(lines, [s for s in snapshots if s is not None], _export(db))


class Zygote:
    """One `chat_zygote.py` process: run a chat job, optionally SIGKILLed after a delay."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ZYGOTE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8"
        )

    def run(self, db: Path, lines: list[str], kill_after_answers: int | None = None,
            kill_delay: float = 0.0) -> dict[str, Any]:  # fmt: skip
        assert self.proc.stdin is not None and self.proc.stdout is not None
        feed, out = db.with_suffix(".in"), db.with_suffix(".out")
        feed.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        job = {"db": str(db), "user": USER.removeprefix("console:"), "input": str(feed), "output": str(out),
               "kill_after_answers": kill_after_answers, "kill_delay": kill_delay}  # fmt: skip
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        answer: dict[str, Any] = json.loads(self.proc.stdout.readline())
        return answer

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _resume_point(db: Path, base: Baseline, start: int) -> int:
    with _MIGRATIONS:
        store = open_store(db_path=db)
    try:
        stored = _state(store.load_session(USER))
    finally:
        store.close()
    if stored is None:
        assert start == 0, "a session that was stored is gone"
        return 0
    matches = [i for i in range(start, len(base.snapshots)) if base.snapshots[i] == stored]
    assert matches, f"after a kill the stored session matches no state of the uninterrupted run (from {start})"
    return matches[0]


def _migrated(db: Path) -> Path:
    """Create the database at the newest schema, so a run's time is the conversation, not Alembic's."""
    with _MIGRATIONS:
        open_store(db_path=db).close()
    return db


def _converse(zygote: Zygote, base: Baseline, db: Path, rng: random.Random) -> list[int]:
    """Run one conversation to its end through 1-2 random kills; return the lines done at each kill.

    A kill comes after the process has answered the greeting and k more lines, k at random from 1
    to all but the last line left (so it lands mid-conversation), then after one of `KILL_DELAYS`.
    """
    _migrated(db)
    done, kills_left, hits = 0, rng.randint(1, 2), []
    while True:
        left = len(base.lines) - done
        if kills_left and left >= 2:
            kills_left -= 1
            answer = zygote.run(db, base.lines[done:], 1 + rng.randint(1, left - 1), rng.choice(KILL_DELAYS))
        else:
            answer = zygote.run(db, base.lines[done:])
        if not answer["killed"]:
            assert answer["code"] == 0, db.with_suffix(".out").read_text(encoding="utf-8", errors="replace")
            break
        done = _resume_point(db, base, done)
        hits.append(done)
    assert _export(db) == base.export
    return hits


def test_fifty_killed_conversations_end_with_the_uninterrupted_profile(tmp_path: Path) -> None:
    bases = [_baseline(script, tmp_path / f"base{i}.db") for i, script in enumerate(SCRIPTS)]
    zygotes = [Zygote(), Zygote()]
    try:
        for i, base in enumerate(bases):  # the uninterrupted run, as a real process
            whole = zygotes[i % len(zygotes)].run(_migrated(tmp_path / f"whole{i}.db"), base.lines)
            assert (whole["killed"], whole["code"], whole["answers"]) == (False, 0, 1 + len(base.lines))
            assert _export(tmp_path / f"whole{i}.db") == base.export

        def worker(index: int) -> list[tuple[int, list[int]]]:
            hits = []
            for n in range(index, CONVERSATIONS, len(zygotes)):
                script = n % len(SCRIPTS)
                rng = random.Random(SEED + n)
                db = tmp_path / f"conv{n}.db"
                hits.append((n, _converse(zygotes[index], bases[script], db, rng)))
            return hits

        with ThreadPoolExecutor(len(zygotes)) as pool:
            hits = dict(h for result in pool.map(worker, range(len(zygotes))) for h in result)
    finally:
        for zygote in zygotes:
            zygote.close()
    assert len(hits) == CONVERSATIONS
    mid_way = [n for n, points in hits.items() if any(0 < done < len(bases[n % len(SCRIPTS)].lines) for done in points)]
    assert len(mid_way) >= CONVERSATIONS * 9 // 10, f"too few kills landed mid-conversation: {hits}"
