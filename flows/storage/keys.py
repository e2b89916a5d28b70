"""The keys beneath the master key: a check value, an install secret, and one data key per user.

- `coach_meta` holds two values encrypted under the master key: a *key check* (a wrong key refuses
  to start instead of splitting the database across two keys) and a random *install secret*.
- Everything stable is derived from the install secret (`Keyring.subkey`): the keyed pseudonym
  that keys every user row (`Keyring.ref`), the log pseudonym, the button-signing fallback.  Key
  rotation re-encrypts the secret, never changes it, so none of these move.
- `user_keys` holds each user's random data key, encrypted under the master key ("envelope"
  encryption).  A user's rows are encrypted under their data key; `/delete` destroys it, so copies
  left in free pages, a write-ahead log or a replica no longer decrypt.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import Column, DateTime, LargeBinary, Table, Text, select
from sqlalchemy.engine import Connection

from flows.storage.crypto import Cipher, generate_key
from flows.storage.errors import DecryptionError, EncryptionKeyError, wrong_key_message
from flows.storage.tables import METADATA

KEY_CHECK, INSTALL_SECRET = "key_check", "install_secret"
_CHECK_PLAINTEXT = b"debt-coach key check v1"

META = Table(
    "coach_meta",
    METADATA,
    Column("name", Text, primary_key=True),
    Column("value", LargeBinary, nullable=False),
)
"""Install-wide values, each encrypted under the master key."""

USER_KEYS = Table(
    "user_keys",
    METADATA,
    Column("user_id", Text, primary_key=True),  # the keyed pseudonym, as in every user table
    Column("wrapped", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
"""Each user's data key, encrypted under the master key."""


@dataclass(frozen=True)
class Keyring:
    """The master cipher and the install secret: pseudonyms, subkeys, and per-user ciphers."""

    master: Cipher
    secret: bytes

    def subkey(self, purpose: str) -> bytes:
        """Return a 32-byte secret for `purpose`, stable across key rotations."""
        return hmac.new(self.secret, b"debt-coach/" + purpose.encode(), hashlib.sha256).digest()

    @cached_property
    def _ref_key(self) -> bytes:
        return self.subkey("storage/user-ref")

    def ref(self, user_id: str) -> str:
        """Return the keyed pseudonym a user's rows are stored under (never the transport id)."""
        return hmac.new(self._ref_key, user_id.encode(), hashlib.sha256).hexdigest()[:32]

    def new_data_key(self) -> tuple[Cipher, bytes]:
        """Return a fresh user cipher and its key wrapped under the master key."""
        key = generate_key()
        return Cipher(key, source="a user's data key"), self.master.encrypt(key)

    def unwrap(self, wrapped: bytes) -> Cipher:
        """Return the user cipher whose wrapped key is `wrapped` (recent ones from a small cache)."""
        return _unwrapped(self.master, wrapped)


UNWRAPPED_CACHE = 512
"""Data keys of the most recently active users kept unwrapped: a Fernet decrypt saved on most turns.

Keyed by the wrapped key itself, so a user deleted (their wrapped key gone) or a key re-wrapped by
rotation is never found again; at most this many keys of recent users are in memory at once.
"""


@lru_cache(maxsize=UNWRAPPED_CACHE)
def _unwrapped(master: Cipher, wrapped: bytes) -> Cipher:
    return Cipher(master.decrypt(wrapped), source="a user's data key")


def _insert_ignore(conn: Connection, table: Table, values: dict[str, Any]) -> None:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(table).values(values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(table).values(values).on_conflict_do_nothing())


def _read_meta(conn: Connection) -> dict[str, bytes]:
    return {name: value for name, value in conn.execute(select(META.c.name, META.c.value))}


def open_keyring(conn: Connection, master: Cipher) -> Keyring:
    """Read (creating on first use) the key check and install secret, and verify the master key.

    Safe when several processes start at once: each inserts only if absent, then all read the winner.

    Raises:
        EncryptionKeyError: The master key is not the one the database was created with.
    """
    rows = _read_meta(conn)
    if KEY_CHECK not in rows or INSTALL_SECRET not in rows:
        _insert_ignore(conn, META, {"name": KEY_CHECK, "value": master.encrypt(_CHECK_PLAINTEXT)})
        _insert_ignore(conn, META, {"name": INSTALL_SECRET, "value": master.encrypt(os.urandom(32))})
        rows = _read_meta(conn)
    try:
        if master.decrypt(rows[KEY_CHECK]) != _CHECK_PLAINTEXT:
            raise EncryptionKeyError(wrong_key_message())
        secret = master.decrypt(rows[INSTALL_SECRET])
    except DecryptionError:
        raise EncryptionKeyError(wrong_key_message()) from None
    return Keyring(master, secret)
