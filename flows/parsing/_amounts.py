"""Amounts of money in text: exact, approximate ("two thousand-odd", "five or six thousand", "about three thousand"),
with jiao and fen."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DecimalException
from functools import cache

from flows.parsing._core import (
    MASK,
    ParseError,
    ParseProblem,
    alternation,
    clause_breaks,
    ends_with_any,
    prepare,
    section,
    starts_with_any,
    words,
)
from flows.parsing._numerals import (
    MAX_AMOUNT,
    is_money_chinese_single,
    numeral_range,
    numeral_value,
    step_above,
    syntax,
)

_FEN = Decimal("0.01")
_APPROX_GAP = 2

Approx = str
"""How an amount is approximate: "about" (about three thousand), "more" (two thousand-odd), "bit_over" (just over ten
thousand),
"range" (five or six thousand, 8000 to 9000, eight to nine thousand) or "few" (a hundred-odd thousand); None when
exact."""


@dataclass(frozen=True)
class AmountHit:
    """One amount of money found in text.

    Attributes:
        start: Where it starts in the prepared text (an approximating word before it included).
        end: Where it ends (its unit, jiao and fen, and an approximating word after it included).
        low: The low end (the value itself when exact).
        high: The high end.
        problem: Why it is not a usable amount (negative, too large, not a number), else None.
        approx: How it is approximate (see `Approx`), None when exact.
        value: The one value that stands for it: the value itself, the middle of a range, or
            the middle of the span "more than" names ("two thousand-odd" is 2,500).
        run: The numeral as typed.
        unit: The money unit after it, "" when none.
    """

    start: int
    end: int
    low: Decimal | None
    high: Decimal | None
    problem: ParseProblem | None = None
    approx: Approx | None = None
    value: Decimal | None = None
    run: str = ""
    unit: str = ""

    @property
    def exact(self) -> Decimal | None:
        """The value when the amount is one number, else None."""
        return self.low if self.problem is None and self.low == self.high else None


@dataclass(frozen=True)
class _Words:
    not_money: tuple[str, ...]
    currency_after: tuple[str, ...]
    minor_after: tuple[str, ...]
    more: dict[str, str]
    approx_before: tuple[str, ...]
    approx_after: tuple[str, ...]
    exact_after: tuple[str, ...]
    unit_chars: dict[str, int]
    measured: dict[str, Decimal]
    still_money: tuple[str, ...]
    breaks: str


@cache
def _words() -> _Words:
    kinds = {str(k): str(v) for k, v in section("numbers", "more_kinds").items()}
    return _Words(
        not_money=tuple(words("numbers", "not_money_after")),
        currency_after=tuple(words("numbers", "currency_after")),
        minor_after=tuple(words("numbers", "minor_after")),
        more={word: kinds.get(word, "more") for word in [*words("numbers", "more"), *kinds]},
        approx_before=tuple(words("numbers", "approx_before")),
        approx_after=tuple(words("numbers", "approx_after")),
        exact_after=tuple(words("numbers", "exact_after")),
        unit_chars={str(k): int(v) for k, v in section("numbers", "cn_units").items()},
        measured={str(k): Decimal(int(v)) for k, v in section("numbers", "measured_units").items()},
        still_money=tuple(words("numbers", "money_despite_after")),
        breaks=clause_breaks(),
    )


def to_yuan(value: Decimal, text: str = "") -> Decimal:
    """Check bounds and round to whole fen.

    Raises:
        ParseError: negative or too_large.
    """
    if value < 0:
        raise ParseError(ParseProblem.negative, text, value=value)
    if value > MAX_AMOUNT:
        raise ParseError(ParseProblem.too_large, text, limit=MAX_AMOUNT)
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.quantize(_FEN, rounding=ROUND_HALF_UP)


def _sign_before(text: str, start: int) -> tuple[bool, int]:
    """Whether a minus sign or the word for negative stands right before start (skipping a currency sign)."""
    pos = start
    symbol = ends_with_any(text, pos, words("numbers", "currency_before"))
    if symbol:
        pos -= len(symbol)
    marker = ends_with_any(text, pos, words("numbers", "negative"))
    if marker is None:
        return False, start
    before = text[max(pos - len(marker) - 2, 0) : pos - len(marker)]
    # A bare minus sign between two numbers joins a range ("8000-9000", "5k-6k"), it is no sign.
    if not marker.isalpha() and before and _ends_a_number(before):
        return False, start
    return True, pos - len(marker)


def _ends_a_number(before: str) -> bool:
    """Whether the one or two characters before a minus sign end a numeral ("8000", "five thousand", "5k")."""
    syn = syntax()
    last = before[-1]
    if last.isdigit() or last in syn.cn_chars:
        return True
    return last.lower() in syn.letter_units and len(before) > 1 and before[-2].isdigit()


def _approx_before(text: str, start: int) -> int | None:
    """Where an approximating word ("roughly", "about") ending at most two characters before start begins."""
    table = _words()
    for end in range(start, max(start - _APPROX_GAP, 0) - 1, -1):
        if end < start and (text[end] in table.breaks or text[end] == MASK):
            return None
        found = ends_with_any(text, end, table.approx_before)
        if found:
            return end - len(found)
    return None


def _spread(kind: str, low: Decimal) -> tuple[Decimal, Decimal]:
    """High end and standing value of "more than low" ("two thousand-odd") or "a bit over low" ("just over ten
    thousand")."""
    step = step_above(low)
    if kind == "bit_over":
        return low + step / 5, low + step / 10
    return low + step - 1, low + step / 2


def amount_hits(text: str, *, whole_answer: bool = False) -> list[AmountHit]:
    """Find every amount of money in prepared (normalised, compacted, maybe masked) text.

    Args:
        text: Text from `prepare`, possibly with claimed parts masked.
        whole_answer: True when the text answers "how much?", so a lone Chinese digit counts.
    """
    syn = syntax()
    table = _words()
    hits: list[AmountHit] = []
    claimed = 0  # where the last amount ended: its jiao and fen are not amounts of their own
    for match in syn.run.finditer(text):
        run = match.group(0)
        start, end = match.start(), match.end()
        if MASK in run or start < claimed:
            continue
        if starts_with_any(text, end, table.not_money) and len(run) > 1 and run[-1] in syn.digit_values \
                and (run[-2] in table.unit_chars or run[-2].isdigit()):
            run, end = run[:-1], end - 1  # "ten thousand a day": the last digit counts the day, the rest is money
        follower = starts_with_any(text, end, table.more)
        after = end + len(follower) if follower else end
        scale = Decimal(1)
        if follower and after < len(text) and text[after] in table.unit_chars:
            scale = Decimal(table.unit_chars[text[after]])  # "over a hundred thousand": the unit comes after "more"
            after += 1
        measured = starts_with_any(text, after, table.measured)
        if measured:
            scale, after = scale * table.measured[measured], after + len(measured)  # "one hundred million"
        if starts_with_any(text, after, table.not_money) and not starts_with_any(text, after, table.still_money):
            continue
        unit = starts_with_any(text, after, table.currency_after) or ""
        plain = not unit and not follower and scale == 1
        jiao = _jiao_alone(text, match.start(), run) if plain else None
        opened = _range_opened(text, run, end, whole_answer=whole_answer) if plain and jiao is None else None
        if is_money_chinese_single(run) and not unit and not whole_answer and scale == 1 and jiao is None \
                and opened is None:
            continue
        negative, start = _sign_before(text, start)
        end = after + len(unit)
        try:
            low, high = numeral_range(run)
        except ParseError as err:
            hits.append(AmountHit(start, end, None, None, err.problem, run=run))
            continue
        approx: str | None = None if low == high else ("few" if syn.few in run else "range")
        if jiao is not None:
            low = high = jiao.value
            end, unit, approx, claimed = jiao.end, jiao.unit, None, jiao.end
        if opened is not None:
            low, high = opened.low, opened.high
            end, unit, approx, claimed, run = opened.end, opened.unit, "range", opened.end, opened.run
        value = (low + high) / 2
        if follower:
            approx = table.more[follower]
            if approx != "about":
                high, value = _spread(approx, low)
        if scale > 1:
            high = (high + 1) * scale - 1 if approx == "more" else high * scale
            low, value = low * scale, value * scale
        if unit in table.minor_after and opened is None:
            cents, end = _minor_units(text, end)
            low, high, value = low + cents, high + cents, value + cents
            claimed = end
        exact_word = starts_with_any(text, end, table.exact_after)
        if exact_word and not is_money_chinese_single(run):
            end += len(exact_word)
        tail = starts_with_any(text, end, table.approx_after)
        if tail:
            end += len(tail)
            approx = approx or "about"
        begin = _approx_before(text, start)
        if begin is not None:
            start, approx = begin, approx or "about"
        if negative:
            hits.append(AmountHit(start, end, -high, -low, ParseProblem.negative, approx, -value, run, unit))
            continue
        problem = ParseProblem.too_large if high > MAX_AMOUNT else None
        hits.append(AmountHit(start, end, low, high, problem, approx, value, run, unit))
    return hits


@dataclass(frozen=True)
class _Opened:
    """A range whose first figure is a lone digit sharing the second figure's unit."""

    low: Decimal
    high: Decimal
    end: int
    unit: str
    run: str


def _range_opened(text: str, run: str, end: int, *, whole_answer: bool) -> _Opened | None:
    """Read "eight to nine thousand" (ba dao jiu qian) as 8,000-9,000 when `run` is the lone digit opening it.

    The digit takes the place of the second figure's leading digit ("one to twenty-five thousand" is 10,000-25,000),
    or the place below when it would not be lower ("eight to a hundred and twenty thousand" is 80,000-120,000).
    A lone "ten" (shi) is read the same way: "ten to twenty wan" is 100,000-200,000.
    A lone Chinese digit is otherwise no amount (it is often part of a word), and read alone it would leave
    only the second figure: "eight to nine thousand" read as 9,000.
    """
    if syntax().digit_values.get(run, 0) <= 0 and run not in str(section("numbers", "leading_units")):
        return None
    joiner = starts_with_any(text, end, words("numbers", "range_between"))
    if joiner is None:
        return None
    offset = end + len(joiner)
    following = amount_hits(text[offset:], whole_answer=whole_answer)
    if not following:
        return None
    second = following[0]
    if second.start != 0 or second.problem is not None or second.low is None or second.high is None \
            or second.low <= 0:
        return None
    first = numeral_value(run)
    low = first * Decimal(10) ** (second.low.adjusted() - first.adjusted())
    if low >= second.low:
        low /= 10
    return _Opened(low, second.high, offset + second.end, second.unit, text[end - len(run) : offset + len(second.run)])


@dataclass(frozen=True)
class _Jiao:
    """An amount said in jiao with no yuan before it."""

    value: Decimal
    end: int
    unit: str


def _jiao_alone(text: str, start: int, run: str) -> _Jiao | None:
    """Read "three mao (qian)" as 0.30 yuan and "two mao five" as 0.25 when the one-digit `run` at `start` opens it.

    Not in "not one mao repaid" (yi mao mei huan) and the like: that says zero, which the zero phrases read.
    """
    if len(run) != 1:
        return None
    found = _minor_regex().match(text, start)
    if found is None or found.group("j") is None:
        return None
    end = found.end()
    money = starts_with_any(text, end, words("numbers", "jiao_money_after"))
    end += len(money) if money else 0
    if starts_with_any(text, end, words("numbers", "jiao_alone_not_before")):
        return None
    jiao = next(word for word in words("numbers", "jiao") if text.startswith(word, start + 1))
    value = Decimal(_digit(found.group("j"))) / 10 + Decimal(_digit(found.group("f"))) / 100
    return _Jiao(value, end, jiao)


def _digit(char: str | None) -> int:
    """The value of one Arabic or Chinese digit; 0 for none."""
    if char is None:
        return 0
    return int(char) if char.isdigit() else syntax().digit_values[char]


@cache
def _minor_regex() -> re.Pattern[str]:
    syn = syntax()
    digit = rf"[0-9{re.escape(''.join(syn.digit_values))}]"
    jiao = alternation(words("numbers", "jiao"))
    fen = re.escape(str(section("numbers", "fen")))
    refuse = alternation(words("numbers", "minor_not_after"))
    # A bare digit is a jiao ("320 yuan 5 (jiao)") or, after a jiao, a fen ("2 yuan 5 jiao 3") only when no number,
    # unit or counted word follows it ("2000 yuan five days" is five days).
    minor_chars = re.escape("".join(words("numbers", "jiao")) + str(section("numbers", "fen")))
    counted = alternation(words("numbers", "not_money_after"))
    stop = rf"(?![0-9.{re.escape(syn.cn_chars)}{minor_chars}]|{counted})"
    return re.compile(
        rf"(?:(?P<j>{digit})(?:{jiao})(?:(?P<f>{digit})(?:{fen}|{stop}))?|(?P<f2>{digit}){fen}|(?P<j2>{digit}){stop})"
        rf"(?!{refuse})"
    )


def _minor_units(text: str, pos: int) -> tuple[Decimal, int]:
    """Read jiao and fen right after a yuan unit at `pos`; return their value and where they end."""
    match = _minor_regex().match(text, pos)
    if match is None or match.end() == pos:
        return Decimal(0), pos
    jiao = _digit(match.group("j") or match.group("j2"))
    fen = _digit(match.group("f") or match.group("f2"))
    return Decimal(jiao) / 10 + Decimal(fen) / 100, match.end()


@cache
def _not_a_number_regex() -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z])(?:{alternation(words('numbers', 'not_a_number'))})(?![a-z])", re.IGNORECASE)


