"""The crisis detector's labelled sets and how a detector is scored on them (tests and bench share it).

Own sets (tests/data/crisis_*.tsv): `level<TAB>family-or-kind<TAB>text`, written as people in debt type.
PsySUICIDE valid (tests/data/psysuicide/valid.json, MIT, qiuhuachuan/PsyGUARD): one or more classes a line.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flows.crisis.detector import Level

DATA = Path(__file__).parent / "data"
PSY = DATA / "psysuicide" / "valid.json"

# The classes that must be noticed (crisis or check-in), and the class of lines that must not raise a crisis.
PSY_TARGETS = (
    "主动自杀意图", "被动自杀意图", "关于自杀的探索", "自杀计划", "自杀准备行为", "自杀未遂", "自伤意图", "自伤行为",
)
PSY_UNRELATED = "与自杀/自伤/攻击行为无关"


@dataclass(frozen=True)
class Line:
    """One labelled line: the expected level, its family (positives) or kind (negatives), the text."""

    level: Level
    label: str
    text: str


def load_tsv(name: str) -> list[Line]:
    """Load `tests/data/<name>.tsv`."""
    with (DATA / f"{name}.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [Line(Level[row["level"]], row.get("family") or row["kind"], row["text"]) for row in rows]


def positives() -> list[Line]:
    """Lines that must raise a crisis."""
    return load_tsv("crisis_positives")


def negatives() -> list[Line]:
    """Hard negatives: lines that must not raise a crisis (some must raise a check-in)."""
    return load_tsv("crisis_negatives")


@dataclass(frozen=True)
class PsyLine:
    """One PsySUICIDE line with its classes."""

    text: str
    labels: tuple[str, ...]


def psysuicide() -> list[PsyLine]:
    """Load the PsySUICIDE validation split shipped in tests/data."""
    rows = json.loads(PSY.read_text(encoding="utf-8"))
    return [PsyLine(row["text"], tuple(row["labels"])) for row in rows]


Judge = Callable[[str], Level]


@dataclass
class Score:
    """Per group: how many lines were counted, and the texts of those that were hits and not."""

    hit: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    miss: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, group: str, hit: bool, text: str) -> None:
        """Count one line of `group`."""
        (self.hit if hit else self.miss)[group].append(text)
        self.miss.setdefault(group, [])
        self.hit.setdefault(group, [])

    def groups(self) -> list[str]:
        """The groups counted, sorted."""
        return sorted(set(self.hit) | set(self.miss))

    def total(self, group: str | None = None) -> int:
        """Lines counted in one group, or in all."""
        groups = [group] if group else self.groups()
        return sum(len(self.hit[g]) + len(self.miss[g]) for g in groups)

    def hits(self, group: str | None = None) -> int:
        """Hits in one group, or in all."""
        groups = [group] if group else self.groups()
        return sum(len(self.hit[g]) for g in groups)

    def rate(self, group: str | None = None) -> float:
        """Hits over lines counted, for one group or all."""
        total = self.total(group)
        return self.hits(group) / total if total else 0.0

    def listed(self, *, hits: bool) -> list[str]:
        """The texts of every hit (or every miss), each after its group."""
        source = self.hit if hits else self.miss
        return [f"{group}: {text}" for group in self.groups() for text in source[group]]


def recall_own(judge: Judge, lines: Iterable[Line]) -> Score:
    """Recall on positives: a line is a hit when judged a crisis, grouped by family."""
    score = Score()
    for line in lines:
        score.add(line.label, judge(line.text) == Level.crisis, line.text)
    return score


def false_alarms_own(judge: Judge, lines: Iterable[Line]) -> tuple[Score, Score, Score]:
    """On hard negatives: crisis raised (any line); check-in raised on a line expected none; check-in missed.

    Each Score counts the *alarms* (or misses) as its "hits", grouped by kind.
    """
    crisis, check_in, missed = Score(), Score(), Score()
    for line in lines:
        level = judge(line.text)
        crisis.add(line.label, level == Level.crisis, line.text)
        if line.level == Level.none:
            check_in.add(line.label, level >= Level.check_in, line.text)
        else:
            missed.add(line.label, level < Level.check_in, line.text)
    return crisis, check_in, missed


def score_psysuicide(judge: Judge, lines: Iterable[PsyLine]) -> tuple[Score, Score, Score]:
    """Recall per target class (hit: crisis or check-in), and crisis and check-in alarms on unrelated lines."""
    recall, crisis, check_in = Score(), Score(), Score()
    for line in lines:
        level = judge(line.text)
        for label in line.labels:
            if label in PSY_TARGETS:
                recall.add(label, level >= Level.check_in, line.text)
        if line.labels == (PSY_UNRELATED,):
            crisis.add(PSY_UNRELATED, level == Level.crisis, line.text)
            check_in.add(PSY_UNRELATED, level >= Level.check_in, line.text)
    return recall, crisis, check_in
