"""Calls a tester played through the engine, and what each should have done.

Saying one cannot pay in full ("还不了", "没办法今天结清", "拿不出一万二") is an inability, never a
promise to pay in full; after an agreement every persona leaves the user a turn to ask for written
confirmation and its ID before it hangs up; the pushy persona refuses a realistic first offer below
the standard instalment; the hostile persona makes at least one (improper, lawful-sounding) threat
in a call that goes past the reason stage.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import roleplay_support as rp
from conversation import Conversation
from roleplay_support import CLOSE, HARDSHIP, HOLD, ID, OFFER, call_state, calm, dial, play

from flows.roleplay.state import PERSONAS, Mark, Stage
from flows.storage.base import Store

PAY_FULL = "答应一次性全部还清"
AGREE_ANY = "对方说多少就答应多少"
OVER_PROMISE = "答应的数超过了计划里的每月"
INABILITY = {
    "polite": ["您好，我想协商还款", "我一次性还不了一万二", "我没办法今天结清"],
    "pushy": ["是我", "我现在真的拿不出一万二，能不能分期"],
    "hostile": ["是我", "我失业了，一次性还不了两万", "不可能全还，我做不到一次性还清"],
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from rp.user_store(tmp_path)


@pytest.fixture
def chat(store: Store) -> Conversation:
    return rp.chat_with(store)


@pytest.mark.parametrize("persona", PERSONAS)
def test_saying_one_cannot_pay_in_full_is_no_promise(chat: Conversation, store: Store, persona: str) -> None:
    dial(chat, persona)
    said = play(chat, INABILITY[persona], end=False)
    call = call_state(store)
    assert not call.deal.agreed and call.deal.promised is None, said
    assert not call.has(Mark.pay_full) and not call.has(Mark.agree_any) and not call.has(Mark.over_promise)
    assert call.has(Mark.refusal)
    chat.say("/endcall")
    card = chat.text
    assert PAY_FULL not in card and AGREE_ANY not in card and OVER_PROMISE not in card, card
    assert "这次通话没有谈成任何约定" in card


@pytest.mark.parametrize("persona", PERSONAS)
def test_after_an_agreement_the_user_gets_a_turn_before_the_call_ends(chat: Conversation, store: Store,
                                                                     persona: str) -> None:
    dial(chat, persona)
    play(chat, [ID, HARDSHIP, *calm(persona), OFFER], end=False)
    if not call_state(store).deal.agreed:
        chat.say(HOLD)
    assert call_state(store).deal.agreed and call_state(store).stage is Stage.closing
    chat.say("好的，12月1号我按时还")
    assert "通话评分" not in chat.text and call_state(store).stage is Stage.closing, chat.text
    said = play(chat, CLOSE)
    card = said[-1][1]
    assert "通话评分" in card and said[-1][0] == CLOSE[-1]  # the goodbye ended it, not the /endcall
    assert rp.score(card) >= 80, card
    assert "⬜ 要求把约定书面发给您" not in card and "⬜ 问清对方的名字或工号" not in card


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_bare_ok_at_the_close_leaves_room_to_ask(chat: Conversation, store: Store, persona: str) -> None:
    dial(chat, persona)
    play(chat, [ID, HARDSHIP, *calm(persona), OFFER, HOLD], end=False)
    assert call_state(store).stage is Stage.closing
    chat.say("行")
    assert "通话评分" not in chat.text
    chat.say(CLOSE[0])
    assert call_state(store).agent.written_promised or persona == "hostile"


def test_pushy_refuses_the_first_offer_after_saying_it_cannot_pay_in_full(chat: Conversation,
                                                                        store: Store) -> None:
    dial(chat, "pushy")
    play(chat, ["是我", "我现在真的拿不出一万二，能不能分期", HARDSHIP], end=False)
    chat.say("每月1200，12月1号开始")
    call = call_state(store)
    assert not call.deal.agreed and call.deal.offers_refused == 1 and call.stage is Stage.objection, chat.text
    assert "6,000 元" in chat.text


@pytest.mark.parametrize("first", ["每月1250，12月1号开始", "我每个月能还一千二，下个月1号开始"])
def test_pushy_refuses_a_realistic_first_offer_on_the_20000_debt(chat: Conversation, store: Store,
                                                                 first: str) -> None:
    dial(chat, "pushy")
    play(chat, [ID, HARDSHIP], end=False)
    chat.say(first)
    call = call_state(store)
    assert not call.deal.agreed and call.deal.offers_refused == 1, chat.text


@pytest.mark.parametrize("lines", [
    ["是我", "我失业了，您定多少就多少"],
    ["是我", "我失业了，每月还3000，12月1号开始"],
    ["是我，我在录音", "我失业了，暂时没收入，每月1200，12月1号开始"],
])
def test_hostile_threatens_at_least_once_past_the_reason_stage(chat: Conversation, store: Store,
                                                               lines: list[str]) -> None:
    dial(chat, "hostile")
    play(chat, lines, end=False)
    call = call_state(store)
    assert call.stage not in (Stage.opening, Stage.reason, Stage.ended)
    assert call.threats, chat.text
    assert any(word in chat.text for word in ("起诉", "家里", "紧急联系人", "单位")), chat.text
