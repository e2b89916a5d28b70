"""The one plan of a turn: computed from the profile, the chosen order and what was agreed on calls."""

from __future__ import annotations

from datetime import date

from flows.analysis import Analysis
from flows.core.session import Session
from flows.reminders.progress import session_plan


def plan_for(session: Session, today: date) -> Analysis:
    """Compute a person's plan as it stands today; every view of the turn reads this one result.

    Args:
        session: The person's session (its profile must exist).
        today: The person's local date.
    """
    return session_plan(session, today=today)
