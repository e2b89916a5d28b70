"""What is due when: pure functions of the time, the user's settings, the plan and the agreements.

Nothing here reads a clock or a database; the scheduler passes the time in, so tests (and the
preview) can ask about any moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal

from flows.reminders.models import ReminderSettings, RemindersState
from flows.reminders.progress import PlanView

SNOOZE = timedelta(hours=2)
DUE_NOTICE_DAYS = (0, 1, 3)
"""An instalment is announced 3 days before, the day before and on the day."""
SATURDAY = 5
MAX_OTHERS = 2

StepKind = Literal["due", "payday", "written", "call"]


@dataclass(frozen=True)
class Step:
    """One thing to do on a day.

    Attributes:
        kind: due (an agreed instalment), payday (set the plan's money aside), written (ask the
            platform to confirm an agreement in writing), call (negotiate with the next platform).
        loan: The loan key the step is about ("" for payday, which covers several).
        amount: The money involved.
        due: An instalment's due date.
        days_left: Days from the message's day to `due`.
        agreement: The agreement id (due, written).
        index: The instalment's index (due).
        month: "YYYY-MM" (payday).
        parts: For payday, what goes to each loan.
        loan_index: The loan's position in the profile (call).
    """

    kind: StepKind
    loan: str = ""
    amount: Decimal | None = None
    due: date | None = None
    days_left: int | None = None
    agreement: str | None = None
    index: int | None = None
    month: str | None = None
    parts: tuple[tuple[str, Decimal], ...] = ()
    loan_index: int | None = None


@dataclass(frozen=True)
class DayMessage:
    """The one message of a day: its main step, a few others in a line each, and how the month goes."""

    day: date
    main: Step
    others: tuple[Step, ...]
    kept_month: bool
    left: Decimal


# -- time ----------------------------------------------------------------------------------------


def in_quiet_hours(moment: time, settings: ReminderSettings) -> bool:
    """Tell whether a local time of day falls in the quiet hours (start inclusive, end exclusive)."""
    start, end = settings.quiet_start, settings.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def local(now: datetime, settings: ReminderSettings) -> datetime:
    """Return `now` in the user's time zone."""
    return now.astimezone(settings.zone)


def nudge_moment(day: date, settings: ReminderSettings) -> datetime:
    """Return when a day's nudge is due (UTC); a nudge time inside quiet hours moves to their end that day."""
    at = settings.nudge_time
    if in_quiet_hours(at, settings):
        at = settings.quiet_end
    return datetime.combine(day, at, tzinfo=settings.zone).astimezone(UTC)


def next_nudge(
    now: datetime, settings: ReminderSettings, taken: frozenset[date] = frozenset()
) -> tuple[date, datetime]:
    """Return the first local day whose nudge is still ahead of `now` and not already handled.

    Args:
        now: The current time.
        settings: The user's settings.
        taken: Days whose nudge was already sent or skipped.

    Returns:
        The day and its nudge moment (UTC).
    """
    day = local(now, settings).date()
    while True:
        moment = nudge_moment(day, settings)
        if moment > now and day not in taken:
            return day, moment
        day += timedelta(days=1)


def can_send(now: datetime, settings: ReminderSettings, day: date) -> bool:
    """Tell whether a message about `day` may go out now: on that local day, outside quiet hours."""
    here = local(now, settings)
    return here.date() == day and not in_quiet_hours(here.time(), settings)


def snooze_moment(now: datetime, settings: ReminderSettings) -> datetime | None:
    """Return when a snoozed message comes back, or None when that would be in quiet hours or tomorrow."""
    later = now + SNOOZE
    if local(later, settings).date() != local(now, settings).date():
        return None
    if in_quiet_hours(local(later, settings).time(), settings):
        return None
    return later


def is_working_day(day: date) -> bool:
    """Tell whether platforms' service lines are normally staffed (Monday to Friday).

    Statutory holidays and their swapped working weekends are not known yet.
    """
    return day.weekday() < SATURDAY


