"""`debt-coach run`: serve the Telegram bot by long polling, or by webhook with `--webhook`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from urllib.parse import urlparse

from telegram.error import InvalidToken, TelegramError

from bot.settings import Settings, SettingsError, load_settings

_LOGGER = logging.getLogger("bot.run")
EXIT_CONFIG = 2


def _port(value: str) -> int:
    """Parse a TCP port number for argparse."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError("must be between 1 and 65535")
    return port


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `run` subcommand; its handler is stored as `func` (call `args.func(args)` -> exit code).

    Args:
        subparsers: The object returned by `ArgumentParser.add_subparsers()`.
    """
    parser = subparsers.add_parser(
        "run",
        help="serve the Telegram bot (long polling, or a webhook with --webhook)",
        description="Serve the Telegram bot. Needs TELEGRAM_BOT_TOKEN; --webhook also needs "
        "WEBHOOK_URL and WEBHOOK_SECRET. TELEGRAM_API_BASE_URL points at another Bot API server.",
    )
    parser.add_argument("--webhook", action="store_true", help="serve a webhook instead of long polling")
    parser.add_argument("--listen", default=None, help="webhook listen address (default: WEBHOOK_LISTEN)")
    parser.add_argument("--port", type=_port, default=None, help="webhook port (default: WEBHOOK_PORT)")
    parser.set_defaults(func=run)


def _fail(message: str, settings: Settings | None = None) -> None:
    """Print one operator-facing line on stderr, with the token masked."""
    if settings is not None and settings.telegram_bot_token is not None:
        token = settings.telegram_bot_token.get_secret_value()
        if token:
            message = message.replace(token, "***")
    print(f"debt-coach run: {message}", file=sys.stderr)


def _configure_logging() -> None:
    from bot.telegram.app import quiet_loggers

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_loggers()


def run(args: argparse.Namespace) -> int:
    """Start the bot and block until it is stopped by a signal.

    Args:
        args: Parsed arguments with `webhook`, `listen` and `port`.

    Returns:
        0 after a clean stop, 2 for a missing or malformed setting, 1 when the Bot API is unreachable.
    """
    try:
        settings = load_settings()
        settings.token()
        settings.callback_key()
        webhook = settings.webhook() if args.webhook else None
    except SettingsError as exc:
        _fail(str(exc))
        return EXIT_CONFIG
    _configure_logging()
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # opt in to PTB's timedelta retry_after: no warnings

    from bot.telegram.app import ALLOWED_UPDATES, build_application
    from flows.engine import Engine
    from flows.storage import StorageError, open_store

    try:
        store = open_store(settings.database_url, key=settings.encryption_key())
    except StorageError as exc:
        _fail(str(exc), settings)
        return EXIT_CONFIG
    try:
        app = build_application(settings, Engine(store))
        asyncio.set_event_loop(asyncio.new_event_loop())
        if webhook is None:
            _LOGGER.info("starting long polling")
            app.run_polling(allowed_updates=ALLOWED_UPDATES, close_loop=True)
        else:
            url, secret = webhook
            listen = args.listen or settings.webhook_listen
            port = args.port or settings.webhook_port
            _LOGGER.info("starting webhook on %s:%d", listen, port)
            app.run_webhook(
                listen=listen,
                port=port,
                url_path=urlparse(url).path.lstrip("/"),
                webhook_url=url,
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
                close_loop=True,
            )
    except InvalidToken:
        _fail("the Bot API rejected TELEGRAM_BOT_TOKEN")
        return EXIT_CONFIG
    except TelegramError as exc:
        _fail(f"cannot reach the Bot API: {type(exc).__name__}: {exc.message}", settings)
        return 1
    except OSError as exc:
        _fail(f"cannot serve: {type(exc).__name__}: {exc.strerror or exc}", settings)
        return 1
    finally:
        store.close()
    return 0
