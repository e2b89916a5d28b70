"""Read a time of day ("9:30", "7 in the evening") for the reminders' set-up."""

from __future__ import annotations

from datetime import date

from flows.understanding.reading import Outcome, Question, Reading


def read_time(question: Question, text: str, *, today: date) -> Reading:
    """Read a time of day; unclear with problem "time" when none is readable."""
    from flows.reminders.answers import parse_time  # the reminders own the time words (rm_words.yaml)

    found = parse_time(text)
    return Reading(Outcome.value, value=found, said=text) if found else Reading(Outcome.unclear, problem="time")
