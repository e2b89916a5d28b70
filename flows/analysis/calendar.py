"""The plan's calendar: when the first payment falls, and which plan month a date belongs to.

Plan month 1 is the calendar month of the first payment date, so the month numbers in the plan,
the dates in the call scripts, the reminders and the exported calendar are the same months.
"""

from __future__ import annotations

from datetime import date, timedelta

MIN_LEAD_DAYS = 7
PAY_DAYS = (1, 15)


def first_payment_date(today: date) -> date:
    """Return the next 1st or 15th at least `MIN_LEAD_DAYS` days after today.

    The profile has no payday; the 1st and the 15th are common paydays and easy to remember, and a
    week's lead leaves time to get the agreement in writing and set the money aside.

    Args:
        today: The local date.

    Returns:
        The date to propose for the first payment.
    """
    earliest = today + timedelta(days=MIN_LEAD_DAYS)
    year, month = earliest.year, earliest.month
    while True:
        for day in PAY_DAYS:
            candidate = date(year, month, day)
            if candidate >= earliest:
                return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def add_months(day: date, months: int) -> date:
    """Move a 1st or 15th of a month forward by whole months (the day always exists)."""
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, day.day)


def month_index(first: date, day: date) -> int:
    """Return the plan month a date falls in (1 = the month of `first`); earlier dates count as month 1."""
    return max((day.year - first.year) * 12 + day.month - first.month + 1, 1)


def months_between(start: date, end: date) -> int:
    """Return how many whole months (rounded up) run from `start` to `end`; 0 when `end` is not later."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    return months + 1 if end.day > start.day else max(months, 1)
