"""The master key: a wrong one refuses to open the store; rotation leaves nothing under the old one."""

from __future__ import annotations

import pytest
from test_storage import _one_line, _session

from flows.storage import Cipher, DecryptionError, EncryptionKeyError, SqlStore, open_store, resolve_url
from flows.storage.crypto import generate_key
from flows.storage.rotate import left_behind, rotate_keys
from flows.storage.sql import make_engine


def test_wrong_key_refuses_to_open_the_store_with_one_line(store: SqlStore, db_url: str) -> None:
    store.save_session(_session("u1"))
    with pytest.raises(EncryptionKeyError) as caught:
        open_store(db_url, key=Cipher.generate())
    line = _one_line(caught.value)
    assert "加密密钥" in line and "does not match this database" in line
    assert store.load_session("u1") == _session("u1")  # nothing was written under the wrong key


def test_a_wrong_key_is_caught_even_when_only_a_stored_token_is_touched(store: SqlStore, db_url: str) -> None:
    store.save_session(_session("u1"))
    other = SqlStore(make_engine(resolve_url(db_url)), Cipher.generate())
    try:
        with pytest.raises(EncryptionKeyError):
            other.load_session("u1")
    finally:
        other.close()


def test_rotated_keys_read_old_data_and_write_with_the_newest(store: SqlStore, db_url: str, cipher: Cipher) -> None:
    del store  # requested so its teardown empties the shared PostgreSQL schema
    old_key, new_key = cipher.material(), generate_key().decode()
    first = open_store(db_url, key=old_key)
    first.save_session(_session("u1"))
    subkey = first.subkey("telegram/callback")
    first.close()
    rotated = open_store(db_url, key=f"{new_key},{old_key}")
    try:
        assert rotated.load_session("u1") == _session("u1")
        assert left_behind(rotated.engine, rotated.cipher) > 0
        done = rotate_keys(rotated.engine, rotated.cipher)
        assert done.values == 2 and done.user_keys >= 1
        assert left_behind(rotated.engine, rotated.cipher) == 0
    finally:
        rotated.close()
    only_new = open_store(db_url, key=new_key)
    try:
        assert only_new.load_session("u1") == _session("u1")
        assert only_new.subkey("telegram/callback") == subkey
    finally:
        only_new.close()
    with pytest.raises(EncryptionKeyError):
        open_store(db_url, key=old_key)  # the old key alone now opens nothing
    engine = make_engine(resolve_url(db_url))
    try:
        with pytest.raises(DecryptionError):  # and the tables keep no token it decrypts
            rotate_keys(engine, Cipher(old_key))
    finally:
        rotate_keys(engine, Cipher(f"{old_key},{new_key}"))  # the shared schema keeps the session's key
        engine.dispose()
