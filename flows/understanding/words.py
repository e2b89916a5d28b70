"""The word readers: yes / no, a choice among buttons, a name, a platform, free text.

Each reader is `(question, text, *, today) -> Reading` and reads the text in the context of the
question: its name keys the question's own words (`lexicons/answers/<question>.yaml`). A question or
a feeling typed instead of an answer comes back as `Outcome.not_answer` with `Reading.interjection`
(`flows.understanding.interject.respond` renders the reply); one typed beside an answer comes back
beside the value, so the form can answer it and keep the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import Any, Protocol

from flows.core.platforms import find_platform_in
from flows.core.texts import label
from flows.parsing import normalise
from flows.parsing._amounts import amount_hits
from flows.parsing._core import prepare
from flows.understanding import interject
from flows.understanding._scan import (
    Clause,
    Hit,
    PhraseTable,
    answer_words,
    clauses,
    clean,
    join,
    question_list,
    word_list,
)
from flows.understanding.reading import AnswerKind, Outcome, Question, Reading
from flows.understanding.yes_no import read_yes_no, yes_no_answer

MAX_TEXT = 200
"""The longest free-text answer kept (characters)."""

_CJK = re.compile(r"[\u4e00-\u9fff]+")
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z .'-]*")


class Reader(Protocol):
    """What every reader is: read one typed text as the answer to one question."""

    def __call__(self, question: Question, text: str, *, today: date) -> Reading:
        """Read the text."""
        ...


# -- shared -----------------------------------------------------------------------------------


@cache
def _particles() -> str:
    return "".join(word_list("yes_no", "trailing_particles")) + " .!~"


@cache
def _declines() -> frozenset[str]:
    return frozenset(word_list("answers/generic", "decline"))


def _declined(text: str) -> bool:
    return clean(text).rstrip(_particles()) in _declines()


@cache
def _unsure_table(question: str) -> PhraseTable:
    return PhraseTable([{"unsure": question_list(question, "unknown") + word_list("yes_no", "unsure")}], {})


@cache
def _negated_before() -> re.Pattern[str]:
    negators = sorted(word_list("yes_no", "negators"), key=len, reverse=True)
    reach = sorted(word_list("yes_no", "reach"), key=len, reverse=True)
    alternatives = "|".join(re.escape(word) for word in negators)
    reaching = "|".join(re.escape(word) for word in reach)
    return re.compile(rf"(?:{alternatives})(?:{reaching})*$")


def _not_negated(text: str, hits: Iterable[Hit]) -> list[Hit]:
    return [hit for hit in hits if not _negated_before().search(text[: hit.start])]


def _outside_feelings(text: str, hits: list[Hit]) -> list[Hit]:
    """Drop hits inside a feeling phrase ("the whole family knows" is shame, not the family option)."""
    feelings = [(f.start, f.end) for f in interject.feeling_hits(text)]
    return [hit for hit in hits if not any(start <= hit.start and hit.end <= end for start, end in feelings)]


def _not_answer(rest: list[Clause], said: str, problem: str) -> Reading:
    found = interject.classify(rest)
    if found is not None:
        return Reading(Outcome.not_answer, interjection=found, said=said)
    return Reading(Outcome.unclear, problem=problem, said=said)


@cache
def _sighs() -> frozenset[str]:
    return frozenset(word_list("answers/generic", "sighs"))


def _sigh(part: Clause) -> bool:
    """Tell whether a clause is only a sigh or a sound: no answer, no question."""
    return part.text.rstrip(_particles()) in _sighs()


def _asks(part: Clause) -> bool:
    return interject.marked_question(part.text) or part.asked


# -- choice -----------------------------------------------------------------------------------


def _options(question: Question) -> tuple[str, ...]:
    known: dict[str, Any] = answer_words(question.name).get("options") or {}
    return question.options or tuple(known)


@cache
def _choice_table(question: str, options: tuple[str, ...]) -> PhraseTable:
    words: dict[str, Any] = answer_words(question)
    known: dict[str, list[str]] = words.get("options") or {}
    patterns: dict[str, list[str]] = words.get("patterns") or {}
    phrases = {option: [label(option), *known.get(option, [])] for option in options}
    return PhraseTable([phrases], {option: patterns.get(option, []) for option in options})


def _option_hits(question: str, options: tuple[str, ...], text: str) -> list[Hit]:
    hits = _choice_table(question, options).hits(text)
    return _outside_feelings(text, _not_negated(text, hits))


def read_choice(question: Question, text: str, *, today: date) -> Reading:
    """Read which offered option a typed text picks: a label, or a paraphrase of one.

    Args:
        question: The question; its `options` are the offered ids (every option its lexicon knows
            when empty).
        text: What the person typed.
        today: The local date (unused here; every reader takes it).

    Returns:
        value the option id (`said` keeps the person's words), Outcome.unknown, Outcome.not_answer
        with the question or feeling found, or Outcome.unclear.
    """
    parts, said = clauses(text), text.strip()
    problem = str(answer_words(question.name).get("problem") or "choice")
    if not parts or interject.crisis(text):
        return Reading(Outcome.unclear, problem="empty" if not parts else problem, said=said)
    options = _options(question)
    order: list[str] = list(answer_words(question.name).get("order") or [])
    chosen: list[str] = []
    kept: list[Clause] = []
    rest: list[Clause] = []
    unsure = False
    for part in parts:
        hits = _option_hits(question.name, options, part.text)
        if _asks(part) and not (hits and part.asked and not interject.marked_question(part.text)):
            rest.append(part)
        elif hits:
            chosen.extend(hit.label for hit in hits)
            kept.append(part)
        elif _unsure_table(question.name).hits(part.text):
            unsure = True
            kept.append(part)
        elif interject.feeling_of(part.text) is not None:
            rest.append(part)
        else:
            no_means = str(answer_words(question.name).get("no_means") or "")
            said_no, answered, _, _ = yes_no_answer("generic", [part])
            if no_means in options and answered and said_no is False:
                chosen.append(no_means)
                kept.append(part)
            else:
                rest.append(part)
    found = interject.classify(rest) if rest else None
    if not chosen:
        if unsure:
            return Reading(Outcome.unknown, said=said, interjection=found)
        return _not_answer(rest, said, problem)
    ranked = {option: index for index, option in enumerate(order)}
    picked = max(chosen, key=lambda option: ranked.get(option, -1)) if ranked else chosen[0]
    return Reading(Outcome.value, value=picked, said=join(kept), interjection=found)


# -- free text --------------------------------------------------------------------------------


@cache
def _bare_answer_words() -> frozenset[str]:
    return frozenset(
        word
        for key in ("yes", "no", "yes_head", "negators", "copula", "trailing_particles", "leading_fillers")
        for word in word_list("yes_no", key)
    )


def read_text(question: Question, text: str, *, today: date) -> Reading:
    """Read a free-text answer (a hardship in the person's own words), kept as typed.

    Clauses that only ask a question or state a feeling are left out of the value and come back as
    the interjection; a text that is nothing but those is not an answer.

    Args:
        question: The question asked.
        text: What the person typed.
        today: The local date (unused here; every reader takes it).

    Returns:
        value the kept words (at most `MAX_TEXT` characters), Outcome.unknown when the person would
        rather not say, Outcome.not_answer, or Outcome.unclear.
    """
    parts, said = clauses(text), " ".join(text.split())
    if not parts:
        return Reading(Outcome.unclear, problem="empty")
    if _declined(text):
        return Reading(Outcome.unknown, said=said)
    if interject.crisis(text):
        return Reading(Outcome.unclear, problem="text", said=said)
    options = _options(question)
    kept: list[Clause] = []
    rest: list[Clause] = []
    for part in parts:
        hits = _option_hits(question.name, options, part.text) if options else []
        if _sigh(part):
            continue
        if hits and not interject.marked_question(part.text):
            kept.append(part)
        elif _asks(part) or interject.feeling_of(part.text) is not None:
            rest.append(part)
        else:
            kept.append(part)
    if any(_asks(part) for part in rest):
        # A clause naming a topic beside a question belongs to the question ("someone offers X, is it safe?").
        moved = [part for part in kept if interject.topic_of(part.text) and not _option_hits(
            question.name, options, part.text)]
        kept = [part for part in kept if part not in moved]
        rest = moved + rest
    value = join(kept).strip()
    if not value:
        return _not_answer(rest, said, "text")
    if clean(value) in _bare_answer_words():
        return Reading(Outcome.unclear, problem="text", said=said)
    if _unsure_table(question.name).hits(clean(value)) and len(kept) == 1 and len(clean(value)) <= 6:
        return Reading(Outcome.unknown, said=said)
    found = interject.classify(rest) if rest else None
    return Reading(Outcome.value, value=value[:MAX_TEXT], said=value[:MAX_TEXT], interjection=found)


# -- names ------------------------------------------------------------------------------------


@cache
def _longest_first(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(words, key=len, reverse=True))


def _strip(text: str, prefixes: tuple[str, ...], suffixes: tuple[str, ...]) -> tuple[str, str]:
    """Peel one prefix (longest) and any trailing suffixes; return (what is left, the prefix)."""
    found = next((p for p in _longest_first(prefixes) if text.startswith(p) and len(text) > len(p)), "")
    text = text[len(found) :]
    changed = True
    while changed:
        changed = False
        for suffix in _longest_first(suffixes):
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)], True
                break
    return text.strip(), found


def _name_candidate(part: Clause) -> tuple[str, bool, int] | None:
    """Return (name, surname only, how plainly it was said) for one clause, or None.

    "Call me ..." says it most plainly (3), a bare name next (2), a surname alone least (1).
    """
    typed = normalise(part.raw).strip(" .!~")
    words = "name"
    surname_prefixes = question_list(words, "surname_prefixes")
    body, prefix = _strip(typed, question_list(words, "prefixes") + surname_prefixes, question_list(words, "suffixes"))
    surname_only = prefix in surname_prefixes
    if not body or body.casefold() in _not_names():
        return None
    if _LATIN_NAME.fullmatch(body):
        limit = int(answer_words(words).get("max_latin") or 20)
        return (body, False, 3 if prefix else 2) if len(body) <= limit else None
    if not _CJK.fullmatch(body) or any(ch in str(answer_words(words).get("not_name_chars", "")) for ch in body):
        return None
    surnames = _surnames()
    if surname_only:
        return (body, True, 1) if len(body) <= 2 else None
    honorific = any(body.endswith(word) and len(body) > len(word) for word in question_list(words, "honorifics"))
    limit = int(answer_words(words).get("max_chars_honorific" if honorific else "max_chars") or 4)
    if len(body) > limit or (len(body) == 1 and body not in surnames):
        return None
    return body, False, 3 if prefix else 2


@cache
def _not_names() -> frozenset[str]:
    return frozenset(question_list("name", "not_names")) | _bare_answer_words()


@cache
def _surnames() -> frozenset[str]:
    return frozenset(question_list("name", "surnames"))


def read_name(question: Question, text: str, *, today: date) -> Reading:
    """Read how the person wants to be called.

    "Call me Lao Li" gives the name alone, a surname ("my surname is Wang") gives the surname with
    `context["surname_only"]` True (a script can say "my surname is ..."; no guess at Mr or Ms).
    A question, a worry or a sentence is not a name; "I'd rather not say" is Outcome.unknown.

    Args:
        question: The name question.
        text: What the person typed.
        today: The local date (unused here; every reader takes it).

    Returns:
        value the name, Outcome.unknown, Outcome.not_answer or Outcome.unclear.
    """
    parts, said = clauses(text), text.strip()
    if not parts:
        return Reading(Outcome.unclear, problem="empty")
    if _declined(text) or clean(text).rstrip(_particles()) in question_list("name", "declines"):
        return Reading(Outcome.unknown, said=said)
    if interject.crisis(text):
        return Reading(Outcome.unclear, problem="name", said=said)
    found: list[tuple[tuple[str, bool, int], Clause]] = []
    rest: list[Clause] = []
    for part in parts:
        if _sigh(part):
            continue
        candidate = None if _asks(part) else _name_candidate(part)
        if candidate is None:
            rest.append(part)
        else:
            found.append((candidate, part))
    if not found:
        return _not_answer(rest, said, "name")
    (name, surname_only, _), part = max(found, key=lambda item: item[0][2])
    extra = interject.classify(rest) if rest else None
    context = {"surname_only": True} if surname_only else {}
    return Reading(Outcome.value, value=name, said=part.raw.strip(), interjection=extra, context=context)


# -- platforms --------------------------------------------------------------------------------


@cache
def _platform_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern, re.IGNORECASE) for pattern in question_list("loan_platform", "patterns"))


def read_platform(question: Question, text: str, *, today: date) -> Reading:
    """Read which lending platform a loan is on: a known one by any alias, or the name as typed.

    Args:
        question: The platform question.
        text: What the person typed.
        today: The local date (unused here; every reader takes it).

    Returns:
        value the canonical platform name (sure) or the typed name (sure=False), Outcome.unknown
        when the person does not remember, Outcome.not_answer or Outcome.unclear.
    """
    parts, said = clauses(text), text.strip()
    if not parts:
        return Reading(Outcome.unclear, problem="empty")
    if interject.crisis(text):
        return Reading(Outcome.unclear, problem="platform", said=said)
    asking = [part for part in parts if _asks(part) or interject.feeling_of(part.text) is not None]
    others = [part for part in parts if part not in asking]
    extra = interject.classify(asking) if asking else None
    known = find_platform_in(normalise(text))
    if known is not None:
        return Reading(Outcome.value, value=known, said=said, interjection=extra)
    if _declined(text) or any(_unsure_table(question.name).hits(part.text) for part in parts):
        return Reading(Outcome.unknown, said=said, interjection=extra)
    typed = normalise(text)
    for pattern in _platform_patterns():
        match = pattern.search(typed)
        if match:
            return Reading(Outcome.value, value=match.group(1).strip(), sure=False, said=said, interjection=extra)
    for part in others:
        name, _ = _strip(normalise(part.raw), question_list("loan_platform", "prefixes"),
                         question_list("loan_platform", "suffixes"))
        name = _before_facts(name)
        limit = int(answer_words("loan_platform").get("max_chars") or 12)
        if (name and len(name) <= limit and name.casefold() not in _bare_answer_words()
                and name not in question_list("loan_platform", "not_names") and not _only_figures(name)):
            return Reading(Outcome.value, value=name, sure=False, said=said, interjection=extra)
    return _not_answer(parts if extra is None else asking, said, "platform")


def _before_facts(name: str) -> str:
    """Cut an unlisted name where the loan's facts begin ("Jiebey (typo) owes twenty thousand-odd" is Jiebey)."""
    found = _fact_start().search(name, 2)
    return name[: found.start()] if found else name


@cache
def _fact_start() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(word) for word in question_list("loan_platform", "facts_start")))


def _only_figures(name: str) -> bool:
    """Tell whether a would-be platform name is only a figure ("three thousand", "5000 yuan"): an amount, not a
    lender."""
    prepared = prepare(name)
    return any(hit.start == 0 and hit.end >= len(prepared) for hit in amount_hits(prepared, whole_answer=True))


WORD_READERS: dict[AnswerKind, Reader] = {
    AnswerKind.yes_no: read_yes_no,
    AnswerKind.choice: read_choice,
    AnswerKind.name: read_name,
    AnswerKind.platform: read_platform,
    AnswerKind.text: read_text,
}
"""The word readers by answer kind (the number readers live in flows.understanding.numbers)."""
