"""Stored sessions for tests: a person at home with a profile, and a dialogue's part as stored."""

from __future__ import annotations

from typing import Any, TypeVar

from flows.core.models import Profile
from flows.core.session import Part, Session
from flows.storage.base import Store

P = TypeVar("P", bound=Part)


def at_home(user_id: str, profile: Profile, **fields: Any) -> Session:
    """Return the session of someone who finished the intake and is at the menu."""
    return Session(user_id=user_id, consent=True, profile=profile, stack=["home"], **fields)


def stored_part(store: Store, user_id: str, kind: type[P]) -> P:
    """Return one dialogue's part of a stored session (a fresh one when none is stored)."""
    session = store.load_session(user_id)
    assert session is not None
    return session.part(kind)


def answers(store: Store, user_id: str) -> dict[str, Any]:
    """Return what the intake has stored about the person so far (income, expenses ...), typed."""
    from flows.intake.machine import IntakePart
    from flows.intake.slots import PROFILE_FORM

    return PROFILE_FORM.typed(stored_part(store, user_id, IntakePart).person)
