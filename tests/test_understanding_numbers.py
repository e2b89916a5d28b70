"""The number readers against the phrase sets people really type (tests/data/understanding_numbers_*.yaml)."""

from __future__ import annotations

import ast
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phrase_sets import Case, all_cases, check, readers

from flows.analysis.apr import default_parser
from flows.parsing import Rate
from flows.parsing._message import scan_message
from flows.understanding.loans import LoanMention, extract_message
from flows.understanding.numbers import NUMBER_READERS, RECEIVED_IN_FULL, read_amount, read_days, read_rate
from flows.understanding.reading import AnswerKind, Outcome, Question

REQUIRED = 0.97
ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
TODAY = date(2026, 11, 24)
SETS = ("amounts", "rates", "durations", "messages")


def _cases(name: str) -> list[Case]:
    return list(all_cases(f"understanding_numbers_{name}.yaml"))


@pytest.mark.parametrize("name", SETS)
def test_phrase_set_is_read_right(name: str) -> None:
    cases = _cases(name)
    assert len(cases) >= 50
    found = readers()
    misses = [(case, check(case, found)) for case in cases]
    wrong = [(case, miss) for case, miss in misses if miss]
    for case, miss in wrong:
        print(f"MISS [{case.question.name if case.question else 'message'}] {case.text!r}: {'; '.join(miss)}")
    right = 1 - len(wrong) / len(cases)
    print(f"{name}: {len(cases) - len(wrong)}/{len(cases)} = {right:.1%}")
    assert right >= REQUIRED


def test_the_sets_hold_enough_lines() -> None:
    assert sum(len(_cases(name)) for name in SETS) >= 250


def test_every_number_kind_has_a_reader() -> None:
    kinds = {AnswerKind.amount, AnswerKind.rate, AnswerKind.days, AnswerKind.months, AnswerKind.quantity,
             AnswerKind.date, AnswerKind.month}
    assert set(NUMBER_READERS) == kinds


def test_a_daily_per_mille_reaches_the_analysis_as_a_daily_rate() -> None:
    reading = read_rate(Question("loan_rate", AnswerKind.rate), "千分之二每天", today=TODAY)
    rate = reading.value
    assert isinstance(rate, Rate)
    parsed = default_parser(rate.canonical)
    assert parsed is not None
    assert (parsed.kind, parsed.per_period, parsed.annual_simple) == ("daily", Decimal("0.002"), Decimal("0.730"))


def test_a_bare_ten_thousandth_is_asked_about_not_guessed() -> None:
    reading = read_rate(Question("loan_rate", AnswerKind.rate), "万五", today=TODAY)
    assert reading.outcome is Outcome.ambiguous
    assert [option.kind for option in reading.options] == ["daily", "monthly"]


def test_received_in_full_is_its_own_value() -> None:
    question = Question("loan_received", AnswerKind.amount, low=Decimal(1))
    assert read_amount(question, "全额到账", today=TODAY).value is RECEIVED_IN_FULL


def test_bounds_come_back_with_the_limits() -> None:
    question = Question("monthly_income", AnswerKind.amount, low=Decimal(0), high=Decimal(500_000))
    reading = read_amount(question, "六十万", today=TODAY)
    assert (reading.outcome, reading.problem) == (Outcome.unclear, "too_large")
    assert reading.context["high"] == Decimal(500_000)


CN_DIGITS = "一二三四五六七八九"


@pytest.mark.parametrize("unit", [("千", 1000), ("万", 10000)])
def test_a_lone_first_digit_shares_the_unit_of_the_range(unit: tuple[str, int]) -> None:
    word, size = unit
    question = Question("monthly_income", AnswerKind.amount, low=Decimal(0), high=Decimal(10_000_000))
    for low, high in ((a, b) for a in range(1, 10) for b in range(a + 1, 10)):
        text = f"{CN_DIGITS[low - 1]}到{CN_DIGITS[high - 1]}{word}"
        reading = read_amount(question, text, today=TODAY)
        if high / low > 3:  # too vague to use, like "1000 to 5000"
            assert reading.problem == "amount_ambiguous", text
            continue
        assert (reading.value, reading.low, reading.high, reading.approx) == (
            Decimal((low + high) * size) / 2, low * size, high * size, True), text


