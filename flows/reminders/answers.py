"""Read typed answers for reminders: a time of day, quiet hours, a payday, a date ahead, a count.

Every word lives in `scripts_zh/lexicons/rm_words.yaml`; each reader returns None when it cannot
read the answer, so the dialogue can ask again.
"""

from __future__ import annotations

import calendar
import contextlib
import re
import warnings
from datetime import date, time
from functools import cache
from typing import Any

from flows.core.texts import lexicon
from flows.parsing import normalise

MAX_YEARS_AHEAD = 10


@cache
def _words() -> dict[str, Any]:
    words: dict[str, Any] = lexicon("rm_words")
    return words


def _alt(items: list[str]) -> str:
    return "|".join(re.escape(item) for item in sorted(items, key=len, reverse=True))


def _prepare(text: str) -> str:
    import cn2an  # only typed answers need the numeral conversion

    text = normalise(text)
    with contextlib.suppress(ValueError, KeyError, IndexError), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cn2an warns (in Chinese) on every run of numerals it cannot read
        text = cn2an.transform(text, "cn2an")
    return text


@cache
def _time_re() -> re.Pattern[str]:
    w = _words()
    hours, minutes = _alt(w["hour_marker"]), _alt(w["minute_marker"])
    return re.compile(
        rf"(?P<period>{_alt(w['pm'] + w['am'])})?\s*(?P<h>\d{{1,2}})\s*(?:[:.]\s*(?P<m>\d{{2}})|(?:{hours})\s*"
        rf"(?:(?P<half>{re.escape(w['half'])})|(?P<m2>\d{{1,2}})\s*(?:{minutes})?)?)?"
    )


def _time_from(match: re.Match[str]) -> time | None:
    hour = int(match["h"])
    minute = 30 if match["half"] else int(match["m"] or match["m2"] or 0)
    if match["period"] in _words()["pm"] and hour < 12:
        hour += 12
    if hour == 24 and minute == 0:
        hour = 0
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    return time(hour, minute)


def parse_time(text: str) -> time | None:
    """Read a time of day: "9:30", "21:00", an hour word with "half", an evening hour."""
    text = _prepare(text).strip()
    endings = sorted(_words()["time_endings"], key=len, reverse=True)
    while (ending := next((e for e in endings if text.endswith(e) and len(text) > len(e)), None)) is not None:
        text = text[: -len(ending)].strip()
    match = _time_re().fullmatch(text)
    return _time_from(match) if match else None


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """Read quiet hours as a range: "22-8", "22:00-08:00", or two spoken times joined by "to"."""
    text = _prepare(text)
    parts = re.split(_alt(_words()["range_sep"]), text, maxsplit=1)
    if len(parts) != 2:
        return None
    start, end = (_time_re().fullmatch(part.strip()) for part in parts)
    if start is None or end is None:
        return None
    first, second = _time_from(start), _time_from(end)
    if first is None or second is None or first == second:
        return None
    return first, second


def parse_payday(text: str) -> int | None:
    """Read a day of the month (1-31): "15", or a number with the day marker."""
    found = re.search(r"\d{1,2}", _prepare(text))
    if found is None:
        return None
    day = int(found.group())
    return day if 1 <= day <= 31 else None


def is_none_answer(text: str) -> bool:
    """Tell whether the user said there is no such thing ("not fixed", "none")."""
    return any(word in text for word in _words()["none_words"])


def parse_count(text: str) -> int | None:
    """Read a number of instalments (1-120): "6", or a number with a period or month marker."""
    found = re.search(r"\d{1,3}", _prepare(text))
    if found is None:
        return None
    count = int(found.group())
    return count if 1 <= count <= 120 else None


@cache
def _date_res() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    w = _words()
    year, month, day = re.escape(w["year_marker"]), re.escape(w["month_marker"]), _alt(w["day_marker"])
    full = re.compile(rf"(?P<y>20\d\d)\s*(?:{year}|[-/.])\s*(?P<m>\d{{1,2}})\s*(?:{month}|[-/.])\s*(?P<d>\d{{1,2}})")
    month_day = re.compile(rf"(?P<m>\d{{1,2}})\s*(?:{month}|[-/.])\s*(?P<d>\d{{1,2}})\s*(?:{day})?")
    day_only = re.compile(rf"(?P<d>\d{{1,2}})\s*(?:{day})")
    return full, month_day, day_only


def _safe_date(year: int, month: int, day: int) -> date | None:
    if not 1 <= month <= 12:
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def parse_future_date(text: str, *, today: date) -> date | None:
    """Read a date from today on: "2025-08-15", month and day, "8/15", or a day alone (the next such day).

    Args:
        text: What the user typed.
        today: The user's local date.

    Returns:
        The date, or None when none is readable or it lies in the past or too far ahead.
    """
    text = _prepare(text)
    full, month_day, day_only = _date_res()
    result: date | None = None
    if found := full.search(text):
        result = _safe_date(int(found["y"]), int(found["m"]), int(found["d"]))
    elif found := month_day.search(text):
        month, day = int(found["m"]), int(found["d"])
        result = _safe_date(today.year, month, day)
        if result is not None and result < today:
            result = _safe_date(today.year + 1, month, day)
    elif found := day_only.search(text):
        day = int(found["d"])
        year, month = today.year, today.month
        for _ in range(3):
            result = _safe_date(year, month, day)
            if result is not None and result >= today:
                break
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            result = None
    if result is None or result < today or result.year > today.year + MAX_YEARS_AHEAD:
        return None
    return result


def parse_zone(text: str) -> str | None:
    """Read a time zone from a place named in the lexicon (Tokyo, London) or an IANA name ("Asia/Tokyo")."""
    from flows.reminders.models import valid_zone

    text = normalise(text)
    zones: dict[str, str] = _words()["zones"]
    for place in sorted(zones, key=len, reverse=True):
        if place in text:
            return zones[place]
    name = text.strip().replace(" ", "_")
    return name if "/" in name and valid_zone(name) else None


def zone_name(zone: str) -> str:
    """Return how the coach shows a time zone: the first place naming it, else its IANA name."""
    zones: dict[str, str] = _words()["zones"]
    return next((place for place, known in zones.items() if known == zone), zone)
