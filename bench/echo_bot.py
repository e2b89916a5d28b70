"""A bare python-telegram-bot echo bot: the baseline the coach is measured against (benchmarks only).

It is built like the coach's Application (`bot/telegram/app.py`): 256 concurrent updates, an
`AIORateLimiter` with 3 retries and the same overall send limit (`BENCH_SEND_RATE`, PTB's 30/s when
unset, 0 for none), no job queue, long polling for the same update types, logging at INFO with
httpx quiet.  A text is answered with the same text; a button tap is answered and its data sent back.

Environment: TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL (as for `debt-coach run`), BENCH_SEND_RATE, and
BENCH_ECHO_TRANSPORT: `httpx` (default) is PTB's own transport, the bare bot the issue names; `aiohttp`
gives the echo bot the coach's transport (`bot/telegram/transport.py`, same pool size), so the
benchmarks can also show how the coach compares with an echo bot on equal plumbing.
"""

from __future__ import annotations

import logging
import os
import sys

from telegram import Update
from telegram.ext import AIORateLimiter, Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
CONCURRENT_UPDATES = 256


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    if update.effective_chat is not None and update.effective_message is not None and update.effective_message.text:
        await context.bot.send_message(update.effective_chat.id, update.effective_message.text)


async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the tap and send its data back."""
    query = update.callback_query
    if query is None or update.effective_chat is None:
        return
    await query.answer()
    await context.bot.send_message(update.effective_chat.id, query.data or "?")


def main() -> int:
    """Build the Application from the environment and poll until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    raw_rate = os.environ.get("BENCH_SEND_RATE", "").strip()
    rate = float(raw_rate) if raw_rate else 30.0
    base = os.environ["TELEGRAM_API_BASE_URL"]
    root, _, tail = base.rpartition("/bot")
    builder = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(base)
        .base_file_url(f"{root}/file/bot{tail}")
        .rate_limiter(AIORateLimiter(overall_max_rate=rate, max_retries=3))
        .concurrent_updates(CONCURRENT_UPDATES)
        .job_queue(None)
    )
    if os.environ.get("BENCH_ECHO_TRANSPORT", "httpx") == "aiohttp":
        from bot.telegram.app import HTTP_POOL_SIZE
        from bot.telegram.transport import AiohttpRequest

        builder = builder.request(AiohttpRequest(HTTP_POOL_SIZE)).get_updates_request(AiohttpRequest(1))
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(tapped))
    app.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
