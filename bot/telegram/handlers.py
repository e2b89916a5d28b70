"""Telegram handlers: translate updates into engine Inputs and engine Replies into messages.

No dialogue logic lives here; the only memory is two bounded caches (keyboard pages, spent buttons).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
import traceback
from collections import OrderedDict
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, Protocol, TypeVar

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.telegram.callbacks import CallbackSigner
from bot.telegram.render import build_keyboard, coalesce, page_count, send_reply
from flows.core.models import Choice, Input, Reply
from flows.core.tags import user_tag
from flows.core.texts import render

_LOGGER = logging.getLogger(__name__)
TYPING_EVERY = 4.5
TYPING_AFTER = 0.4
"""A reply faster than this needs no "typing...": the extra request would cost more than it shows."""

K = TypeVar("K")
V = TypeVar("V")


class EngineLike(Protocol):
    """What the adapter needs from flows.core.engine.Engine."""

    def handle(self, user_id: str, inp: Input) -> list[Reply]:
        """Run one user turn and return the replies."""
        ...


class LruCache(Generic[K, V]):
    """A small bounded mapping that forgets the least recently used entry."""

    def __init__(self, maxsize: int) -> None:
        self._data: OrderedDict[K, V] = OrderedDict()
        self._maxsize = maxsize

    def get(self, key: K) -> V | None:
        """Return the value for `key`, marking it recently used."""
        if key not in self._data:
            return None
        self._data.move_to_end(key)
        return self._data[key]

    def put(self, key: K, value: V) -> None:
        """Store `value`, evicting the oldest entry when full."""
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self._maxsize:
            self._data.popitem(last=False)

    def pop(self, key: K) -> None:
        """Forget `key` if present."""
        self._data.pop(key, None)


@contextlib.asynccontextmanager
async def typing_action(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing..." in the chat while the block runs, once it has run for TYPING_AFTER seconds."""

    async def keep_typing() -> None:
        await asyncio.sleep(TYPING_AFTER)
        while True:
            with contextlib.suppress(TelegramError):
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.sleep(TYPING_EVERY)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def send_template(
    bot: Bot, chat_id: int, name: str, markup: InlineKeyboardMarkup | None = None, **ctx: Any
) -> None:
    """Send the template `scripts_zh/<name>.j2` as an escaped HTML message."""
    await bot.send_message(chat_id, html.escape(render(name, **ctx)), parse_mode=ParseMode.HTML, reply_markup=markup)


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a callback query; one that is too old to answer (bot was down) is not an error."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        _LOGGER.info("could not answer a button tap: %s", type(exc).__name__)


