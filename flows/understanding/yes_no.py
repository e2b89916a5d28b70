"""Read a yes, a no or an honest "I don't know", in the context of the question asked.

Words are data: the shared grammar in `lexicons/yes_no.yaml`, each question's own words in
`lexicons/answers/<question>.yaml` (which outrank the shared ones). A message is cut into clauses;
a clause worded as a question, or one that only states a feeling, is not an answer (the form answers
it and asks again). In each answer clause the cues are read left to right:

* a negation reaches only the word it stands before: alone it is a no, before the question's own
  words it negates them, before anything else it says nothing about the question;
* a negation before "know", "sure", "understand" ... is unsure, never a no;
* hedges keep the side and make the answer unsure;
* the question's own phrases outrank the shared words, and the last clause outranks earlier ones.
"""

# Examples of the rules above, as people type them:
#   "none" no; "never been overdue" no; "not the first time" yes; "no money" and "never not repaid" say nothing about
# the question;
#   "can't make it out", "didn't notice" unsure; "seems not really" no with sure=False; "definitely not" a sure no.

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from flows.understanding import interject
from flows.understanding._scan import Clause, Hit, PhraseTable, clauses, mask_platforms, question_list, word_list
from flows.understanding.reading import Outcome, Question, Reading

# Cue kinds (labels of the phrase table).
_Q_YES, _Q_NO, _Q_UNSURE, _CONCEPT, _NEUTRAL = "q_yes", "q_no", "q_unsure", "concept", "neutral"
_FEEL = "feel"
_YES, _YES_HEAD, _COPULA, _WEAK_COPULA, _NO, _NEG = "yes", "yes_head", "copula", "weak_copula", "no", "neg"
_UNSURE, _UNSURE_TARGET, _HEDGE, _SURE = "unsure", "unsure_target", "hedge", "sure"
_EMBEDDED, _IRREALIS, _REACH, _BREAK, _PARTICLE, _OTHER = "embedded", "irrealis", "reach", "break", "particle", "other"
_PRONOUN = "pronoun"

_SPECIFIC = frozenset({_Q_YES, _Q_NO, _Q_UNSURE})
_GENERIC_KEYS: tuple[tuple[str, str], ...] = (
    (_UNSURE, "unsure"), (_EMBEDDED, "embedded"), (_IRREALIS, "irrealis"), (_NO, "no"), (_YES, "yes"),
    (_NEG, "negators"), (_HEDGE, "hedges"), (_SURE, "sure"), (_WEAK_COPULA, "weak_copula"), (_COPULA, "copula"),
    (_YES_HEAD, "yes_head"), (_UNSURE_TARGET, "unsure_targets"), (_REACH, "reach"), (_BREAK, "breaks"),
    (_PRONOUN, "pronouns"),
    (_PARTICLE, "leading_fillers"), (_PARTICLE, "trailing_particles"),
)

SPECIFIC, PLAIN, WEAK = 3, 2, 1
"""How much a cue says: the question's own phrase, a plain yes or no, a bare mention of what was asked."""


@dataclass(frozen=True)
class Cue:
    """One clause's answer: True, False, or None for unsure; with how much it says."""

    value: bool | None
    strength: int


@cache
def _table(question: str) -> PhraseTable:
    own = {
        _Q_YES: question_list(question, "yes"),
        _Q_NO: question_list(question, "no"),
        _Q_UNSURE: question_list(question, "unknown"),
        _NEUTRAL: question_list(question, "neutral"),
        _CONCEPT: question_list(question, "concept"),
    }
    patterns = {
        _Q_YES: question_list(question, "patterns", "yes"),
        _Q_NO: question_list(question, "patterns", "no"),
        _Q_UNSURE: question_list(question, "patterns", "unknown"),
    }
    feelings = {_FEEL: [phrase for items in interject.feeling_phrases().values() for phrase in items]}
    generic: dict[str, list[str]] = {}
    for label, key in _GENERIC_KEYS:
        generic.setdefault(label, []).extend(word_list("yes_no", key))
    return PhraseTable([own, feelings, generic], patterns)


def _tokens(question: str, text: str) -> list[tuple[str, str]]:
    """The clause as (kind, phrase) cues, with unlisted text between them as "other"."""
    found: list[tuple[str, str]] = []
    pos = 0
    hits: list[Hit] = _table(question).hits(text)
    for hit in hits:
        if hit.start > pos:
            found.append((_OTHER, text[pos : hit.start]))
        found.append((hit.label, hit.phrase))
        pos = hit.end
    if pos < len(text):
        found.append((_OTHER, text[pos:]))
    return found


