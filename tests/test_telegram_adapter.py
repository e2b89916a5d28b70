"""Offline tests of the Telegram adapter: PTB Application on a recording BaseRequest, a fake engine."""

from __future__ import annotations

import html
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from botapi_server import BOT_USERNAME, TOKEN, Call, FakeBotApi, RecordingRequest
from telegram import Update

from bot.settings import Settings
from bot.telegram import build_application
from bot.telegram.app import bot_commands
from bot.telegram.handlers import TYPING_AFTER
from flows.core.models import Attachment, Choice, Input, Reply
from flows.core.texts import render

ALICE, BOB = 1001, 2002
Script = Callable[[str, Input], list[Reply]]


class FakeEngine:
    """Stands in for flows.core.engine.Engine: records inputs and answers from a script."""

    def __init__(self) -> None:
        self.inputs: list[tuple[str, Input]] = []
        self.script: Script = lambda user_id, inp: [Reply(text=f"echo {inp.text or inp.choice}")]

    def handle(self, user_id: str, inp: Input) -> list[Reply]:
        self.inputs.append((user_id, inp))
        return self.script(user_id, inp)


@dataclass
class Harness:
    api: FakeBotApi
    engine: FakeEngine
    app: Any
    updates: list[dict[str, Any]] = field(default_factory=list)

    async def feed(self, update: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def text(self, user_id: int, text: str, **kwargs: Any) -> None:
        await self.feed(self.api.push_text(user_id, text, **kwargs))

    async def tap(self, user_id: int, message_id: int, data: str, chat_id: int | None = None) -> None:
        await self.feed(self.api.push_callback(user_id, message_id, data, chat_id))

    def messages(self, chat_id: int) -> list[Call]:
        return [c for c in self.api.sent(chat_id) if c.method in {"sendMessage", "sendPhoto", "sendDocument"}]


def settings() -> Settings:
    return Settings(_env_file=None, telegram_bot_token=TOKEN, callback_secret="s" * 32)


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    api = FakeBotApi()
    engine = FakeEngine()
    app = build_application(settings(), engine, request=RecordingRequest(api))
    await app.initialize()
    try:
        yield Harness(api, engine, app)
    finally:
        await app.shutdown()


def choices(*ids: str) -> list[Choice]:
    return [Choice(id=i, label=f"选{i}") for i in ids]


async def test_text_reaches_engine_and_reply_is_escaped_html(h: Harness) -> None:
    h.engine.script = lambda u, i: [Reply(text="<b>x 和 A&B > 3")]
    await h.text(ALICE, "我欠了 <i>5万</i>")
    assert h.engine.inputs == [("tg:1001", Input.of_text("我欠了 <i>5万</i>"))]
    [sent] = h.messages(ALICE)
    assert sent.params["parse_mode"] == "HTML"
    assert sent.text == html.escape("<b>x 和 A&B > 3")
    assert sent.plain == "<b>x 和 A&B > 3"
    assert h.api.sent(ALICE, "sendChatAction") == []  # a quick reply needs no "typing..."


async def test_a_slow_reply_shows_typing_first(h: Harness) -> None:
    def slow(user_id: str, inp: Input) -> list[Reply]:
        time.sleep(TYPING_AFTER + 0.3)
        return [Reply(text="算好了")]

    h.engine.script = slow
    await h.text(ALICE, "8000")
    typing = h.api.sent(ALICE, "sendChatAction")
    assert typing and typing[0].params["action"] == "typing"
    assert h.api.calls.index(typing[0]) < h.api.calls.index(h.messages(ALICE)[0])


async def test_no_memory_is_kept_per_user_between_updates(h: Harness) -> None:
    for user in range(5000, 5030):
        await h.text(user, "hi")
    assert len(h.engine.inputs) == 30
    # PTB's own Application would have noted all 30 ids for a persistence flush that never comes.
    assert h.app._chat_ids_to_be_updated_in_persistence == set()
    assert h.app._user_ids_to_be_updated_in_persistence == set()
    assert not h.app.user_data and not h.app.chat_data


async def test_commands_go_to_the_engine(h: Harness) -> None:
    for text in ("/start from_group", "/plan", "/frobnicate"):
        await h.text(ALICE, text)
    assert [inp.command for _, inp in h.engine.inputs] == ["start", "plan", "frobnicate"]
    assert h.engine.inputs[0][1].text == "from_group"


async def test_button_tap_answers_retires_keyboard_and_passes_choice(h: Harness) -> None:
    h.engine.script = lambda u, i: [Reply(text="要继续吗？", choices=choices("yes", "no"))]
    await h.text(ALICE, "hi")
    [menu] = h.messages(ALICE)
    assert [len(row) for row in menu.params["reply_markup"]["inline_keyboard"]] == [2]
    data = menu.buttons[0]["callback_data"]
    assert len(data.encode()) <= 64
    mid = menu.result["message_id"]
    await h.tap(ALICE, mid, data)
    assert h.engine.inputs[-1] == ("tg:1001", Input.of_choice("yes"))
    [edit] = h.api.sent(ALICE, "editMessageReplyMarkup")
    assert edit.params["message_id"] == mid and not edit.params.get("reply_markup")
    assert len(h.api.answered) == 1
    # The same (stale) button again: answered, but nothing reaches the engine.
    await h.tap(ALICE, mid, data)
    assert len(h.engine.inputs) == 2
    assert list(h.api.answered.values())[-1]["text"] == render("telegram/button_used")


async def test_stale_button_from_another_instance_is_ignored(h: Harness) -> None:
    h.engine.script = lambda u, i: [Reply(text="选一个", choices=choices("a", "b"))]
    await h.text(ALICE, "hi")
    [menu] = h.messages(ALICE)
    mid, data = menu.result["message_id"], menu.buttons[1]["callback_data"]
    h.api.messages[(ALICE, mid)].pop("reply_markup")  # another instance already retired it
    await h.tap(ALICE, mid, data)
    assert len(h.engine.inputs) == 1
    assert list(h.api.answered.values())[-1]["text"] == render("telegram/button_used")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda d: d[:-1] + ("A" if d[-1] != "A" else "B"),  # signature changed
        lambda d: "no" + d[d.index("|") :],  # choice changed, signature kept
        lambda d: "yes",  # unsigned
        lambda d: "x" * 70,  # too long
    ],
)
async def test_tampered_callback_is_rejected_kindly(h: Harness, mangle: Callable[[str], str]) -> None:
    h.engine.script = lambda u, i: [Reply(text="要继续吗？", choices=choices("yes", "no"))]
    await h.text(ALICE, "hi")
    [menu] = h.messages(ALICE)
    await h.tap(ALICE, menu.result["message_id"], mangle(menu.buttons[0]["callback_data"]))
    assert len(h.engine.inputs) == 1
    [answer] = h.api.answered.values()
    assert answer["text"] == render("telegram/button_invalid") and answer["show_alert"] is True
    assert not h.api.sent(ALICE, "editMessageReplyMarkup")


