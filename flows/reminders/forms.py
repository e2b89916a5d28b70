"""The reminders' two forms as slot tables: setting reminders up (`/remind`) and logging a real call (`/call`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

from flows.core.forms import Form, Slot, Values
from flows.reminders.answers import is_none_answer, parse_payday, parse_quiet_hours, parse_zone
from flows.reminders.models import DEFAULT_TZ
from flows.understanding import AnswerKind as K
from flows.understanding import Outcome, Question, Reading

TIMES = ("08:00", "09:00", "12:00", "19:00")
QUIET = ("22:00-08:00", "21:00-09:00", "23:00-07:00")
PAYDAYS = (1, 5, 10, 15, 20, 25)
KINDS = ("instalments", "extension", "waiver", "none")
"""What a call can end with; "none" is a call where nothing was agreed (refused, hung up, all or nothing)."""


def _token(value: str) -> str:
    return value.replace(":", "")


def read_quiet(question: Question, text: str, today: date) -> Reading:
    """Read quiet hours as a range ("22-8", "22:00-08:00")."""
    pair = parse_quiet_hours(text)
    if pair is None:
        return Reading(Outcome.unclear, problem="quiet")
    return Reading(Outcome.value, value=f"{pair[0]:%H:%M}-{pair[1]:%H:%M}", said=text)


def read_zone(question: Question, text: str, today: date) -> Reading:
    """Read a time zone from a place or an IANA name."""
    zone = parse_zone(text)
    return Reading(Outcome.value, value=zone, said=text) if zone else Reading(Outcome.unclear, problem="tz")


def read_payday(question: Question, text: str, today: date) -> Reading:
    """Read a day of the month, or "no fixed payday"."""
    if is_none_answer(text):
        return Reading(Outcome.value, value=None, said=text)
    day = parse_payday(text)
    return Reading(Outcome.value, value=day, said=text) if day else Reading(Outcome.unclear, problem="payday")


def quiet_pair(value: str) -> tuple[time, time]:
    """Split a stored quiet-hours range into its two times."""
    start, _, end = value.partition("-")
    return time.fromisoformat(start), time.fromisoformat(end)


SETUP_FORM = Form("remind", (
    Slot("nudge_time", K.time, "reminders/ask_time", options=tuple(f"rm:t:{_token(t)}" for t in TIMES),
         meaning={f"rm:t:{_token(t)}": t for t in TIMES}),
    Slot("quiet", K.text, "reminders/ask_quiet", options=tuple(f"rm:q:{_token(q)}" for q in QUIET),
         meaning={f"rm:q:{_token(q)}": q for q in QUIET}, reader=read_quiet),
    Slot("tz", K.text, "reminders/ask_tz", options=("rm:tz:default",), meaning={"rm:tz:default": DEFAULT_TZ},
         reader=read_zone),
    Slot("payday", K.quantity, "reminders/ask_payday", options=(*(f"rm:pd:{d}" for d in PAYDAYS), "rm:pd:none"),
         meaning={**{f"rm:pd:{d}": d for d in PAYDAYS}, "rm:pd:none": None}, reader=read_payday),
))


def _kind(kind: str) -> Callable[[Values], bool]:
    return lambda values: values.get("kind") == kind


def _agreed(values: Values) -> bool:
    return values.get("kind") != "none"


CALL_FORM = Form("call", (
    Slot("loan", K.text, "reminders/call_ask_platform"),
    Slot("agent", K.text, "reminders/call_ask_agent", required=False, high=40),
    Slot("kind", K.choice, "reminders/call_ask_kind", options=tuple(f"rm:ck:{k}" for k in KINDS),
         meaning={f"rm:ck:{k}": k for k in KINDS}),
    Slot("count", K.quantity, "reminders/call_ask_count", low=1, high=120, when=_kind("instalments")),
    Slot("amount", K.amount, "reminders/call_ask_amount", low=1, when=_kind("instalments")),
    Slot("first_date", K.date, "reminders/call_ask_first_date", when=_kind("instalments")),
    Slot("until", K.date, "reminders/call_ask_until", when=_kind("extension")),
    Slot("settle_amount", K.amount, "reminders/call_ask_settle_amount", low=1, when=_kind("waiver")),
    Slot("settle_date", K.date, "reminders/call_ask_settle_date", when=_kind("waiver")),
    Slot("written", K.yes_no, "reminders/call_ask_written", options=("rm:cw:yes", "rm:cw:no"),
         meaning={"rm:cw:yes": True, "rm:cw:no": False}, unknown_ok=False, when=_agreed),
))
