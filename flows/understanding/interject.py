"""Questions and feelings typed where an answer was expected: find them, and answer them.

Every word lives in `scripts_zh/lexicons/interject.yaml`. A question is answered from the knowledge
base (`flows.understanding.faq`), a feeling gets one human sentence (`understanding/feeling_<family>.j2`);
the form then asks its question again and stores nothing. Messages of crisis are not read here: the
engine answers them first, in any state, so `interjection` returns None for them.
"""

from __future__ import annotations

import re
from functools import cache

from flows.core.texts import lexicon, render
from flows.crisis.detector import Level, assess
from flows.understanding import faq
from flows.understanding._scan import Clause, Hit, PhraseTable, clauses, word_list
from flows.understanding.reading import Interjection

QUESTION = "question"
FEELING = "feeling"
_MASK = "\x00"


@cache
def _feelings() -> PhraseTable:
    words = lexicon("interject")
    bound: dict[str, list[str]] = {
        family: [lead + base for lead in word_list("interject", "bound_leads") for base in bases]
        for family, bases in words["bound"].items()
    }
    return PhraseTable([words["feelings"], bound], {})


FEELINGS: tuple[str, ...] = tuple(lexicon("interject")["feelings"])
"""Feeling families; each has its sentence `scripts_zh/understanding/feeling_<family>.j2`."""


def feeling_phrases() -> dict[str, list[str]]:
    """Every feeling phrase by family, intensified forms included (for readers that scan for them)."""
    words = lexicon("interject")
    found: dict[str, list[str]] = {family: list(items) for family, items in words["feelings"].items()}
    for family, bases in words["bound"].items():
        found.setdefault(family, []).extend(
            lead + base for lead in word_list("interject", "bound_leads") for base in bases
        )
    return found


@cache
def _topics() -> PhraseTable:
    topics = lexicon("interject")["topics"]
    return PhraseTable(
        [{name: entry["phrases"] for name, entry in topics.items()}],
        {name: entry.get("patterns", []) for name, entry in topics.items()},
    )


@cache
def _question_words() -> PhraseTable:
    return PhraseTable([{"q": word_list("interject", "question_words")}], {})


@cache
def _not_question() -> PhraseTable:
    return PhraseTable([{"not": word_list("interject", "not_question")}], {})


@cache
def _helpless() -> frozenset[str]:
    return frozenset(word_list("interject", "helpless"))


@cache
def _particles() -> str:
    return "".join(word for word in word_list("yes_no", "trailing_particles") if len(word) == 1)


def _cut(text: str, hits: list[Hit]) -> str:
    chars = list(text)
    for hit in hits:
        chars[hit.start : hit.end] = _MASK * (hit.end - hit.start)
    return "".join(chars)


def feeling_hits(text: str) -> list[Hit]:
    """Return every feeling phrase in a cleaned text, left to right."""
    return _feelings().hits(text)


def feeling_of(text: str) -> str | None:
    """Return the family of the first feeling a cleaned clause states, or None."""
    hits = _feelings().hits(text)
    return hits[0].label if hits else None


def topic_of(text: str) -> str | None:
    """Return the knowledge-base topic a cleaned text names: the longest match, the first topic on a tie."""
    best: tuple[int, int, str] | None = None
    order = {name: index for index, name in enumerate(faq.TOPICS)}
    for hit in _topics().hits(text):
        rank = (hit.end - hit.start, -order.get(hit.label, len(order)), hit.label)
        if best is None or rank > best:
            best = rank
    return best[2] if best else None


def marked_question(text: str) -> bool:
    """Tell whether a cleaned clause is worded as a question (a question word or a final particle).

    Feelings ("not knowing what to do") and look-alikes ("nothing at all") are cut out first. A final
    particle that is also common in answers counts only in a long enough clause, and the "A or not"
    ending only when the clause names a topic.
    """
    cut = _cut(text, _feelings().hits(text))
    cut = _cut(cut, _not_question().hits(cut))
    if _question_words().hits(cut):
        return True
    bare, finals, particles = cut.replace(_MASK, ""), _finals(), _particles()
    while bare and bare[-1] in particles and bare[-1] not in finals:
        bare = bare[:-1]
    if not bare or bare[-1] not in finals or len(bare) < finals[bare[-1]]:
        return False
    return bare[-1] not in _topic_finals() or topic_of(text) is not None


@cache
def _finals() -> dict[str, int]:
    minimum: dict[str, int] = {str(k): int(v) for k, v in lexicon("interject")["question_final_min"].items()}
    return {str(final): minimum.get(str(final), 1) for final in lexicon("interject")["question_final"]}


@cache
def _topic_finals() -> frozenset[str]:
    return frozenset(str(final) for final in lexicon("interject").get("question_final_topic", []))


def crisis(text: str) -> bool:
    """Tell whether the engine's crisis detector would answer this text first."""
    return assess(text).level is Level.crisis


def interjection(text: str) -> Interjection | None:
    """Find a question or a feeling in a message typed where an answer was expected.

    Args:
        text: The message as typed (or the part of it that did not answer the question).

    Returns:
        A question (with its knowledge-base topic, or None when no topic fits), a feeling (with its
        family), or None when the text is neither, or signals a crisis (the engine answers those).
    """
    if not text.strip() or crisis(text):
        return None
    return classify(clauses(text))


def classify(parts: list[Clause]) -> Interjection | None:
    """Find a question or a feeling in clauses that did not answer the question (crisis already ruled out)."""
    if not parts:
        return None
    whole = " ".join(part.text for part in parts)
    topic = topic_of(whole)
    asked = [part for part in parts if marked_question(part.text) or part.asked]
    feelings = [family for part in parts if (family := feeling_of(part.text)) is not None]
    if asked:
        if topic is None and feelings and all(_is_helpless(part.text) for part in asked):
            return Interjection(FEELING, feelings[0])
        if topic is None and all(_is_helpless(part.text) for part in asked):
            return Interjection(FEELING, str(lexicon("interject")["helpless_family"]))
        return Interjection(QUESTION, topic)
    if feelings:
        if topic is not None and feelings[0] == "fear":
            return Interjection(QUESTION, topic)  # a worry about something we can explain
        return Interjection(FEELING, feelings[0])
    return None


def _is_helpless(text: str) -> bool:
    return text.rstrip(_particles()) in _helpless()


_BLANK_LINES = re.compile(r"\n{3,}")


def respond(found: Interjection) -> str:
    """Render the answer to a question (from the knowledge base) or the sentence for a feeling.

    Args:
        found: What `interjection` (or a reader) found.

    Returns:
        The reply text; the form asks its own question again after it.
    """
    if found.kind == FEELING and found.topic in FEELINGS:
        return render(f"understanding/feeling_{found.topic}")
    if found.kind == QUESTION and found.topic in faq.TOPICS:
        return _BLANK_LINES.sub("\n\n", faq.answer(found.topic))
    return render("understanding/question_other")


def topics() -> tuple[str, ...]:
    """List the knowledge-base topics a question can be answered from."""
    return faq.TOPICS


__all__ = [
    "FEELING",
    "FEELINGS",
    "QUESTION",
    "classify",
    "crisis",
    "feeling_hits",
    "feeling_of",
    "feeling_phrases",
    "interjection",
    "marked_question",
    "respond",
    "topic_of",
    "topics",
]
