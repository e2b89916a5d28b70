"""Choice, name, platform and free-text readers: what they keep, what they refuse."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.core.texts import label
from flows.understanding.interject import respond
from flows.understanding.reading import AnswerKind, Outcome, Question, Reading
from flows.understanding.words import MAX_TEXT, WORD_READERS, read_choice, read_name, read_platform, read_text

TODAY = date(2026, 11, 24)
COLLECTION = Question("loan_collection", AnswerKind.choice,
                      options=("col:none", "col:sms", "col:calls", "col:frequent", "col:threats"))
HARDSHIP_CHOICE = Question("hardship", AnswerKind.choice,
                           options=("hs:job_loss", "hs:illness", "hs:pay_cut", "hs:family", "hs:business"))
HARDSHIP = Question("hardship", AnswerKind.text, options=HARDSHIP_CHOICE.options)
NAME = Question("name", AnswerKind.name)
PLATFORM = Question("loan_platform", AnswerKind.platform)


def test_every_word_kind_has_a_reader() -> None:
    assert set(WORD_READERS) == {AnswerKind.yes_no, AnswerKind.choice, AnswerKind.name, AnswerKind.platform,
                                 AnswerKind.text}


# -- choice ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("option", COLLECTION.options)
def test_a_typed_label_picks_its_button(option: str) -> None:
    assert read_choice(COLLECTION, label(option), today=TODAY).value == option


def test_the_strongest_pressure_named_wins_and_a_negated_one_does_not_count() -> None:
    assert read_choice(COLLECTION, "天天打 还骂人", today=TODAY).value == "col:threats"
    assert read_choice(COLLECTION, "没有威胁 就是天天打", today=TODAY).value == "col:frequent"
    assert read_choice(COLLECTION, "没有", today=TODAY).value == "col:none"


def test_only_offered_options_are_picked() -> None:
    narrow = Question("loan_collection", AnswerKind.choice, options=("col:none", "col:sms"))
    reading = read_choice(narrow, "天天打电话", today=TODAY)
    assert reading.outcome is Outcome.unclear and reading.problem == "collection"


def test_a_paraphrase_keeps_the_persons_words() -> None:
    reading = read_choice(HARDSHIP_CHOICE, "被裁了", today=TODAY)
    assert (reading.value, reading.said) == ("hs:job_loss", "被裁了")


def test_an_illness_outranks_the_family_catch_all() -> None:
    assert read_choice(HARDSHIP_CHOICE, "老婆住院了", today=TODAY).value == "hs:illness"


def test_a_choice_beside_a_question_keeps_both() -> None:
    reading = read_choice(COLLECTION, "天天打电话，律师函是真的吗", today=TODAY)
    assert reading.value == "col:frequent"
    assert reading.interjection is not None and reading.interjection.topic == "fake_legal"


# -- free text -------------------------------------------------------------------------------------


def test_free_text_is_kept_as_typed() -> None:
    reading = read_text(HARDSHIP, "被骗了，投资亏了", today=TODAY)
    assert (reading.outcome, reading.value) == (Outcome.value, "被骗了，投资亏了")


def test_a_worry_beside_the_hardship_is_left_out_of_it() -> None:
    reading = read_text(HARDSHIP, "失业了，现在天天被催，好烦", today=TODAY)
    assert reading.value == "失业了，现在天天被催"
    assert reading.interjection is not None and reading.interjection.kind == "feeling"


@pytest.mark.parametrize("text", ["家里人都知道了 我好怕", "我会不会坐牢啊", "好丢人", "唉 太丢人了"])
def test_only_a_worry_or_a_question_is_not_a_hardship(text: str) -> None:
    reading = read_text(HARDSHIP, text, today=TODAY)
    assert reading.outcome is Outcome.not_answer and reading.value is None


def test_free_text_is_capped() -> None:
    reading = read_text(HARDSHIP, "生意亏了" * 100, today=TODAY)
    assert reading.value is not None and len(reading.value) == MAX_TEXT


def test_a_bare_yes_is_not_a_hardship() -> None:
    assert read_text(HARDSHIP, "好的", today=TODAY).outcome is Outcome.unclear


# -- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [("叫我老李", "老李"), ("叫我老李就行", "老李"), ("小张", "小张"), ("你就叫我小美好了", "小美"), ("Lily", "Lily"),
     ("姓周 周先生", "周先生"), ("叫我小王 我姓王", "小王")],
)
def test_names_as_people_give_them(text: str, name: str) -> None:
    reading = read_name(NAME, text, today=TODAY)
    assert (reading.outcome, reading.value, reading.context) == (Outcome.value, name, {})


def test_a_surname_alone_is_kept_and_marked() -> None:
    reading = read_name(NAME, "我姓王", today=TODAY)
    assert (reading.value, reading.context) == ("王", {"surname_only": True})


@pytest.mark.parametrize("text", ["我会不会坐牢啊", "家里人都知道了 我好怕", "你是真人吗"])
def test_a_question_or_a_worry_is_never_a_name(text: str) -> None:
    reading = read_name(NAME, text, today=TODAY)
    assert reading.outcome is Outcome.not_answer and reading.value is None


@pytest.mark.parametrize("text", ["借呗欠了一万二逾期两个月", "好的", "你好", "嗯", "成", "我欠了三个平台"])
def test_a_sentence_or_a_reply_word_is_not_a_name(text: str) -> None:
    assert read_name(NAME, text, today=TODAY).outcome is Outcome.unclear


@pytest.mark.parametrize("text", ["不想说", "保密", "随便"])
def test_declining_is_unknown(text: str) -> None:
    assert read_name(NAME, text, today=TODAY).outcome is Outcome.unknown


# -- platforms -------------------------------------------------------------------------------------


def test_a_known_platform_by_any_alias_is_sure() -> None:
    reading = read_platform(PLATFORM, "支付宝借呗", today=TODAY)
    assert (reading.value, reading.sure) == ("借呗", True)


def test_an_unknown_platform_is_kept_as_typed_but_unsure() -> None:
    reading = read_platform(PLATFORM, "一个叫好分期的app", today=TODAY)
    assert (reading.value, reading.sure) == ("好分期", False)


def test_a_platform_beside_a_question() -> None:
    reading: Reading = read_platform(PLATFORM, "借呗，会坐牢吗", today=TODAY)
    assert reading.value == "借呗"
    assert reading.interjection is not None and reading.interjection.topic == "jail"


def test_a_question_is_not_a_platform() -> None:
    reading = read_platform(PLATFORM, "这些平台是正规的吗", today=TODAY)
    assert reading.outcome is Outcome.not_answer


@pytest.mark.parametrize("text", ["", "   ", "。。。", "\u200b"])
def test_empty_text_is_unclear_everywhere(text: str) -> None:
    for question in (COLLECTION, HARDSHIP, NAME, PLATFORM, Question("more_loans", AnswerKind.yes_no)):
        reading = WORD_READERS[question.kind](question, text, today=TODAY)
        assert (reading.outcome, reading.problem) == (Outcome.unclear, "empty"), question


MESSY = st.text(alphabet="是不没有吗？?，, 好像借过还逾期第一次叫我姓老李怕累坐牢征信@冇👍😭", max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), MESSY))
def test_readers_never_raise_and_keep_their_contract(text: str) -> None:
    questions = [COLLECTION, HARDSHIP_CHOICE, HARDSHIP, NAME, PLATFORM,
                 *(Question(name, AnswerKind.yes_no) for name in ("more_loans", "loan_previous_overdue", "generic"))]
    for question in questions:
        reading = WORD_READERS[question.kind](question, text, today=TODAY)
        if reading.outcome is Outcome.not_answer:
            assert reading.interjection is not None and reading.value is None
        if reading.outcome is Outcome.value:
            assert reading.value is not None
        if reading.interjection is not None:
            assert respond(reading.interjection)
