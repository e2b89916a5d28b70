"""The score card's rubric as data (`scripts_zh/lexicons/rp_rubric.yaml`): items, weights, mistakes."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Literal

from pydantic import BaseModel

from flows.core.texts import lexicon, render
from flows.negotiation.script import CallScript
from flows.roleplay.state import Stage

_SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n")
_QUOTES = "\u201c\u201d\u300c\u300d\"' "
_OPEN_QUOTE, _CLOSE_QUOTE = "\u201c", "\u201d"
_BULLETS = "\u00b7\u2022-"


class Item(BaseModel):
    """One thing counsellors teach, with its weight and the stage where it is practised."""

    key: str
    weight: int
    stage: Stage
    when: Literal["always", "threats"] = "always"


class Mistake(BaseModel):
    """A costly mistake: it caps the score and flags an item."""

    key: str
    cap: int
    stage: Stage
    item: str | None = None


class Wording(BaseModel):
    """Where a better wording comes from: a sentence of the user's script, else a template."""

    section: str = ""
    markers: list[str] = []
    template: str = ""


class Rubric(BaseModel):
    """The whole rubric."""

    partial: Decimal
    items: list[Item]
    mistakes: list[Mistake]
    wording: dict[str, Wording]

    def item(self, key: str) -> Item:
        """Return the item with this key."""
        return next(item for item in self.items if item.key == key)

    def stage_of(self, key: str) -> Stage:
        """Return where an item or a mistake is practised."""
        found = next((mistake.stage for mistake in self.mistakes if mistake.key == key), None)
        return found if found is not None else self.item(key).stage


@cache
def rubric() -> Rubric:
    """Return the rubric."""
    return Rubric.model_validate(lexicon("rp_rubric"))


def _speakable(sentence: str, marker: str) -> str:
    """The words to say from a script sentence: the quoted part holding the marker when there is one."""
    opening = sentence.find(_OPEN_QUOTE)
    if opening >= 0 and marker in sentence[opening:]:
        sentence = sentence[opening + 1:]
    return sentence.split(_CLOSE_QUOTE)[0].strip(_QUOTES + _BULLETS)


def _from_script(key: str, script: CallScript | None) -> str:
    entry = rubric().wording.get(key)
    if entry is None or script is None or not entry.section:
        return ""
    sentences = [part.strip() for part in _SENTENCE_END.split(script.section(entry.section)) if part.strip()]
    for marker in entry.markers:
        for sentence in sentences:
            if marker in sentence:
                return _speakable(sentence, marker)
    return ""


def better_wording(key: str, script: CallScript | None, **figures: object) -> str:
    """A better wording for an item or a mistake: the user's own script when it has one, else a template.

    Args:
        key: The item or mistake.
        script: The user's call script for this platform, if any.
        **figures: What the templates use (platform, plan, can_pay, lender).

    Returns:
        One or two sentences, without quotation marks.
    """
    entry = rubric().wording.get(key)
    template = entry.template if entry is not None and entry.template else key
    return _from_script(key, script) or render(f"roleplay/better_{template}", **figures)
