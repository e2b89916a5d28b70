"""Yes / no in context: negation scope, hedges, unsure words, dialect, and questions typed instead."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conversation import Conversation
from sessions import stored_part

from flows.core.clock import FixedClock
from flows.core.engine import Engine
from flows.intake.machine import IntakePart
from flows.parsing import parse_yes_no
from flows.storage import open_store
from flows.understanding.reading import AnswerKind, Outcome, Question, Reading
from flows.understanding.yes_no import read_yes_no

TODAY = date(2026, 11, 24)


def _read(question: str, text: str) -> Reading:
    return read_yes_no(Question(question, AnswerKind.yes_no), text, today=TODAY)


# -- negation reaches only the word it stands before ----------------------------------------------


@pytest.mark.parametrize(
    ("question", "text", "value"),
    [
        ("loan_previous_overdue", "没有", False),
        ("loan_previous_overdue", "没逾期过", False),  # negated: the question's own word
        ("loan_previous_overdue", "以前从来没逾期过", False),
        ("loan_previous_overdue", "不是第一次了", True),  # "not the first time" is a yes
        ("loan_previous_overdue", "不是没逾期过", True),  # two negations of the same word
        ("new_loans_to_repay_old", "没敢借", False),  # a negation reaches across "dare"
        ("new_loans_to_repay_old", "不借不行啊", True),
        ("loan_third_party", "没联系家人", False),
        ("loan_licensed", "不是持牌的", False),
        ("generic", "不错", True),
        ("generic", "不不不", False),
    ],
)
def test_negation_negates_the_word_after_it(question: str, text: str, value: bool) -> None:
    reading = _read(question, text)
    assert (reading.outcome, reading.value) == (Outcome.value, value)


@pytest.mark.parametrize("text", ["没有不还", "我没有钱", "没钱还", "不是我不想还"])
def test_a_negation_of_something_else_says_nothing(text: str) -> None:
    # "it's not that I don't pay" is not "没有": it answers nothing about previous overdue.
    reading = _read("loan_previous_overdue", text)
    assert reading.outcome is not Outcome.value


def test_negation_stops_at_a_break_word() -> None:
    assert _read("more_loans", "没有就这一个").value is False
    assert _read("loan_third_party", "没有 就平台自己").value is False


# -- hedges keep the side, unsure words are never a no -----------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("好像不算是", False), ("应该没有吧", False), ("好像有过一次", True), ("应该算吧", True), ("算是吧", True),
     ("我觉得是", True), ("可能有吧 记不清了", True)],
)
def test_hedges_keep_the_side_and_are_unsure(text: str, value: bool) -> None:
    reading = _read("loan_previous_overdue", text)
    assert (reading.outcome, reading.value, reading.sure) == (Outcome.value, value, False)


@pytest.mark.parametrize("text", ["那肯定没有", "肯定有", "当然没有", "没有", "是的"])
def test_sure_words_and_plain_answers_stay_sure(text: str) -> None:
    assert _read("loan_previous_overdue", text).sure is True


@pytest.mark.parametrize(
    "text", ["记不清", "不太确定", "没留意", "不知道啊", "搞不清楚", "看不懂", "忘了", "没印象", "说不好", "🤷",
             "不记得有没有了", "我也不确定还有没有"],
)
def test_unsure_is_unknown_never_no(text: str) -> None:
    for question in ("loan_previous_overdue", "loan_licensed", "more_loans", "generic"):
        assert _read(question, text).outcome is Outcome.unknown, (question, text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("冇", False), ("莫得", False), ("木有", False), ("没得", False), ("嗯嗯", True), ("对的对的", True),
     ("👍", True), ("是滴", True), ("ok", True), ("nope", False), ("👎", False)],
)
def test_dialect_and_chat_forms(text: str, value: bool) -> None:
    assert _read("new_loans_to_repay_old", text).value is value


def test_the_question_gives_the_words_their_meaning() -> None:
    assert _read("more_loans", "还有俩").value is True
    assert _read("more_loans", "就这么多").value is False
    assert _read("loan_previous_overdue", "这是头次").value is False
    assert _read("loan_previous_overdue", "已经好几次了").value is True
    # the same words mean nothing at a question they do not belong to
    assert _read("generic", "这是头次").outcome is Outcome.unclear


# -- questions and feelings ----------------------------------------------------------------------


def test_a_pure_question_is_not_a_yes_or_no() -> None:
    reading = _read("loan_previous_overdue", "会坐牢吗？")
    assert reading.outcome is Outcome.not_answer and reading.value is None
    assert reading.interjection is not None and reading.interjection.topic == "jail"


def test_an_answer_and_a_question_keep_both() -> None:
    reading = _read("loan_previous_overdue", "没有 会坐牢吗")
    assert (reading.outcome, reading.value) == (Outcome.value, False)
    assert reading.interjection is not None and reading.interjection.topic == "jail"


def test_a_feeling_is_not_an_answer_even_with_a_yes_word_in_it() -> None:
    reading = _read("new_loans_to_repay_old", "好害怕")  # "好" alone would be a yes
    assert reading.outcome is Outcome.not_answer
    assert reading.interjection is not None and reading.interjection.kind == "feeling"


def test_crisis_text_is_left_to_the_engine() -> None:
    reading = _read("loan_previous_overdue", "我不想活了")
    assert reading.outcome is Outcome.unclear and reading.interjection is None


def test_a_hedged_no_with_a_question_mark_is_still_a_no() -> None:
    reading = _read("loan_third_party", "没有吧？")
    assert (reading.outcome, reading.value, reading.sure) == (Outcome.value, False, False)


# -- parse_yes_no: the generic reading, for the callers that have no question --------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("好像不算是", False), ("那肯定没有", False), ("搞不清楚", None), ("看不懂", None), ("会坐牢吗", None),
     ("取消", False), ("确定", True), ("我好累", None)],
)
def test_parse_yes_no_reads_hedges_and_unsure(text: str, expected: bool | None) -> None:
    assert parse_yes_no(text) is expected


def test_an_unsure_answer_in_the_intake_is_never_stored_as_no(tmp_path: Path) -> None:
    store = open_store(db_path=str(tmp_path / "coach.db"))
    try:
        chat = Conversation(Engine(store, FixedClock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))), "tg:unsure")
        chat.say("/start")
        chat.tap("consent_yes")
        chat.say("6000")
        chat.say("4000")
        chat.say("某某小贷")
        chat.say("5000")
        chat.say("10天")
        chat.tap("col:sms")
        assert "持牌" in chat.text
        chat.say("搞不清楚")
        assert "持牌" not in chat.replies[-1].text  # an answer: the next question follows
        loan = stored_part(store, "tg:unsure", IntakePart).loans[0]
        assert "licensed" in loan.values and loan.values["licensed"] is None  # unknown, never no
    finally:
        store.close()
