"""The state and methods of a fake Telegram Bot API, transport-free (served by tests/botapi_server.py)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import re
import time
from collections.abc import Callable
from typing import Any

from botapi_wire import (
    BOT_ID,
    BOT_USERNAME,
    DROP,
    TOKEN,
    ApiError,
    Call,
    Faults,
    check_markup,
    parse_html,
    utf16_len,
)


class FakeBotApi:
    """The Bot API's state and methods, transport-free."""

    def __init__(self, token: str = TOKEN, faults: Faults | None = None) -> None:
        self.token = token
        self.faults = faults or Faults()
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.fetched: list[int] = []  # update ids getUpdates returned, in order (repeats until acknowledged)
        self.webhook: dict[str, Any] | None = None
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.answered: dict[str, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._query_ids = itertools.count(1)
        self._open_queries: set[str] = set()
        self._event = asyncio.Event()
        # One-shot faults for one chat: (method, chat_id, seconds) answered late, (method, chat_id, file) refused.
        self.stalls: list[tuple[str, int, float]] = []
        self.refusals: list[tuple[str, int, str | None]] = []
        self.bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "Coach", "username": BOT_USERNAME,
                         "can_join_groups": True, "can_read_all_group_messages": False,
                         "supports_inline_queries": False}  # fmt: skip

    # ---- change notification -------------------------------------------------------------
    def _bump(self) -> None:
        old, self._event = self._event, asyncio.Event()
        old.set()

    async def changed(self, timeout: float) -> None:
        """Wait until something changes (a call, an update) or `timeout` passes."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)

    # ---- building updates ----------------------------------------------------------------
    @staticmethod
    def user(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": "zh-hans"}

    def chat(self, chat_id: int, chat_type: str = "private") -> dict[str, Any]:
        """Return (and remember) a chat; private chat ids equal the user id."""
        if chat_id not in self.chats:
            info: dict[str, Any] = {"id": chat_id, "type": chat_type}
            info.update({"first_name": f"U{chat_id}"} if chat_type == "private" else {"title": f"G{chat_id}"})
            self.chats[chat_id] = info
        return self.chats[chat_id]

    def _next_mid(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def push(self, **fields: Any) -> dict[str, Any]:
        """Queue an update with the given fields (e.g. message=...); return it."""
        update = {"update_id": next(self._update_ids), **fields}
        self.updates.append(update)
        self._bump()
        return update

    def user_message(self, user_id: int, chat_id: int | None = None, chat_type: str = "private",
                     **content: Any) -> dict[str, Any]:  # fmt: skip
        """Build a message from a user (not queued)."""
        chat_id = user_id if chat_id is None else chat_id
        return {"message_id": self._next_mid(chat_id), "date": int(time.time()),
                "chat": self.chat(chat_id, chat_type), "from": self.user(user_id), **content}  # fmt: skip

    def push_text(self, user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        """Queue a text message (commands get a bot_command entity, as Telegram adds)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0]) if text.split() else 1
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.push(message=self.user_message(user_id, **kwargs, **content))

    def push_message(self, user_id: int, **content: Any) -> dict[str, Any]:
        """Queue a message with arbitrary content, e.g. sticker={...} or photo=[...]."""
        return self.push(message=self.user_message(user_id, **content))

    def push_callback(self, user_id: int, message_id: int, data: str, chat_id: int | None = None) -> dict[str, Any]:
        """Queue a tap by `user_id` on the bot's message `message_id` in `chat_id` (default: theirs)."""
        chat_id = user_id if chat_id is None else chat_id
        query_id = f"q{next(self._query_ids)}"
        self._open_queries.add(query_id)
        query = {"id": query_id, "from": self.user(user_id), "chat_instance": f"ci{chat_id}", "data": data}
        if (chat_id, message_id) in self.messages:
            query["message"] = copy.deepcopy(self.messages[(chat_id, message_id)])
        return self.push(callback_query=query)

    # ---- recording -----------------------------------------------------------------------
    def sent(self, chat_id: int, method: str | None = None) -> list[Call]:
        """Return the calls addressed to `chat_id`, optionally of one method, in order."""
        return [c for c in self.calls if c.chat_id == chat_id and (method is None or c.method == method)]

    async def wait_for(self, chat_id: int, predicate: Callable[[Call], bool], timeout: float = 10.0) -> Call:
        """Wait for a call to `chat_id` matching `predicate`; raise TimeoutError with a summary if none."""
        deadline = time.monotonic() + timeout
        while True:
            for call in self.sent(chat_id):
                if predicate(call):
                    return call
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [(c.method, c.plain[:40]) for c in self.sent(chat_id)]
                raise TimeoutError(f"no matching call for chat {chat_id} in {timeout}s; saw {seen}")
            await self.changed(remaining)

    # ---- the API -------------------------------------------------------------------------
    async def call(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes, str]]) -> Any:
        """Run one API method; return (status, JSON body) or DROP for a dropped connection."""
        name = method.lower()
        fault = self.faults.pick(name)
        if fault == "429":
            retry = self.faults.retry_after
            return 429, ApiError(429, f"Too Many Requests: retry after {retry}", retry).body()
        if fault == "502":
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        if fault == "drop":
            return DROP
        handler = getattr(self, f"_m_{name}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        canonical = _CANONICAL.get(name, method)
        if self._take_refusal(canonical, params, files):
            return 400, ApiError(400, "Bad Request: file refused by the test").body()
        try:
            result = await handler(params, files) if name == "getupdates" else handler(params, files)
        except ApiError as exc:
            return exc.code, exc.body()
        self.calls.append(Call(method=canonical, params=params, files=files, result=result))
        self._bump()
        stall = next((s for s in self.stalls if s[:2] == (canonical, params.get("chat_id"))), None)
        if stall is not None:
            # Applied, then answered too late: what a client sees when Telegram's answer is lost.
            self.stalls.remove(stall)
            await asyncio.sleep(stall[2])
        return 200, {"ok": True, "result": result}

    def stall_next(self, method: str, chat_id: int, seconds: float) -> None:
        """Apply the next `method` call to `chat_id`, then answer it only after `seconds`."""
        self.stalls.append((method, chat_id, seconds))

    def refuse_next(self, method: str, chat_id: int, filename: str | None = None) -> None:
        """Answer the next `method` call to `chat_id` (sending `filename`, if given) 400, applying nothing."""
        self.refusals.append((method, chat_id, filename))

    def _take_refusal(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes, str]]) -> bool:
        for refusal in self.refusals:
            name, chat_id, filename = refusal
            sent = {part[0] for part in files.values()}
            if (name, chat_id) == (method, params.get("chat_id")) and (filename is None or filename in sent):
                self.refusals.remove(refusal)
                return True
        return False

    def _m_getme(self, p: dict[str, Any], f: Any) -> Any:
        return self.bot_user

    async def _m_getupdates(self, p: dict[str, Any], f: Any) -> Any:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset, limit, timeout = (
            int(p.get("offset") or 0),
            int(p.get("limit") or 100),
            float(p.get("timeout") or 0),
        )
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]
        deadline = time.monotonic() + timeout
        while not self.updates and time.monotonic() < deadline:
            await self.changed(deadline - time.monotonic())
        batch = self.updates[:limit]
        self.fetched.extend(update["update_id"] for update in batch)
        return batch

    def _m_setwebhook(self, p: dict[str, Any], f: Any) -> Any:
        if not p.get("url"):
            return self._m_deletewebhook(p, f)
        if p.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook = {"url": p["url"], "secret_token": p.get("secret_token"),
                        "allowed_updates": p.get("allowed_updates")}  # fmt: skip
        return True

    def _m_deletewebhook(self, p: dict[str, Any], f: Any) -> Any:
        if p.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook = None
        return True

    def _m_getwebhookinfo(self, p: dict[str, Any], f: Any) -> Any:
        url = self.webhook["url"] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": len(self.updates)}

    def _chat_for_send(self, p: dict[str, Any]) -> int:
        chat_id = p.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self.chats:
            raise ApiError(403 if isinstance(chat_id, int) else 400, "Forbidden: bot can't initiate conversation")
        return chat_id

    def _text(self, p: dict[str, Any], key: str, limit: int, required: bool) -> None:
        raw = p.get(key)
        if raw is None or raw == "":
            if required:
                raise ApiError(400, f"Bad Request: message {key} is empty")
            return
        plain = parse_html(raw) if p.get("parse_mode") == "HTML" else raw
        if not plain.strip() and required:
            raise ApiError(400, f"Bad Request: message {key} is empty")
        if utf16_len(plain) > limit:
            raise ApiError(400, f"Bad Request: message {key} is too long")

    def _store(self, chat_id: int, p: dict[str, Any], **content: Any) -> dict[str, Any]:
        check_markup(p.get("reply_markup"))
        message = {"message_id": self._next_mid(chat_id), "date": int(time.time()),
                   "chat": self.chats[chat_id], "from": self.bot_user, **content}  # fmt: skip
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _m_sendmessage(self, p: dict[str, Any], f: Any) -> Any:
        chat_id = self._chat_for_send(p)
        self._text(p, "text", 4096, required=True)
        text = parse_html(p["text"]) if p.get("parse_mode") == "HTML" else p["text"]
        return self._store(chat_id, p, text=text)

    def _file(self, p: dict[str, Any], files: dict[str, tuple[str, bytes, str]], key: str) -> tuple[str, bytes, str]:
        ref = p.get(key)
        part = ref[len("attach://") :] if isinstance(ref, str) and ref.startswith("attach://") else key
        if part not in files:
            raise ApiError(400, f"Bad Request: there is no {key} in the request")
        return files[part]

    def _m_sendphoto(self, p: dict[str, Any], f: dict[str, tuple[str, bytes, str]]) -> Any:
        chat_id = self._chat_for_send(p)
        self._text(p, "caption", 1024, required=False)
        _, data, _ = self._file(p, f, "photo")
        size = {"file_id": f"ph{len(self.calls)}", "file_unique_id": f"u{len(self.calls)}", "width": 800,
                "height": 600, "file_size": len(data)}  # fmt: skip
        return self._store(chat_id, p, photo=[size])

    def _m_senddocument(self, p: dict[str, Any], f: dict[str, tuple[str, bytes, str]]) -> Any:
        chat_id = self._chat_for_send(p)
        self._text(p, "caption", 1024, required=False)
        name, data, mime = self._file(p, f, "document")
        doc = {"file_id": f"doc{len(self.calls)}", "file_unique_id": f"u{len(self.calls)}", "file_name": name,
               "mime_type": mime, "file_size": len(data)}  # fmt: skip
        return self._store(chat_id, p, document=doc)

    def _editable(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get((p.get("chat_id"), p.get("message_id")))  # type: ignore[arg-type]
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _m_editmessagereplymarkup(self, p: dict[str, Any], f: Any) -> Any:
        message = self._editable(p)
        new = p.get("reply_markup") or None
        check_markup(new)
        if (message.get("reply_markup") or None) == new:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content "
                           "and reply markup are exactly the same as a current content and reply markup "
                           "of the message")  # fmt: skip
        message.pop("reply_markup", None)
        if new:
            message["reply_markup"] = new
        return message

    def _m_editmessagetext(self, p: dict[str, Any], f: Any) -> Any:
        message = self._editable(p)
        self._text(p, "text", 4096, required=True)
        text = parse_html(p["text"]) if p.get("parse_mode") == "HTML" else p["text"]
        new = p.get("reply_markup") or None
        if message.get("text") == text and (message.get("reply_markup") or None) == new:
            raise ApiError(400, "Bad Request: message is not modified")
        check_markup(new)
        message["text"] = text
        message.pop("reply_markup", None)
        if new:
            message["reply_markup"] = new
        return message

    def _m_answercallbackquery(self, p: dict[str, Any], f: Any) -> Any:
        query_id = str(p.get("callback_query_id"))
        if query_id not in self._open_queries:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._open_queries.discard(query_id)
        self.answered[query_id] = p
        return True

    def _m_sendchataction(self, p: dict[str, Any], f: Any) -> Any:
        self._chat_for_send(p)
        return True

    def _commands_key(self, p: dict[str, Any]) -> str:
        scope = json.dumps(p.get("scope") or {"type": "default"}, sort_keys=True)
        return f"{scope}|{p.get('language_code', '')}"

    def _m_setmycommands(self, p: dict[str, Any], f: Any) -> Any:
        commands = p.get("commands") or []
        for cmd in commands:
            if not re.match(r"^[a-z0-9_]{1,32}$", cmd["command"]) or not 1 <= len(cmd["description"]) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands[self._commands_key(p)] = commands
        return True

    def _m_getmycommands(self, p: dict[str, Any], f: Any) -> Any:
        return self.commands.get(self._commands_key(p), [])

    def _m_deletemycommands(self, p: dict[str, Any], f: Any) -> Any:
        self.commands.pop(self._commands_key(p), None)
        return True

    def _m_close(self, p: dict[str, Any], f: Any) -> Any:
        return True

    def _m_logout(self, p: dict[str, Any], f: Any) -> Any:
        return True


_CANONICAL = {name[3:]: name[3:] for name in dir(FakeBotApi) if name.startswith("_m_")} | {
    "sendmessage": "sendMessage", "sendphoto": "sendPhoto", "senddocument": "sendDocument",
    "editmessagetext": "editMessageText", "editmessagereplymarkup": "editMessageReplyMarkup",
    "answercallbackquery": "answerCallbackQuery", "sendchataction": "sendChatAction",
    "setmycommands": "setMyCommands", "getmycommands": "getMyCommands",
    "deletemycommands": "deleteMyCommands", "getme": "getMe", "getupdates": "getUpdates",
    "setwebhook": "setWebhook", "deletewebhook": "deleteWebhook",
    "getwebhookinfo": "getWebhookInfo", "close": "close", "logout": "logOut",
}  # fmt: skip
