"""The whole journey in Telegram, for two users at once, through the real `debt-coach run` process.

intake -> plan (with chart) -> call script -> role-play -> export (JSON + calendar) -> delete, in
polling mode and in webhook mode, asserting on what each user received and that neither ever
received the other's figures.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from botapi_server import BotApiServer, Call
from test_telegram_e2e import serving_bot

SETTLE = 0.4
STEP_TIMEOUT = 30.0


class TelegramUser:
    """One person chatting with the bot: types text, taps buttons by their label."""

    def __init__(self, server: BotApiServer, user_id: int) -> None:
        self.server = server
        self.user_id = user_id
        self.seen = 0

    def _received(self) -> list[Call]:
        return [c for c in self.server.sent(self.user_id) if c.method in {"sendMessage", "sendPhoto", "sendDocument"}]

    async def _turn(self, expect: str) -> list[Call]:
        """Wait for a reply containing `expect`, then for the rest of the turn; return the new messages."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STEP_TIMEOUT
        while not any(expect in c.plain for c in self._received()[self.seen :]):
            got = [c.plain[:60] for c in self._received()[self.seen :]]
            assert loop.time() < deadline, f"no reply with {expect!r}; got {got}"
            await asyncio.sleep(0.05)
        count = -1
        while count != len(self.server.sent(self.user_id)):
            count = len(self.server.sent(self.user_id))
            await asyncio.sleep(SETTLE)
        new = self._received()[self.seen :]
        self.seen += len(new)
        return new

    async def say(self, text: str, expect: str) -> list[Call]:
        """Type a message and wait for the answer."""
        self.server.push_text(self.user_id, text)
        return await self._turn(expect)

    async def tap(self, label: str, expect: str) -> list[Call]:
        """Tap the newest button with this label and wait for the answer."""
        for call in reversed(self._received()):
            for button in call.buttons:
                if button.get("text") == label and "callback_data" in button:
                    self.server.push_callback(self.user_id, call.result["message_id"], button["callback_data"])
                    return await self._turn(expect)
        raise AssertionError(f"no button {label!r}")

    def everything(self) -> str:
        return "\n".join(c.plain for c in self._received())


async def journey(user: TelegramUser, income: str, platform: str, amount: str) -> None:
    """Walk one user through every capability, as a person would."""
    await user.say("/start", "同意")
    await user.tap("同意，开始", "收入")
    await user.say(income, "支出")
    await user.say("3000", "第 1 笔")
    await user.say(f"{platform}欠{amount}，逾期40天，日息万五，天天打电话", "一并记下")
    await user.tap("不确定", "合同上写的借款金额")  # an unknown lender: the details that decide the legal line
    await user.tap("跳过", "到手")
    await user.tap("全额到账，没被扣钱", "已经还了")
    await user.tap("还没还过", "什么时候借的")
    await user.tap("跳过", "还有别的平台")
    plan = await user.tap("就这些，生成计划", "接下来想做什么")
    assert any(c.method == "sendPhoto" and c.files for c in plan), "the plan comes with its chart"
    assert any("还款计划" in c.plain for c in plan)

    await user.say("/script", "想谈什么")  # one loan: straight to the goal
    await user.tap("分期还款", "主要是因为什么")  # the first script asks what it needs
    await user.tap("失业", "借新的网贷")
    await user.tap("否", "称呼")
    await user.say("跳过", "家人")
    await user.tap("否", "担保")
    await user.tap("否", "二次逾期")
    script = await user.tap("否", "还需要什么")
    assert any("书面" in c.plain for c in script)

    await user.say("/roleplay", f"和{platform}的通话，您想让我扮演谁")  # the platform just scripted
    await user.tap("客气的客服", platform)
    await user.say("您好，我是本人。因为失业暂时还不上，但我一定会还，想申请分期。", "")
    card = await user.say("/endcall", "评分")
    assert any(c.buttons for c in card), "the score card offers another try"

    files = await user.say("/export", "妥善保管")
    names = {name for c in files if c.method == "sendDocument" for name, *_ in c.files.values()}
    assert {"debt-plan.json", "repayment-schedule.ics"} <= names

    await user.say("/delete", "确定要删除")
    await user.tap("确定", "已经删除")


async def two_journeys(server: BotApiServer) -> None:
    alice, bob = TelegramUser(server, 810000001), TelegramUser(server, 810000002)
    await asyncio.gather(journey(alice, "8765", "安心借", "一万二"), journey(bob, "13579", "小象优品", "六千七"))
    alice_saw, bob_saw = alice.everything(), bob.everything()
    assert "8,765" in alice_saw and "13,579" in bob_saw
    for theirs in ("13,579", "6,700", "小象优品"):
        assert theirs not in alice_saw
    for theirs in ("8,765", "12,000", "安心借"):
        assert theirs not in bob_saw


async def test_journey_in_polling_mode(tmp_path: Path) -> None:
    async with serving_bot(tmp_path, webhook=False) as (server, _):
        await two_journeys(server)


async def test_journey_in_webhook_mode(tmp_path: Path) -> None:
    async with serving_bot(tmp_path, webhook=True) as (server, _):
        await two_journeys(server)