class _Reader:
    """Walk one clause's cues and collect what they answer."""

    def __init__(self) -> None:
        self.cues: list[Cue] = []
        self.hedged = False
        self.negations = 0
        self.copula = False
        self.head = True

    def _flush(self) -> None:
        if self.negations:
            self.cues.append(Cue(False, PLAIN))
        elif self.copula:
            self.cues.append(Cue(True, PLAIN))
        self.negations, self.copula = 0, False

    def _answer(self, value: bool | None, strength: int) -> None:
        if value is not None and self.negations % 2 == 1:
            value = not value
        if self.negations and strength == WEAK:
            strength = SPECIFIC  # "didn't borrow", "never been overdue": the question's own words, negated
        self.cues.append(Cue(value, strength))
        self.negations, self.copula, self.head = 0, False, False

    def read(self, tokens: list[tuple[str, str]]) -> list[Cue]:
        """Return the cues of one clause, in order."""
        for kind, phrase in tokens:
            if kind in (_YES, _NO, _Q_YES, _Q_NO) and phrase.startswith(_breaks()):
                self._flush()  # "no, just this one": the negation ends where the phrase's own break starts
            if self._step(kind):
                break
        self._flush()
        return self.cues

    def _step(self, kind: str) -> bool:
        """Take one cue; return True when the rest of the clause says nothing about the question."""
        pending = bool(self.negations or self.copula)
        if kind in (_PARTICLE, _SURE):
            return False
        if kind == _HEDGE:
            self.hedged = True
        elif kind == _NEG:
            self.negations += 1
            self.head = False
        elif kind in (_COPULA, _WEAK_COPULA) and (self.head or self.negations):
            self.hedged = self.hedged or kind == _WEAK_COPULA
            self.copula, self.head = True, False
        elif kind == _YES_HEAD and (self.head or self.negations):
            self._answer(True, PLAIN)
        elif kind in (_YES, _NO):
            self._answer(kind == _YES, PLAIN)
        elif kind in (_Q_YES, _Q_NO):
            self._answer(kind == _Q_YES, SPECIFIC)
        elif kind == _CONCEPT:
            self._answer(True, WEAK)
        elif kind in (_UNSURE, _Q_UNSURE) or (kind == _UNSURE_TARGET and self.negations):
            self._answer(None, SPECIFIC if kind == _Q_UNSURE else PLAIN)
        elif kind in (_EMBEDDED, _NEUTRAL, _IRREALIS):
            self._flush()
            return True
        elif kind == _BREAK or (kind == _PRONOUN and not self.copula):
            self._flush()
            self.head = False
        elif kind == _PRONOUN:  # "it's not me...": what follows is denied, not an answer
            self.negations, self.copula, self.head = 0, False, False
        elif kind == _REACH and pending:
            pass
        else:
            self._other()
        return False

    def _other(self) -> None:
        """Unlisted text: after "is not" it is a no, after "is" a weak yes, after a bare negation nothing."""
        if self.negations and self.copula:
            self.cues.append(Cue(False, PLAIN))
        elif self.copula:
            self.cues.append(Cue(True, WEAK))
        self.negations, self.copula, self.head = 0, False, False


@cache
def _breaks() -> tuple[str, ...]:
    return tuple(word_list("yes_no", "breaks"))


@dataclass(frozen=True)
class _Clauses:
    answers: list[tuple[Clause, Cue]]
    rest: list[Clause]
    hedged: bool


def _read_clauses(question: str, parts: list[Clause]) -> _Clauses:
    answers: list[tuple[Clause, Cue]] = []
    rest: list[Clause] = []
    hedged = False
    for part in parts:
        text = mask_platforms(part.text)
        tokens = _tokens(question, text)
        kinds = {kind for kind, _ in tokens}
        unsure = bool(kinds & {_UNSURE, _Q_UNSURE})
        if interject.marked_question(part.text) and not (unsure and interject.topic_of(part.text) is None):
            rest.append(part)
            continue
        if _FEEL in kinds and not kinds & _SPECIFIC:
            rest.append(part)
            continue
        reader = _Reader()
        cues = reader.read(tokens)
        if not cues:
            rest.append(part)
            continue
        top = max(cue.strength for cue in cues)
        cue = [cue for cue in cues if cue.strength == top][-1]
        if part.asked and cue.value is None and not unsure:
            rest.append(part)
            continue
        hedged = hedged or reader.hedged or part.asked or top == WEAK
        answers.append((part, cue))
    return _Clauses(answers, rest, hedged)


def yes_no_answer(question: str, parts: list[Clause]) -> tuple[bool | None, bool, list[Clause], bool]:
    """Read clauses as a yes or no to the named question.

    Returns:
        (value, answered, clauses that did not answer, sure): `answered` is False when no clause
        answered; `value` None with `answered` True is an unsure answer.
    """
    read = _read_clauses(question, parts)
    if not read.answers:
        return None, False, read.rest, True
    decided = [cue for _, cue in read.answers if cue.value is not None]
    if not decided:
        return None, True, read.rest, True
    top = max(cue.strength for cue in decided)
    value = [cue for cue in decided if cue.strength == top][-1].value
    conflict = len({cue.value for cue in decided}) > 1
    unsure_too = len(decided) < len(read.answers)
    return value, True, read.rest, not (read.hedged or conflict or unsure_too)


def read_yes_no(question: Question, text: str, *, today: date) -> Reading:
    """Read a yes, a no or "I don't know" typed at a yes/no question.

    Args:
        question: The question asked (its name picks its own words).
        text: What the person typed.
        today: The local date (unused by this reader; every reader takes it).

    Returns:
        value True or False (sure=False when hedged or mixed), Outcome.unknown for an unsure answer,
        Outcome.not_answer for a question or a feeling typed instead, or Outcome.unclear.
    """
    parts = clauses(text)
    if not parts:
        return Reading(Outcome.unclear, problem="empty")
    if interject.crisis(text):
        return Reading(Outcome.unclear, problem="yes_no", said=text.strip())
    if _doubts_answer(parts):
        return Reading(Outcome.not_answer, interjection=interject.classify(parts), said=text.strip())
    value, answered, rest, sure = yes_no_answer(question.name, parts)
    found = interject.classify(rest)
    if not answered:
        if found is not None:
            return Reading(Outcome.not_answer, interjection=found, said=text.strip())
        return Reading(Outcome.unclear, problem="yes_no", said=text.strip())
    if value is None:
        return Reading(Outcome.unknown, said=text.strip(), interjection=found)
    return Reading(Outcome.value, value=value, sure=sure, said=text.strip(), interjection=found)


@cache
def _doubt_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in word_list("answers/generic", "answer_doubts"))


def _doubts_answer(parts: list[Clause]) -> bool:
    """Tell whether the message asks about its own answer ("...already repaid, does that count?")."""
    return len(parts) > 1 and any(pattern.search(parts[-1].text) for pattern in _doubt_patterns())
