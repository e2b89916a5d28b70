"""Shared pieces of the reminders tests: a profile, a user with reminders on, a clock, a scheduler."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from flows.core.clock import FixedClock
from flows.core.models import Collection, Loan, Profile
from flows.core.session import Session
from flows.reminders.models import Agreement, ReminderSettings, RemindersState, save_state
from flows.reminders.scheduler import Scheduler
from flows.storage import SqlStore
from flows.storage.reminders_sql import ReminderRepo

PROFILE = Profile(
    monthly_income=Decimal(9000),
    monthly_expenses=Decimal(5000),
    hardship="失业",
    loans=[
        Loan(platform="A平台", principal=Decimal(10000), rate="年化24%", collection=Collection.frequent,
             overdue_days=20),
        Loan(platform="B平台", principal=Decimal(3000), rate="年化15%", overdue_days=20),
    ],
)
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2025, 7, 14)
SATURDAY = date(2025, 7, 19)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    """Return a UTC moment given as Shanghai local time (UTC+8)."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


def clock_at(day: date, hour: int, minute: int = 0) -> FixedClock:
    """A FixedClock at a Shanghai local time."""
    return FixedClock(utc(day, hour, minute))


def agreement_b(first: date, *, written: bool = False, count: int = 6) -> Agreement:
    """B平台 agreed to `count` instalments of 500 yuan from `first`."""
    return Agreement(id="b1", loan="B平台", kind="instalments", count=count, amount=Decimal(500), first_date=first,
                     written=written, made_on=MONDAY, owed=Decimal(3000))


def user(user_id: str = "tg:7", *, settings: ReminderSettings | None = None,
         agreements: list[Agreement] | None = None) -> Session:
    """A user home after the plan, with reminders on (defaults unless given)."""
    session = Session(user_id=user_id, consent=True, profile=PROFILE, stack=["home"])
    save_state(session, RemindersState(settings=settings or ReminderSettings(), agreements=agreements or []))
    return session


def scheduler(store: SqlStore, clock: FixedClock) -> Scheduler:
    """A scheduler on the store's database."""
    return Scheduler(store, ReminderRepo.for_store(store), clock)
