"""The Telegram transport: updates in, engine turns, messages out (python-telegram-bot v22)."""

from bot.telegram.app import ALLOWED_UPDATES, build_application, quiet_loggers
from bot.telegram.callbacks import CallbackSigner
from bot.telegram.handlers import Adapter, EngineLike

__all__ = ["ALLOWED_UPDATES", "Adapter", "CallbackSigner", "EngineLike", "build_application", "quiet_loggers"]
