"""The per-user Session: a stack of dialogues, each with its own typed part, under one schema version.

Each dialogue owns a pydantic `Part` (its state enum and its data), declared beside the dialogue. The
core stores parts as JSON and never imports a feature: a dialogue reads its part with
`session.part(IntakePart)`, which validates it on first use in the turn. A stored part the code can no
longer read (a state that no longer exists, a field of the wrong type) resets that dialogue alone;
the engine then says so kindly (`Session.resets`). Older stored sessions are upgraded on load
(`flows.core.upgrade`), so every earlier schema keeps working.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from flows.core.models import Profile

SCHEMA_VERSION = 2
"""1: one `dialog`/`state` pair, `pending` and `extras` dicts (releases of stop 9 and 10). 2: the stack and parts."""

MAX_STACK = 6
"""Dialogues a person can be inside at once (base, a feature, what interrupted it, a form ...)."""


class Part(BaseModel):
    """A dialogue's own part of the session; subclasses set `key` and their fields."""

    # A field dropped in a later version must not make a stored part unreadable.
    model_config = ConfigDict(extra="ignore")

    key: ClassVar[str]


P = TypeVar("P", bound=Part)


class Session(BaseModel):
    """Everything the coach keeps about one user between turns."""

    # cache_strings="keys": pydantic-core otherwise keeps short string values it parsed from JSON
    # in a process-wide cache, and here those values are what users typed.
    model_config = ConfigDict(extra="ignore", cache_strings="keys")

    schema_version: int = SCHEMA_VERSION
    user_id: str
    consent: bool = False
    profile: Profile | None = None
    plan_strategy: Literal["avalanche", "snowball"] = "avalanche"
    stack: list[str] = Field(default_factory=lambda: ["intake"])
    """The dialogues the person is inside, innermost last; the first is the base (intake or home)."""
    parts: dict[str, Any] = Field(default_factory=dict)
    """Each dialogue's part by key: JSON as stored, or the validated Part once read this turn."""
    confirm: str | None = None
    """A global command waiting for its yes or no (delete, restart)."""
    updated_at: datetime | None = None
    _resets: list[str] = PrivateAttr(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        # Version 1 had no version field; it is known by its dialogue and state fields.
        version = data.get("schema_version", 1 if "dialog" in data or "state" in data else SCHEMA_VERSION)
        if version < SCHEMA_VERSION:
            from flows.core.upgrade import upgrade

            return upgrade(data, version)
        return data

    @classmethod
    def new(cls, user_id: str) -> Session:
        """Start an empty session for a first-time user."""
        return cls(user_id=user_id)

    @property
    def top(self) -> str:
        """Return the dialogue the person is in now."""
        return self.stack[-1] if self.stack else "intake"

    @property
    def resets(self) -> list[str]:
        """Return the parts that could not be read this turn and started afresh."""
        return list(self._resets)

    def part(self, kind: type[P]) -> P:
        """Return this session's part of one dialogue, validating it on first use.

        Args:
            kind: The dialogue's Part class.

        Returns:
            The part; a fresh one when none is stored, or when the stored one no longer reads.
        """
        current = self.parts.get(kind.key)
        if isinstance(current, kind):
            return current
        try:
            part = kind.model_validate(current) if current is not None else kind()
        except ValidationError:
            part = kind()
            self._resets.append(kind.key)
        self.parts[kind.key] = part
        return part

    def reset(self, kind: type[P]) -> P:
        """Start one dialogue's part afresh and return it."""
        part = kind()
        self.parts[kind.key] = part
        return part

    def drop(self, key: str) -> None:
        """Forget one dialogue's part."""
        self.parts.pop(key, None)
