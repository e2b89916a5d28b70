"""Reading when a loan contract was signed."""

from __future__ import annotations

from datetime import date

import pytest

from flows.parsing.dates import parse_month

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2023年5月", date(2023, 5, 1)),
        ("二〇二三年五月", date(2023, 5, 1)),
        ("2023-05-10", date(2023, 5, 10)),
        ("2023/5/10", date(2023, 5, 10)),
        ("2023.7", date(2023, 7, 1)),
        ("大概2024年3月15号借的", date(2024, 3, 15)),
        ("去年3月", date(2025, 3, 1)),
        ("前年十二月", date(2024, 12, 1)),
        ("今年一月", date(2026, 1, 1)),
        ("2027年1月", None),  # in the future
        ("2023年13月", None),
        ("1999年5月", None),
        ("不记得了", None),
        ("一万" * 500, None),
    ],
)
def test_parse_month(typed: str, expected: date | None) -> None:
    assert parse_month(typed, today=TODAY) == expected
