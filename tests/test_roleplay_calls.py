"""Whole rehearsal calls through the real engine and a SQLite store, one per persona and kind of user."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conversation import Conversation

from flows.analysis import analyse
from flows.core.clock import FixedClock
from flows.core.dialog import Dialog
from flows.core.engine import DIALOGS, Engine
from flows.core.models import Profile, ProfileDraft, Session
from flows.negotiation.script import find_loan
from flows.roleplay.dialog import ROLEPLAY
from flows.roleplay.state import HISTORY_KEY, MAX_HISTORY, STATE_KEY, history
from flows.storage import open_store
from flows.storage.base import Store

USER = "tg:42"
TODAY = date(2026, 11, 24)
PROFILE: dict[str, Any] = {
    "name": "李明",
    "monthly_income": 6400,
    "monthly_expenses": 5000,
    "hardship": "失业",
    "loans": [
        {"platform": "借呗", "principal": 12000, "overdue_days": 40, "collection": "frequent"},
        {"platform": "某某贷", "principal": 20000, "overdue_days": 10, "licensed": False, "collection": "threats"},
    ],
}
PREPARED = [
    "是我本人，我打电话来是想协商还款的",
    "我上个月失业了，暂时没有收入，这是暂时的困难，我不是不想还，我一定会还",
    "我算过了，每月能还一千二，12月1号还第一期，一直还到还清",
    "每月1200，12月1号开始，这是我每个月真正做得到的数",
    "麻烦您把今天谈好的方案通过短信发给我确认，另外请问您的工号是多少？我记一下通话时间",
]


def _dialogs() -> tuple[Dialog, ...]:
    return tuple({dialog.name: dialog for dialog in (*DIALOGS, ROLEPLAY)}.values())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(db_path=str(tmp_path / "rp.db"))
    profile = Profile.model_validate(PROFILE)
    opened.save_session(Session(user_id=USER, consent=True, dialog="home", state="menu", profile=profile,
                                draft=ProfileDraft.from_profile(profile)))
    yield opened
    opened.close()


@pytest.fixture
def chat(store: Store) -> Conversation:
    # Tuesday 2026-11-24, 10:00 in China.
    engine = Engine(store, clock=FixedClock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC)), dialogs=_dialogs())
    return Conversation(engine, USER)


def _session(store: Store) -> Session:
    session = store.load_session(USER)
    assert session is not None
    return session


def _dial(chat: Conversation, persona: str, platform: str = "某某贷") -> None:
    chat.say("/roleplay")
    assert "哪个平台" in chat.text
    chat.tap(platform)
    assert "扮演谁" in chat.text
    chat.tap(f"rp:persona:{persona}")
    assert "📞" in chat.text


def _play(chat: Conversation, replies: list[str]) -> str:
    """Say each reply until the call ends; return everything the coach said."""
    said: list[str] = []
    for reply in replies:
        chat.say(reply)
        said.append(chat.text)
        if "通话评分" in chat.text:
            break
    return "\n".join(said)


def test_plan_figure_for_the_platform_is_1200() -> None:
    loan = find_loan(analyse(Profile.model_validate(PROFILE), today=TODAY), "某某贷")
    assert loan is not None and loan.proposed_monthly == Decimal(1200)


@pytest.mark.parametrize("persona", ["polite", "pushy", "hostile"])
def test_prepared_user_scores_high_with_written_confirmation_ticked(chat: Conversation, store: Store,
                                                                     persona: str) -> None:
    _dial(chat, persona)
    transcript = _play(chat, [*PREPARED, "好的，谢谢", "好的", "再见"])
    assert "通话评分" in transcript, transcript
    score = int(transcript.split("通话评分：")[1].split("/")[0])
    assert score >= 80, transcript
    assert "✅ 要求书面确认" in transcript
    assert "✅ 不超过计划里的每月 1,200 元" in transcript
    assert "❗" not in transcript and "最要紧的一条" not in transcript
    session = _session(store)
    assert STATE_KEY not in session.extras and session.state == "card"
    assert [attempt.persona for attempt in history(session)] == [persona]


def test_polite_agent_checks_identity_and_offers_standard_instalment(chat: Conversation) -> None:
    _dial(chat, "polite")
    assert "本人" in chat.text
    chat.say("是我")
    chat.say("我失业了，暂时困难，我会还的")
    assert "12 期" in chat.text and "1,667 元" in chat.text and "服务费" in chat.text


def test_vague_user_is_pushed_and_gets_matching_feedback(chat: Conversation, store: Store) -> None:
    _dial(chat, "pushy")
    chat.say("嗯")
    first = chat.text
    chat.say("没钱")
    push1 = chat.text
    chat.say("就是没钱")
    push2 = chat.text
    assert push1 != push2 and push1 != first
    assert any(word in push1 + push2 for word in ("不是理由", "为什么不还", "什么情况"))
    chat.say("再说吧")
    chat.say("不知道")
    chat.say("看情况吧")
    chat.say("/endcall")
    card = chat.text
    assert "⬜ 说明困难，并说明是暂时的" in card and "您说的：“没钱”" in card
    assert "⬜ 提出具体方案：金额和日期" in card
    assert "⬜ 要求书面确认" in card
    assert "可以这样说" in card
    score = int(card.split("通话评分：")[1].split("/")[0])
    assert score < 40
    assert _session(store).state == "card"


def test_over_promising_user_is_flagged_with_the_plan_figure(chat: Conversation) -> None:
    _dial(chat, "pushy")
    chat.say("是我")
    chat.say("我失业了，暂时困难，我想还")
    chat.say("那我每个月还3000，下个月1号开始")
    assert "3,000 元" not in chat.text or "太少" not in chat.text
    transcript = _play(chat, ["好的", "好", "好"])
    assert "❗ 不超过计划里的每月 1,200 元" in transcript
    assert "最要紧的一条" in transcript and "3,000 元" in transcript and "1,200 元" in transcript
    assert "您说的：“那我每个月还3000，下个月1号开始”" in transcript


def test_saying_yes_to_the_collectors_demand_is_an_over_promise(chat: Conversation) -> None:
    _dial(chat, "pushy")
    chat.say("我是李明，我失业了，暂时困难，会还的")
    assert "结清" in chat.text
    chat.say("好的")
    chat.say("/endcall")
    assert "最要紧的一条" in chat.text and "20,000 元" in chat.text


def test_hostile_threat_is_followed_by_the_rights_toolkit(chat: Conversation) -> None:
    _dial(chat, "hostile")
    chat.say("是我")
    chat.say("我失业了，暂时困难，我想还")
    threat = chat.text
    assert any(word in threat for word in ("起诉", "家里", "通讯录"))
    chat.say("我在录音。请依法催收，再威胁我就投诉到12378")
    transcript = _play(chat, ["每月1200，12月1号开始还", "每月1200，12月1号开始还", "请把方案短信发给我确认",
                              "好", "好"])
    assert "通话评分" in transcript
    assert "越界" in transcript and "12378" in transcript and "110" in transcript
    assert "录音" in transcript and "投诉" in transcript
    assert "✅ 面对威胁保持冷静，说出正确的应对" in transcript


def test_panicking_under_threat_is_flagged_and_toolkit_shown(chat: Conversation) -> None:
    _dial(chat, "hostile")
    chat.say("是我")
    chat.say("我失业了，暂时困难")
    chat.say("求求你别告诉我家人，别上门")
    chat.say("/endcall")
    assert "❗ 面对威胁保持冷静" in chat.text and "12378" in chat.text and "违规催收" in chat.text


def test_off_topic_and_empty_messages_keep_the_call_going(chat: Conversation, store: Store) -> None:
    _dial(chat, "polite")
    stage = _session(store).extras[STATE_KEY]["stage"]
    chat.say("今天天气不错")
    assert chat.text.startswith("📞") and "评分" not in chat.text
    chat.say("哈哈哈")
    assert chat.text.startswith("📞")
    assert _session(store).extras[STATE_KEY]["stage"] == stage


def test_hint_shows_the_script_for_this_point(chat: Conversation) -> None:
    _dial(chat, "polite")
    chat.say("是我")
    chat.say("我失业了，暂时困难，会还的")
    chat.say("/hint")
    assert "💡" in chat.text and "1,200 元" in chat.text and "话术" in chat.text
    assert "提示：这时该怎么说" in chat.labels


def test_hint_and_endcall_outside_a_call(chat: Conversation) -> None:
    chat.say("/hint")
    assert "没有正在进行的模拟通话" in chat.text
    chat.say("/endcall")
    assert "没有正在进行的模拟通话" in chat.text


def test_progress_is_kept_and_a_tougher_persona_is_offered(chat: Conversation, store: Store) -> None:
    _dial(chat, "polite")
    chat.say("/endcall")
    assert "第 1 次" in chat.text
    assert "再练：强势的催收员" in chat.labels
    chat.tap("再练：强势的催收员")
    assert "📞 对方（催收员）" in chat.text
    _play(chat, PREPARED)
    chat.say("/endcall") if "通话评分" not in chat.text else None
    assert "第 2 次" in chat.text and "上次" in chat.text
    assert [attempt.persona for attempt in history(_session(store))] == ["polite", "pushy"]


def test_history_is_bounded(store: Store) -> None:
    session = _session(store)
    session.extras[HISTORY_KEY] = [{"persona": "polite", "platform": "x", "score": i} for i in range(MAX_HISTORY)]
    store.save_session(session)
    engine = Engine(store, clock=FixedClock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC)), dialogs=_dialogs())
    chat = Conversation(engine, USER)
    _dial(chat, "polite")
    chat.say("/endcall")
    attempts = history(_session(store))
    assert len(attempts) == MAX_HISTORY and attempts[0].score == 1 and attempts[-1].platform == "某某贷"


def test_coach_picks_the_persona_by_collection_pressure(chat: Conversation) -> None:
    chat.say("/roleplay")
    chat.tap("某某贷")
    chat.tap("rp:persona:auto")
    assert "越界的催收员" in chat.text
    chat.say("/roleplay")
    chat.tap("借呗")
    chat.tap("rp:persona:auto")
    assert "催得很紧的催收员" in chat.text


def test_two_attempts_do_not_read_the_same(store: Store) -> None:
    openings = set()
    for minute in range(6):
        clock = FixedClock(datetime(2026, 11, 24, 2, minute, tzinfo=UTC))
        chat = Conversation(Engine(store, clock=clock, dialogs=_dialogs()), USER)
        _dial(chat, "pushy")
        openings.add(chat.replies[-1].text)
    assert len(openings) > 1


def test_menu_button_leaves_the_card(chat: Conversation, store: Store) -> None:
    _dial(chat, "polite")
    chat.say("/endcall")
    chat.tap("rp:menu")
    assert _session(store).dialog == "home"


def test_crisis_during_a_call_stops_it_and_resumes_at_home(chat: Conversation, store: Store) -> None:
    _dial(chat, "hostile")
    chat.say("是我")
    chat.say("我真的不想活了")
    assert "12356" in chat.text
    session = _session(store)
    assert session.dialog == "crisis" and STATE_KEY not in session.extras
    chat.tap("resume")
    session = _session(store)
    assert session.dialog == "home" and session.state == "menu"
    assert "📞" not in chat.text


def test_roleplay_button_after_a_script_keeps_its_platform(store: Store) -> None:
    from flows.core.models import Input
    from flows.negotiation.dialog import SCRIPTS

    dialogs = tuple({dialog.name: dialog for dialog in (*DIALOGS, SCRIPTS, ROLEPLAY)}.values())
    engine = Engine(store, clock=FixedClock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC)), dialogs=dialogs)
    chat = Conversation(engine, USER)
    chat.say("/script")
    chat.tap("借呗")
    chat.tap("sc:g:installment")
    replies = engine.handle(USER, Input.of_choice("menu:roleplay"))
    assert "和借呗的通话，您想让我扮演谁" in replies[-1].text
