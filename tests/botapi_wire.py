"""Wire-level pieces of the fake Bot API: errors, fault knobs, recorded calls, HTML and form parsing."""

from __future__ import annotations

import contextlib
import json
import random
import re
from dataclasses import dataclass, field
from typing import Any

TOKEN = "123456:TEST-fake-token-abcdefghijklmnop"
BOT_ID = 123456
BOT_USERNAME = "debt_coach_test_bot"
SEND_METHODS = frozenset(
    {"sendmessage", "sendphoto", "senddocument", "editmessagetext", "editmessagereplymarkup",
     "answercallbackquery", "sendchataction"}
)  # fmt: skip
_JSON_KEYS = {"reply_markup", "commands", "scope", "allowed_updates", "entities", "link_preview_options",
              "reply_parameters", "caption_entities"}  # fmt: skip
_INT_KEYS = {"chat_id", "message_id", "offset", "limit", "timeout", "max_connections", "cache_time"}
_BOOL_KEYS = {"drop_pending_updates", "show_alert", "disable_notification", "protect_content"}
_HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
              "code", "pre", "blockquote", "tg-emoji"}  # fmt: skip
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")
_ENTITY_RE = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
DROP = object()


class ApiError(Exception):
    """A Bot API error answer."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            out["parameters"] = {"retry_after": self.retry_after}
        return out


@dataclass
class Faults:
    """Fault injection for sending calls: fractions answered 429 / 502 / with a dropped connection."""

    rate_429: float = 0.0
    retry_after: int = 1
    rate_502: float = 0.0
    rate_drop: float = 0.0
    methods: frozenset[str] = SEND_METHODS
    seed: int | None = 0
    injected: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def pick(self, method: str) -> str | None:
        """Return the fault to inject for this call ("429", "502", "drop") or None."""
        if method not in self.methods:
            return None
        roll = self._rng.random()
        for name, rate in (("429", self.rate_429), ("502", self.rate_502), ("drop", self.rate_drop)):
            if roll < rate:
                self.injected.append((method, name))
                return name
            roll -= rate
        return None


@dataclass
class Call:
    """One successful call the bot made; `result` is what the fake answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]]
    result: Any

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int) else None

    @property
    def text(self) -> str:
        """The text or caption as sent (HTML source)."""
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def plain(self) -> str:
        """The text or caption as the user sees it (HTML parsed)."""
        return parse_html(self.text) if self.params.get("parse_mode") == "HTML" else self.text

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


def parse_html(text: str) -> str:
    """Parse Bot API HTML strictly like Telegram: return the plain text or raise ApiError(400)."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            tag = _TAG_RE.match(text, i)
            if tag is None or tag[2].lower() not in _HTML_TAGS:
                raise ApiError(400, f"Bad Request: can't parse entities: unsupported start tag at offset {i}")
            name = tag[2].lower()
            if tag[1]:
                if not stack or stack.pop() != name:
                    raise ApiError(400, f"Bad Request: can't parse entities: unmatched end tag {name}")
            else:
                stack.append(name)
            i = tag.end()
        elif char == "&":
            ent = _ENTITY_RE.match(text, i)
            if ent is None:
                raise ApiError(400, f"Bad Request: can't parse entities: bare & at offset {i}")
            name = ent[1]
            out.append(_ENTITIES.get(name) or chr(int(name[2:], 16) if name[1] == "x" else int(name[1:])))
            i = ent.end()
        elif char == ">":
            raise ApiError(400, f"Bad Request: can't parse entities: bare > at offset {i}")
        else:
            out.append(char)
            i += 1
    if stack:
        raise ApiError(400, f"Bad Request: can't parse entities: unclosed tag {stack[-1]}")
    return "".join(out)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def normalize(raw: dict[str, Any]) -> dict[str, Any]:
    """Type form/multipart string values the way the Bot API reads them."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            if key in _JSON_KEYS:
                value = json.loads(value)
            elif key in _INT_KEYS:
                with contextlib.suppress(ValueError):
                    value = int(value)
            elif key in _BOOL_KEYS:
                value = value.lower() == "true"
        out[key] = value
    return out


def check_markup(markup: Any) -> None:
    if markup is None:
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise ApiError(400, "Bad Request: inline keyboard button text is empty")
            data, url = button.get("callback_data"), button.get("url")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if url is not None and not re.match(r"^(https?|tg)://", url):
                raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
            if data is None and url is None:
                raise ApiError(400, "Bad Request: can't parse inline keyboard button")
