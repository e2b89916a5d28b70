"""The terminal chat: the same engine as Telegram, buttons shown as numbered options."""

from __future__ import annotations

import sys
from typing import TextIO

from flows.core.engine import Engine
from flows.core.models import Choice, Input, Reply


def show(replies: list[Reply], out: TextIO) -> list[Choice]:
    """Print replies; return the buttons of the last one that had any."""
    offered: list[Choice] = []
    for reply in replies:
        out.write(reply.text + "\n")
        for attachment in reply.attachments:
            out.write(f"[{attachment.filename}]\n")
        if reply.choices:
            offered = reply.choices
            for number, choice in enumerate(reply.choices, start=1):
                out.write(f"  {number}. {choice.label}\n")
        out.write("\n")
    out.flush()
    return offered


def to_input(line: str, offered: list[Choice]) -> Input:
    """Turn a typed line into an input: a number picks an offered button, a label also does."""
    text = line.strip()
    if text.isdigit() and 1 <= int(text) <= len(offered):
        return Input.of_choice(offered[int(text) - 1].id)
    for choice in offered:
        if text == choice.label:
            return Input.of_choice(choice.id)
    return Input.of_text(line.rstrip("\n"))


def chat(engine: Engine, user_id: str, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Run the chat until end of input; resume where the user left off."""
    interactive = stdin.isatty()
    held = engine.notices(user_id)  # the console cannot push: missed reminders come first
    if held:
        show(held, stdout)
    offered = show(engine.handle(user_id, Input.of_text("/start")), stdout)
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        offered = show(engine.handle(user_id, to_input(line, offered)), stdout)
