"""Fork `debt-coach chat` processes from one warmed-up parent, so kill tests need not pay the imports.

Run as a script. Each line on stdin is a JSON job `{"db", "user", "input", "output", "kill_after"}`:
the parent forks a child that runs `bot.cli.main(["chat", "--db", db, "--user", user])` with
`input` as its stdin and `output` as its stdout; when `kill_after` (seconds) is not null and the
child is still running then, the parent SIGKILLs it.  Each job is answered with one JSON line
`{"killed": bool, "code": int, "seconds": float}`.  The parent is single-threaded, so forking it is safe; it reaps
every child before answering and exits at the end of its input.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

from bot import cli


def _child(job: dict[str, str]) -> None:
    stdin = os.open(job["input"], os.O_RDONLY)
    stdout = os.open(job["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(stdin, 0)
    os.dup2(stdout, 1)
    os.dup2(stdout, 2)
    code = 1
    try:
        code = cli.main(["chat", "--db", job["db"], "--user", job["user"]])
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _run(job: dict[str, object]) -> dict[str, object]:
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(job)  # type: ignore[arg-type]
    kill_after = job.get("kill_after")
    deadline = None if kill_after is None else time.monotonic() + float(kill_after)  # type: ignore[arg-type]
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return {"killed": False, "code": os.waitstatus_to_exitcode(status), "seconds": time.monotonic() - started}
        if deadline is not None and time.monotonic() >= deadline:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            return {"killed": True, "code": os.waitstatus_to_exitcode(status), "seconds": time.monotonic() - started}
        time.sleep(0.0005)


def _warm_up() -> None:
    """Load what every child would otherwise load again: the CJK font and the PNG renderer."""
    import io

    from matplotlib.figure import Figure

    from flows.analysis.chart import cjk_font_family

    figure = Figure(figsize=(2, 1))
    figure.gca().set_title("x", family=cjk_font_family())
    figure.savefig(io.BytesIO(), format="png")


def main() -> None:
    """Serve jobs from stdin until it closes."""
    _warm_up()
    commands = os.fdopen(os.dup(0), "r", encoding="utf-8")
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    for line in commands:
        answers.write(json.dumps(_run(json.loads(line))) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
