"""Whole rehearsal calls through the engine, persona by persona, as people type them.

For each persona: a prepared caller scores at least 80; a vague caller, an over-promiser, an
agree-to-anything caller, a borrow-elsewhere caller and a pay-in-full caller each score below 60
with that mistake named first; every question gets an answer on its topic; the last line counts;
a call with nothing agreed says not to pay; a replay starts at the weakest stage.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import roleplay_support as rp
from conversation import Conversation
from roleplay_support import CALLERS, CLOSE, HARDSHIP, HOLD, ID, OFFER, PLAN, call_state, calm, dial, first_lesson, play

from flows.roleplay.state import PERSONAS, Mark, RoleplayPart, RoleplayStage, Stage
from flows.storage.base import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from rp.user_store(tmp_path)


@pytest.fixture
def chat(store: Store) -> Conversation:
    return rp.chat_with(store)


MISTAKE_TITLES = {
    "vague": "没有提出具体方案",
    "over_promise": f"答应的数超过了计划里的每月 {PLAN}",
    "agree_any": "对方说多少就答应多少",
    "borrow_elsewhere": "答应借钱来还",
    "pay_full": "答应一次性全部还清",
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_prepared_caller_scores_at_least_80(chat: Conversation, store: Store, persona: str) -> None:
    dial(chat, persona)
    said = play(chat, CALLERS["prepared"](persona))
    card = said[-1][1]
    assert rp.score(card) >= 80, card
    assert "✅ 要求把约定书面发给您" in card and "✅ 问清对方的名字或工号" in card
    assert f"✅ 不超过计划里每月能稳定还的 {PLAN}" in card and "❗" not in card
    assert "这次谈的是：每月 1,200 元" in card
    assert rp.session(store).part(RoleplayPart).state is RoleplayStage.card


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("mistake", sorted(MISTAKE_TITLES))
def test_each_costly_mistake_scores_below_60_and_is_named_first(chat: Conversation, persona: str,
                                                               mistake: str) -> None:
    dial(chat, persona)
    said = play(chat, CALLERS[mistake](persona))
    card = said[-1][1]
    assert rp.score(card) < 60, card
    assert first_lesson(card).endswith(MISTAKE_TITLES[mistake]), card
    quoted = {"vague": "我再想想办法", "over_promise": "我每个月还3000", "agree_any": "您定多少就多少",
              "borrow_elsewhere": "我去找朋友借钱先还你们", "pay_full": "好，我今天就想办法全部还清"}[mistake]
    first = card.split("最要紧的一条：", 1)[1].split("\n\n", 1)[0]
    assert f"您说的：“{quoted}" in first and "可以这样说：“" in first, first


@pytest.mark.parametrize("persona", PERSONAS)
def test_better_wording_for_borrowing_is_about_not_borrowing(chat: Conversation, persona: str) -> None:
    dial(chat, persona)
    card = play(chat, CALLERS["borrow_elsewhere"](persona))[-1][1]
    better = card.split("最要紧的一条：", 1)[1].split("可以这样说：“", 1)[1].split("”", 1)[0]
    assert "不会再借" in better and PLAN in better, better


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_question_gets_an_answer_on_its_topic(chat: Conversation, store: Store, persona: str) -> None:
    dial(chat, persona)
    chat.say("你是哪个公司的？工号多少？")
    number = call_state(store).agent.number
    assert "工号" in chat.text or number in chat.text, chat.text
    chat.say("是我本人")
    chat.say("我现在总共欠多少？")
    assert "20,000 元" in chat.text
    chat.say(HARDSHIP)
    chat.say("会不会上征信？")
    assert "征信" in chat.text
    chat.say("你们会起诉我吗")
    assert "起诉" in chat.text or "法律" in chat.text
    chat.say("能不能把谈好的方案书面发给我？")
    assert any(word in chat.text for word in ("短信", "站内信", "书面")), chat.text
    chat.say("你的工号到底是多少？")
    assert number in chat.text, chat.text


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_last_line_is_answered_and_scored(chat: Conversation, store: Store, persona: str) -> None:
    dial(chat, persona)
    play(chat, [ID, HARDSHIP, *calm(persona), OFFER, HOLD, HOLD], end=False)
    number = call_state(store).agent.number
    chat.say("请把方案发短信给我，您工号多少？我12月1号按时还第一期，再见")
    card = chat.text
    assert number in card.split("📋")[0], card  # the persona answered before the card
    for item in ("要求把约定书面发给您", "问清对方的名字或工号", "挂电话前说清下一步"):
        assert f"✅ {item}" in card, card
    assert "您说的：“请把方案发短信给我，您工号多少？我12月1号按时还第一期，再见”" in card


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_call_with_nothing_agreed_says_not_to_pay(chat: Conversation, persona: str) -> None:
    dial(chat, persona)
    card = play(chat, CALLERS["vague"](persona))[-1][1]
    assert "这次通话没有谈成任何约定" in card and "先不要付钱" in card, card


@pytest.mark.parametrize("persona", PERSONAS)
def test_replay_starts_at_the_weakest_stage(chat: Conversation, store: Store, persona: str) -> None:
    dial(chat, persona)
    card = play(chat, CALLERS["over_promise"](persona))[-1][1]
    assert "直接从「提出方案」这一段开始" in card
    chat.tap(f"rp:again:{persona}")
    assert "这次直接从「提出方案」这一段练起" in chat.text
    call = call_state(store)
    assert call.stage is Stage.proposal and call.start is Stage.proposal and call.persona == persona
    said = play(chat, [OFFER, HOLD, HOLD, *CLOSE])
    replay = said[-1][1]
    assert rp.score(replay) >= 80, replay
    assert "说明困难" not in replay  # the stages before the start are not scored


def test_pushy_refuses_a_first_offer_below_its_threshold(chat: Conversation, store: Store) -> None:
    dial(chat, "pushy")
    play(chat, [ID, HARDSHIP], end=False)
    chat.say(OFFER)
    call = call_state(store)
    assert call.stage is Stage.objection and not call.deal.agreed and call.deal.offers_refused == 1
    assert "太少" in chat.text or "不行" in chat.text or "批不了" in chat.text or "没法报" in chat.text
    assert "6,000 元" in chat.text  # asks for 30% of the balance up front
    chat.say(HOLD)
    call = call_state(store)
    assert call.stage is Stage.closing and call.deal.agreed and call.deal.agreed_amount == 1200


def test_polite_offers_the_standard_instalment_with_its_fee(chat: Conversation) -> None:
    dial(chat, "polite")
    play(chat, [ID, HARDSHIP], end=False)
    assert "12 期" in chat.text and "1,667 元" in chat.text and "120 元" in chat.text and "服务费" in chat.text


def test_hostile_threatens_then_backs_down_when_the_user_names_their_rights(chat: Conversation,
                                                                          store: Store) -> None:
    dial(chat, "hostile")
    play(chat, [ID, HARDSHIP], end=False)
    assert any(word in chat.text for word in ("起诉", "家里", "紧急联系人"))
    chat.say("我在录音，请你依法催收，再威胁我就投诉")
    # It backs down instead of threatening again; the user's own warning raises no harassment note.
    assert not any(word in chat.text for word in ("起诉", "家里", "紧急联系人", "不是合法的催收方式"))
    assert call_state(store).has(Mark.rights)
    assert call_state(store).stage is Stage.proposal

