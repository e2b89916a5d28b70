"""`debt-coach roleplay PROFILE.json --platform NAME --persona P`: a call in the terminal, nothing stored."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from bot import cli_roleplay
from bot.cli import main

PROFILE = {
    "name": "李明", "monthly_income": 6400, "monthly_expenses": 5000, "hardship": "失业",
    "loans": [
        {"platform": "借呗", "principal": 12000, "overdue_days": 40, "collection": "frequent"},
        {"platform": "某某贷", "principal": 20000, "overdue_days": 10, "licensed": False, "collection": "threats"},
    ],
}


def _args(path: Path, *extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli_roleplay.register(parser.add_subparsers())
    return parser.parse_args(["roleplay", str(path), "--today", "2026-11-24", "--seed", "7", *extra])


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(PROFILE, ensure_ascii=False), encoding="utf-8")
    return path


def _run(args: argparse.Namespace, lines: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = cli_roleplay.run(args, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    return code, out.getvalue()


def test_a_whole_call_in_the_terminal(profile: Path) -> None:
    code, out = _run(_args(profile, "--platform", "某某贷", "--persona", "polite"), [
        "是我", "我失业了，暂时困难，我一定会还", "/hint", "每月1200，12月1号还第一期",
        "请把方案短信发给我确认，您的工号是多少？"])
    assert code == 0
    assert "对方（平台客服）" in out and "💡" in out and "通话评分" in out and "✅ 要求书面确认" in out


def test_end_of_input_ends_the_call_with_a_card(profile: Path) -> None:
    code, out = _run(_args(profile, "--platform", "某某贷", "--persona", "hostile"), ["是我", "没钱"])
    assert code == 0 and "您挂断了电话" in out and "通话评分" in out


def test_persona_defaults_to_the_coach_choice(profile: Path) -> None:
    code, out = _run(_args(profile, "--platform", "借呗"), ["/endcall"])
    assert code == 0 and "催得很紧的催收员" in out


def test_crisis_message_stops_the_call(profile: Path) -> None:
    code, out = _run(_args(profile, "--platform", "某某贷", "--persona", "hostile"), ["是我", "我不想活了", "每月1200"])
    assert code == 0 and "12356" in out and "通话评分" not in out


def test_unknown_platform_and_bad_profile(profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["roleplay", str(profile), "--platform", "不存在"]) == 2
    assert "known platforms" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    assert main(["roleplay", str(bad), "--platform", "借呗"]) == 2
    assert "error: invalid profile: field monthly_income" in capsys.readouterr().err
