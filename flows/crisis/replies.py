"""The crisis texts, rendered with the hotlines from scripts_zh/data/hotlines.yaml, and the "I'm fine" reader.

The dialogue that shows them (pause, stay with the person, resume) is the engine's; this module only says
what is said: templates under scripts_zh/crisis/, button labels under lexicons/buttons_crisis.yaml.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flows.core.matching import PhraseMatcher
from flows.core.texts import label, lexicon, render
from flows.crisis.detector import Assessment, Level, assess
from flows.crisis.hotlines import hotlines
from flows.crisis.normalise import fold

TALK = "crisis:talk"
SAFE = "crisis:safe"
CHOICES = (TALK, SAFE)


def _context(**extra: Any) -> dict[str, Any]:
    book = hotlines()
    return {
        "support": book.support,
        "urgent": book.urgent,
        "first": book.first,
        "talk_label": label(TALK),
        "safe_label": label(SAFE),
        **extra,
    }


def crisis_text() -> str:
    """The first answer to a crisis: warm, a direct question about safety, the lines, two buttons (CHOICES)."""
    return render("crisis/reply", **_context())


def talk_text() -> str:
    """The answer to "talk a little" (TALK)."""
    return render("crisis/talk", **_context())


def stay_text(*, danger: bool = False) -> str:
    """The answer to a further message while the coach stays with the person.

    Args:
        danger: The message was itself a crisis: ask again whether the person is safe.
    """
    return render("crisis/stay", **_context(danger=danger))


def resumed_text() -> str:
    """The line before the dialogue's question is asked again."""
    return render("crisis/resumed", **_context())


def check_in_text(assessment: Assessment | None = None) -> str:
    """The one gentle line, with 12356, put before the normal answer to a check-in message.

    Args:
        assessment: The message's assessment; someone else's words get a line that includes them.
    """
    modifiers = assessment.modifiers if assessment else frozenset()
    someone_else = bool(modifiers & {"other_person", "quotation"})
    return render("crisis/check_in", **_context(someone_else=someone_else))


def reminder_text() -> str:
    """The once-more 12356 line carried by the next answer after the person said they are fine."""
    return render("crisis/reminder", **_context())


@cache
def _resume() -> PhraseMatcher:
    data: dict[str, Any] = lexicon("crisis/resume")
    phrases = [fold(phrase).text for phrase in data["phrases"]]
    return PhraseMatcher.from_lexicon({"phrases": phrases, "exclude": data["exclude"]})


def wants_to_resume(text: str) -> bool:
    """Tell whether a message in the crisis dialogue asks to go back ("I'm fine now", "let's go on").

    A message that still signals a check-in or a crisis ("better, but I still want to die") is not a request
    to resume. The phrases are in lexicons/crisis/resume.yaml.
    """
    if assess(text).level >= Level.check_in:
        return False
    return _resume().matches(fold(text).text)
