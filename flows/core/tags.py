"""Pseudonymous tags for user ids: logs and file identifiers never carry the raw id."""

from __future__ import annotations

import hashlib


def user_tag(user_id: str) -> str:
    """Return a short, stable hash of a user id."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:12]