_SCIENTIFIC = re.compile(r"(?<![0-9a-z.])(-?)([0-9]+(?:\.[0-9]+)?)e([+-]?[0-9]+)(?![0-9a-z])", re.IGNORECASE)


def not_a_number(prepared: str) -> bool:
    """Tell whether prepared text spells not-a-number ("NaN", "inf", "infinity")."""
    return bool(_not_a_number_regex().search(prepared))


def scientific(text: str) -> Decimal | None:
    """Read "1e308" exactly (never through float); None when absent.

    Raises:
        ParseError: too_large or not_a_number for an absurd exponent.
    """
    match = _SCIENTIFIC.search(text)
    if not match:
        return None
    exponent = match.group(3).lstrip("+-")
    if len(exponent) > 4:
        problem = ParseProblem.too_large if not match.group(3).startswith("-") else ParseProblem.not_a_number
        raise ParseError(problem, text, limit=MAX_AMOUNT)
    try:
        value = Decimal(f"{match.group(2)}e{match.group(3)}")
    except DecimalException as exc:
        raise ParseError(ParseProblem.not_a_number, text) from exc
    return -value if match.group(1) else value


def strip_for_zero(text: str) -> str:
    """The text without approximating words, money units and punctuation (to compare with zero words)."""
    cleaned = text
    for word in sorted(words("numbers", "approx") + words("numbers", "currency_after"), key=len, reverse=True):
        cleaned = cleaned.replace(word, "")
    return "".join(ch for ch in cleaned if ch.isalnum())


