"""Keyed pseudonyms for user ids: logs and file identifiers never carry the raw id.

The key is the store's `subkey("logs/user-tag")`, set when a store opens (`use_key`), so a tag is
stable across restarts and key rotations but cannot be reversed by hashing candidate ids.  Until a
store opens, a random per-process key stands in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_key = secrets.token_bytes(32)


def use_key(key: bytes) -> None:
    """Key every later `user_tag` with `key` (the store's log subkey)."""
    global _key
    _key = key


def user_tag(user_id: str) -> str:
    """Return a short, stable, keyed pseudonym of a user id."""
    return hmac.new(_key, user_id.encode(), hashlib.sha256).hexdigest()[:12]
