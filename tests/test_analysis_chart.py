"""The chart: a PNG with Chinese labels and no missing glyphs (pytest turns matplotlib's warning into a failure)."""

from __future__ import annotations

import warnings
from datetime import date

import pytest

from flows.analysis import analyse, chart_caption, chart_png
from flows.core.models import Profile

TODAY = date(2026, 6, 22)
PNG = b"\x89PNG\r\n\x1a\n"


def no_rate(_text: str) -> None:
    return None


@pytest.mark.parametrize("income", [9000, 6100, 5000])
def test_chart_has_no_missing_glyphs(income: int) -> None:
    profile = Profile.model_validate(
        {
            "monthly_income": income,
            "monthly_expenses": 5000,
            "loans": [
                {"platform": "借呗", "principal": 12000},
                {"platform": "微粒贷", "principal": 8000},
                {"platform": "借呗", "principal": 3000},
                {"platform": "京东金条", "principal": 5000},
            ],
        }
    )
    analysis = analyse(profile, today=TODAY, parse=no_rate)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a UserWarning from matplotlib: fail on it
        data = chart_png(analysis)
    assert data.startswith(PNG) and len(data) > 10_000
    assert chart_caption(analysis)
