"""The storage interface the engine and commands use; only storage modules know SQL or the key."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Protocol

from flows.core.session import Session


class Turn(Protocol):
    """One user's turn inside one transaction: the loaded session and a way to save it."""

    session: Session | None

    def save(self, session: Session) -> None:
        """Stage the session to be written when the turn's transaction commits."""
        ...


class Store(Protocol):
    """Everything the coach keeps, behind one interface."""

    def turn(self, user_id: str) -> AbstractContextManager[Turn]:
        """Open a transaction for one user, holding that user's row locked until it ends.

        The session is written and committed when the block exits normally and rolled back
        when it raises, so a crash loses at most the message being processed.
        """
        ...

    def load_session(self, user_id: str) -> Session | None:
        """Read a user's session without locking (for commands and previews)."""
        ...

    def save_session(self, session: Session) -> None:
        """Write a user's session in its own transaction."""
        ...

    def delete_user(self, user_id: str) -> None:
        """Erase everything stored about a user, in every table."""
        ...

    def user_ids(self) -> Iterator[str]:
        """Yield the ids of every stored user (operators' tools only)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
