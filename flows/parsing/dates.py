"""Read the month a loan contract was signed from what people type."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from flows.core.texts import lexicon
from flows.parsing import ParseError
from flows.parsing._numerals import numeral_value

MAX_DATE_TEXT = 60


@cache
def _numeral_run() -> re.Pattern[str]:
    words = lexicon("numbers")
    return re.compile(f"[{re.escape(words['cn_digits'] + words['leading_units'])}]{{1,6}}")


def to_arabic(text: str) -> str:
    """Write short Chinese numerals (a year spelled digit by digit, a month as a word) as digits."""

    def convert(match: re.Match[str]) -> str:
        run = match.group(0)
        if all(ch in lexicon("numbers")["cn_digit_values"] for ch in run):
            return "".join(str(lexicon("numbers")["cn_digit_values"][ch]) for ch in run)
        try:
            return str(int(numeral_value(run)))
        except ParseError:
            return run

    return _numeral_run().sub(convert, text)


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, int]]:
    words = lexicon("dates")
    year, month = re.escape(words["year_marker"]), re.escape(words["month_marker"])
    day = "|".join(re.escape(marker) for marker in words["day_marker"])
    relative: dict[str, int] = words["relative_years"]
    absolute = re.compile(
        rf"(?P<y>(?:19|20)\d\d)\s*(?:{year}|[-/.])\s*(?P<m>\d{{1,2}})\s*(?:{month})?"
        rf"(?:\s*[-/.]?\s*(?P<d>\d{{1,2}})\s*(?:{day})?)?"
    )
    names = "|".join(sorted((re.escape(word) for word in relative), key=len, reverse=True))
    rel = re.compile(rf"(?P<rel>{names})\s*(?P<m>\d{{1,2}})\s*{month}?")
    return absolute, rel, relative


def parse_month(text: str, *, today: date) -> date | None:
    """Read a contract date such as "2023-05-10", "2023/5", year-month in Chinese, or "last year in March".

    Args:
        text: What the user typed (Chinese numerals already allowed: they are converted first).
        today: The local date, for relative years and to refuse dates in the future.

    Returns:
        The date (the 1st of the month when no day was given), or None when none is readable.
    """
    text = to_arabic(text[:MAX_DATE_TEXT])
    absolute, relative, offsets = _patterns()
    found = absolute.search(text)
    if found:
        year, month = int(found["y"]), int(found["m"])
        day = int(found["d"]) if found["d"] else 1
    else:
        found = relative.search(text)
        if not found:
            return None
        year, month, day = today.year + offsets[found["rel"]], int(found["m"]), 1
    try:
        result = date(year, month, day)
    except ValueError:
        return None
    if result > today or result.year < 2000:
        return None
    return result
