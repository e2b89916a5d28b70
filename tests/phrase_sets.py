"""Phrase sets: realistic typed answers with their expected readings, for tests and bench/bench_readers.py.

Every file `tests/data/understanding_*.yaml` is one set:

    today: 2026-11-24                  # the date the readers are given
    questions:                         # the questions the cases answer: name -> kind and bounds
      monthly_income: {kind: amount, low: 0, high: 500000}
      message: {kind: message}         # "message": the whole message goes to extract_message
    cases:                             # one typed answer per line
      - {q: monthly_income, text: "两千多", value: 2500, approx: true, low: 2000, high: 2999}

A case names its question (`q`) and the text typed; every other key is an expectation, checked only when
present: `outcome` (default "value"), `value`, `approx`, `low`, `high`, `sure`, `problem`, `options`,
`parts` (a list of [label, amount]). Values are compared in one written form (`encode`): numbers exactly,
a rate as "<period> <fraction>" ("daily 0.0005"), a date as YYYY-MM-DD, "same_as_principal" and
"principal_less <yuan>" for the received question's own values, anything else as its string.

A "message" case expects `loans` (a list, one mapping per loan, in order: LoanDraft field names to
values, "?low-high" or "?option|option" for a fact left to ask about, `approx: [...]` the exact set of
approximate facts, `unsure: [...]` facts that must be marked low-confidence), and `income` / `expenses`.

A word readers' set (`understanding_words_*.yaml`) is instead a plain list of lines, each naming its
`question`, `kind`, `text` and expected `outcome` / `value` / `topic` (tests/test_understanding_phrases.py
checks those files' format); `load` reads both shapes into the same cases.

Readers are found by kind in every `*_READERS` dict of the modules in `READER_MODULES` (a module that
does not exist yet is skipped), so the word readers' sets run through the same test and benchmark.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from flows.understanding.reading import AnswerKind, Outcome, Question, Reading

DATA = Path(__file__).parent / "data"
READER_MODULES = ("flows.understanding.numbers", "flows.understanding.words")
MESSAGE = "message"
_READING_KEYS = ("approx", "low", "high", "sure", "problem")

Reader = Callable[[Question | None, str, date], Any]


@dataclass(frozen=True)
class Case:
    """One typed answer of a set and what its reading must be."""

    set_name: str
    question: Question | None
    kind: str
    text: str
    expect: dict[str, Any]
    today: date


def set_files(pattern: str = "understanding_*.yaml") -> list[Path]:
    """The phrase-set files, in name order."""
    return sorted(DATA.glob(pattern))


def load(path: Path) -> list[Case]:
    """Read one set file into its cases."""
    with path.open(encoding="utf-8") as handle:
        raw: dict[str, Any] | list[dict[str, Any]] = yaml.safe_load(handle)
    if isinstance(raw, list):
        return [_word_case(path.stem, line) for line in raw]
    today = raw.get("today") or date(2026, 11, 24)
    questions: dict[str, dict[str, Any]] = raw["questions"]
    cases: list[Case] = []
    for item in raw["cases"]:
        spec = questions[item["q"]]
        kind = str(spec["kind"])
        question = None if kind == MESSAGE else Question(
            name=str(item["q"]), kind=AnswerKind(kind), options=tuple(spec.get("options", ())),
            low=_number(spec.get("low")), high=_number(spec.get("high")))
        expect = {key: value for key, value in item.items() if key not in ("q", "text")}
        cases.append(Case(path.stem, question, kind, str(item["text"]), expect, today))
    return cases


def _word_case(set_name: str, line: dict[str, Any]) -> Case:
    """One line of a word readers' set (a list of lines, format in tests/test_understanding_phrases.py)."""
    kind = str(line["kind"])
    expect: dict[str, Any] = {key: line[key] for key in ("outcome", "value", "topic") if key in line}
    question = Question(name=str(line["question"]), kind=AnswerKind(kind))
    return Case(set_name, question, kind, str(line["text"]), expect, date(2026, 11, 24))


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def readers() -> dict[str, Reader]:
    """Every reader by kind, from the `*_READERS` registries of `READER_MODULES`, plus "message"."""
    found: dict[str, Reader] = {}
    for name in READER_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for attribute, registry in vars(module).items():
            if attribute.endswith("_READERS") and isinstance(registry, dict):
                for kind, reader in registry.items():
                    found[str(kind)] = _positional(reader)
    loans = importlib.import_module("flows.understanding.loans")
    found[MESSAGE] = lambda _question, text, today: loans.extract_message(text, today=today)
    return found


