"""Numbers and amounts of money: Arabic, Chinese and mixed numerals, exactly, as Decimal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DecimalException
from functools import cache

import cn2an

from flows.parsing._core import (
    MASK,
    ParseError,
    ParseProblem,
    alternation,
    ends_with_any,
    prepare,
    section,
    starts_with_any,
    words,
)

MAX_AMOUNT = Decimal(10) ** 12
"""Above a trillion yuan the text is not an amount anyone owes."""

_FEN = Decimal("0.01")
_MAX_ARABIC_DIGITS = 16
_ARABIC = r"[0-9]{1,3}(?:[, ][0-9]{3})+(?![0-9])(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"


@dataclass(frozen=True)
class NumberSyntax:
    """Regexes and tables built once from the numbers lexicon."""

    run: re.Pattern[str]
    core: str
    arabic_only: re.Pattern[str]
    decimal_units: re.Pattern[str]
    chinese_point: re.Pattern[str]
    unit_values: dict[str, int]
    digit_values: dict[str, int]
    letter_units: dict[str, str]
    few: str
    cn_chars: str


@cache
def syntax() -> NumberSyntax:
    """Build the numeral regexes from the lexicon."""
    digits = str(section("numbers", "cn_digits"))
    units: dict[str, int] = {str(k): int(v) for k, v in section("numbers", "cn_units").items()}
    unit_chars = "".join(units)
    leading = str(section("numbers", "leading_units"))
    few = str(section("numbers", "few"))
    point = str(section("numbers", "cn_point"))
    letters: dict[str, str] = {str(k).lower(): str(v) for k, v in section("numbers", "letter_units").items()}
    letter_chars = "".join(letters) + "".join(letters).upper()
    body = re.escape(digits + unit_chars + few)
    start = re.escape(digits + leading + few)
    cn_digit_class = re.escape(digits)
    # Atomic, so a long run that fails a later requirement is not retried split every possible way.
    core = (
        rf"(?>(?:{_ARABIC}|[{start}])"
        rf"(?:{_ARABIC}|[{body}]|{re.escape(point)}(?=[{cn_digit_class}]))*"
        rf"(?:[{re.escape(letter_chars)}](?![A-Za-z]))?)"
    )
    run = re.compile(rf"(?<![0-9.{re.escape(digits + unit_chars)}]){core}")
    return NumberSyntax(
        run=run,
        core=core,
        arabic_only=re.compile(rf"(?:{_ARABIC})"),
        decimal_units=re.compile(rf"([0-9]+\.[0-9]+)([{re.escape(unit_chars)}]+)"),
        chinese_point=re.compile(
            rf"([{re.escape(digits + unit_chars)}]+){re.escape(point)}([{cn_digit_class}]+)"
            rf"([{re.escape(unit_chars)}]*)"
        ),
        unit_values=units,
        digit_values={str(k): int(v) for k, v in section("numbers", "cn_digit_values").items()},
        letter_units=letters,
        few=few,
        cn_chars=digits + unit_chars + few + leading,
    )


def _cn2an_int(text: str) -> int:
    """Convert a Chinese or mixed integer numeral with cn2an, never accepting a float result."""
    try:
        value = cn2an.cn2an(text, "smart")
    # cn2an signals bad input with assorted exception types; any of them means "not a number".
    except Exception as exc:
        raise ParseError(ParseProblem.not_a_number, text) from exc
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParseError(ParseProblem.not_a_number, text)
    return value


def numeral_value(run: str) -> Decimal:
    """Convert one numeral run (Chinese, Arabic or mixed, "12,000", "12k") to an exact Decimal.

    Raises:
        ParseError: not_a_number when the run is malformed, too_large when absurdly long.
    """
    syn = syntax()
    text = run
    if text and text[-1].lower() in syn.letter_units:
        text = text[:-1] + syn.letter_units[text[-1].lower()]
    if syn.arabic_only.fullmatch(text):
        digits = text.replace(",", "").replace(" ", "")
        if len(digits.split(".")[0]) > _MAX_ARABIC_DIGITS:
            raise ParseError(ParseProblem.too_large, run, limit=MAX_AMOUNT)
        return Decimal(digits)
    if any(len(group) > _MAX_ARABIC_DIGITS for group in re.findall(r"[0-9]+", text)):
        raise ParseError(ParseProblem.too_large, run, limit=MAX_AMOUNT)
    match = syn.decimal_units.fullmatch(text)
    if match:
        return Decimal(match.group(1)) * _unit_product(match.group(2))
    match = syn.chinese_point.fullmatch(text)
    if match:
        whole = _cn2an_int(match.group(1))
        fraction = "".join(str(syn.digit_values[ch]) for ch in match.group(2) if ch in syn.digit_values)
        return Decimal(f"{whole}.{fraction}") * _unit_product(match.group(3))
    if "." in text or "," in text or " " in text:
        raise ParseError(ParseProblem.not_a_number, run)
    return Decimal(_cn2an_int(text))


def _unit_product(units: str) -> Decimal:
    product = Decimal(1)
    for ch in units:
        product *= syntax().unit_values[ch]
    return product


def numeral_range(run: str) -> tuple[Decimal, Decimal]:
    """Value of a run; a run with the "a few" digit gives its low and high ends."""
    syn = syntax()
    if syn.few not in run:
        value = numeral_value(run)
        return value, value
    low_digit, high_digit = _few_digits()
    return numeral_value(run.replace(syn.few, low_digit)), numeral_value(run.replace(syn.few, high_digit))


@cache
def _few_digits() -> tuple[str, str]:
    values = syntax().digit_values
    low = next(ch for ch, v in values.items() if v == 1)
    high = next(ch for ch, v in values.items() if v == 9)
    return low, high


def step_above(value: Decimal) -> Decimal:
    """Size of "and more" after a number: 6000-odd spans 6000-6999, ten-odd spans 10-19."""
    if value <= 0 or value != value.to_integral_value():
        return Decimal(1)
    whole = int(value)
    step = 1
    while whole % (step * 10) == 0:
        step *= 10
    return Decimal(step)


def is_money_chinese_single(run: str) -> bool:
    """Tell whether a run is one lone Chinese numeral character (often part of an ordinary word)."""
    return len(run) == 1 and run in syntax().cn_chars


@dataclass(frozen=True)
class AmountHit:
    """One amount of money found in text."""

    start: int
    end: int
    low: Decimal | None
    high: Decimal | None
    problem: ParseProblem | None = None

    @property
    def exact(self) -> Decimal | None:
        """The value when the amount is one number, else None."""
        return self.low if self.problem is None and self.low == self.high else None


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
    sign_before = words("numbers", "currency_before")
    symbol = ends_with_any(text, pos, sign_before)
    if symbol:
        pos -= len(symbol)
    marker = ends_with_any(text, pos, words("numbers", "negative"))
    if marker is None:
        return False, start
    before = text[pos - len(marker) - 1] if pos - len(marker) > 0 else ""
    # A bare minus sign between two numbers joins a range ("8000-9000"), it is no sign.
    if not marker.isalpha() and before and (before.isdigit() or before in syntax().cn_chars):
        return False, start
    return True, pos - len(marker)


def amount_hits(text: str, *, whole_answer: bool = False) -> list[AmountHit]:
    """Find every amount of money in prepared (normalised, compacted, maybe masked) text.

    Args:
        text: Text from `prepare`, possibly with claimed parts masked.
        whole_answer: True when the text answers "how much?", so a lone Chinese digit counts.
    """
    syn = syntax()
    not_money = words("numbers", "not_money_after")
    currency_after = words("numbers", "currency_after")
    more = words("numbers", "more")
    hits: list[AmountHit] = []
    claimed = 0  # where the last amount ended: its jiao and fen are not amounts of their own
    for match in syn.run.finditer(text):
        run = match.group(0)
        start, end = match.start(), match.end()
        if MASK in run or start < claimed:
            continue
        follower = starts_with_any(text, end, more)
        after = end + len(follower) if follower else end
        if starts_with_any(text, after, not_money):
            continue
        unit = starts_with_any(text, after, currency_after)
        if is_money_chinese_single(run) and not unit and not whole_answer:
            continue
        negative, start = _sign_before(text, start)
        end = after + len(unit) if unit else after
        try:
            low, high = numeral_range(run)
        except ParseError as err:
            hits.append(AmountHit(start, end, None, None, err.problem))
            continue
        if follower:
            high = low + step_above(low) - 1
        elif unit in words("numbers", "minor_after"):
            cents, end = _minor_units(text, end)
            low, high = low + cents, high + cents
            claimed = end
        if negative:
            hits.append(AmountHit(start, end, -high, -low, ParseProblem.negative))
            continue
        problem = ParseProblem.too_large if high > MAX_AMOUNT else None
        hits.append(AmountHit(start, end, low, high, problem))
    return hits


@cache
def _minor_regex() -> re.Pattern[str]:
    syn = syntax()
    digit = rf"[0-9{re.escape(''.join(syn.digit_values))}]"
    jiao = alternation(words("numbers", "jiao"))
    fen = re.escape(str(section("numbers", "fen")))
    refuse = alternation(words("numbers", "minor_not_after"))
    return re.compile(rf"(?:({digit})(?:{jiao}))?(?:({digit}){fen})?(?!{refuse})")


def _minor_units(text: str, pos: int) -> tuple[Decimal, int]:
    """Read jiao and fen right after a yuan unit at `pos`; return their value and where they end."""
    match = _minor_regex().match(text, pos)
    if match is None or match.end() == pos:
        return Decimal(0), pos
    values = syntax().digit_values

    def digit(char: str | None) -> int:
        return 0 if char is None else int(char) if char.isdigit() else values[char]

    return Decimal(digit(match.group(1))) / 10 + Decimal(digit(match.group(2))) / 100, match.end()


@cache
def _not_a_number_regex() -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z])(?:{alternation(words('numbers', 'not_a_number'))})(?![a-z])", re.IGNORECASE)


_SCIENTIFIC = re.compile(r"(?<![0-9a-z.])(-?)([0-9]+(?:\.[0-9]+)?)e([+-]?[0-9]+)(?![0-9a-z])", re.IGNORECASE)


def _scientific(text: str) -> Decimal | None:
    """Read "1e308" exactly (never through float); None when absent."""
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


def _strip_for_zero(text: str) -> str:
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
    if _not_a_number_regex().search(prepared):
        raise ParseError(ParseProblem.not_a_number, text)
    scientific = _scientific(prepared)
    if scientific is not None:
        return to_yuan(scientific, text)
    hits = amount_hits(prepared)
    if not hits and len(_strip_for_zero(prepared)) == 1:
        hits = amount_hits(prepared, whole_answer=True)
    if not hits:
        if _strip_for_zero(prepared) in words("numbers", "zero_words"):
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
