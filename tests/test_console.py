"""The terminal chat: piped input, numbered buttons, and resuming in a new process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "bot.cli"]


def run_cli(*args: str, stdin: str = "", db: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([*CLI, *args, "--db", str(db)], input=stdin, capture_output=True, text=True,
                          env=env, timeout=60, check=False)


def test_a_second_process_resumes_at_the_same_question(tmp_path: Path) -> None:
    db = tmp_path / "coach.db"
    first = run_cli("chat", "--user", "ming", stdin="1\n一万二\n3500\n借呗\n", db=db)
    assert first.returncode == 0, first.stderr
    assert "还欠多少" in first.stdout.rsplit("【", 1)[-1]  # the last question asked
    second = run_cli("chat", "--user", "ming", stdin="", db=db)
    assert second.returncode == 0, second.stderr
    assert "欢迎回来" in second.stdout and "还欠多少" in second.stdout and "第 1 笔：借呗" in second.stdout
    third = run_cli("chat", "--user", "ming", stdin="上一步\n上一步\n", db=db)
    assert "必要支出" in third.stdout.rsplit("【", 1)[-1]  # back through the loan to the expenses, still kept


def test_piped_full_intake_then_profile_export(tmp_path: Path) -> None:
    db = tmp_path / "coach.db"
    lines = ["1", "8000", "3000", "借呗欠一万二，逾期40天左右，日息万五，天天打电话", "就这些"]
    chat = run_cli("chat", "--user", "li", stdin="\n".join(lines) + "\n", db=db)
    assert chat.returncode == 0, chat.stderr
    assert "每月真正能拿来还债的是 5,000 元" in chat.stdout
    exported = run_cli("profile", "export", "--user", "console:li", db=db)
    assert exported.returncode == 0, exported.stderr
    profile = json.loads(exported.stdout)
    assert profile["monthly_income"] == 8000 and profile["loans"][0]["platform"] == "借呗"
    assert profile["loans"][0]["outstanding"] == 12000 and profile["loans"][0]["collection"] == "frequent"


def test_profile_import_validates_and_changes_nothing_on_error(tmp_path: Path) -> None:
    db = tmp_path / "coach.db"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"monthly_income": 8000, "monthly_expenses": -1, "loans": []}), encoding="utf-8")
    result = run_cli("profile", "import", str(bad), "--user", "x", db=db)
    assert result.returncode == 2 and "monthly_expenses" in result.stderr and len(result.stderr.splitlines()) == 1
    assert run_cli("profile", "export", "--user", "x", db=db).returncode == 1
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"monthly_income": 8000, "monthly_expenses": 3000, "hardship": "失业",
                                "loans": [{"platform": "借呗", "principal": 12000, "rate": "日息万五"}]}),
                    encoding="utf-8")
    assert run_cli("profile", "import", str(good), "--user", "x", db=db).returncode == 0
    exported = json.loads(run_cli("profile", "export", "--user", "x", db=db).stdout)
    assert exported["loans"][0]["outstanding"] == 12000 and exported["loans"][0]["repaid"] == 0


def test_schema_prints_the_profile_contract(tmp_path: Path) -> None:
    result = subprocess.run([*CLI, "schema"], capture_output=True, text=True, timeout=60, check=True)
    schema = json.loads(result.stdout)
    assert {"monthly_income", "monthly_expenses", "loans"} <= set(schema["properties"])