# -- what is due ---------------------------------------------------------------------------------


def _due_steps(day: date, state: RemindersState, plan: PlanView) -> list[Step]:
    steps = []
    for key, agreement in plan.agreed.items():
        if plan.balances.get(key, Decimal(0)) <= 0:
            continue
        for item in agreement.instalments():
            left = (item.due - day).days
            if left in DUE_NOTICE_DAYS and not state.is_paid(agreement.id, item.index):
                steps.append(Step(kind="due", loan=key, amount=item.amount, due=item.due, days_left=left,
                                  agreement=agreement.id, index=item.index))
    return steps


def _payday_step(day: date, state: RemindersState, plan: PlanView) -> Step | None:
    settings = state.settings
    if settings is None or settings.payday is None or not plan.monthly:
        return None
    last = (date(day.year + day.month // 12, day.month % 12 + 1, 1) - timedelta(days=1)).day
    if day.day != min(settings.payday, last):
        return None
    month = f"{day.year:04d}-{day.month:02d}"
    if state.paid_for_month(month):
        return None
    parts = tuple((key, amount) for key, amount in plan.monthly.items() if amount > 0)
    total = sum((amount for _, amount in parts), Decimal(0))
    return Step(kind="payday", amount=total, month=month, parts=parts) if parts else None


def _written_step(day: date, plan: PlanView) -> Step | None:
    if not is_working_day(day):
        return None
    for key, agreement in plan.agreed.items():
        if not agreement.written and plan.balances.get(key, Decimal(0)) > 0 and agreement.made_on <= day:
            return Step(kind="written", loan=key, agreement=agreement.id)
    return None


def _call_step(day: date, plan: PlanView) -> Step | None:
    if not is_working_day(day):
        return None
    for key in plan.priority:
        if key not in plan.agreed and plan.balances.get(key, Decimal(0)) > 0:
            return Step(kind="call", loan=key, loan_index=plan.keys.index(key))
    return None


def _rank(step: Step) -> int:
    if step.kind == "due":
        return {0: 0, 1: 1}.get(step.days_left or 0, 3)
    return {"payday": 2, "written": 4, "call": 5}[step.kind]


def steps_for(day: date, state: RemindersState, plan: PlanView) -> list[Step]:
    """List everything to do on a local day, most urgent first.

    Args:
        day: The user's local date.
        state: Settings, agreements, payments, skipped days.
        plan: The plan as recomputed after payments and agreements.

    Returns:
        The steps; empty on a day with nothing to do or one the user skipped.
    """
    if day in state.skipped:
        return []
    steps = _due_steps(day, state, plan)
    for extra in (_payday_step(day, state, plan), _written_step(day, plan), _call_step(day, plan)):
        if extra is not None:
            steps.append(extra)
    return sorted(steps, key=lambda step: (_rank(step), step.due or day, step.loan))


def kept_this_month(day: date, state: RemindersState, plan: PlanView) -> bool:
    """Tell whether every instalment due this month up to `day` was marked paid (and there was one)."""
    due = [(a.id, i.index) for a in plan.agreed.values() for i in a.instalments()
           if i.due.year == day.year and i.due.month == day.month and i.due <= day]
    return bool(due) and all(state.is_paid(agreement, index) for agreement, index in due)


def day_message(day: date, state: RemindersState, plan: PlanView) -> DayMessage | None:
    """Choose the day's one message, or None when there is nothing to do (then nothing is sent).

    Args:
        day: The user's local date.
        state: Settings, agreements, payments, skipped days.
        plan: The recomputed plan.

    Returns:
        The main step with up to `MAX_OTHERS` others, or None.
    """
    steps = steps_for(day, state, plan)
    if not steps:
        return None
    return DayMessage(day=day, main=steps[0], others=tuple(steps[1 : 1 + MAX_OTHERS]),
                      kept_month=kept_this_month(day, state, plan), left=plan.left)
