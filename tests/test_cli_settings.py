"""One set of settings for every subcommand, and one meaning of `--user`.

`bot.cli.main` reads the settings (environment and `.env`) once and hands them to each subcommand:
DATABASE_URL and COACH_ENCRYPTION_KEY in a `.env` reach `chat`, `profile` and `reminders preview`
as they reach `run`.  `--user 7` is the console's `console:7` everywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from bot.cli_support import user_id
from flows.storage import open_store

CLI = [sys.executable, "-m", "bot.cli"]
INTAKE = ["1", "8000", "3000", "借呗欠一万二，逾期40天左右，日息万五，天天打电话", "就这些"]


def _cli(cwd: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "COACH_"))}
    env["XDG_DATA_HOME"] = str(cwd / "xdg")  # where the embedded default would go: it must stay empty
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=120, check=False)  # fmt: skip


def test_user_ids_name_their_transport() -> None:
    assert user_id("7") == "console:7"
    assert user_id(" local ") == "console:local"
    assert user_id("console:7") == "console:7"
    assert user_id("tg:12345") == "tg:12345"


def test_dotenv_database_reaches_every_subcommand_and_user_7_is_console_7(tmp_path: Path) -> None:
    db, key = tmp_path / "from-dotenv.db", Fernet.generate_key().decode()
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{db}\nCOACH_ENCRYPTION_KEY={key}\n", encoding="utf-8")
    chat = _cli(tmp_path, "chat", "--user", "7", stdin="\n".join(INTAKE) + "\n")
    assert chat.returncode == 0, chat.stderr
    assert db.exists() and not (tmp_path / "xdg").exists()  # the .env database, not the embedded default
    exported = _cli(tmp_path, "profile", "export", "--user", "7")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["loans"][0]["platform"] == "借呗"
    assert _cli(tmp_path, "profile", "export", "--user", "console:7").stdout == exported.stdout
    preview = _cli(tmp_path, "reminders", "preview", "--user", "7")
    assert preview.returncode == 0, preview.stderr  # the user is found (no reminders set yet)
    profile = tmp_path / "p.json"
    profile.write_text(exported.stdout, encoding="utf-8")
    imported = _cli(tmp_path, "profile", "import", str(profile), "--user", "8")
    assert imported.returncode == 0 and "console:8" in imported.stdout, imported.stderr
    store = open_store(f"sqlite:///{db}", key=key)  # stored under the .env key, in the .env database
    try:
        assert {"console:7", "console:8"} <= {
            uid for uid in ("console:7", "console:8") if store.load_session(uid) is not None
        }
    finally:
        store.close()


def test_a_malformed_setting_stops_any_subcommand_in_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("WEBHOOK_PORT=http\n", encoding="utf-8")
    result = _cli(tmp_path, "profile", "export", "--user", "7")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "WEBHOOK_PORT" in result.stderr
