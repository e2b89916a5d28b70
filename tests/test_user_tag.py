"""One keyed log pseudonym: not a plain hash anyone can reverse, stable across restarts of one install."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flows.core.tags import user_tag
from flows.storage import open_store


def test_the_log_tag_is_keyed_by_the_install_and_stable_across_reopening(tmp_path: Path) -> None:
    unkeyed = hashlib.sha256(b"tg:12345").hexdigest()[:12]
    first = open_store(db_path=tmp_path / "a.db")
    tag = user_tag("tg:12345")
    first.close()
    assert tag != unkeyed
    again = open_store(db_path=tmp_path / "a.db")
    assert user_tag("tg:12345") == tag
    again.close()
    other = open_store(db_path=tmp_path / "b.db")
    try:
        assert user_tag("tg:12345") != tag  # another install, another key
    finally:
        other.close()
