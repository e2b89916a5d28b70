"""Prometheus metrics of the bot process, served on `/metrics` by `bot.health`.

The API other modules use is four module-level objects on prometheus_client's default registry:

- `UPDATES.inc()`: one Telegram update received (the Telegram adapter counts these itself);
- `ERRORS.inc()`: one failure; every ERROR log record counts once (`install_error_counter`), so
  failed turns, failed updates and failed reminders are all counted without extra calls;
- `REMINDERS_SENT.inc()`: one reminder message accepted by Telegram;
- `REMINDERS_PENDING.set(n)`: reminders waiting to be sent, as last seen by this process.

Counters start at zero in each process; Prometheus sums them across webhook instances.
"""

from __future__ import annotations

import logging

from prometheus_client import Counter, Gauge

UPDATES = Counter("debt_coach_updates", "Telegram updates received by this process.")
ERRORS = Counter("debt_coach_errors", "Failures logged at ERROR level (turns, updates, reminders).")
REMINDERS_SENT = Counter("debt_coach_reminders_sent", "Reminder messages accepted by Telegram.")
REMINDERS_PENDING = Gauge("debt_coach_reminders_pending", "Reminders waiting to be sent, as last seen.")

__all__ = ["ERRORS", "REMINDERS_PENDING", "REMINDERS_SENT", "UPDATES", "ErrorCounter", "install_error_counter"]


class ErrorCounter(logging.Handler):
    """A logging handler that only counts: one `ERRORS` increment per ERROR-or-worse record."""

    def __init__(self) -> None:
        """Count records at ERROR and above."""
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        """Count the record; its contents are never read."""
        ERRORS.inc()


def install_error_counter(logger: logging.Logger | None = None) -> ErrorCounter:
    """Attach one `ErrorCounter` to `logger` (the root logger by default); calling again is a no-op.

    Args:
        logger: Where to attach; records from every child logger propagate to the root.

    Returns:
        The handler attached (the existing one when already installed).
    """
    target = logger if logger is not None else logging.getLogger()
    for handler in target.handlers:
        if isinstance(handler, ErrorCounter):
            return handler
    handler = ErrorCounter()
    target.addHandler(handler)
    return handler