async def test_another_users_callback_is_rejected(h: Harness) -> None:
    h.engine.script = lambda u, i: [Reply(text="要继续吗？", choices=choices("yes"))]
    await h.text(ALICE, "hi")
    await h.text(BOB, "hi")
    alice_menu = h.messages(ALICE)[0]
    data = alice_menu.buttons[0]["callback_data"]
    bob_mid = h.messages(BOB)[0].result["message_id"]
    await h.tap(BOB, bob_mid, data)  # Alice's data replayed in Bob's chat
    await h.tap(BOB, alice_menu.result["message_id"], data, chat_id=ALICE)  # Bob on Alice's message
    assert [u for u, _ in h.engine.inputs] == ["tg:1001", "tg:2002"]
    assert [a["text"] for a in h.api.answered.values()] == [render("telegram/button_invalid")] * 2
    assert not h.api.sent(ALICE, "editMessageReplyMarkup") and not h.api.sent(BOB, "editMessageReplyMarkup")


async def test_long_text_is_split_at_paragraphs_with_keyboard_on_last(h: Harness) -> None:
    paragraphs = [f"第{n}段。" + "钱" * 2500 for n in range(3)]
    h.engine.script = lambda u, i: [Reply(text="\n\n".join(paragraphs), choices=choices("ok"))]
    await h.text(ALICE, "plan")
    sent = h.messages(ALICE)
    assert [c.plain for c in sent] == paragraphs
    assert [bool(c.buttons) for c in sent] == [False, False, True]


async def test_long_escaped_text_stays_under_limit(h: Harness) -> None:
    h.engine.script = lambda u, i: [Reply(text="A&B<" * 3000)]
    await h.text(ALICE, "x")
    sent = h.messages(ALICE)
    assert len(sent) == 3
    assert "".join(c.plain for c in sent) == "A&B<" * 3000


async def test_group_chat_gets_redirect_and_nothing_else(h: Harness) -> None:
    await h.text(ALICE, "我欠了 52000 元，月入 8000", chat_id=-100777, chat_type="supergroup")
    await h.text(ALICE, "/plan", chat_id=-555, chat_type="group")
    assert h.engine.inputs == []
    for chat_id in (-100777, -555):
        [sent] = h.messages(chat_id)
        assert sent.plain == render("telegram/group_redirect")
        assert "52000" not in sent.plain and "8000" not in sent.plain
        [button] = sent.buttons
        assert button["url"] == f"https://t.me/{BOT_USERNAME}?start=from_group"
    assert h.messages(ALICE) == []