def _positional(reader: Callable[..., Reading]) -> Reader:
    def read(question: Question | None, text: str, today: date) -> Reading:
        return reader(question, text, today=today)

    return read


def encode(value: Any) -> str:
    """Write a value in the one form expectations and readings are compared in."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int | float):
        normal = Decimal(str(value)).normalize()
        return f"{normal:f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if hasattr(value, "per_period") and hasattr(value, "kind"):
        return f"{value.kind} {encode(value.per_period)}"
    if hasattr(value, "less"):
        return "same_as_principal" if value.less == 0 else f"principal_less {encode(value.less)}"
    if isinstance(value, list | tuple):
        return "|".join(encode(item) for item in value)
    return str(value)


def _reading_misses(reading: Reading, expect: dict[str, Any]) -> list[str]:
    misses: list[str] = []
    outcome = str(expect.get("outcome", "value"))
    if reading.outcome is not Outcome(outcome):
        misses.append(f"outcome {reading.outcome.value} (problem {reading.problem}), expected {outcome}")
        return misses
    if "value" in expect and encode(reading.value) != encode(expect["value"]):
        misses.append(f"value {encode(reading.value)}, expected {encode(expect['value'])}")
    for key in _READING_KEYS:
        if key in expect and encode(getattr(reading, key)) != encode(expect[key]):
            misses.append(f"{key} {encode(getattr(reading, key))}, expected {encode(expect[key])}")
    topic = reading.interjection.topic if reading.interjection else None
    if "topic" in expect and topic != expect["topic"]:
        misses.append(f"topic {topic}, expected {expect['topic']}")
    if "options" in expect and encode(reading.options) != encode(expect["options"]):
        misses.append(f"options {encode(reading.options)}, expected {encode(expect['options'])}")
    if "parts" in expect:
        got = [[label, encode(amount)] for label, amount in reading.parts]
        want = [[str(label), encode(amount)] for label, amount in expect["parts"]]
        if got != want:
            misses.append(f"parts {got}, expected {want}")
    return misses


def _fact_miss(name: str, reading: Reading | None, want: Any) -> str | None:
    if reading is None:
        return f"{name} missing, expected {encode(want)}"
    text = str(want)
    if text.startswith("?"):
        if reading.outcome is not Outcome.ambiguous:
            return f"{name} {encode(reading.value)}, expected to be asked about ({text})"
        body = text[1:]
        got = f"{reading.low}-{reading.high}" if "|" not in body else encode(reading.options)
        return None if got == body else f"{name} ambiguous {got}, expected {body}"
    if reading.outcome is not Outcome.value or encode(reading.value) != encode(want):
        return f"{name} {encode(reading.value)} ({reading.outcome.value}), expected {encode(want)}"
    return None


def _message_misses(found: Any, expect: dict[str, Any]) -> list[str]:
    misses: list[str] = []
    for key, name in (("income", "monthly_income"), ("expenses", "monthly_expenses")):
        if key in expect:
            miss = _fact_miss(name, found.profile.get(name), expect[key])
            if miss:
                misses.append(miss)
    wanted: list[dict[str, Any]] = expect.get("loans", [])
    if len(found.loans) != len(wanted):
        platforms = [encode(loan.facts["platform"].value) if "platform" in loan.facts else "-" for loan in found.loans]
        return [*misses, f"{len(found.loans)} loans {platforms}, expected {len(wanted)}"]
    for index, (loan, want) in enumerate(zip(found.loans, wanted, strict=True)):
        for name, value in want.items():
            if name in ("approx", "unsure"):
                continue
            miss = _fact_miss(name, loan.facts.get(name), value)
            if miss:
                misses.append(f"loan {index + 1}: {miss}")
        if "approx" in want:
            got = sorted(name for name, reading in loan.facts.items() if reading.approx)
            if got != sorted(want["approx"]):
                misses.append(f"loan {index + 1}: approx {got}, expected {sorted(want['approx'])}")
        for name in want.get("unsure", []):
            if name in loan.facts and loan.facts[name].sure:
                misses.append(f"loan {index + 1}: {name} not marked unsure")
    return misses


def check(case: Case, found: dict[str, Reader]) -> list[str]:
    """Read one case; return what was read wrong (empty when right)."""
    reader = found.get(case.kind)
    if reader is None:
        return [f"no reader for kind {case.kind}"]
    result = reader(case.question, case.text, case.today)
    if case.kind == MESSAGE:
        return _message_misses(result, case.expect)
    return _reading_misses(result, case.expect)


def all_cases(pattern: str = "understanding_*.yaml") -> Iterator[Case]:
    """Every case of every set matching the pattern."""
    for path in set_files(pattern):
        yield from load(path)
