"""Numerals: Arabic, Chinese and mixed ("2w5", "12k (ten thousand two)", "five or six thousand"), read exactly as
Decimal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache

from flows.parsing._core import ParseError, ParseProblem, section

MAX_AMOUNT = Decimal(10) ** 12
"""Above a trillion yuan the text is not an amount anyone owes."""

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
    pair: re.Pattern[str]
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
    letter_chars = re.escape("".join(letters) + "".join(letters).upper())
    body = re.escape(digits + unit_chars + few)
    start = re.escape(digits + leading + few)
    cn_digit_class = re.escape(digits)
    # Atomic, so a long run that fails a later requirement is not retried split every possible way.
    # A letter unit may carry one digit after it: "2w5" is 25,000 as "3k5" is 3,500.
    # Right after an Arabic digit only a unit may follow ("3 wan 5", "5 qian 5"): in "1000 yi gong" (1000 in all)
    # the "yi" belongs to a word.
    core = (
        rf"(?>(?:{_ARABIC}|[{start}])"
        rf"(?:{_ARABIC}|(?<![0-9])[{body}]|[{re.escape(unit_chars)}]|{re.escape(point)}(?=[{cn_digit_class}]))*"
        rf"(?:[{letter_chars}](?![A-Za-z])(?:[0-9](?![0-9.]))?)?)"
    )
    run = re.compile(rf"(?<![0-9.{re.escape(digits + unit_chars)}]){core}")
    values = {str(k): int(v) for k, v in section("numbers", "cn_digit_values").items()}
    return NumberSyntax(
        run=run,
        core=core,
        arabic_only=re.compile(rf"(?:{_ARABIC})"),
        decimal_units=re.compile(rf"([0-9]+\.[0-9]+)([{re.escape(unit_chars)}]+)"),
        chinese_point=re.compile(
            rf"([{re.escape(digits + unit_chars)}]+){re.escape(point)}([{cn_digit_class}]+)"
            rf"([{re.escape(unit_chars)}]*)"
        ),
        pair=re.compile(rf"[{re.escape(''.join(ch for ch, v in values.items() if v > 0))}]{{2}}"),
        unit_values=units,
        digit_values=values,
        letter_units=letters,
        few=few,
        cn_chars=digits + unit_chars + few + leading,
    )


def _cn2an_int(text: str) -> int:
    """Convert a Chinese or mixed integer numeral with cn2an, never accepting a float result."""
    import cn2an  # only typed numerals need it; loaded on first use, as the reminders' reader does

    try:
        value = cn2an.cn2an(text, "smart")
    # cn2an signals bad input with assorted exception types; any of them means "not a number".
    except Exception as exc:
        raise ParseError(ParseProblem.not_a_number, text) from exc
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParseError(ParseProblem.not_a_number, text)
    return value


def _letters_to_units(run: str) -> str:
    letters = syntax().letter_units
    return "".join(letters.get(ch.lower(), ch) if ch.isascii() and ch.isalpha() else ch for ch in run)


def numeral_value(run: str) -> Decimal:
    """Convert one numeral run (Chinese, Arabic or mixed, "12,000", "12k", "2w5") to an exact Decimal.

    Raises:
        ParseError: not_a_number when the run is malformed, too_large when absurdly long.
    """
    found = _numeral_value(run)
    if isinstance(found, ParseError):
        raise ParseError(found.problem, run, found.detail)
    return found


@lru_cache(maxsize=4096)
def _numeral_value(run: str) -> Decimal | ParseError:
    """The value of a run, or the error it raises (kept too: the scanners try the same runs often)."""
    try:
        return _convert(run)
    except ParseError as err:
        return err


def _convert(run: str) -> Decimal:
    syn = syntax()
    text = _letters_to_units(run)
    if syn.arabic_only.fullmatch(text):
        digits = text.replace(",", "").replace(" ", "")
        if len(digits.split(".")[0]) > _MAX_ARABIC_DIGITS:
            raise ParseError(ParseProblem.too_large, run, limit=MAX_AMOUNT)
        return Decimal(digits)
    if any(len(group) > _MAX_ARABIC_DIGITS for group in re.findall(r"[0-9]+", text)):
        raise ParseError(ParseProblem.too_large, run, limit=MAX_AMOUNT)
    match = syn.decimal_units.fullmatch(text)
    if match:
        return Decimal(match.group(1)) * unit_product(match.group(2))
    match = syn.chinese_point.fullmatch(text)
    if match:
        whole = _cn2an_int(match.group(1))
        fraction = "".join(str(syn.digit_values[ch]) for ch in match.group(2) if ch in syn.digit_values)
        return Decimal(f"{whole}.{fraction}") * unit_product(match.group(3))
    if "." in text or "," in text or " " in text:
        raise ParseError(ParseProblem.not_a_number, run)
    return Decimal(_cn2an_int(text))


def unit_product(units: str) -> Decimal:
    """The multiplier a string of unit characters stands for (shi wan is 100,000)."""
    product = Decimal(1)
    for ch in units:
        product *= syntax().unit_values[ch]
    return product


def trailing_unit(run: str) -> Decimal:
    """The multiplier a run ends with ("nine thousand" ends in a thousand, "5 wan" in ten thousand, "8000" in one)."""
    return unit_product(trailing_units(run))


def trailing_units(run: str) -> str:
    """The unit characters a run ends with ("forty wan", si shi wan, ends in shi wan; "8000" in none)."""
    text = _letters_to_units(run)
    units = syntax().unit_values
    count = 0
    while count < len(text) and text[len(text) - 1 - count] in units:
        count += 1
    return text[len(text) - count :]


def pair_span(run: str) -> tuple[str, str] | None:
    """Split a run with two neighbouring digits ("five or six thousand", "seventeen or eighteen", "ten or twenty
    thousand") into its low and high runs."""
    syn = syntax()
    for match in syn.pair.finditer(run):
        first, second = match.group(0)[0], match.group(0)[1]
        if syn.digit_values[second] == syn.digit_values[first] + 1:
            head, tail = run[: match.start()], run[match.end() :]
            return head + first + tail, head + second + tail
    return None


def numeral_range(run: str) -> tuple[Decimal, Decimal]:
    """Value of a run; a run with the "a few" digit or two neighbouring digits gives its low and high ends."""
    syn = syntax()
    if syn.few not in run:
        # cn2an reads "three-four" digit by digit as 34; a spoken pair is a range ("three or four days"), a long
        # digit run is not.
        pair = pair_span(run)
        if pair is not None and (len(run) == 2 or any(ch not in syn.digit_values for ch in run)):
            return numeral_value(pair[0]), numeral_value(pair[1])
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
