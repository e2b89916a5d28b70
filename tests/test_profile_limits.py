"""Bounds on a profile: at most 20 loans and 20 extra fields, and an import file of at most 64 KiB."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.cli_support import MAX_PROFILE_BYTES
from flows.core.models import MAX_EXTRA_FIELDS, MAX_LOANS, Loan, Profile


def _loans(count: int) -> list[dict[str, Any]]:
    return [{"platform": f"P{n}", "principal": 1000} for n in range(count)]


def _import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str) -> int:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    profile = tmp_path / "profile.json"
    profile.write_text(content, encoding="utf-8")
    return main(["profile", "import", str(profile), "--user", "console:x", "--db", str(tmp_path / "coach.db")])


def test_the_model_refuses_a_21st_loan_and_a_21st_extra_field() -> None:
    assert len(Profile(monthly_income=Decimal(1), monthly_expenses=Decimal(0), loans=_loans(MAX_LOANS)).loans) == 20
    with pytest.raises(ValidationError):
        Profile(monthly_income=Decimal(1), monthly_expenses=Decimal(0), loans=_loans(MAX_LOANS + 1))
    extra = {f"x{n}": n for n in range(MAX_EXTRA_FIELDS + 1)}
    with pytest.raises(ValidationError, match="fields beyond"):
        Profile.model_validate({"monthly_income": 1, "monthly_expenses": 0, **extra})
    with pytest.raises(ValidationError, match="fields beyond"):
        Loan.model_validate({"platform": "P", "principal": 1, **extra})


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (json.dumps({"monthly_income": 1, "monthly_expenses": 0, "loans": _loans(MAX_LOANS + 1)}), "最多记 20 笔借款"),
        (json.dumps({"monthly_income": 1, "monthly_expenses": 0, **{f"x{n}": n for n in range(30)}}), "字段太多"),
        (json.dumps({"monthly_income": 1, "monthly_expenses": 0, "hardship": "", "pad": "x" * MAX_PROFILE_BYTES}),
         "文件太大"),
    ],
    ids=["loans", "extra", "size"],
)
def test_import_refuses_with_one_kind_line_and_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], content: str, words: str
) -> None:
    assert _import(tmp_path, monkeypatch, content) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1
    assert main(["profile", "export", "--user", "console:x", "--db", str(tmp_path / "coach.db")]) == 1


def test_import_of_twenty_loans_is_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = json.dumps({"monthly_income": 9000, "monthly_expenses": 3000, "loans": _loans(MAX_LOANS)})
    assert _import(tmp_path, monkeypatch, content) == 0