@pytest.mark.parametrize(("text", "low", "high"), [
    ("三十到四十万", 300_000, 400_000), ("30到40万", 300_000, 400_000), ("两百到三百万", 2_000_000, 3_000_000),
    ("一千到两千万", 10_000_000, 20_000_000), ("5到6千", 5000, 6000),
    ("八千到一万", 8000, 10_000), ("一万到一万五", 10_000, 15_000), ("三十到五十", 30, 50)])
def test_a_range_s_first_figure_takes_only_the_units_it_lacks(text: str, low: int, high: int) -> None:
    question = Question("loan_principal", AnswerKind.amount, low=Decimal(1), high=Decimal(10) ** 9)
    reading = read_amount(question, text, today=TODAY)
    assert (reading.low, reading.high, reading.value, reading.approx) == (low, high, Decimal(low + high) / 2, True)


def test_a_lone_digit_before_a_range_word_and_no_amount_is_no_amount() -> None:
    question = Question("monthly_income", AnswerKind.amount, low=Decimal(0), high=Decimal(500_000))
    assert read_amount(question, "三到五天", today=TODAY).problem == "amount_not_found"
    assert read_amount(question, "工资一到十五号发 五千", today=TODAY).value == Decimal(5000)


@pytest.mark.parametrize(("text", "expected"), [("一毛", "0.10"), ("三毛钱", "0.30"), ("九毛", "0.90"), ("5毛", "0.50"),
                                                ("两毛五", "0.25"), ("八毛八分", "0.88"), ("三角", "0.30")])
def test_jiao_alone_are_tenths_of_a_yuan(text: str, expected: str) -> None:
    question = Question("monthly_expenses", AnswerKind.amount, low=Decimal(0), high=Decimal(500_000))
    reading = read_amount(question, text, today=TODAY)
    assert (reading.outcome, reading.value, reading.approx) == (Outcome.value, Decimal(expected), False)
    assert str(reading.value) == expected  # rounded to fen, as every amount is


def test_a_wide_range_of_days_offers_picks_within_it() -> None:
    reading = read_days(Question("loan_overdue_days", AnswerKind.days), "一个多月", today=TODAY)
    assert reading.outcome is Outcome.ambiguous
    assert all(30 <= pick <= 59 for pick in reading.options)


@pytest.mark.parametrize("kind", sorted(NUMBER_READERS))
@pytest.mark.parametrize("text", ["", "   ", "？？？", "a" * 300, "\u200b", "1e999999", "NaN", "-0", "一" * 40])
def test_readers_never_raise(kind: AnswerKind, text: str) -> None:
    reading = NUMBER_READERS[kind](Question("q", kind), text, today=TODAY)
    assert reading.outcome in Outcome


def _code_strings(path: Path) -> list[str]:
    """Every string constant in a module that is not documentation (a string standing as a statement)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


@pytest.mark.parametrize("path", [
    *sorted((ROOT / "flows" / "parsing").glob("*.py")),
    *(ROOT / "flows" / "understanding" / name for name in ("numbers.py", "durations.py", "when.py", "loans.py",
                                                         "_numeric.py")),
    ROOT / "flows" / "parsing" / "dates.py",
], ids=lambda path: path.name)
def test_the_readers_keep_their_words_in_lexicons(path: Path) -> None:
    assert not [text for text in _code_strings(path) if CJK.search(text)]


MESSY = st.text(
    alphabet="0123456789.,-%kw 零一二两三四五六七八九十百千万亿几多来个半天月年周期分厘息化号到还是"
    "欠借还了剩到手逾利率工资房租没有不打电话单位都和呗记不清左右大概日息每天一",
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(NUMBER_READERS)), st.one_of(st.text(max_size=60), MESSY))
def test_fuzzed_answers_give_a_reading(kind: AnswerKind, text: str) -> None:
    reading = NUMBER_READERS[kind](Question("loan_repaid", kind, low=Decimal(0)), text, today=TODAY)
    assert reading.outcome in Outcome
    if reading.outcome is Outcome.value and isinstance(reading.value, Decimal):
        assert reading.value.is_finite() and reading.value >= 0


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), MESSY))
def test_fuzzed_messages_give_facts(text: str) -> None:
    scanned = scan_message(text, today=TODAY)  # not extract_message: its guard would hide a failure
    assert all(loan for loan in scanned.loans)
    assert all(isinstance(loan, LoanMention) for loan in extract_message(text, today=TODAY).loans)
