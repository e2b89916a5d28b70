"""Issue 12's floor, through the engine from every dialogue state the person can be in.

In each place a message of despair gets the crisis reply first; nothing of it is stored; a second,
weaker signal inside the memory window gets the crisis reply again; "I'm safe" resumes exactly where
the person was (the same question, the same call with its persona and stage). The intake steps one by
one are covered by tests/test_safety_everywhere.py; here are the other places, and an exaggeration
mid-intake that must leave the intake going.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conversation import Conversation
from roleplay_support import USER, chat_with, dial, session, user_store

from flows.core.session import Session
from flows.crisis.dialog import CrisisPart
from flows.crisis.replies import SAFE
from flows.roleplay.state import RoleplayPart
from flows.storage.base import Store

# Indirect on purpose: none of these says 死 or 自杀.
CRISIS = ["家里没有我反而轻松", "攒了一瓶安眠药", "今晚去江边站一会儿就不回来了", "替我跟孩子说声对不起"]
WEAKER = "好累啊，真的撑不住了"
"""A check-in on its own; inside the memory window it is enough for the crisis reply again."""


def _home(chat: Conversation) -> None:
    chat.say("/plan")


def _script(chat: Conversation) -> None:
    chat.say("/script")
    chat.tap("借呗")


def _persona(persona: str) -> Callable[[Conversation], None]:
    def start(chat: Conversation) -> None:
        dial(chat, persona)
        chat.say("是我本人，我打电话来是想协商还款的")

    return start


def _remind(chat: Conversation) -> None:
    chat.say("/remind")


def _call(chat: Conversation) -> None:
    chat.say("/call")
    chat.tap("rm:cp:1")


def _complaint(chat: Conversation) -> None:
    chat.say("/complaint")
    chat.say("某某贷")


PLACES: dict[str, Callable[[Conversation], None]] = {
    "home": _home, "script": _script, "roleplay_polite": _persona("polite"), "roleplay_pushy": _persona("pushy"),
    "roleplay_hostile": _persona("hostile"), "reminder_setup": _remind, "call_log": _call, "complaint": _complaint,
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from user_store(tmp_path)


def _kept(stored: Session) -> dict[str, Any]:
    """Everything of a session except the crisis dialogue's own part and the time it was saved."""
    data = stored.model_dump(mode="json", exclude={"updated_at", "stack"})
    data["parts"] = {key: value for key, value in data["parts"].items() if key != CrisisPart.key}
    return data


def _is_crisis_reply(chat: Conversation) -> bool:
    first = chat.replies[0]
    return "12356" in first.text and SAFE in [choice.id for choice in first.choices]


def _check_place(chat: Conversation, store: Store, message: str) -> None:
    question, labels = chat.replies[-1].text, chat.labels
    on_call = session(store).top == "roleplay"
    before, stack = _kept(session(store)), session(store).stack
    chat.say(message)
    assert _is_crisis_reply(chat), chat.text
    assert question not in chat.text  # the pending question waits; the crisis reply comes alone
    assert session(store).stack[-1] == "crisis"
    chat.tap(SAFE)
    chat.say(WEAKER)  # a weaker signal within the window: the crisis reply again, not the task
    assert _is_crisis_reply(chat), chat.text
    chat.say("我没事了")
    if on_call:  # the collector's voice does not come straight back: the paused call waits for a tap
        assert "rp:continue" in [choice.id for choice in chat.offered]
        chat.tap("rp:continue")
    assert question in chat.text
    if session(store).top != "home":  # home comes back as its menu, whatever screen of it was open
        assert chat.labels == labels
    assert session(store).stack == stack
    assert _kept(session(store)) == before  # nothing typed during the crisis was stored as an answer


@pytest.mark.parametrize("place", PLACES)
def test_crisis_first_in_every_place_and_back_to_the_same_step(place: str, store: Store) -> None:
    chat = chat_with(store)
    PLACES[place](chat)
    _check_place(chat, store, CRISIS[len(place) % len(CRISIS)])


@pytest.mark.parametrize("persona", ["polite", "pushy", "hostile"])
def test_a_call_survives_the_crisis_with_its_persona_and_stage(persona: str, store: Store) -> None:
    chat = chat_with(store)
    _persona(persona)(chat)
    call = session(store).part(RoleplayPart).call
    assert call is not None
    chat.say("要是能一直睡下去就好了")
    assert _is_crisis_reply(chat) and "📞" not in chat.replies[0].text  # the collector does not answer in character
    chat.tap(SAFE)
    assert "rp:continue" in [choice.id for choice in chat.offered]
    resumed = session(store).part(RoleplayPart).call
    assert resumed is not None
    assert (resumed.persona, resumed.stage, resumed.turns) == (call.persona, call.stage, call.turns)
    chat.say("我上个月失业了，暂时没有收入，我不是不想还")
    after = session(store).part(RoleplayPart).call
    assert after is not None and len(after.lines) == len(call.lines) + 1  # the call goes on from where it was


def test_before_consent_the_crisis_reply_comes_first_and_consent_is_asked_again(tmp_path: Path) -> None:
    from flows.core.engine import Engine
    from flows.storage import open_store

    store = open_store(db_path=str(tmp_path / "c.db"))
    try:
        chat = Conversation(Engine(store), USER)
        chat.say("/start")
        _check_place(chat, store, "人一走账就清了吧")
        stored = store.load_session(USER)
        assert stored is not None and not stored.consent
    finally:
        store.close()


def test_an_exaggeration_mid_intake_leaves_the_intake_going(tmp_path: Path) -> None:
    from flows.core.engine import Engine
    from flows.storage import open_store

    store = open_store(db_path=str(tmp_path / "c.db"))
    try:
        chat = Conversation(Engine(store), USER)
        chat.say("/start")
        chat.tap("consent_yes")
        chat.say("利息高得吓死人，我每个月工资8000")
        assert SAFE not in [choice.id for choice in chat.offered]
        stored = store.load_session(USER)
        assert stored is not None and stored.top == "intake"
        assert "支出" in chat.text or "花" in chat.text  # the next intake question, not the crisis reply
    finally:
        store.close()


def test_a_paused_call_can_be_left_in_words(store: Store) -> None:
    chat = chat_with(store)
    _persona("pushy")(chat)
    chat.say("攒了一瓶安眠药")
    chat.tap(SAFE)
    chat.say("不练了")
    assert session(store).part(RoleplayPart).call is None  # the call is dropped, not answered in character
    assert "📞" not in chat.text


NOTE = "不是合法的催收方式"
"""Words of the harassment note, in both its forms."""


def test_the_harassment_note_comes_once_inside_the_complaint_form(store: Store) -> None:
    chat = chat_with(store)
    chat.say("/complaint")
    answers = []
    for line in ("催收天天打电话骂我，还打给我同事", "昨天晚上他们打给我妈和我同事，说要上门",
                 "晚上十一点打电话骂我，威胁说要上门，还打给了我妈和我单位"):
        chat.say(line)
        answers.append(chat.text)
    assert NOTE in answers[0] and "/complaint" not in answers[0]  # no pointer to the form it is shown in
    assert [answer.count(NOTE) for answer in answers] == [1, 0, 0]
    assert "投诉事项" in answers[-1]  # the finished complaint and its next steps, without the note
    chat.say("/complaint")
    chat.say("他们爆我通讯录，打给我家人")
    assert chat.text.count(NOTE) == 1  # a new complaint, the note once again
    chat.tap("不写了，回工具箱")
    chat.say("他们爆我通讯录，打给我家人")
    assert chat.text.count(NOTE) == 1 and "/complaint" in chat.text  # outside the form: the whole note
