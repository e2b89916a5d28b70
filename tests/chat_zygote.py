"""Fork `debt-coach chat` processes from one warmed-up parent, so kill tests need not pay the imports.

Run as a script. Each line on stdin is a JSON job
`{"db", "user", "input", "output", "kill_after_answers", "kill_delay"}`: the parent forks a child that
runs `bot.cli.main(["chat", "--db", db, "--user", user])` with `input` as its stdin and `output` as
its stdout.  The child reports each answer it has printed (the greeting first, then one per line) as
one byte on a pipe; when `kill_after_answers` is not null, the parent waits for that many answers,
then `kill_delay` seconds (0 kills between two turns, more lands inside the next one), and SIGKILLs
the child if it is still running.  Each job is answered with one JSON line
`{"killed": bool, "code": int, "answers": int}`.  The parent is single-threaded, so forking it is
safe; it reaps every child before answering and exits at the end of its input.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
from typing import Any

from bot import cli, console


def _child(job: dict[str, str], answers: int) -> None:
    shown = console.show

    def show_and_tell(*args: Any, **kwargs: Any) -> Any:
        offered = shown(*args, **kwargs)
        os.write(answers, b".")  # after the answer was printed, so after its turn committed
        return offered

    console.show = show_and_tell
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


def _run(job: dict[str, Any]) -> dict[str, object]:
    answers_r, answers_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(answers_r)
        _child(job, answers_w)
    os.close(answers_w)
    wanted = job.get("kill_after_answers")
    answers, open_pipe = 0, True
    try:
        while open_pipe and (wanted is None or answers < wanted):
            ready, _, _ = select.select([answers_r], [], [], 60)
            if not ready:
                break  # a child that says nothing for a minute is reaped below, and the test fails on it
            chunk = os.read(answers_r, 64)
            answers += len(chunk)
            open_pipe = bool(chunk)
        if wanted is not None and open_pipe and answers >= wanted:
            time.sleep(float(job.get("kill_delay") or 0.0))
            os.kill(pid, signal.SIGKILL)
    finally:
        os.close(answers_r)
    _, status = os.waitpid(pid, 0)
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    return {"killed": killed, "code": os.waitstatus_to_exitcode(status), "answers": answers}


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
