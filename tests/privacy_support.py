"""What the privacy tests type, and how they look for it where it must not be: rows, files and logs.

One scripted conversation (`full_conversation`) is driven through the engine directly and through
Telegram; `plaintext_found` then reports every place a typed figure, platform or sentence shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, text

NAME = "王秀英"
HARDSHIP = "去年公司裁员，母亲住院做手术花光了积蓄"
LOANS = ("借呗欠135790，逾期40天，年化24%，天天打电话", "安逸花欠24680，逾期35天，日息万五，只发短信")
FIGURES = ("28765", "16543", "135790", "24680")
"""Income, expenses and the two debts, typed as digits; each is also looked for with a comma."""
WORDS = (NAME, "借呗", "安逸花", "重庆蚂蚁消费金融", "公司裁员", "母亲住院", "花光了积蓄", "天天打电话", "只发短信")
OPENING: tuple[tuple[str, str], ...] = (
    ("say", "/start"),
    ("tap", "consent_yes"),
    ("say", FIGURES[0]),
    ("say", FIGURES[1]),
)
AFTER_SCRIPT = ("/plan", "/export", "/remind")
MAX_STEPS = 80

Step = tuple[str, str]
"""("say", text) or ("tap", choice id)."""


def full_conversation() -> Generator[Step, list[str], None]:
    """Yield a whole conversation step by step; send in the choice ids offered after each step.

    Consent, income, expenses, two loans each given in one sentence (other questions skipped or
    answered "no"), the plan, a call script (its details: the hardship in the user's words and the
    name), then the other features.
    """
    offered: list[str] = []
    for step in OPENING:
        offered = yield step
    for number, loan in enumerate(LOANS, start=1):
        offered = yield ("say", loan)
        while "more_yes" not in offered:
            offered = yield ("tap", next((c for c in ("skip", "no") if c in offered), offered[0]))
        offered = yield ("tap", "more_yes" if number < len(LOANS) else "more_no")
    offered = yield ("say", "/script")
    while "sc:og" not in offered:  # until the script is shown
        if "hs:job_loss" in offered:
            step = ("say", HARDSHIP)
        elif offered[:1] == ["skip"]:
            step = ("say", NAME)
        else:
            step = ("tap", next((c for c in ("no", "sc:p:0", "sc:g:installment") if c in offered), offered[0]))
        offered = yield step
    for command in AFTER_SCRIPT:
        yield ("say", command)


def steps_taken(do: Any) -> int:
    """Drive `full_conversation` with a synchronous `do(step) -> offered ids`; return the step count."""
    script = full_conversation()
    step, count = next(script), 0
    while True:
        count += 1
        assert count <= MAX_STEPS, "the conversation did not reach its end"
        try:
            step = script.send(do(step))
        except StopIteration:
            return count


def _patterns() -> list[tuple[str, re.Pattern[bytes]]]:
    found: list[tuple[str, re.Pattern[bytes]]] = []
    for figure in FIGURES:
        grouped = f"{int(figure):,}"
        # Digits are looked for only where they do not sit inside a longer run of base64
        # characters: Fernet tokens are base64, and a random token may contain "28765".
        for form in (figure, grouped):
            found.append((form, re.compile(rb"(?<![A-Za-z0-9_-])" + re.escape(form.encode()) + rb"(?![0-9])")))
    for word in WORDS:
        for encoded in {word.encode(), json.dumps(word).strip('"').encode(), word.encode("utf-16-le")}:
            found.append((word, re.compile(re.escape(encoded))))
    return found


PATTERNS = _patterns()


def plaintext_found(blob: bytes | str, *extra: str) -> list[str]:
    """Return each typed figure, word or `extra` string (e.g. the token) that occurs in `blob`."""
    data = blob.encode() if isinstance(blob, str) else blob
    hits = [name for name, pattern in PATTERNS if pattern.search(data)]
    hits += [secret for secret in extra if secret.encode() in data]
    return sorted(set(hits))


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    return str(value).encode()


def table_rows(engine: Engine, skip: tuple[str, ...] = ()) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (table, row) for every row of every table the database has (the schema, not the models)."""
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            if table in skip:
                continue
            for row in conn.execute(text(f'SELECT * FROM "{table}"')).mappings():
                yield table, dict(row)


def database_dump(engine: Engine) -> bytes:
    """Every column of every row of every table, as one blob with a `table.column=` prefix per value."""
    return b"\n".join(
        f"{table}.{column}=".encode() + _as_bytes(value)
        for table, row in table_rows(engine)
        for column, value in row.items()
    )


def files_dump(folder: Path) -> bytes:
    """The bytes of every file in `folder` (a SQLite database with its -wal and -shm files)."""
    return b"".join(path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file())


async def steps_taken_async(do: Any) -> int:
    """Drive `full_conversation` with an async `do(step) -> offered ids`; return the step count."""
    script = full_conversation()
    step, count = next(script), 0
    while True:
        count += 1
        assert count <= MAX_STEPS, "the conversation did not reach its end"
        try:
            step = script.send(await do(step))
        except StopIteration:
            return count