def parse_amount(text: str) -> Decimal:
    """Read one amount of money in yuan.

    Args:
        text: What the user typed, e.g. "8500" in Chinese numerals, "1.2 wan", "¥12,000", "12k",
            "about 6000" (see tests/test_parsing.py for real phrasings).

    Returns:
        The amount in yuan, exact, rounded to whole fen.

    Raises:
        ParseError: not_found (no number), not_a_number ("NaN", "inf"), negative ("-500"),
            too_large (above 10^12 yuan), ambiguous (a range or several different amounts;
            detail has "low", "high" and "candidates").
    """
    prepared = prepare(text)
    if not prepared:
        raise ParseError(ParseProblem.not_found, text)
    if not_a_number(prepared):
        raise ParseError(ParseProblem.not_a_number, text)
    found = scientific(prepared)
    if found is not None:
        return to_yuan(found, text)
    hits = amount_hits(prepared)
    if not hits and len(strip_for_zero(prepared)) == 1:
        hits = amount_hits(prepared, whole_answer=True)
    if not hits:
        if strip_for_zero(prepared) in words("numbers", "zero_words"):
            return Decimal(0)
        raise ParseError(ParseProblem.not_found, text)
    for hit in hits:
        if hit.problem is not None and hit.problem is not ParseProblem.too_large:
            raise ParseError(hit.problem, text, value=hit.low)
    for hit in hits:
        if hit.problem is ParseProblem.too_large:
            raise ParseError(ParseProblem.too_large, text, limit=MAX_AMOUNT)
    lows = [hit.low for hit in hits if hit.low is not None]
    highs = [hit.high for hit in hits if hit.high is not None]
    values = sorted({*lows, *highs})
    if len(values) == 1:
        return to_yuan(values[0], text)
    raise ParseError(
        ParseProblem.ambiguous,
        text,
        low=to_yuan(values[0]),
        high=to_yuan(values[-1]),
        candidates=[to_yuan(value) for value in values],
    )
