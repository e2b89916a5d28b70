"""The crisis hotlines, loaded once from scripts_zh/data/hotlines.yaml (12356 first)."""

from __future__ import annotations

from datetime import date
from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from flows.core.texts import DATA_DIR


class Hotline(BaseModel):
    """One line to call, as the coach shows it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: str
    name_zh: str
    hours_zh: str = ""
    note_zh: str = ""
    source: str


class Hotlines(BaseModel):
    """Lines that listen (12356 first) and lines for immediate danger (120, 110), with the date checked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    checked: date
    support: tuple[Hotline, ...]
    urgent: tuple[Hotline, ...]

    @field_validator("support")
    @classmethod
    def _national_line_first(cls, lines: tuple[Hotline, ...]) -> tuple[Hotline, ...]:
        if not lines or lines[0].number != "12356":
            raise ValueError("12356 must be the first crisis line")
        return lines

    @property
    def first(self) -> Hotline:
        """The national line, shown first and repeated in short reminders."""
        return self.support[0]


@cache
def hotlines() -> Hotlines:
    """Load the hotlines file once."""
    with (DATA_DIR / "hotlines.yaml").open(encoding="utf-8") as handle:
        return Hotlines.model_validate(yaml.safe_load(handle))
