"""Key rotation: re-encrypt everything the master key protects under its newest key, while the bot runs.

What the master key encrypts is small: the install-wide values (`coach_meta`) and each user's wrapped
data key (`user_keys`); users' rows are under their data keys and stay as they are.  Each batch is
its own short transaction, its rows locked, so running turns wait at most one batch; a turn never
writes these rows except a new user's key, which a later batch (ordered by key) still reaches.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, select, update

from flows.storage.crypto import Cipher
from flows.storage.errors import DecryptionError
from flows.storage.keys import META, USER_KEYS

BATCH = 500


@dataclass(frozen=True)
class Rotation:
    """What a rotation re-encrypted."""

    values: int
    user_keys: int


def rotate_keys(engine: Engine, master: Cipher, *, batch: int = BATCH) -> Rotation:
    """Re-encrypt every install value and user data key under `master`'s newest key.

    Args:
        engine: The store's engine (schema migrated).
        master: The keys, newest first; every old key that wrote a row must be among them.
        batch: Rows per transaction.

    Returns:
        How many rows were re-encrypted.

    Raises:
        DecryptionError: A row was written with a key `master` does not hold (nothing after it is rotated).
    """
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        query = select(META.c.name, META.c.value)
        rows = conn.execute(query.with_for_update() if postgres else query).all()
        if rows:
            conn.execute(
                update(META).where(META.c.name == bindparam("n")).values(value=bindparam("v")),
                [{"n": name, "v": master.rotate(value)} for name, value in rows],
            )
    values, keys, after = len(rows), 0, ""
    while True:
        with engine.begin() as conn:
            query = (
                select(USER_KEYS.c.user_id, USER_KEYS.c.wrapped)
                .where(USER_KEYS.c.user_id > after)
                .order_by(USER_KEYS.c.user_id)
                .limit(batch)
            )
            page = conn.execute(query.with_for_update() if postgres else query).all()
            if not page:
                break
            conn.execute(
                update(USER_KEYS).where(USER_KEYS.c.user_id == bindparam("r")).values(wrapped=bindparam("w")),
                [{"r": ref, "w": master.rotate(wrapped)} for ref, wrapped in page],
            )
        keys += len(page)
        after = page[-1].user_id
    return Rotation(values=values, user_keys=keys)


def left_behind(engine: Engine, master: Cipher) -> int:
    """Count the rows the newest key alone cannot decrypt (0 once a rotation is complete)."""
    newest = master.newest()
    missed = 0
    with engine.connect() as conn:
        tokens = [*conn.scalars(select(META.c.value)), *conn.scalars(select(USER_KEYS.c.wrapped))]
    for token in tokens:
        try:
            newest.decrypt(token)
        except DecryptionError:
            missed += 1
    return missed
