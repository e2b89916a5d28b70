"""Shared pieces of the role-play tests: a profile, an engine on SQLite, callers as people talk."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conversation import Conversation

from flows.core.clock import FixedClock
from flows.core.engine import Engine
from flows.core.models import Profile
from flows.core.session import Session
from flows.roleplay.state import RoleplayPart, RoleplayState
from flows.storage import open_store
from flows.storage.base import Store

USER = "tg:42"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 2026-11-24, 10:00 in China
PROFILE: dict[str, Any] = {
    "name": "李明",
    "monthly_income": 6700,
    "monthly_expenses": 5000,
    "hardship": "失业",
    "loans": [
        {"platform": "借呗", "principal": 12000, "overdue_days": 40, "collection": "frequent",
         "contacted_others": False, "guaranteed": False},
        {"platform": "某某贷", "principal": 20000, "overdue_days": 10, "licensed": False, "collection": "threats",
         "guaranteed": False},
    ],
}
PLAN = "1,250 元"
"""The plan's steady monthly amount for 某某贷 (tests/test_roleplay_calls.py checks it)."""

ID = "是我本人，我打电话来是想协商还款的"
HARDSHIP = "我上个月失业了，暂时没有收入，这是暂时的困难，我不是不想还，我一定会还"
RIGHTS = "我在录音。我愿意还款，请你依法催收，再威胁我就在APP里投诉"
OFFER = "我算过了，每月能还1200，12月1号还第一期"
HOLD = "每月1200，12月1号开始，这是我每个月真正做得到的数"
CLOSE = ["麻烦把方案短信发给我确认，请问您的工号是多少？", "收到短信后我12月1号按时还第一期，谢谢，再见"]


def calm(persona: str) -> list[str]:
    """What a prepared caller says when the hostile persona threatens (nothing for the others)."""
    return [RIGHTS] if persona == "hostile" else []


Caller = Callable[[str], list[str]]
CALLERS: dict[str, Caller] = {
    "prepared": lambda p: [ID, HARDSHIP, *calm(p), OFFER, HOLD, HOLD, *CLOSE],
    "vague": lambda p: ["是我", "我失业了，暂时没收入，我会还的", *calm(p), "我再想想办法", "尽量吧", "到时候再说",
                        "看情况吧", "能不能短信发我确认？你工号多少", "再见"],
    "over_promise": lambda p: [ID, HARDSHIP, *calm(p), "我每个月还3000，12月1号开始", *CLOSE],
    "agree_any": lambda p: [ID, HARDSHIP, *calm(p), "您定多少就多少", *CLOSE],
    "borrow_elsewhere": lambda p: [ID, HARDSHIP, *calm(p), "我去找朋友借钱先还你们", *CLOSE],
    "pay_full": lambda p: [ID, HARDSHIP, *calm(p), "好，我今天就想办法全部还清", *CLOSE],
}


def user_store(tmp_path: Path) -> Iterator[Store]:
    """Yield a SQLite store holding one user with the profile, at the home menu (for a fixture)."""
    opened = open_store(db_path=str(tmp_path / "rp.db"))
    profile = Profile.model_validate(PROFILE)
    opened.save_session(Session(user_id=USER, consent=True, profile=profile, stack=["home"]))
    yield opened
    opened.close()


def chat_with(store: Store, now: datetime = NOW) -> Conversation:
    """The user's chat with an engine on this store."""
    return Conversation(Engine(store, clock=FixedClock(now)), USER)


def session(store: Store) -> Session:
    """The user's stored session."""
    found = store.load_session(USER)
    assert found is not None
    return found


def call_state(store: Store) -> RoleplayState:
    """The call under way, as stored."""
    call = session(store).part(RoleplayPart).call
    assert call is not None
    return call


def dial(chat: Conversation, persona: str, platform: str = "某某贷") -> None:
    """Start a rehearsal with a persona on a platform."""
    chat.say("/roleplay")
    assert "哪个平台" in chat.text
    chat.tap(platform)
    assert "扮演谁" in chat.text
    chat.tap(f"rp:persona:{persona}")
    assert "📞" in chat.text


def play(chat: Conversation, lines: list[str], *, end: bool = True) -> list[tuple[str, str]]:
    """Say each line until the card comes; return (line, answer) pairs.

    With `end`, a call still under way after the last line is ended with /endcall.
    """
    said: list[tuple[str, str]] = []
    for line in lines:
        chat.say(line)
        said.append((line, chat.text))
        if "通话评分" in chat.text:
            return said
    if not end:
        return said
    chat.say("/endcall")
    said.append(("/endcall", chat.text))
    return said


def score(card: str) -> int:
    """The score printed on a card."""
    found = re.search(r"通话评分：(\d+)/100", card)
    assert found, card
    return int(found.group(1))


def first_lesson(card: str) -> str:
    """The title of the card's first lesson (the line after "最要紧的一条")."""
    lines = card.split("最要紧的一条：\n", 1)[1].splitlines()
    return lines[0]
