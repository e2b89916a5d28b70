"""Runtime settings for the Telegram transport, read from the environment and an optional `.env`."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Protocol, runtime_checkable
from urllib.parse import urlparse

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_WEBHOOK_SECRET_MIN = 32
CALLBACK_SUBKEY = "telegram/callback"
_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one operator-facing line without secrets."""


@runtime_checkable
class SubkeyStore(Protocol):
    """A store that derives named keys from its master key (the storage half of issue 17)."""

    def subkey(self, purpose: str) -> bytes:
        """Return a key for `purpose` that stays the same when encryption keys are added."""
        ...


class Settings(BaseSettings):
    """Everything the Telegram transport reads from the environment (names are the env variables)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False)

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    database_url: str | None = None
    coach_encryption_key: SecretStr | None = None
    coach_encryption_key_file: str | None = None
    # COACH_BUTTON_SECRET; CALLBACK_SECRET is its older name, still read.
    coach_button_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("coach_button_secret", "callback_secret")
    )
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_listen: str = "127.0.0.1"

    @field_validator(
        "telegram_api_base_url",
        "webhook_url",
        "database_url",
        "coach_encryption_key_file",
        "metrics_port",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        """Treat an empty variable as unset."""
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("telegram_api_base_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        """Accept only absolute http(s) URLs."""
        if value is None:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in {"http", "https"} or not parsed.netloc:
            raise ValueError("must be an absolute http(s) URL")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token_charset(cls, value: SecretStr | None) -> SecretStr | None:
        """Enforce Telegram's secret_token alphabet: 1-256 of A-Z a-z 0-9 _ -."""
        if value is not None and not _SECRET_TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    def token(self) -> str:
        """Return the bot token, or raise SettingsError when it is missing or malformed."""
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value().strip():
            raise SettingsError("TELEGRAM_BOT_TOKEN is not set")
        token = self.telegram_bot_token.get_secret_value().strip()
        if not _TOKEN_RE.match(token):
            raise SettingsError("TELEGRAM_BOT_TOKEN is malformed (expected <digits>:<secret>)")
        return token

    def api_urls(self) -> tuple[str, str] | None:
        """Return PTB's (base_url, base_file_url) for another Bot API server, or None for Telegram's.

        `TELEGRAM_API_BASE_URL` is given the way PTB's `base_url` takes it, e.g.
        `http://127.0.0.1:8081/bot` (the token is appended); the file URL is derived from it.
        """
        if self.telegram_api_base_url is None:
            return None
        base = self.telegram_api_base_url
        root, sep, tail = base.rpartition("/bot")
        file_base = f"{root}/file/bot{tail}" if sep else base.rstrip("/") + "/file/bot"
        return base, file_base

    def webhook(self) -> tuple[str, str]:
        """Return (WEBHOOK_URL, WEBHOOK_SECRET), or raise SettingsError when either is missing."""
        if self.webhook_url is None:
            raise SettingsError("WEBHOOK_URL is not set (required with --webhook)")
        if self.webhook_secret is None:
            raise SettingsError("WEBHOOK_SECRET is not set (required with --webhook)")
        secret = self.webhook_secret.get_secret_value()
        if len(secret) < _WEBHOOK_SECRET_MIN:
            # The secret is all that tells Telegram's posts from anyone's: a short one can be guessed.
            raise SettingsError(
                f"WEBHOOK_SECRET is too short: use {_WEBHOOK_SECRET_MIN}-256 characters of A-Z, a-z, 0-9, _ and -"
            )
        return self.webhook_url, secret

    def encryption_key(self) -> str | None:
        """Return COACH_ENCRYPTION_KEY when set (storage otherwise reads the env or its key file)."""
        if self.coach_encryption_key is None:
            return None
        return self.coach_encryption_key.get_secret_value().strip() or None

    def key_material(self) -> str | None:
        """Return the configured encryption key(s): COACH_ENCRYPTION_KEY, else COACH_ENCRYPTION_KEY_FILE's contents.

        Returns:
            The key material, or None when neither is set (storage then falls back to a SQLite
            database's own key file).

        Raises:
            SettingsError: COACH_ENCRYPTION_KEY_FILE is set but cannot be read.
        """
        if key := self.encryption_key():
            return key
        if self.coach_encryption_key_file is None:
            return None
        from flows.storage import StorageError, load_or_create_key

        try:
            return load_or_create_key(self.coach_encryption_key_file, create=False).decode("ascii", errors="replace")
        except StorageError as exc:
            raise SettingsError(f"COACH_ENCRYPTION_KEY_FILE: {exc}") from None

    def callback_key(self, store: object | None = None) -> bytes:
        """Return the key that signs button data.

        COACH_BUTTON_SECRET when set; else the store's own `subkey("telegram/callback")`, which does
        not change when an encryption key is added; else a key derived from the bot token.  Never
        the encryption key string itself: adding a key for rotation would void every button sent.

        Args:
            store: The open store, when there is one (a `SubkeyStore` is used, others are ignored).

        Raises:
            SettingsError: No button secret and no usable token.
        """
        if self.coach_button_secret is not None and self.coach_button_secret.get_secret_value():
            return self.coach_button_secret.get_secret_value().encode()
        if isinstance(store, SubkeyStore):
            return store.subkey(CALLBACK_SUBKEY)
        return hmac.new(self.token().encode(), b"debt-coach/telegram/callback", hashlib.sha256).digest()


def load_settings() -> Settings:
    """Read the settings, turning a validation failure into one SettingsError line (values never shown).

    Returns:
        The validated settings.

    Raises:
        SettingsError: A variable is malformed.
    """
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        name = ".".join(str(part) for part in first["loc"]).upper() or "settings"
        raise SettingsError(f"{name} is invalid: {first['msg']}") from None
