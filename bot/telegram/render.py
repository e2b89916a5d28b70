"""Turn engine Replies into Telegram messages: escaped HTML, split texts, keyboards, files."""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Sequence

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import Forbidden, TelegramError

from bot.telegram.callbacks import CallbackSigner
from flows.core.models import Attachment, Choice, Reply
from flows.core.texts import render

_LOGGER = logging.getLogger(__name__)

TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096
CAPTION_LIMIT = int(MessageLimit.CAPTION_LENGTH)  # 1024
PAGE_SIZE = 8
SHORT_LABEL = 8
_SENTENCE_ENDS = "。！？；!?;."
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def utf16_len(text: str) -> int:
    """Return the length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """Return how many leading characters of `text` fit in `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _cut_point(text: str, limit: int) -> int:
    """Choose where to cut: a paragraph break, else a line break, sentence end, space, or hard."""
    end = _fit(text, limit)
    window = text[:end]
    floor = end // 2
    for sep in ("\n\n", "\n"):
        at = window.rfind(sep)
        if at > floor:
            return at
    sentence = max(window.rfind(mark) for mark in _SENTENCE_ENDS)
    if sentence > floor:
        return sentence + 1
    space = window.rfind(" ")
    return space if space > floor else end


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split plain text into pieces of at most `limit` UTF-16 units at natural boundaries.

    Args:
        text: The plain (unescaped) text.
        limit: The most UTF-16 units one piece may hold.

    Returns:
        The non-blank pieces in order; empty when the text is blank.
    """
    pieces: list[str] = []
    rest = text.strip("\n")
    while utf16_len(rest) > limit:
        cut = _cut_point(rest, limit)
        head = rest[:cut].rstrip()
        if not head:
            cut = _fit(rest, limit)
            head = rest[:cut]
        pieces.append(head)
        rest = rest[cut + 1 :] if rest[cut : cut + 1] == " " else rest[cut:]
        rest = rest.lstrip("\n")
    if rest.strip():
        pieces.append(rest)
    return pieces


def coalesce(replies: Sequence[Reply]) -> list[Reply]:
    """Join each plain reply (no buttons, no files) to the one after it, as one message.

    "Noted: ..." followed by the next question reads as one message in a chat, rings the phone
    once, and costs one request instead of two.
    """
    merged: list[Reply] = []
    for reply in replies:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and not previous.choices
            and not previous.attachments
            and utf16_len(previous.text) + 2 + utf16_len(reply.text) <= TEXT_LIMIT
        ):
            merged[-1] = reply.model_copy(update={"text": f"{previous.text}\n\n{reply.text}"})
        else:
            merged.append(reply)
    return merged


def _is_short(choices: Sequence[Choice]) -> bool:
    return all(len(choice.label) <= SHORT_LABEL for choice in choices)


def page_count(choices: Sequence[Choice]) -> int:
    """Return how many keyboard pages a list of choices needs."""
    return max(1, math.ceil(len(choices) / PAGE_SIZE))


def build_keyboard(
    choices: Sequence[Choice], user_id: int, signer: CallbackSigner, page: int = 0
) -> InlineKeyboardMarkup | None:
    """Lay out choices as signed buttons: two per row when short, paged when long.

    Args:
        choices: The engine's choices, in order.
        user_id: The Telegram user the buttons are bound to.
        signer: Signs each button's callback data.
        page: Which page to show (clamped to the valid range).

    Returns:
        The keyboard, or None when no choice can be shown.
    """
    usable = [choice for choice in choices if signer.is_valid_choice_id(choice.id)]
    if len(usable) < len(choices):
        _LOGGER.warning("dropped %d choice(s) whose id cannot be callback data", len(choices) - len(usable))
    if not usable:
        return None
    pages = page_count(usable)
    page = min(max(page, 0), pages - 1)
    shown = usable[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    per_row = 2 if _is_short(shown) else 1
    buttons = [InlineKeyboardButton(choice.label, callback_data=signer.choice(user_id, choice.id)) for choice in shown]
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    if pages > 1:
        nav: list[InlineKeyboardButton] = []
        if page > 0:
            nav.append(InlineKeyboardButton(render("telegram/page_prev"), callback_data=signer.page(user_id, page - 1)))
        nav.append(
            InlineKeyboardButton(
                render("telegram/page_indicator", page=page + 1, pages=pages), callback_data=signer.noop(user_id)
            )
        )
        if page < pages - 1:
            nav.append(InlineKeyboardButton(render("telegram/page_next"), callback_data=signer.page(user_id, page + 1)))
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def _caption(attachment: Attachment) -> str | None:
    if attachment.caption and utf16_len(attachment.caption) <= CAPTION_LIMIT:
        return html.escape(attachment.caption)
    return None


async def _send_attachment(
    bot: Bot, chat_id: int, attachment: Attachment, markup: InlineKeyboardMarkup | None
) -> Message:
    if attachment.caption and _caption(attachment) is None:
        for piece in split_text(attachment.caption):
            await bot.send_message(chat_id, html.escape(piece), parse_mode=ParseMode.HTML)
    upload = InputFile(attachment.data, filename=attachment.filename)
    if attachment.kind == "photo":
        return await bot.send_photo(
            chat_id, upload, caption=_caption(attachment), parse_mode=ParseMode.HTML, reply_markup=markup
        )
    return await bot.send_document(
        chat_id, upload, caption=_caption(attachment), parse_mode=ParseMode.HTML, reply_markup=markup
    )


async def send_reply(bot: Bot, chat_id: int, reply: Reply, markup: InlineKeyboardMarkup | None) -> Message | None:
    """Send one Reply: its text pieces, then its files; the keyboard rides on the last message.

    Args:
        bot: The bot to send with.
        chat_id: The private chat to send to.
        reply: The engine's reply.
        markup: The keyboard for the reply's choices, if any.

    Returns:
        The message that carries the keyboard (the last one sent), or None if nothing was sent.
    """
    if reply.attachments and all(attachment.kind == "document" for attachment in reply.attachments):
        return await _send_documents_first(bot, chat_id, reply, markup)
    pieces = split_text(reply.text)
    if not pieces and not reply.attachments and markup is not None:
        pieces = [render("telegram/choose")]
    last: Message | None = None
    for index, piece in enumerate(pieces):
        is_last = index == len(pieces) - 1 and not reply.attachments
        last = await bot.send_message(
            chat_id,
            html.escape(piece),
            parse_mode=ParseMode.HTML,
            link_preview_options=_NO_PREVIEW,
            reply_markup=markup if is_last else None,
        )
    for index, attachment in enumerate(reply.attachments):
        is_last = index == len(reply.attachments) - 1
        last = await _send_attachment(bot, chat_id, attachment, markup if is_last else None)
    return last


async def _send_documents_first(
    bot: Bot, chat_id: int, reply: Reply, markup: InlineKeyboardMarkup | None
) -> Message | None:
    """Send the files, then the text that presents them; a file that fails is named, kindly.

    The text says which files were sent, so it goes last and only once they arrived: when one
    fails, a message naming what did arrive and what did not takes its place.
    """
    sent: list[str] = []
    missing: list[str] = []
    for attachment in reply.attachments:
        try:
            await _send_attachment(bot, chat_id, attachment, None)
        except Forbidden:
            raise
        except TelegramError as exc:
            _LOGGER.warning("telegram/file_lost error=%s", type(exc).__name__)
            missing.append(attachment.filename)
        else:
            sent.append(attachment.filename)
    text = reply.text if not missing else render("telegram/files_missing", sent=sent, missing=missing)
    pieces = split_text(text) or ([render("telegram/choose")] if markup is not None else [])
    last: Message | None = None
    for index, piece in enumerate(pieces):
        last = await bot.send_message(
            chat_id,
            html.escape(piece),
            parse_mode=ParseMode.HTML,
            link_preview_options=_NO_PREVIEW,
            reply_markup=markup if index == len(pieces) - 1 else None,
        )
    return last