class Adapter:
    """The bridge between PTB updates and the engine."""

    def __init__(
        self, engine: EngineLike, signer: CallbackSigner, cache_size: int = 4096, turn_threads: int = 4
    ) -> None:
        self._engine = engine
        # The engine's turns block on the database, so they run in threads of their own, as many as
        # the database can use at once (`bot.cli_run`); PTB and asyncio keep the default pool.
        self._turns = ThreadPoolExecutor(max_workers=turn_threads, thread_name_prefix="turn")
        self._signer = signer
        self._pages: LruCache[tuple[int, int], list[Choice]] = LruCache(cache_size)
        # Only the race between a double tap and the keyboard's removal needs this memory: a tap on
        # a keyboard forgotten here is caught by Telegram's "message is not modified" instead.
        self._spent: LruCache[tuple[int, int], bool] = LruCache(max(cache_size // 4, 1))

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Add the handlers and the error handler to `app`."""
        private = filters.ChatType.PRIVATE
        groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL
        app.add_handler(MessageHandler(groups, self.on_group))
        app.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, self.on_edited))
        app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE & filters.TEXT, self.on_text))
        app.add_handler(
            MessageHandler(private & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, self.on_non_text)
        )
        app.add_handler(CallbackQueryHandler(self.on_callback))
        app.add_error_handler(self.on_error)
        watch = getattr(app.update_processor, "watch", None)
        if callable(watch):
            watch(lambda: app.running)  # queued flood messages are answered at once on shutdown

    def user_ref(self, user_id: int) -> str:
        """Return the log pseudonym the engine uses too (`user_tag`, keyed by the store), never the raw id."""
        return user_tag(f"tg:{user_id}")

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Pass typed text and commands to the engine."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.text is None:
            return
        await self.converse(context.bot, message.chat.id, user.id, Input.of_text(message.text), "text")

    async def on_non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer stickers, photos, voice and files kindly without involving the engine."""
        if update.effective_chat is not None:
            await send_template(context.bot, update.effective_chat.id, "telegram/non_text")

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Explain that edits are not read."""
        if update.effective_chat is not None:
            await send_template(context.bot, update.effective_chat.id, "telegram/edited")

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Point group members to a private chat; never pass group messages on or echo them."""
        if update.effective_chat is None:
            return
        url = f"https://t.me/{context.bot.username}?start=from_group"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(render("telegram/group_button"), url=url)]])
        await send_template(context.bot, update.effective_chat.id, "telegram/group_redirect", markup)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Verify a button tap, retire its keyboard, then pass the choice to the engine."""
        query = update.callback_query
        if query is None:
            return
        user_id = query.from_user.id
        callback = self._signer.verify(user_id, query.data)
        message = query.message if isinstance(query.message, Message) else None
        own_chat = message is None or (message.chat.type == ChatType.PRIVATE and message.chat.id == user_id)
        if callback is None or not own_chat:
            _LOGGER.info("rejected button user=%s", self.user_ref(user_id))
            await answer(query, render("telegram/button_invalid"), alert=True)
            return
        if callback.kind == "noop":
            await answer(query)
            return
        key = (message.chat.id, message.message_id) if message is not None else None
        if callback.kind == "page":
            choices = self._pages.get(key) if key is not None else None
            if choices is None:
                await answer(query, render("telegram/menu_expired"), alert=True)
                return
            await answer(query)
            with contextlib.suppress(BadRequest):
                await query.edit_message_reply_markup(build_keyboard(choices, user_id, self._signer, callback.page))
            return
        if key is not None and not await self._retire_keyboard(query.edit_message_reply_markup, key):
            _LOGGER.info("tap on a used keyboard user=%s", self.user_ref(user_id))
            await answer(query, render("telegram/button_used"))
            return
        await answer(query)
        chat_id = message.chat.id if message is not None else user_id
        await self.converse(context.bot, chat_id, user_id, Input.of_choice(callback.choice), "choice")

    async def _retire_keyboard(self, edit: Any, key: tuple[int, int]) -> bool:
        """Remove a tapped keyboard; return False when the button was already used."""
        if self._spent.get(key):
            return False
        self._spent.put(key, True)
        self._pages.pop(key)
        try:
            await edit(None)
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return False
            _LOGGER.warning("could not remove keyboard: %s", type(exc).__name__)
        return True

    async def converse(self, bot: Bot, chat_id: int, user_id: int, inp: Input, kind: str) -> None:
        """Run one engine turn for the user and send its replies.

        Args:
            bot: The bot to reply with.
            chat_id: The private chat to answer in.
            user_id: The Telegram user id (the engine sees `tg:<id>`).
            inp: The transport-neutral input.
            kind: A label for the log line.
        """
        started = time.monotonic()
        async with typing_action(bot, chat_id):
            loop = asyncio.get_running_loop()
            replies = await loop.run_in_executor(self._turns, self._engine.handle, f"tg:{user_id}", inp)
        try:
            await self._send(bot, chat_id, user_id, replies)
        except Forbidden:
            _LOGGER.info("user=%s blocked the bot", self.user_ref(user_id))
        except TelegramError as exc:
            # The turn is saved: "please send it again" would apply the message twice (a resent
            # income stored as the expenses).  The current question, asked again, is always right.
            _LOGGER.warning("telegram/reply_lost user=%s error=%s", self.user_ref(user_id), type(exc).__name__)
            await self._reprompt(bot, chat_id, user_id)
        _LOGGER.info(
            "turn user=%s kind=%s replies=%d ms=%d",
            self.user_ref(user_id),
            kind,
            len(replies),
            (time.monotonic() - started) * 1000,
        )

    async def _send(self, bot: Bot, chat_id: int, user_id: int, replies: list[Reply]) -> None:
        for reply in coalesce(replies):
            markup = build_keyboard(reply.choices, user_id, self._signer) if reply.choices else None
            last = await send_reply(bot, chat_id, reply, markup)
            if last is not None and markup is not None and page_count(reply.choices) > 1:
                self._pages.put((chat_id, last.message_id), list(reply.choices))

    async def _reprompt(self, bot: Bot, chat_id: int, user_id: int) -> None:
        """Send the user's current question again after its first sending was lost."""
        reprompt = getattr(self._engine, "reprompt", None)  # Engine.reprompt; test engines may lack it
        if not callable(reprompt):
            return
        loop = asyncio.get_running_loop()
        replies: list[Reply] = await loop.run_in_executor(self._turns, reprompt, f"tg:{user_id}")
        try:
            await self._send(bot, chat_id, user_id, replies)
        except TelegramError as exc:
            _LOGGER.warning("telegram/reprompt_lost user=%s error=%s", self.user_ref(user_id), type(exc).__name__)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure without message contents and tell the user kindly."""
        error = context.error
        frames = "".join(traceback.format_tb(error.__traceback__)) if error is not None else ""
        _LOGGER.error("update failed: %s\n%s", type(error).__name__, frames)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.effective_chat.type != ChatType.PRIVATE:
            return
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await answer(update.callback_query)
        with contextlib.suppress(TelegramError):
            await send_template(context.bot, update.effective_chat.id, "telegram/error")
