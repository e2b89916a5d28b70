"""Logging for the bot process: nothing a user typed, no ids, no figures, whoever logs.

The coach's own modules log only hashed ids and counts.  The libraries do not: PTB logs an update
it cannot parse, raw, at CRITICAL (text, user id, first name), and any library's exception message
may quote a value.  `PrivacyFilter` rewrites every record before a handler formats it: a library
record keeps its message template with the values replaced, and an exception of any record keeps
its type and frames but not its arguments.
"""

from __future__ import annotations

import logging
import re
import traceback

LIBRARY_LOGGERS = ("telegram", "httpx", "httpcore", "hpack", "aiohttp", "tornado", "asyncio", "transitions")
"""Loggers the filter is installed on directly, besides every handler of the root logger."""
OWN_LOGGERS = ("bot", "flows", "debt_coach")
"""Loggers whose arguments are kept: the coach's code logs hashed ids and counts only."""
HIDDEN = "<hidden>"
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")


def _own(name: str) -> bool:
    return any(name == own or name.startswith(own + ".") for own in OWN_LOGGERS)


def _exception_summary(record: logging.LogRecord) -> str | None:
    """Return the traceback frames and the exception's type name: no message, no arguments."""
    if not record.exc_info or record.exc_info[1] is None:
        return None
    error = record.exc_info[1]
    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"Traceback (most recent call last):\n{frames}{type(error).__module__}.{type(error).__qualname__}"


class PrivacyFilter(logging.Filter):
    """Drop update payloads and exception arguments from every record; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite `record` in place (idempotent, so a record passing two filters is unchanged)."""
        if getattr(record, "_coach_private", False):
            return True
        setattr(record, "_coach_private", True)  # noqa: B010
        if not _own(record.name):
            # A library's template is ours to keep ("Error while parsing updates! Received data
            # was %r"); its values are what the user sent.
            template = str(record.msg)
            record.msg = _PLACEHOLDER.sub(HIDDEN, template) if record.args else template
            record.args = None
        summary = _exception_summary(record)
        if summary is not None or record.exc_text:
            record.exc_info, record.exc_text = None, summary
        return True


def install_privacy_filter(extra: tuple[str, ...] = ()) -> PrivacyFilter:
    """Install one `PrivacyFilter` on the root logger's handlers and on the libraries' loggers.

    Handler filters see every record that propagates to the root; logger filters catch records a
    library sends to a handler of its own.  Calling again installs nothing twice.

    Args:
        extra: More logger names to filter directly.

    Returns:
        The filter installed.
    """
    shared = PrivacyFilter()
    targets: list[logging.Filterer] = list(logging.getLogger().handlers)
    names = LIBRARY_LOGGERS + extra
    for name in names:
        logger = logging.getLogger(name)
        targets.append(logger)
        targets.extend(logger.handlers)
    for name, known in logging.Logger.manager.loggerDict.items():
        if isinstance(known, logging.Logger) and any(name.startswith(lib + ".") for lib in names):
            targets.append(known)
            targets.extend(known.handlers)
    for target in targets:
        if not any(isinstance(existing, PrivacyFilter) for existing in target.filters):
            target.addFilter(shared)
    return shared
