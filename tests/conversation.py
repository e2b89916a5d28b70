"""Drive the engine the way a person would: type text, tap buttons by label or id."""

from __future__ import annotations

from flows.core.engine import Engine
from flows.core.models import Choice, Input, Reply


class Conversation:
    """One user's chat with an engine, remembering the buttons last offered."""

    def __init__(self, engine: Engine, user_id: str) -> None:
        self.engine = engine
        self.user_id = user_id
        self.replies: list[Reply] = []
        self.offered: list[Choice] = []

    def _receive(self, replies: list[Reply]) -> list[Reply]:
        self.replies = replies
        offered = [choice for reply in replies for choice in reply.choices]
        if offered:
            self.offered = offered
        return replies

    def say(self, text: str) -> list[Reply]:
        """Type a message (or a /command)."""
        return self._receive(self.engine.handle(self.user_id, Input.of_text(text)))

    def tap(self, label_or_id: str) -> list[Reply]:
        """Tap an offered button, found by its label or its id."""
        for choice in self.offered:
            if label_or_id in (choice.label, choice.id):
                return self._receive(self.engine.handle(self.user_id, Input.of_choice(choice.id)))
        raise AssertionError(f"no button {label_or_id!r} among {[c.label for c in self.offered]}")

    @property
    def text(self) -> str:
        """All text of the last answer, joined."""
        return "\n".join(reply.text for reply in self.replies)

    @property
    def labels(self) -> list[str]:
        """Labels of the buttons last offered."""
        return [choice.label for choice in self.offered]
