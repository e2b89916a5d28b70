"""The role-play dialogue through the real engine and a SQLite store: buttons, hints, progress."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import roleplay_support as rp
from conversation import Conversation
from roleplay_support import CALLERS, PLAN, USER, dial, play

from flows.analysis import analyse
from flows.core.clock import FixedClock
from flows.core.engine import Engine
from flows.core.models import Profile
from flows.core.texts import render
from flows.negotiation.script import find_loan
from flows.roleplay.state import MAX_HISTORY, Attempt, RoleplayPart, RoleplayStage, Stage, history
from flows.storage.base import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from rp.user_store(tmp_path)


@pytest.fixture
def chat(store: Store) -> Conversation:
    return rp.chat_with(store)


def test_plan_figure_for_the_platform_is_the_one_the_tests_use() -> None:
    loan = find_loan(analyse(Profile.model_validate(rp.PROFILE), today=date(2026, 11, 24)), "某某贷")
    assert loan is not None and loan.ask_monthly == Decimal(1250) and PLAN == "1,250 元"


def test_vague_user_is_pressed_with_different_lines(chat: Conversation) -> None:
    dial(chat, "pushy")
    chat.say("嗯")
    first = chat.text
    chat.say("没钱")
    push1 = chat.text
    chat.say("就是没钱")
    push2 = chat.text
    assert push1 != push2 and push1 != first
    assert any(word in push1 + push2 for word in ("不是理由", "为什么不还", "什么情况"))


def test_off_topic_and_empty_messages_keep_the_call_going(chat: Conversation, store: Store) -> None:
    dial(chat, "polite")
    stage = rp.call_state(store).stage
    for line in ("今天天气不错", "哈哈哈"):
        chat.say(line)
        assert chat.text.startswith("📞") and "评分" not in chat.text
    assert rp.call_state(store).stage == stage


def test_hint_shows_the_script_for_this_point(chat: Conversation) -> None:
    dial(chat, "polite")
    play(chat, ["是我", "我失业了，暂时困难，会还的"], end=False)
    chat.say("/hint")
    assert "💡" in chat.text and PLAN in chat.text and "话术" in chat.text
    assert "提示：这时该怎么说" in chat.labels


def test_hint_and_endcall_outside_a_call(chat: Conversation) -> None:
    for command in ("/hint", "/endcall"):
        chat.say(command)
        assert "没有正在进行的模拟通话" in chat.text


def test_progress_is_shown_and_a_tougher_persona_is_offered(chat: Conversation, store: Store) -> None:
    dial(chat, "polite")
    play(chat, CALLERS["vague"]("polite"))
    assert "第 1 次" in chat.text and "再练：强势的催收员" in chat.labels
    chat.tap("再练：客气的客服")
    card = play(chat, CALLERS["prepared"]("polite"))[-1][1]
    assert "第 2 次" in card and "上次 " in card and "和这个角色练习的分数：" in card
    trail = card.split("和这个角色练习的分数：")[1].splitlines()[0]
    first, second = (int(part) for part in trail.split(" → "))
    assert first < 60 <= 80 <= second
    assert [attempt.persona for attempt in history(rp.session(store))] == ["polite", "polite"]
    assert [attempt.start.value for attempt in history(rp.session(store))] == ["opening", "proposal"]


def test_the_same_behaviour_scores_the_same(store: Store) -> None:
    scores = []
    for minute in range(3):
        chat = rp.chat_with(store, datetime(2026, 11, 24, 2, minute, tzinfo=UTC))
        dial(chat, "pushy")
        scores.append(rp.score(play(chat, CALLERS["prepared"]("pushy"))[-1][1]))
    assert len(set(scores)) == 1


def test_history_is_bounded(store: Store) -> None:
    session = rp.session(store)
    session.part(RoleplayPart).history = [Attempt(persona="polite", platform="x", score=i) for i in range(MAX_HISTORY)]
    store.save_session(session)
    chat = rp.chat_with(store)
    dial(chat, "polite")
    chat.say("/endcall")
    attempts = history(rp.session(store))
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
        chat = rp.chat_with(store, datetime(2026, 11, 24, 2, minute, tzinfo=UTC))
        dial(chat, "pushy")
        openings.add(chat.replies[-1].text)
    assert len(openings) > 1


def test_menu_button_leaves_the_card(chat: Conversation, store: Store) -> None:
    dial(chat, "polite")
    chat.say("/endcall")
    chat.tap("rp:menu")
    assert rp.session(store).stack == ["home"]


def test_crisis_during_a_call_stops_the_persona_and_the_same_call_resumes(chat: Conversation, store: Store) -> None:
    dial(chat, "hostile")
    chat.say("是我")
    before = rp.call_state(store)
    chat.say("我真的不想活了")
    assert "12356" in chat.text and "📞" not in chat.text  # the persona says nothing more
    session = rp.session(store)
    assert session.top == "crisis" and session.part(RoleplayPart).state is RoleplayStage.paused
    chat.tap("crisis:safe")
    assert "📞" not in chat.text and "继续刚才的模拟通话" in chat.labels
    chat.tap("rp:continue")
    after = rp.call_state(store)
    assert rp.session(store).top == "roleplay" and rp.session(store).part(RoleplayPart).state is RoleplayStage.call
    assert (after.persona, after.stage, after.lines) == (before.persona, before.stage, before.lines)


def test_roleplay_button_after_a_script_keeps_its_platform(store: Store) -> None:
    engine = Engine(store, clock=FixedClock(rp.NOW))
    chat = Conversation(engine, USER)
    chat.say("/script")
    chat.tap("借呗")
    chat.tap("sc:g:installment")
    chat.tap("模拟通话练习")  # the button under the script: rehearse this platform's call
    assert "和借呗的通话，您想让我扮演谁" in chat.replies[-1].text


def test_the_callers_own_warning_raises_no_harassment_note_but_a_report_does(chat: Conversation) -> None:
    note = "不是合法的催收方式"
    dial(chat, "hostile")
    chat.say("你再威胁我我就录音投诉了")
    assert chat.text.startswith("📞") and note not in chat.text
    chat.say("/endcall")
    chat.say("/plan")
    chat.say("催收威胁我要爆通讯录")
    assert note in chat.text


@pytest.mark.parametrize("persona", ["polite", "pushy", "hostile"])
@pytest.mark.parametrize("variant", [0, 1])
def test_asking_for_the_amount_names_a_date_only_when_one_was_given(persona: str, variant: int) -> None:
    def asked(date_given: bool) -> str:
        return render(f"roleplay/{persona}_push", missing="amount", variant=variant, date_given=date_given,
                      name="", threat_words="")

    for word in ("日期", "哪天还我知道了", "日子有了"):
        assert word not in asked(False)
    assert asked(True) != asked(False) or (persona == "polite" and variant == 1)


def test_a_count_of_instalments_is_not_taken_for_a_date(chat: Conversation) -> None:
    dial(chat, "polite")
    play(chat, [rp.ID, rp.HARDSHIP], end=False)
    chat.say("我想分12期")
    assert chat.text.startswith("📞") and "每个月您能还多少" in chat.text
    assert "日期我记下了" not in chat.text


@pytest.mark.parametrize(("first", "second"), [("每月1000", "12月1号还第一期"), ("12月1号开始", "每月1000")])
def test_an_amount_and_a_date_on_two_lines_make_one_offer(chat: Conversation, store: Store, first: str,
                                                          second: str) -> None:
    dial(chat, "polite")
    play(chat, [rp.ID, rp.HARDSHIP], end=False)
    chat.say(first)
    chat.say(second)
    assert "每个月您能还多少" not in chat.text and "金额是多少" not in chat.text  # not asked again
    deal = rp.call_state(store).deal
    assert deal.user_offer == Decimal(1000) and deal.agreed and deal.agreed_amount == Decimal(1000)
    assert rp.call_state(store).stage is Stage.closing


def test_an_amount_kept_from_an_earlier_line_meets_the_pushy_agents_counter(chat: Conversation,
                                                                            store: Store) -> None:
    dial(chat, "pushy")
    play(chat, [rp.ID, rp.HARDSHIP], end=False)
    chat.say("每月1000")
    chat.say("12月1号")
    deal = rp.call_state(store).deal
    assert deal.user_offer == Decimal(1000) and deal.offers_refused + deal.rounds >= 1
    assert "还多少" not in chat.text
