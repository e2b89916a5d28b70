"""`debt-coach run`: serve the Telegram bot by long polling, or by webhook with `--webhook`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from telegram.error import InvalidToken, TelegramError

from bot.settings import Settings, SettingsError
from bot.telegram.serve import Mode

if TYPE_CHECKING:
    from flows.storage import SqlStore

_LOGGER = logging.getLogger("bot.run")
EXIT_CONFIG = 2
DEFAULT_METRICS_PORT = 9090
_NEW_KEY_HINT = "make one with: python -m flows.storage new-key"


def _port(value: str) -> int:
    """Parse a TCP port number for argparse."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError("must be between 1 and 65535")
    return port


def _metrics_port(value: str) -> int:
    """Parse a TCP port number, or 0 for "off", for argparse."""
    return 0 if value.strip() == "0" else _port(value)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `run` subcommand; its handler is stored as `func` (call `args.func(args, settings)` -> exit code).

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
    parser.add_argument(
        "--metrics-port",
        type=_metrics_port,
        default=None,
        help=f"serve /healthz and /metrics on this port (default: METRICS_PORT; {DEFAULT_METRICS_PORT} "
        "with --webhook, off for polling; 0 turns it off)",
    )
    parser.set_defaults(func=run)


def _fail(message: str, settings: Settings | None = None) -> None:
    """Print one operator-facing line on stderr, with the token masked."""
    if settings is not None and settings.telegram_bot_token is not None:
        token = settings.telegram_bot_token.get_secret_value()
        if token:
            message = message.replace(token, "***")
    print(f"debt-coach run: {message}", file=sys.stderr)


def configure_logging(token: str) -> None:
    """Log at INFO on stderr: no user text or ids (every logger), the token masked, errors counted."""
    from bot.logs import install_privacy_filter
    from bot.metrics import install_error_counter
    from bot.telegram.app import RedactSecrets, quiet_loggers

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_privacy_filter()  # first: it must see a record before RedactSecrets formats its arguments in
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets(token))
    quiet_loggers()
    install_error_counter()


def _metrics_address(args: argparse.Namespace, settings: Settings) -> tuple[str, int] | None:
    """Where to serve /healthz and /metrics: the flag, else METRICS_PORT, else the webhook default."""
    port = args.metrics_port if args.metrics_port is not None else settings.metrics_port
    if port is None:
        port = DEFAULT_METRICS_PORT if args.webhook else 0
    return (settings.metrics_listen, port) if port else None


def _turn_threads(store: SqlStore) -> int:
    """Threads for engine turns: SQLite runs one writer at a time, PostgreSQL one per pooled connection."""
    return 2 if store.engine.dialect.name == "sqlite" else 8


def _mode(args: argparse.Namespace, settings: Settings, webhook: tuple[str, str] | None) -> Mode:
    from bot.telegram.app import ALLOWED_UPDATES

    if webhook is None:
        return Mode(allowed_updates=ALLOWED_UPDATES)
    url, secret = webhook
    return Mode(
        allowed_updates=ALLOWED_UPDATES,
        webhook_url=url,
        webhook_path=urlparse(url).path,
        secret=secret,
        listen=args.listen or settings.webhook_listen,
        port=args.port or settings.webhook_port,
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Start the bot and block until it is stopped by a signal, or cannot go on.

    Args:
        args: Parsed arguments with `webhook`, `listen`, `port` and `metrics_port`.
        settings: The settings `bot.cli.main` read.

    Returns:
        0 after a clean stop; 2 for a missing or malformed setting, or a token the Bot API rejects
        (at start or later); 1 when the Bot API is unreachable or a port cannot be bound.
    """
    try:
        token = settings.token()
        webhook = settings.webhook() if args.webhook else None
        key = settings.key_material()
    except SettingsError as exc:
        _fail(str(exc))
        return EXIT_CONFIG
    if webhook is not None and key is None:
        # A deployment must not depend on a key file that lives and dies with one machine's disk.
        _fail(f"COACH_ENCRYPTION_KEY is not set (required with --webhook); {_NEW_KEY_HINT}")
        return EXIT_CONFIG
    configure_logging(token)
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # opt in to PTB's timedelta retry_after: no warnings

    from bot.charts import ChartProcess
    from bot.health import HealthServer, Probes
    from bot.reminder_dispatch import attach_dispatcher
    from bot.telegram.app import build_application
    from bot.telegram.callbacks import CallbackSigner
    from bot.telegram.serve import serve
    from flows.core.clock import SystemClock
    from flows.core.engine import Engine
    from flows.reminders.scheduler import Scheduler
    from flows.storage import StorageError, open_store
    from flows.storage.health import database_answers
    from flows.storage.reminders_sql import ReminderRepo

    try:
        # Migrates to the newest schema first, in a child process: Alembic never stays loaded in the bot.
        store = open_store(settings.database_url, key=key, migrate_in_child=True)
    except StorageError as exc:
        _fail(str(exc), settings)
        return EXIT_CONFIG
    _LOGGER.info("database ready, schema migrated")
    charts = ChartProcess()
    try:
        probes = Probes()
        probes.add("database", lambda: database_answers(store))
        address = _metrics_address(args, settings)
        health = HealthServer(probes, *address) if address is not None else None
        callback_key = settings.callback_key(store)
        scheduler = Scheduler(store, ReminderRepo.for_store(store), SystemClock())
        app = build_application(
            settings,
            Engine(store, after_turn=scheduler.sync_session, draw_chart=charts),
            turn_threads=_turn_threads(store),
            callback_key=callback_key,
        )
        dispatcher = attach_dispatcher(app, store, SystemClock(), signer=CallbackSigner(callback_key))
        probes.add("reminders", dispatcher.alive)  # every background task adds its liveness here
        mode = _mode(args, settings, webhook)
        _LOGGER.info("starting %s", "long polling" if webhook is None else f"webhook on port {mode.port}")
        return asyncio.run(serve(app, mode, probes, health))
    except InvalidToken:
        _fail("the Bot API rejected TELEGRAM_BOT_TOKEN")
        return EXIT_CONFIG
    except TelegramError as exc:
        _fail(f"cannot reach the Bot API: {type(exc).__name__}", settings)
        return 1
    except OSError as exc:
        _fail(f"cannot serve: {type(exc).__name__}: {exc.strerror or type(exc).__name__}", settings)
        return 1
    finally:
        charts.close()
        store.close()
