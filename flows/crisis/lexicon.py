"""The crisis lexicon as compiled data: families of phrases and patterns, cut-outs and modifiers.

Everything the detector knows lives in scripts_zh/lexicons/crisis/: `families/*.yaml` (one family a
file: its level, phrases and patterns), `modifiers.yaml` (what lowers a level, and phrases that only
sound like dying), `macros.yaml` (named alternations a pattern writes as `{name}`). This module only
compiles them, once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from flows.core.texts import LEXICON_DIR, lexicon
from flows.crisis.gate import guarded
from flows.crisis.levels import Level

CRISIS_DIR = LEXICON_DIR / "crisis"
_MACRO = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Family:
    """One family of crisis phrases: what it means and the level it raises."""

    name: str
    level: Level
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Modifier:
    """Context that lowers the level a family's match would raise.

    Attributes:
        name: The modifier's id, reported in an Assessment.
        before: Matches the end of the clause before the span, or None.
        quoted: The modifier applies to a span inside a reported quotation.
        unless_before: Matches the end of the clause before the span when the modifier must not apply.
        carried: Matches the start of the previous clause whose subject carries over to the span's
            clause ("my friend was dumped; wants to die"), or None.
        carried_unless: Found in the span's clause before it, a subject of its own: nothing carries.
        lowers: Level to level, for the levels this modifier lowers.
        drops: Families whose match this modifier cancels altogether (someone else's distress).
        widest: Also looked for before the start of any match overlapping this one.
        spares: Families this modifier leaves as they are (a burden names its "others" itself).
    """

    name: str
    before: re.Pattern[str] | None
    quoted: bool
    unless_before: re.Pattern[str] | None
    carried: re.Pattern[str] | None
    carried_unless: re.Pattern[str] | None
    lowers: Mapping[Level, Level]
    drops: frozenset[str]
    widest: bool
    spares: frozenset[str]

    def lower(self, level: Level, family: str) -> Level:
        """Return the level a match of `family` at `level` has under this modifier."""
        if family in self.spares:
            return level
        if family in self.drops:
            return Level.none
        return self.lowers.get(level, level)


@dataclass(frozen=True)
class CrisisLexicon:
    """The compiled lexicon."""

    families: tuple[Family, ...]
    modifiers: tuple[Modifier, ...]
    hyperbole: re.Pattern[str]
    not_dying: re.Pattern[str]
    any_family: re.Pattern[str]
    """Every family's pattern in one: a message it finds nothing in needs no family-by-family search."""


def expand(pattern: str, macros: Mapping[str, str]) -> str:
    """Replace each `{name}` in a pattern with its macro, itself expanded; fail on an unknown name."""
    for _ in range(8):
        expanded = _MACRO.sub(lambda m: macros[m.group(1)], pattern)
        if expanded == pattern:
            return expanded
        pattern = expanded
    raise ValueError(f"macros nest too deep in {pattern!r}")


def _alternation(items: Iterable[str]) -> str:
    return "(?:" + "|".join(items) + ")"


def _alternatives(entry: Mapping[str, Any], macros: Mapping[str, str]) -> list[str]:
    parts = [re.escape(phrase) for phrase in sorted(entry.get("phrases", []), key=len, reverse=True)]
    return parts + [expand(pattern, macros) for pattern in entry.get("patterns", [])]


def _compile(entry: Mapping[str, Any], macros: Mapping[str, str], *, suffix: str = "") -> re.Pattern[str] | None:
    parts = _alternatives(entry, macros)
    if not parts:
        return None
    return guarded(parts, suffix=suffix)


def _either(entry: Any, macros: Mapping[str, str], *, suffix: str = "") -> re.Pattern[str] | None:
    if entry is None:
        return None
    if isinstance(entry, str):
        entry = [entry]
    if isinstance(entry, list):
        entry = {"patterns": entry}
    return _compile(entry, macros, suffix=suffix)


def _macros() -> dict[str, str]:
    raw: dict[str, list[str]] = lexicon("crisis/macros")
    return {name: _alternation(items) for name, items in raw.items()}


def _modifier(name: str, entry: Mapping[str, Any], macros: Mapping[str, str]) -> Modifier:
    return Modifier(
        name=name,
        before=_either(entry.get("before"), macros, suffix="$"),
        quoted=bool(entry.get("quoted", False)),
        unless_before=_either(entry.get("unless_before"), macros, suffix="$"),
        carried=_either(entry.get("carried"), macros),
        carried_unless=_either(entry.get("carried_unless"), macros),
        lowers={Level[old]: Level[new] for old, new in entry.get("lowers", {}).items()},
        drops=frozenset(entry.get("drops", [])),
        widest=bool(entry.get("widest", False)),
        spares=frozenset(entry.get("spares", [])),
    )


def family_files() -> list[str]:
    """Names of the family files, `crisis/families/<name>`, in a stable order."""
    return [f"crisis/families/{path.stem}" for path in sorted((CRISIS_DIR / "families").glob("*.yaml"))]


@cache
def crisis_lexicon() -> CrisisLexicon:
    """Compile the crisis lexicon once."""
    macros = _macros()
    families = []
    for name in family_files():
        entry: dict[str, Any] = lexicon(name)
        pattern = _compile(entry, macros)
        if pattern is None:
            raise ValueError(f"{name} has no phrases or patterns")
        families.append(Family(name=name.rsplit("/", 1)[-1], level=Level[entry["level"]], pattern=pattern))
    mods: dict[str, Any] = lexicon("crisis/modifiers")
    never = re.compile("(?!)")
    return CrisisLexicon(
        families=tuple(families),
        modifiers=tuple(_modifier(name, entry, macros) for name, entry in mods["modifiers"].items()),
        hyperbole=_either(mods["hyperbole"], macros) or never,
        not_dying=_either(mods["not_dying"], macros) or never,
        any_family=re.compile("|".join(f"(?:{family.pattern.pattern})" for family in families)),
    )


def load_yaml(name: str) -> Any:
    """Load a crisis lexicon file without the cache (for tests that check the files themselves)."""
    with (CRISIS_DIR / f"{name}.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)