@pytest.mark.parametrize(
    "content",
    [
        {"sticker": {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False,
                     "is_video": False, "type": "regular"}},
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}], "caption": "欠 9000"},
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}},
        {"document": {"file_id": "d", "file_unique_id": "d", "file_name": "a.pdf"}},
    ],
)  # fmt: skip
async def test_non_text_gets_kind_reply(h: Harness, content: dict[str, Any]) -> None:
    await h.feed(h.api.push_message(ALICE, **content))
    assert h.engine.inputs == []
    assert [c.plain for c in h.messages(ALICE)] == [render("telegram/non_text")]


async def test_edited_message_gets_kind_reply(h: Harness) -> None:
    message = h.api.user_message(ALICE, text="月入 9000", edit_date=1)
    await h.feed(h.api.push(edited_message=message))
    assert h.engine.inputs == []
    assert [c.plain for c in h.messages(ALICE)] == [render("telegram/edited")]


async def test_attachments_are_uploaded(h: Harness) -> None:
    png, ics = b"\x89PNG\r\n\x1a\nfake", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    h.engine.script = lambda u, i: [
        Reply(
            text="你的计划 & 提醒",
            choices=choices("done"),
            attachments=[
                Attachment(kind="photo", filename="plan.png", mime="image/png", data=png, caption="图 <1>"),
                Attachment(kind="document", filename="remind.ics", mime="text/calendar", data=ics),
            ],
        )
    ]
    await h.text(ALICE, "/plan")
    text, photo, doc = h.messages(ALICE)
    assert text.plain == "你的计划 & 提醒" and not text.buttons
    assert photo.method == "sendPhoto" and photo.files["photo"][1] == png and photo.plain == "图 <1>"
    assert doc.method == "sendDocument" and doc.files["document"][:2] == ("remind.ics", ics)
    assert doc.result["document"]["file_name"] == "remind.ics"
    assert doc.buttons and doc.buttons[0]["text"] == "选done"


async def test_long_choice_lists_are_paged(h: Harness) -> None:
    many = choices(*[f"loan{n}" for n in range(20)])
    h.engine.script = lambda u, i: [Reply(text="选一笔", choices=many)]
    await h.text(ALICE, "x")
    [menu] = h.messages(ALICE)
    mid = menu.result["message_id"]
    labels = [b["text"] for b in menu.buttons]
    assert labels[:8] == [c.label for c in many[:8]] and labels[8:] == ["1/3", render("telegram/page_next")]
    await h.tap(ALICE, mid, menu.buttons[-1]["callback_data"])
    [edit] = h.api.sent(ALICE, "editMessageReplyMarkup")
    page2 = [b for row in edit.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in page2][:8] == [c.label for c in many[8:16]]
    assert [b["text"] for b in page2][8:] == [render("telegram/page_prev"), "2/3", render("telegram/page_next")]
    assert len(h.engine.inputs) == 1
    await h.tap(ALICE, mid, page2[0]["callback_data"])
    assert h.engine.inputs[-1][1] == Input.of_choice("loan8")


async def test_post_init_publishes_command_menu(h: Harness) -> None:
    assert h.app.post_init is not None
    await h.app.post_init(h.app)
    menu = h.api.commands['{"type": "default"}|']
    assert [c["command"] for c in menu] == [c.command for c in bot_commands()]
    assert {"start", "plan", "script", "roleplay", "remind", "progress", "export", "delete", "help"} <= {
        c["command"] for c in menu
    }


async def test_engine_failure_gets_kind_reply(h: Harness) -> None:
    def boom(user_id: str, inp: Input) -> list[Reply]:
        raise RuntimeError("secret figure 52000")

    h.engine.script = boom
    await h.text(ALICE, "hi")
    assert [c.plain for c in h.messages(ALICE)] == [render("telegram/error")]


async def test_logs_hold_no_texts_figures_or_raw_ids(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")  # what `debt-coach run` uses; PTB's DEBUG lines carry request bodies

    def script(user_id: str, inp: Input) -> list[Reply]:
        if inp.text.startswith("boom"):
            raise ValueError(inp.text)
        return [Reply(text="你每月可还 4567 元")]

    h.engine.script = script
    await h.text(ALICE, "月入 8123")
    await h.text(ALICE, "boom 8123")
    assert "turn user=" in caplog.text and "update failed: ValueError" in caplog.text
    for secret in ("8123", "4567", str(ALICE), TOKEN):
        assert secret not in caplog.text


async def test_tap_whose_query_expired_still_reaches_engine(h: Harness) -> None:
    h.engine.script = lambda u, i: [Reply(text="要继续吗？", choices=choices("yes"))]
    await h.text(ALICE, "hi")
    [menu] = h.messages(ALICE)
    update = h.api.push_callback(ALICE, menu.result["message_id"], menu.buttons[0]["callback_data"])
    h.api._open_queries.clear()  # answered too late: Telegram refuses the answer
    await h.feed(update)
    assert h.engine.inputs[-1][1] == Input.of_choice("yes")
    assert [c.plain for c in h.messages(ALICE)][-1] == "要继续吗？" and len(h.messages(ALICE)) == 2
