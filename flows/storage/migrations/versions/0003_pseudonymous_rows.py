"""pseudonymous rows: keyed pseudonyms for user ids, per-user data keys, an encrypted reminder address.

Adds `coach_meta` (key check, install secret) and `user_keys`; every existing row is rekeyed from its
transport id ("tg:<id>") to `Keyring.ref` and re-encrypted under a new data key for its user; the
reminders' plain `chat_id` becomes the encrypted `address`.  Converting rows needs the master key:
`upgrade_to_head(engine, cipher)` hands it to Alembic as `config.attributes["cipher"]`.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from flows.storage.crypto import Cipher
from flows.storage.errors import DecryptionError, EncryptionKeyError, wrong_key_message
from flows.storage.keys import open_keyring

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_sessions = sa.table("sessions", sa.column("user_id", sa.Text), sa.column("payload", sa.LargeBinary))
_reminders = sa.table(
    "reminders",
    sa.column("id", sa.BigInteger),
    sa.column("user_id", sa.Text),
    sa.column("chat_id", sa.BigInteger),
    sa.column("params", sa.LargeBinary),
    sa.column("address", sa.LargeBinary),
)
_user_keys = sa.table(
    "user_keys", sa.column("user_id", sa.Text), sa.column("wrapped", sa.LargeBinary),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    """Create the key tables, then rekey and re-encrypt every session and reminder row."""
    op.create_table(
        "coach_meta",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="coach_meta_pkey"),
    )
    op.create_table(
        "user_keys",
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="user_keys_pkey"),
    )
    with op.batch_alter_table("reminders") as batch:
        batch.add_column(sa.Column("address", sa.LargeBinary(), nullable=True))
    _convert(op.get_bind())
    with op.batch_alter_table("reminders") as batch:
        batch.alter_column("address", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("chat_id")


def _convert(conn: sa.Connection) -> None:
    sessions = conn.execute(sa.select(_sessions.c.user_id, _sessions.c.payload)).all()
    reminders = conn.execute(
        sa.select(_reminders.c.id, _reminders.c.user_id, _reminders.c.chat_id, _reminders.c.params)
    ).all()
    if not sessions and not reminders:
        return
    cipher = context.config.attributes.get("cipher")
    if not isinstance(cipher, Cipher):
        raise EncryptionKeyError("converting stored rows needs the encryption key; open the store to migrate")
    keyring = open_keyring(conn, cipher)
    users: dict[str, Cipher] = {}
    now = sa.func.now()

    def user_cipher(user_id: str) -> Cipher:
        if user_id not in users:
            users[user_id], wrapped = keyring.new_data_key()
            conn.execute(sa.insert(_user_keys).values(user_id=keyring.ref(user_id), wrapped=wrapped, created_at=now))
        return users[user_id]

    for user_id, payload in sessions:
        if payload is None:  # a lock placeholder left by a crash
            conn.execute(sa.delete(_sessions).where(_sessions.c.user_id == user_id))
            continue
        plain = _decrypt(cipher, payload)
        conn.execute(
            sa.update(_sessions)
            .where(_sessions.c.user_id == user_id)
            .values(user_id=keyring.ref(user_id), payload=user_cipher(user_id).encrypt(plain))
        )
    for row_id, user_id, chat_id, params in reminders:
        own = user_cipher(user_id)
        address = json.dumps({"chat_id": chat_id, "user_id": user_id}, sort_keys=True).encode()
        conn.execute(
            sa.update(_reminders)
            .where(_reminders.c.id == row_id)
            .values(
                user_id=keyring.ref(user_id),
                address=own.encrypt(address),
                params=own.encrypt(_decrypt(cipher, params)) if params else None,
            )
        )


def _decrypt(cipher: Cipher, token: bytes) -> bytes:
    try:
        return cipher.decrypt(token)
    except DecryptionError:
        raise EncryptionKeyError(wrong_key_message()) from None


def downgrade() -> None:
    """Refuse: the transport ids are gone from the rows, by design (restore a backup to go back)."""
    raise NotImplementedError("0003 cannot be undone: rows no longer hold transport ids")


