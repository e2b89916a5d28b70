"""Read one message once per turn: pure readings of the same text, shared by everyone in the turn.

Within one turn the same message is read by several parts: the crisis guard, then the question's
reader (which must tell a feeling from an answer, so it asks the crisis detector again), then the form
(which looks for the other facts of a loan, and for further loans). Each of those readings is a pure
function of the text, so the turn computes it once and the others reuse it.

The memory lives exactly as long as one turn (`turn_scope`, opened by the engine) and is private to
it: nothing is kept across turns or across people, so a benchmark that sends everyone the same text
measures the same work as real people sending different ones. Outside a turn (a reader called from a
test or a benchmark of its own) every call computes.

Only functions whose results are immutable (frozen dataclasses, tuples, read-only mappings) and whose
arguments are hashable may be wrapped.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_MEMO: ContextVar[dict[Hashable, Any] | None] = ContextVar("turn_memo", default=None)


@contextmanager
def turn_scope() -> Iterator[None]:
    """Share pure readings within the enclosed turn; forget them all when it ends."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def per_turn(func: Callable[P, R]) -> Callable[P, R]:
    """Compute `func` once per turn for the same arguments (see the module docstring for what qualifies)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        memo = _MEMO.get()
        if memo is None:
            return func(*args, **kwargs)
        key = (func, args, tuple(sorted(kwargs.items())))
        try:
            return memo[key]  # type: ignore[no-any-return]
        except KeyError:
            value = memo[key] = func(*args, **kwargs)
            return value

    return wrapper
