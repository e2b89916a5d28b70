"""`debt-coach roleplay PROFILE.json --platform NAME [--persona P] [--stage S]`: a call in the terminal."""

from __future__ import annotations

import argparse
import io
import json
from datetime import date
from pathlib import Path

import pytest
from roleplay_support import CALLERS, PROFILE

from bot import cli_roleplay
from bot.cli import main
from flows.analysis import analyse
from flows.core.models import Profile
from flows.negotiation.script import build_script, find_loan
from flows.roleplay import card_messages, hang_up, score_call, start_call, take_turn
from flows.roleplay.state import PERSONAS, Persona, Stage

TODAY = date(2026, 11, 24)


def _args(path: Path, *extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli_roleplay.register(parser.add_subparsers())
    return parser.parse_args(["roleplay", str(path), "--today", TODAY.isoformat(), "--seed", "7", *extra])


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
        "请把方案短信发给我确认，您的工号是多少？", "收到后我12月1号按时还，再见"])
    assert code == 0
    assert "对方（平台客服）" in out and "💡" in out and "通话评分" in out and "✅ 要求把约定书面发给您" in out


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_terminal_prints_the_same_card_as_the_chat(profile: Path, persona: Persona) -> None:
    lines = CALLERS["over_promise"](persona)
    _, out = _run(_args(profile, "--platform", "某某贷", "--persona", persona), lines)
    chat_profile = Profile.model_validate(PROFILE)
    analysis = analyse(chat_profile, today=TODAY)
    loan = find_loan(analysis, "某某贷")
    assert loan is not None
    script = build_script(chat_profile, analysis, loan.key, today=TODAY)
    call, _ = start_call(loan, persona, seed=7, name="李明", script=script)
    for line in lines:
        if take_turn(call, line).ended:
            break
    else:
        hang_up(call)
    card = score_call(call, script)
    for message in card_messages(card, [card.attempt()]):
        assert message in out


def test_a_call_can_start_at_a_stage(profile: Path) -> None:
    code, out = _run(_args(profile, "--platform", "某某贷", "--persona", "pushy", "--stage", "proposal"),
                     ["每月1200，12月1号开始"])
    assert code == 0 and "这一段练起" in out and "结清" in out
    assert "说明困难" not in out.split("通话评分")[1]
    assert [stage.value for stage in Stage if stage.value in cli_roleplay.STARTS] == list(cli_roleplay.STARTS)


def test_end_of_input_ends_the_call_with_a_card(profile: Path) -> None:
    code, out = _run(_args(profile, "--platform", "某某贷", "--persona", "hostile"), ["是我", "没钱"])
    assert code == 0 and "您挂断了电话" in out and "通话评分" in out and "先不要付钱" in out


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
