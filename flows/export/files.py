"""What `/export` hands the user: the profile and plan as JSON, the schedule as an iCalendar file."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time, timedelta
from typing import Any

from flows.analysis import Analysis, plan_json
from flows.core.models import Profile
from flows.core.money import yuan
from flows.core.texts import render
from flows.negotiation.script import add_months, first_payment_date

PAYMENT_REMINDER_HOUR = 9


def export_json(profile: Profile, analysis: Analysis, *, exported_at: datetime) -> bytes:
    """Return the profile (the Profile JSON contract) and the plan (the `plan --json` contract)."""
    document: dict[str, Any] = {
        "exported_at": exported_at.isoformat(timespec="seconds"),
        "profile": profile.model_dump(mode="json", exclude_none=True),
        "plan": plan_json(analysis),
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def payment_dates(analysis: Analysis, *, today: date) -> list[tuple[date, dict[str, Any]]]:
    """Return each planned month's payment date and payments, from the first proposed payment date on."""
    first = first_payment_date(today)
    return [(add_months(first, plan.month - 1), dict(plan.payments)) for plan in analysis.schedule]


def schedule_ics(analysis: Analysis, *, today: date, owner: str) -> bytes:
    """Return the repayment schedule as an iCalendar file phones can import.

    Args:
        analysis: The analysis whose schedule is exported.
        today: The local date; the first payment falls on the next 1st or 15th after a short lead.
        owner: A pseudonymous tag used only to make event UIDs stable and unique.

    Returns:
        The bytes of a VCALENDAR with one all-day event per platform payment, each with an alarm
        at 09:00 the day before.
    """
    # Imported here: icalendar (and dateutil) cost the bot ~3 MB resident, for the few who export.
    from icalendar import Alarm, Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//debt-coach//repayment plan//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", render("export/ics_calendar_name"))
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    for day, payments in payment_dates(analysis, today=today):
        for platform, amount in payments.items():
            if amount <= 0:
                continue
            event = Event()
            uid = hashlib.sha256(f"{owner}|{platform}|{day.isoformat()}".encode()).hexdigest()[:24]
            event.add("uid", f"{uid}@debt-coach")
            event.add("dtstamp", datetime.combine(today, time(0, 0)))
            event.add("dtstart", day)
            event.add("dtend", day + timedelta(days=1))
            event.add("summary", render("export/ics_summary", platform=platform, amount=yuan(amount)))
            event.add("description", render("export/ics_description", platform=platform, amount=yuan(amount)))
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", render("export/ics_summary", platform=platform, amount=yuan(amount)))
            alarm.add("trigger", timedelta(hours=PAYMENT_REMINDER_HOUR - 24))
            event.add_component(alarm)
            calendar.add_component(event)
    return bytes(calendar.to_ical())
