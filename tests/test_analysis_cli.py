"""`debt-coach plan`: the subcommand registered by bot.cli_plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

PROFILE = {
    "monthly_income": 7000,
    "monthly_expenses": 4500,
    "loans": [
        {"platform": "B", "principal": 30000, "collection": "none", "overdue_days": 15},
        {"platform": "A", "principal": 10000, "collection": "frequent", "overdue_days": 15},
    ],
}


def run(*argv: str) -> int:
    return main(list(argv))


def test_plan_json_and_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE), encoding="utf-8")
    chart = tmp_path / "chart.png"
    assert run("plan", str(path), "--json", "--chart", str(chart), "--today", "2026-06-22") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["priority"] == ["A", "B"]
    # 2,500 a month minus the 125 buffer: 40,000 / 2,375 rounds up to 17 months.
    assert doc["total_outstanding"] == 40000 and doc["months_to_clear"] == 17 and doc["buffer"] == 125
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_plan_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE), encoding="utf-8")
    assert run("plan", str(path), "--strategy", "snowball", "--today", "2026-06-22") == 0
    out = capsys.readouterr().out
    assert "40,000 元" in out and "先联系谁" in out


def test_plan_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("plan", str(tmp_path / "missing.json")) == 2
    bad = tmp_path / "bad.json"
    bad.write_text('{"monthly_income": -1}', encoding="utf-8")
    assert run("plan", str(bad)) == 2
    assert "error: invalid profile" in capsys.readouterr().err
