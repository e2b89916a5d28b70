"""Real-world phrasings for flows.parsing: each case asserts one exact value or one exact problem."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.core.models import Collection
from flows.parsing import (
    LoanFacts,
    ParseError,
    ParseProblem,
    ProfileFacts,
    Rate,
    extract_loan_facts,
    extract_profile_facts,
    normalise,
    parse_amount,
    parse_collection,
    parse_duration_days,
    parse_rate,
    parse_third_party,
    parse_yes_no,
)

D = Decimal


# --- amounts -------------------------------------------------------------------------------------

AMOUNTS: list[tuple[str, Decimal]] = [
    ("8000", D(8000)),
    ("8千", D(8000)),
    ("八千五", D(8500)),
    ("1.2万", D(12000)),
    ("一万二", D(12000)),
    ("¥12,000", D(12000)),
    ("12k", D(12000)),
    ("12K", D(12000)),
    ("大概6000左右", D(6000)),
    ("两万三千", D(23000)),
    ("3万5", D(35000)),
    ("五百", D(500)),
    ("0", D(0)),
    ("10亿", D(1_000_000_000)),
    ("￥１２，０００", D(12000)),  # full-width digits and sign
    ("１２０００元", D(12000)),
    (" 8000 ", D(8000)),
    ("12 000", D(12000)),
    ("8000元", D(8000)),
    ("八千块", D(8000)),
    ("八千块钱", D(8000)),
    ("3.5w", D(35000)),
    ("一点五万", D(15000)),
    ("1万2千", D(12000)),
    ("一万零五百", D(10500)),
    ("壹万贰仟", D(12000)),
    ("2万 5千", D(25000)),  # a stray space inside a mixed numeral
    ("8,000.50", D("8000.50")),
    ("1234.567", D("1234.57")),  # rounded to whole fen
    ("差不多两千", D(2000)),
    ("一直欠八千", D(8000)),  # the lone digit inside an ordinary word is not an amount
    ("一个月8000", D(8000)),
    ("没有", D(0)),
    ("一分钱都没还", D(0)),
    ("1e4", D(10000)),
    ("rmb 3000", D(3000)),
    ("8OOO", D(8000)),  # letter O typed for zero
    ("l000块", D(1000)),
    ("两万3", D(23000)),
    ("3千5", D(3500)),
    ("八千伍佰", D(8500)),
    ("8000圆", D(8000)),
    ("一千二百五十元五角", D("1250.5")),  # jiao and fen after the yuan
    ("12块5毛3分", D("12.53")),
    ("3元5分", D("3.05")),
    ("5000元5分利", D(5000)),  # "5分利" is a rate, not five fen
    ("三百二十块五", D("320.5")),  # a bare digit after the yuan is jiao
    ("两块五毛三", D("2.53")),
    ("三毛钱", D("0.3")),  # jiao with no yuan before them
    ("五毛", D("0.5")),
    ("3毛", D("0.3")),
    ("两毛五", D("0.25")),
    ("2w5", D(25000)),
    ("3k5", D(3500)),
    ("一个亿", D(100_000_000)),
    ("伍仟元整", D(5000)),
    ("俩万", D(20000)),
]


@pytest.mark.parametrize(("text", "expected"), AMOUNTS)
def test_parse_amount(text: str, expected: Decimal) -> None:
    value = parse_amount(text)
    assert value == expected
    assert isinstance(value, Decimal)


BAD_AMOUNTS: list[tuple[str, ParseProblem]] = [
    ("-500", ParseProblem.negative),
    ("负五百", ParseProblem.negative),
    ("abc", ParseProblem.not_found),
    ("", ParseProblem.not_found),
    ("   ", ParseProblem.not_found),
    ("很多", ParseProblem.not_found),
    ("NaN", ParseProblem.not_a_number),
    ("nan", ParseProblem.not_a_number),
    ("inf", ParseProblem.not_a_number),
    ("-Infinity", ParseProblem.not_a_number),
    ("1e308", ParseProblem.too_large),
    ("1e999999999", ParseProblem.too_large),
    ("五百万亿", ParseProblem.too_large),
    ("99999999999999999999", ParseProblem.too_large),
    ("8000-9000", ParseProblem.ambiguous),
    ("8000到9000", ParseProblem.ambiguous),
    ("八到九千", ParseProblem.ambiguous),
    ("5k-6k", ParseProblem.ambiguous),  # a range, not minus 6k
    ("6000多", ParseProblem.ambiguous),
    ("一万多", ParseProblem.ambiguous),
    ("十几万", ParseProblem.ambiguous),
    ("2023年", ParseProblem.not_found),
    ("3个月", ParseProblem.not_found),
]


@pytest.mark.parametrize(("text", "problem"), BAD_AMOUNTS)
def test_parse_amount_problems(text: str, problem: ParseProblem) -> None:
    with pytest.raises(ParseError) as caught:
        parse_amount(text)
    assert caught.value.problem is problem


def test_ambiguous_amount_gives_the_range() -> None:
    with pytest.raises(ParseError) as caught:
        parse_amount("一万多")
    assert caught.value.detail["low"] == D(10000)
    assert caught.value.detail["high"] == D(19999)


def test_a_range_with_a_lone_first_digit_gives_both_ends() -> None:
    with pytest.raises(ParseError) as caught:
        parse_amount("八到九千")
    assert (caught.value.detail["low"], caught.value.detail["high"]) == (D(8000), D(9000))
    with pytest.raises(ParseError) as caught:
        parse_amount("十到十五万")
    assert (caught.value.detail["low"], caught.value.detail["high"]) == (D(100_000), D(150_000))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_parse_amount_only_ever_raises_parse_error(text: str) -> None:
    try:
        value = parse_amount(text)
    except ParseError:
        return
    assert isinstance(value, Decimal)
    assert value.is_finite() and D(0) <= value <= D(10) ** 12


# --- rates ---------------------------------------------------------------------------------------

RATES: list[tuple[str, str, Decimal, Decimal]] = [
    ("年化24%", "annual", D("0.24"), D("0.24")),
    ("日息万五", "daily", D("0.0005"), D("0.1825")),
    ("日利率0.05%", "daily", D("0.0005"), D("0.1825")),
    ("月息1分5", "monthly", D("0.015"), D("0.18")),
    ("月息一分五", "monthly", D("0.015"), D("0.18")),
    ("月费率0.6%", "monthly_fee", D("0.006"), D("0.072")),
    ("年利率18%", "annual", D("0.18"), D("0.18")),
    ("利息36%", "annual", D("0.36"), D("0.36")),
    ("24%", "annual", D("0.24"), D("0.24")),
    ("年化 24 %", "annual", D("0.24"), D("0.24")),
    ("年化２４％", "annual", D("0.24"), D("0.24")),
    ("年化24", "annual", D("0.24"), D("0.24")),
    ("百分之二十四", "annual", D("0.24"), D("0.24")),
    ("日息万分之五", "daily", D("0.0005"), D("0.1825")),
    ("万五", "daily", D("0.0005"), D("0.1825")),
    ("日息5厘", "daily", D("0.0005"), D("0.1825")),
    ("3分利", "monthly", D("0.03"), D("0.36")),
    ("综合年化36%以内", "annual", D("0.36"), D("0.36")),
    ("借了一万五，日息万五", "daily", D("0.0005"), D("0.1825")),
    ("千分之二每天", "daily", D("0.002"), D("0.730")),  # the period after the figure
    ("0.05%一天", "daily", D("0.0005"), D("0.1825")),
    ("利息千分之二每天", "daily", D("0.002"), D("0.730")),
    ("2%/月", "monthly", D("0.02"), D("0.24")),
    ("万五一天", "daily", D("0.0005"), D("0.1825")),
    ("两万块一天八块利息", "daily", D("0.0004"), D("0.1460")),  # a rate said as money
]


@pytest.mark.parametrize(("text", "kind", "per_period", "annual"), RATES)
def test_parse_rate(text: str, kind: str, per_period: Decimal, annual: Decimal) -> None:
    rate = parse_rate(text)
    assert rate.kind == kind
    assert rate.per_period == per_period
    assert rate.annual_simple == annual


def test_canonical_text_reads_back_to_the_same_rate() -> None:
    for text in ("千分之二每天", "每月两分息", "月费率0.6%", "年化24%", "两万块一天八块利息"):
        rate = parse_rate(text)
        again = parse_rate(rate.canonical)
        assert (again.kind, again.per_period) == (rate.kind, rate.per_period), text


def test_rate_text_round_trips() -> None:
    rate = parse_rate("借呗日息万五")
    assert rate == Rate(text="日息万五", kind="daily", per_period=D("0.0005"), annual_simple=D("0.1825"))
    assert parse_rate(rate.text) == rate


BAD_RATES: list[tuple[str, ParseProblem]] = [
    ("-24%", ParseProblem.negative),
    ("年化-5%", ParseProblem.negative),
    ("日息50%", ParseProblem.too_large),
    ("24", ParseProblem.ambiguous),
    ("abc", ParseProblem.not_found),
    ("", ParseProblem.not_found),
    ("不知道", ParseProblem.not_found),
    ("一分没还", ParseProblem.not_found),
]


@pytest.mark.parametrize(("text", "problem"), BAD_RATES)
def test_parse_rate_problems(text: str, problem: ParseProblem) -> None:
    with pytest.raises(ParseError) as caught:
        parse_rate(text)
    assert caught.value.problem is problem


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_parse_rate_only_ever_raises_parse_error(text: str) -> None:
    try:
        rate = parse_rate(text)
    except ParseError:
        return
    assert rate.per_period >= 0
    assert rate.annual_simple <= 100


# --- durations -----------------------------------------------------------------------------------

DURATIONS: list[tuple[str, int]] = [
    ("逾期35天", 35),
    ("35天", 35),
    ("35", 35),
    ("逾期 35 天", 35),
    ("三十五天", 35),
    ("两个月", 60),
    ("一个月", 30),
    ("半年", 180),
    ("半个月", 15),
    ("一个半月", 45),
    ("1年半", 545),
    ("3周", 21),
    ("两个星期", 14),
    ("40天左右", 40),
    ("快两个月了", 60),
    ("一个月零五天", 35),
    ("大概三个月左右", 90),
    ("刚逾期", 1),
    ("今天", 1),
    ("昨天", 2),
    ("没逾期", 0),
    ("还没逾期", 0),
    ("没有", 0),
    ("逾期了40天，借了12个月", 40),
    ("四十来天", 40),
    ("快俩月", 60),
    ("三个月零十天", 100),
]


@pytest.mark.parametrize(("text", "days"), DURATIONS)
def test_parse_duration_days(text: str, days: int) -> None:
    assert parse_duration_days(text) == days


AMBIGUOUS_DURATIONS: list[tuple[str, int, int]] = [
    ("一个多月", 30, 59),
    ("两个多月", 60, 89),
    ("十多天", 10, 19),
    ("一年多", 365, 729),
    ("几天", 1, 9),
]


@pytest.mark.parametrize(("text", "low", "high"), AMBIGUOUS_DURATIONS)
def test_parse_duration_ambiguous(text: str, low: int, high: int) -> None:
    with pytest.raises(ParseError) as caught:
        parse_duration_days(text)
    assert caught.value.problem is ParseProblem.ambiguous
    assert caught.value.detail == {"low": low, "high": high}


BAD_DURATIONS: list[tuple[str, ParseProblem]] = [
    ("-3天", ParseProblem.negative),
    ("逾期100年", ParseProblem.too_large),
    ("abc", ParseProblem.not_found),
    ("", ParseProblem.not_found),
    ("3月5号", ParseProblem.not_found),  # a date, not three months
    ("NaN", ParseProblem.not_a_number),
]


@pytest.mark.parametrize(("text", "problem"), BAD_DURATIONS)
def test_parse_duration_problems(text: str, problem: ParseProblem) -> None:
    with pytest.raises(ParseError) as caught:
        parse_duration_days(text)
    assert caught.value.problem is problem


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_parse_duration_only_ever_raises_parse_error(text: str) -> None:
    try:
        days = parse_duration_days(text)
    except ParseError:
        return
    assert 0 <= days <= 3650


# --- yes / no, collection, third parties -----------------------------------------------------------

YES_NO: list[tuple[str, bool | None]] = [
    ("是的", True),
    ("是", True),
    ("嗯嗯好", True),
    ("好的谢谢", True),
    ("有", True),
    ("有的", True),
    ("对对对", True),
    ("OK", True),
    ("yes please", True),
    ("👍", True),
    ("没有啊", False),
    ("没", False),
    ("不是", False),
    ("不不不", False),
    ("算了", False),
    ("No", False),
    ("不知道", None),
    ("有没有", None),
    ("", None),
    ("借呗", None),
]


@pytest.mark.parametrize(("text", "expected"), YES_NO)
def test_parse_yes_no(text: str, expected: bool | None) -> None:
    assert parse_yes_no(text) is expected


COLLECTIONS: list[tuple[str, Collection | None]] = [
    ("没催", Collection.none),
    ("没有", Collection.none),
    ("只发短信", Collection.sms),
    ("打电话", Collection.calls),
    ("天天打", Collection.frequent),
    ("电话轰炸", Collection.frequent),
    ("一天几十个电话", Collection.frequent),
    ("威胁要上门", Collection.threats),
    ("恐吓我", Collection.threats),
    ("骂得很难听", Collection.threats),
    ("爆通讯录", Collection.threats),
    ("联系家人", Collection.threats),
    ("没有威胁，就是打电话", Collection.calls),
    ("没打电话，只发短信", Collection.sms),
    ("还行吧", None),
]


@pytest.mark.parametrize(("text", "expected"), COLLECTIONS)
def test_parse_collection(text: str, expected: Collection | None) -> None:
    assert parse_collection(text) is expected


THIRD_PARTY: list[tuple[str, bool | None]] = [
    ("第三方催收公司打的", True),
    ("外包的", True),
    ("委外了", True),
    ("联系我家人了", True),
    ("打给紧急联系人", True),
    ("没有", False),
    ("都是平台自己打的", False),
    ("没有联系家人", False),
    ("不清楚", None),
]


@pytest.mark.parametrize(("text", "expected"), THIRD_PARTY)
def test_parse_third_party(text: str, expected: bool | None) -> None:
    assert parse_third_party(text) is expected


# --- several facts at once -------------------------------------------------------------------------


def test_the_issue_example() -> None:
    facts = extract_loan_facts("借呗欠一万二，逾期40天左右，日息万五，天天打电话")
    assert facts == LoanFacts(
        platform="借呗",
        principal=None,
        owed=D(12000),
        repaid=None,
        overdue_days=40,
        rate=Rate(text="日息万五", kind="daily", per_period=D("0.0005"), annual_simple=D("0.1825")),
        collection=Collection.frequent,
        third_party=None,
        received=None,
        term_months=None,
        ambiguous_overdue=None,
    )


LOAN_FACTS: list[tuple[str, dict[str, object]]] = [
    ("借了两万三千，还剩八千五", {"principal": D(23000), "owed": D(8500)}),
    (
        "微粒贷借了1万，已还3000，逾期一个多月，第三方催收公司打电话给我妈",
        {
            "platform": "微粒贷",
            "principal": D(10000),
            "repaid": D(3000),
            "overdue_days": None,
            "ambiguous_overdue": (30, 59),
            "collection": Collection.threats,
            "third_party": True,
        },
    ),
    (
        "到手8000，合同上写10000，分12期，年化36%",
        {"received": D(8000), "principal": D(10000), "term_months": 12},
    ),
    (
        "京东白条 还欠 5,000 元 逾期 3 周 只发短信",
        {"platform": "京东白条", "owed": D(5000), "overdue_days": 21, "collection": Collection.sms},
    ),
    ("360借条欠了一万多，没逾期", {"platform": "360借条", "owed": None, "overdue_days": 0}),
    ("美团借钱，刚逾期，没催", {"platform": "美团借钱", "overdue_days": 1, "collection": Collection.none}),
    (
        "花呗欠6000，逾期两个月，一天几十个电话，还爆通讯录",
        {"platform": "花呗", "owed": D(6000), "overdue_days": 60, "collection": Collection.threats},
    ),
    (
        "有钱花 借了12个月 借款2万 月费率0.6%",
        {"platform": "度小满", "principal": D(20000), "term_months": 12, "overdue_days": None},
    ),
    ("借了3万，逾期35天，威胁上门", {"principal": D(30000), "overdue_days": 35}),
    ("支付宝借呗借了５０００，实际到账4500", {"platform": "借呗", "principal": D(5000), "received": D(4500)}),
    ("月供1000，还剩6期", {"term_months": None, "owed": None, "principal": None}),
    ("欠借呗12000", {"platform": "借呗", "owed": D(12000)}),
    ("度小满欠两万 还打到我单位去了", {"platform": "度小满", "third_party": True, "collection": Collection.threats}),
    ("借呗欠一万 每天都打电话", {"owed": D(10000), "collection": Collection.frequent}),
    ("借呗欠一万二 花呗欠三千", {"platform": "借呗", "owed": D(12000)}),  # the first loan's own figure
    ("你好", {"platform": None, "principal": None, "owed": None, "rate": None, "collection": None}),
    ("", {"platform": None, "overdue_days": None}),
]


@pytest.mark.parametrize(("text", "expected"), LOAN_FACTS)
def test_extract_loan_facts(text: str, expected: dict[str, object]) -> None:
    facts = extract_loan_facts(text)
    for field, value in expected.items():
        assert getattr(facts, field) == value, field


def test_extract_rate_kind_in_context() -> None:
    facts = extract_loan_facts("有钱花 借了12个月 借款2万 月费率0.6%")
    assert facts.rate is not None
    assert (facts.rate.kind, facts.rate.per_period) == ("monthly_fee", D("0.006"))


# Text drawn from the characters the parsers care about, so the fuzzing reaches the numeral code.
MESSY = st.text(
    alphabet="0123456789.,-¥%kw 零一二两三四五六七八九十百千万亿几多个半天月年周期分厘息化"
    "欠借还了剩到手逾利率工资房租没有不打电话短信威胁呗点之负左右约e",
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), MESSY))
def test_extract_never_raises(text: str) -> None:
    assert isinstance(extract_loan_facts(text), LoanFacts)
    assert isinstance(extract_profile_facts(text), ProfileFacts)


@settings(max_examples=300, deadline=None)
@given(MESSY)
def test_parsers_only_raise_parse_error_on_messy_text(text: str) -> None:
    for parse in (parse_amount, parse_rate, parse_duration_days):
        with contextlib.suppress(ParseError):
            parse(text)
    assert parse_yes_no(text) in (True, False, None)
    assert parse_collection(text) in (*Collection, None)
    assert parse_third_party(text) in (True, False, None)


PROFILES: list[tuple[str, Decimal | None, Decimal | None]] = [
    ("工资8000，房租加吃饭3000", D(8000), D(3000)),
    ("一个月挣5000，花3000，每月还网贷2000", D(5000), D(3000)),
    ("收入8000到手7500，房租2000，吃饭1500，水电200", D(7500), D(3700)),
    ("年薪12万，每月开销大概4000左右", D(10000), D(4000)),
    ("没有收入，生活费1500", D(0), D(1500)),
    ("工资6000加兼职2000，房租1500吃饭1000一共3000", D(8000), D(3000)),
    ("花呗欠3000，工资5000", D(5000), None),
    ("工资８０００", D(8000), None),
    ("现在零收入 房租一千五", D(0), D(1500)),
    ("随便聊聊", None, None),
]


@pytest.mark.parametrize(("text", "income", "expenses"), PROFILES)
def test_extract_profile_facts(text: str, income: Decimal | None, expenses: Decimal | None) -> None:
    assert extract_profile_facts(text) == ProfileFacts(monthly_income=income, monthly_expenses=expenses)


# --- normalise -------------------------------------------------------------------------------------

NORMALISED: list[tuple[str, str]] = [
    ("￥１２，０００", "¥12,000"),
    ("  欠\u200b 8000\x07 ", "欠 8000"),
    ("年化２４％", "年化24%"),
    ("a\u3000\u3000b", "a b"),
    ("一\n\n二", "一\n二"),
]


@pytest.mark.parametrize(("raw", "clean"), NORMALISED)
def test_normalise(raw: str, clean: str) -> None:
    assert normalise(raw) == clean
