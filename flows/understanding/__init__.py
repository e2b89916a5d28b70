"""Understanding what people type, in the context of the question they were asked.

Public API:
    Question, AnswerKind, Reading, Outcome, Interjection   (flows.understanding.reading)
"""

from flows.understanding.reading import AnswerKind, Interjection, Outcome, Question, Reading

__all__ = ["AnswerKind", "Interjection", "Outcome", "Question", "Reading"]
