"""`debt-coach keys new | check | rotate`: the encryption key's life (deploy/README.md has the steps).

`rotate` re-encrypts, under the newest configured key, everything the master key protects (the
install values and every user's wrapped data key), in short transactions, so a running bot keeps
answering.  Configure the keys newest first (`COACH_ENCRYPTION_KEY=NEW,OLD`) on every instance
before rotating, and drop OLD only after `rotate` reports nothing left behind.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from flows.storage import SqlStore, open_store
from flows.storage.crypto import generate_key
from flows.storage.rotate import left_behind, rotate_keys


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `keys` and its subcommands; each handler is called as `func(args, settings)`."""
    keys = subparsers.add_parser("keys", help="make, check or rotate the encryption key")
    commands = keys.add_subparsers(dest="keys_command", required=True)
    commands.add_parser("new", help="print a new random key").set_defaults(func=run_new)
    for name, func, text in (
        ("check", run_check, "check that the configured key opens the database"),
        ("rotate", run_rotate, "re-encrypt everything under the newest configured key (the bot may run)"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--db", metavar="PATH", help="SQLite file (default: DATABASE_URL or the embedded file)")
        command.set_defaults(func=func)


def _open(args: argparse.Namespace, settings: Any) -> SqlStore:
    # `settings` is the process's one Settings object when the caller has it: its database URL
    # and key material win over reading the environment here.
    url = getattr(settings, "database_url", None) or os.environ.get("DATABASE_URL")
    key = settings.key_material() if settings is not None and hasattr(settings, "key_material") else None
    return open_store(None if args.db else url, db_path=args.db, key=key)


def run_new(args: argparse.Namespace, settings: Any = None) -> int:
    """Print a new random key (44 characters of urlsafe base64)."""
    print(generate_key().decode())
    return 0


def run_check(args: argparse.Namespace, settings: Any = None) -> int:
    """Open the store, which verifies the key; a wrong key ends in `EncryptionKeyError`'s one line."""
    store = _open(args, settings)
    try:
        behind = left_behind(store.engine, store.cipher)
    finally:
        store.close()
    print("the key opens this database" + (f"; {behind} rows still need `keys rotate`" if behind else ""))
    return 0


def run_rotate(args: argparse.Namespace, settings: Any = None) -> int:
    """Re-encrypt every row the master key protects under its newest key, then confirm nothing is left."""
    store = _open(args, settings)
    try:
        if len(store.cipher.material().split(",")) < 2:
            print("note: one key is configured; rotating re-encrypts under that same key", file=sys.stderr)
        done = rotate_keys(store.engine, store.cipher)
        behind = left_behind(store.engine, store.cipher)
    finally:
        store.close()
    if behind:
        print(f"error: {behind} rows were written meanwhile under an old key; run `keys rotate` again",
              file=sys.stderr)
        return 1
    print(f"re-encrypted {done.values} install values and {done.user_keys} user keys under the newest key; "
          "the older keys can now be removed from the configuration")
    return 0
