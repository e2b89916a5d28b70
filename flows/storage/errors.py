"""Storage errors with plain one-line messages the CLI and bot can show as they are."""

from __future__ import annotations

WRONG_KEY_EN = "the encryption key does not match this database: refusing to start (see deploy/README.md)"


def wrong_key_message() -> str:
    """Return the one line a wrong key stops the start with: Chinese first (a template), then English."""
    from flows.core.texts import render  # only when it happens: the migration child never loads templates

    return f"{render('core/wrong_key')} / {WRONG_KEY_EN}"


class StorageError(Exception):
    """Storage cannot be opened or read; the message is one plain line, safe to show an operator."""


class EncryptionKeyError(StorageError):
    """The encryption key is missing, malformed, or its file cannot be used."""


class DecryptionError(StorageError):
    """Stored data does not decrypt with the configured key (wrong key, or the data was altered)."""


def database_reason(error: BaseException) -> str:
    """Return the first line of what the database driver said, or the error's type when it said nothing.

    Args:
        error: A DBAPI error, or SQLAlchemy's wrapper of one (its `orig`).
    """
    original = getattr(error, "orig", None) or error
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__
