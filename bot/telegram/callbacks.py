"""Signed callback data: every button is bound to the user who received it.

Layout (at most 64 bytes, Telegram's limit): `<payload>|<sig>` where payload is a choice id from
the engine, `~p<n>` (show keyboard page n) or `~n` (a no-op label), and sig is the first 10
characters of the URL-safe base64 HMAC-SHA256 of `<user id>:<payload>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Literal

MAX_DATA_BYTES = 64
SIG_LEN = 10
_CHOICE_RE = re.compile(r"^[A-Za-z0-9_.:=+@#%!?,;/-]{1,48}$")
_DATA_RE = re.compile(r"^(?P<payload>[^|]{1,52})\|(?P<sig>[A-Za-z0-9_-]{" + str(SIG_LEN) + r"})$")
_PAGE_RE = re.compile(r"^~p(?P<page>\d{1,3})$")
NOOP = "~n"


@dataclass(frozen=True, slots=True)
class Callback:
    """A verified button tap: a choice for the engine, a page turn, or nothing."""

    kind: Literal["choice", "page", "noop"]
    choice: str = ""
    page: int = 0


class CallbackSigner:
    """Sign and verify callback data with a server-side secret."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("callback key must be at least 16 bytes")
        self._key = key

    def _sig(self, user_id: int, payload: str) -> str:
        mac = hmac.new(self._key, f"{user_id}:{payload}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode()[:SIG_LEN]

    @staticmethod
    def is_valid_choice_id(choice_id: str) -> bool:
        """Tell whether an engine choice id fits in signed callback data."""
        return bool(_CHOICE_RE.match(choice_id))

    def choice(self, user_id: int, choice_id: str) -> str:
        """Return callback data for an engine choice, bound to `user_id`.

        Raises:
            ValueError: The id is not short ASCII without `|` and `~`.
        """
        if not self.is_valid_choice_id(choice_id):
            raise ValueError("choice id does not fit in callback data")
        return self._pack(user_id, choice_id)

    def page(self, user_id: int, page: int) -> str:
        """Return callback data for turning a keyboard to `page`."""
        return self._pack(user_id, f"~p{page}")

    def noop(self, user_id: int) -> str:
        """Return callback data for a label-only button."""
        return self._pack(user_id, NOOP)

    def _pack(self, user_id: int, payload: str) -> str:
        data = f"{payload}|{self._sig(user_id, payload)}"
        if len(data.encode()) > MAX_DATA_BYTES:
            raise ValueError("callback data too long")
        return data

    def verify(self, user_id: int, data: str | None) -> Callback | None:
        """Check that `data` was signed for `user_id`; return what it means, or None if not.

        Args:
            user_id: The Telegram id of the user who tapped the button.
            data: The raw callback data from the update.

        Returns:
            The decoded callback, or None for missing, malformed, tampered or foreign data.
        """
        if not data or len(data.encode()) > MAX_DATA_BYTES:
            return None
        match = _DATA_RE.match(data)
        if match is None:
            return None
        payload, sig = match["payload"], match["sig"]
        if not hmac.compare_digest(sig, self._sig(user_id, payload)):
            return None
        if payload == NOOP:
            return Callback(kind="noop")
        page = _PAGE_RE.match(payload)
        if page is not None:
            return Callback(kind="page", page=int(page["page"]))
        if not self.is_valid_choice_id(payload):
            return None
        return Callback(kind="choice", choice=payload)
