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
REPEATS_BEFORE_HELP = 2
"""A step is not shown more than this many days in a row without offering help instead."""
LEGACY_ANCHOR = date(2024, 1, 1)
"""For a state saved before `started` existed: the walk still visits every lender in turn."""
LOOKBACK_DAYS = 30

StepKind = Literal["due", "payday", "written", "call", "guarantee", "advice", "extension_end"]
CONTACT_KINDS = ("call", "guarantee", "advice")


@dataclass(frozen=True)
class Step:
    """One thing to do on a day.

    Attributes:
        kind: due (an agreed instalment), payday (pay the contracts and keep the plan's money aside),
            written (ask the platform to confirm an agreement in writing), call (negotiate with the
            next lender in the contact order), guarantee (call a guaranteed lender: ask first whether
            the guarantee company has paid), advice (a loan past the limitation period: free advice
            before any payment), extension_end (an extension ends: agree the steady instalment).
        loan: The loan key the step is about ("" for payday, which covers several).
        amount: The money involved (for call steps: the plan's steady ask).
        due: An instalment's due date.
        days_left: Days from the message's day to `due`.
        agreement: The agreement id (due, written).
        index: The instalment's index (due).
        month: "YYYY-MM" (payday).
        parts: For payday, what goes to each loan.
        loan_index: The loan's position in the profile (call, guarantee, advice, help).
        term: For call steps: the number of instalments asked.
        practice: For call steps: the user has not rehearsed this lender yet.
        help: The same step came up the days before: offer a rehearsal, a shorter script, a pause.
        set_aside: For payday: what to keep for lenders not agreed yet.
        saved: For payday: the buffer kept back.
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
    term: int | None = None
    practice: bool = False
    help: bool = False
    set_aside: Decimal = Decimal(0)
    saved: Decimal = Decimal(0)


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


def working_days_between(start: date, day: date) -> int:
    """Count working days from `start` up to, not including, `day` (0 when `day` is not later)."""
    if day <= start:
        return 0
    weeks, rest = divmod((day - start).days, 7)
    count = weeks * 5
    for offset in range(rest):
        if is_working_day(start + timedelta(days=weeks * 7 + offset)):
            count += 1
    return count


def _due_steps(day: date, state: RemindersState, plan: PlanView) -> list[Step]:
    steps = []
    for key, agreement in plan.agreed.items():
        if plan.balances.get(key, Decimal(0)) <= 0:
            continue
        if agreement.kind == "extension":
            left = (agreement.first_date - day).days if agreement.first_date is not None else None
            if left in DUE_NOTICE_DAYS:
                loan = plan.analysis.loan(key) if plan.analysis is not None else None
                steps.append(Step(kind="extension_end", loan=key, due=agreement.first_date, days_left=left,
                                  amount=loan.steady_monthly if loan is not None else None,
                                  term=loan.term_months_proposed if loan is not None else None,
                                  loan_index=plan.keys.index(key), agreement=agreement.id))
            continue
        for item in agreement.instalments():
            left = (item.due - day).days
            if left in DUE_NOTICE_DAYS and not state.is_paid(agreement.id, item.index):
                steps.append(Step(kind="due", loan=key, amount=item.amount, due=item.due, days_left=left,
                                  agreement=agreement.id, index=item.index))
    return steps


def _payday_step(day: date, state: RemindersState, plan: PlanView) -> Step | None:
    settings = state.settings
    if settings is None or settings.payday is None:
        return None
    last = (date(day.year + day.month // 12, day.month % 12 + 1, 1) - timedelta(days=1)).day
    if day.day != min(settings.payday, last):
        return None
    month = f"{day.year:04d}-{day.month:02d}"
    if state.paid_for_month(month):
        return None
    parts = tuple((key, amount) for key, amount in plan.monthly.items() if amount > 0)
    total = sum((amount for _, amount in parts), Decimal(0)) + plan.set_aside + plan.buffer
    if not parts and plan.set_aside <= 0:
        return None
    return Step(kind="payday", amount=total, month=month, parts=parts, set_aside=plan.set_aside, saved=plan.buffer)


def _written_step(day: date, plan: PlanView) -> Step | None:
    if not is_working_day(day):
        return None
    for key, agreement in plan.agreed.items():
        if not agreement.written and plan.balances.get(key, Decimal(0)) > 0 and agreement.made_on <= day:
            shown = working_days_between(agreement.made_on, day)
            return Step(kind="written", loan=key, agreement=agreement.id,
                        help=shown % (REPEATS_BEFORE_HELP + 1) == REPEATS_BEFORE_HELP)
    return None


def _anchor(state: RemindersState) -> date:
    if state.started is not None:
        return state.started
    made = [agreement.made_on for agreement in state.agreements]
    return min(made) if made else LEGACY_ANCHOR


def _walk_entry(n: int, lenders: list[str], held: list[str]) -> tuple[str, str] | None:
    """The contact step of working day `n`: the first pass visits every lender (advice last), then the
    lenders still to agree take turns."""
    walk = [*(("call", key) for key in lenders), *(("advice", key) for key in held)]
    if n < len(walk):
        return walk[n]
    if not lenders:
        return None
    return ("call", lenders[(n - len(walk)) % len(lenders)])


def _contact_step(day: date, state: RemindersState, plan: PlanView) -> Step | None:
    if not is_working_day(day):
        return None
    lenders = [key for key in plan.calls if not state.is_paused(key, day)]
    n = working_days_between(_anchor(state), day)
    entry = _walk_entry(n, lenders, plan.held)
    if entry is None:
        return None
    run = 1
    while run <= LOOKBACK_DAYS and n - run >= 0 and _walk_entry(n - run, lenders, plan.held) == entry:
        run += 1
    kind, key = entry
    first_pass = n < len(lenders)
    loan = plan.analysis.loan(key) if plan.analysis is not None else None
    step_kind: StepKind = "advice" if kind == "advice" else (
        "guarantee" if key in plan.guaranteed and first_pass else "call")
    return Step(kind=step_kind, loan=key, loan_index=plan.keys.index(key),
                amount=(plan.steady.get(key) or None) if kind == "call" else None,
                term=loan.term_months_proposed if loan is not None and kind == "call" else None,
                practice=kind == "call" and key not in plan.rehearsed,
                help=kind == "call" and run % (REPEATS_BEFORE_HELP + 1) == 0)


def _rank(step: Step) -> int:
    if step.kind in ("due", "extension_end"):
        return {0: 0, 1: 1}.get(step.days_left or 0, 3)
    return {"payday": 2, "written": 4}.get(step.kind, 5)


def steps_for(day: date, state: RemindersState, plan: PlanView) -> list[Step]:
    """List everything to do on a local day, most urgent first.

    The contact steps walk the plan: from the day the steps started, one lender a working day in
    the contact order (practice first when not rehearsed; a guaranteed lender's own step; advice
    for a loan past the limitation period), then the lenders still to agree take turns; a step that
    came up the two working days before offers help instead.

    Args:
        day: The user's local date.
        state: Settings, agreements, payments, skipped days, paused lenders, when the steps started.
        plan: The one plan's reminders view.

    Returns:
        The steps; empty on a day with nothing to do or one the user skipped.
    """
    if day in state.skipped:
        return []
    steps = _due_steps(day, state, plan)
    for extra in (_payday_step(day, state, plan), _written_step(day, plan), _contact_step(day, state, plan)):
        if extra is not None:
            steps.append(extra)
    return sorted(steps, key=lambda step: (_rank(step), step.due or day, step.loan))


def kept_this_month(day: date, state: RemindersState, plan: PlanView) -> bool:
    """Tell whether every instalment due this month up to `day` was marked paid (and there was one)."""
    due = [(a.id, i.index) for a in plan.agreed.values() if a.kind != "extension" for i in a.instalments()
           if i.due.year == day.year and i.due.month == day.month and i.due <= day]
    return bool(due) and all(state.is_paid(agreement, index) for agreement, index in due)


def day_message(day: date, state: RemindersState, plan: PlanView) -> DayMessage | None:
    """Choose the day's one message, or None when there is nothing to do (then nothing is sent).

    The day's contact step is always in it (main or among the others), so every lender to call is
    mentioned on its day whatever else is due.

    Args:
        day: The user's local date.
        state: Settings, agreements, payments, skipped days.
        plan: The one plan's reminders view.

    Returns:
        The main step with up to `MAX_OTHERS` others, or None.
    """
    steps = steps_for(day, state, plan)
    if not steps:
        return None
    others = list(steps[1 : 1 + MAX_OTHERS])
    contact = next((step for step in steps if step.kind in CONTACT_KINDS), None)
    if contact is not None and contact is not steps[0] and contact not in others:
        others[-1] = contact
    return DayMessage(day=day, main=steps[0], others=tuple(others),
                      kept_month=kept_this_month(day, state, plan), left=plan.left)
