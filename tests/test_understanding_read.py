"""The one entry point of the readers: every kind has a reader, and no text makes one raise or warn."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.understanding import AnswerKind, Outcome, Question
from flows.understanding.read import read, readers

NUMERALS = "一二三四五六七八九十百千万亿两零壹贰叁0123456789.,%元块天月年日息万分之厘利 -+负多几来出头~到至e"


def test_every_answer_kind_has_a_reader() -> None:
    assert set(readers()) == set(AnswerKind)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(kind=st.sampled_from(list(AnswerKind)),
       text=st.one_of(st.text(max_size=40), st.text(alphabet=NUMERALS, min_size=1, max_size=14),
                      st.sampled_from(["1e308", "-1e308", "NaN", "inf", "9" * 400, "亿七", "万万万", "0x1F"])))
def test_no_text_makes_a_reader_raise_or_warn(kind: AnswerKind, text: str) -> None:
    reading = read(Question(f"loan_{kind.value}", kind, options=("yes", "no")), text, today=date(2026, 12, 1))
    assert isinstance(reading.outcome, Outcome)
