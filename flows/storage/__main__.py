"""Storage tools: `python -m flows.storage new-key` prints a new encryption key; `migrate` upgrades.

`migrate` reads a database URL and, on a second line, the encryption keys (comma-separated) from
stdin and brings that database to the newest schema; the bot runs it as a child process
(`flows.storage.migrate.upgrade_in_child`).
"""

from __future__ import annotations

import sys

from flows.storage.crypto import generate_key

USAGE = "usage: python -m flows.storage new-key | migrate (database URL, then keys, on stdin)"


def _migrate(url: str, keys: str) -> int:
    from sqlalchemy.exc import DBAPIError

    from flows.storage import resolve_url
    from flows.storage.crypto import Cipher
    from flows.storage.errors import StorageError, database_reason
    from flows.storage.migrate import upgrade_to_head
    from flows.storage.sql import make_engine

    try:
        cipher = Cipher(keys, source="the keys given") if keys else None
        engine = make_engine(resolve_url(url))
    except StorageError as exc:
        print(f"cannot migrate: {exc}", file=sys.stderr)
        return 1
    try:
        upgrade_to_head(engine, cipher)
    except DBAPIError as exc:
        print(f"cannot migrate the database: {database_reason(exc)}", file=sys.stderr)
        return 1
    except StorageError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def main(argv: list[str]) -> int:
    """Run the command named in `argv`; return the process exit status."""
    if argv == ["new-key"]:
        print(generate_key().decode())
        return 0
    if argv == ["migrate"]:
        lines = [*sys.stdin.read().splitlines(), "", ""]
        return _migrate(lines[0].strip(), lines[1].strip())
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
