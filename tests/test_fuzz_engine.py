"""Fuzz the engine with 10,000+ random and hostile messages in every dialogue state.

Sessions are first driven into each state (every intake question, the summary, the home menu,
scripts, export, a pending /delete, a crisis) and snapshotted; each example restores one state and
sends ten hostile inputs: emoji, 4,096-character texts, control characters, HTML and Markdown,
SQL, 1e308, NaN, -0, full-width digits, mixed scripts, unknown commands, tampered choice ids.
Nothing may raise, every reply must be Chinese, the session must still load and validate, and
another user's figure (87654) must never reach this user.  Volume runs on an in-memory store that
round-trips the session through JSON exactly like `SqlStore` does (without SQL and encryption,
whose behaviour under faults has tests of its own).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from conversation import Conversation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic_core import to_json

from flows.core.engine import Engine
from flows.core.models import Input, Profile, Reply
from flows.core.session import Session

EXAMPLES = 1000
PER_EXAMPLE = 10  # 10,100 messages
ME, VICTIM = "tg:1", "tg:2"
SECRET_FIGURES = ("87654", "87,654")
CJK = re.compile(r"[\u4e00-\u9fff]")
BAD_OUTPUT = re.compile(r"Traceback|Exception|Error|Decimal\(|\bNone\b|object at 0x|\{\{|\}\}|\{%|%\}")


@pytest.fixture(autouse=True)
def every_sentence_is_clean() -> Iterator[None]:
    """Replace conftest's guard here: replies quote what the user typed ("recorded: {{ 7*7 }}"), which
    that guard would take for leftovers of code; `_check_replies` checks every reply itself instead."""
    yield


class MemoryTurn:
    def __init__(self, session: Session | None) -> None:
        self.session = session
        self.staged: Session | None = None

    def save(self, session: Session) -> None:
        self.staged = session


class MemoryStore:
    """The Store protocol in a dict, serialising sessions the way SqlStore does."""

    def __init__(self) -> None:
        self.rows: dict[str, bytes] = {}

    def _load(self, user_id: str) -> Session | None:
        raw = self.rows.get(user_id)
        return None if raw is None else Session.model_validate_json(raw)

    @contextmanager
    def turn(self, user_id: str) -> Iterator[MemoryTurn]:
        current = MemoryTurn(self._load(user_id))
        yield current
        if current.staged is not None:
            self.rows[user_id] = to_json(current.staged.model_dump(mode="python"))

    def load_session(self, user_id: str) -> Session | None:
        return self._load(user_id)

    def save_session(self, session: Session) -> None:
        self.rows[session.user_id] = to_json(session.model_dump(mode="python"))

    def delete_user(self, user_id: str) -> None:
        self.rows.pop(user_id, None)

    def user_ids(self) -> Iterator[str]:
        yield from sorted(self.rows)

    def close(self) -> None:
        """Nothing to release."""


def _finish_intake(chat: Conversation) -> None:
    for _ in range(40):
        ids = [c.id for c in chat.offered]
        for wanted in ("more_no", "skip", "no", "unknown", "received_full", "repaid_none", "col:sms", "od:not_yet"):
            if wanted in ids:
                chat.tap(wanted)
                break
        else:
            raise AssertionError(f"stuck at {ids}")
        if wanted == "more_no":
            return
    raise AssertionError("intake did not finish")


def _states(engine: Engine, store: MemoryStore) -> tuple[list[bytes], set[str]]:
    """Drive a user through every kind of state; return the snapshots and every choice id offered."""
    snapshots: list[bytes] = []
    offered: set[str] = set()
    chat = Conversation(engine, ME)

    def keep() -> None:
        snapshots.append(store.rows[ME])
        offered.update(c.id for c in chat.offered)

    for step in ("/start", "tap:consent_yes", "8000", "3000", "微粒贷", "5000", "10天", "tap:col:sms", "tap:more_yes",
                 "小李贷", "3000"):  # fmt: skip
        chat.tap(step[4:]) if step.startswith("tap:") else chat.say(step)
        keep()
    _finish_intake(chat)
    keep()
    for step in ("/script", "tap:sc:g:installment", "/roleplay", "tap:rp:persona:pushy",
                 "/remind", "/call", "/complaint", "/menu", "/export", "/menu", "/toolkit", "/menu", "/delete"):
        chat.tap(step[4:]) if step.startswith("tap:") else chat.say(step)
        keep()
    chat.tap("confirm_no")
    chat.say("3000")
    chat.say("真的不想活了")
    keep()
    return snapshots, offered


def _victim(engine: Engine) -> None:
    chat = Conversation(engine, VICTIM)
    for step in ("/start", "tap:consent_yes", "87654", "3000", "借呗欠87654，逾期40天，日息万五"):  # fmt: skip
        chat.tap(step[4:]) if step.startswith("tap:") else chat.say(step)
    _finish_intake(chat)


HOSTILE = [
    "1e308", "-1e308", "NaN", "nan", "inf", "-inf", "-0", "0", "-0.0", "1e-308", "9" * 400, "１２３４５", "８０００元",
    "−5000", "5,000,000,000,000", "0x1F", "1_000", "½", "Ⅻ", "²³", "٣٠٠٠", "三千五百万亿", "负五千",
    "<b>粗体</b>", "<script>alert(1)</script>", "&lt;&amp;&gt;", "</b>", "*粗*_斜_`码`[链](http://x)", "||剧透||",
    "'; DROP TABLE sessions; --", "1 OR 1=1", "\" OR \"\"=\"", "%s%s%s", "{{ 7*7 }}", "{% raw %}", "${jndi:x}",
    "\x00\x01\x02", "\u202e反转\u202c", "\u200b\u200d", "\ufeff", "\r\n\r\n", "\t\t", " ", "",
    "🙂" * 50, "👨‍👩‍👧‍👦", "🇨🇳", "ｈｅｌｌｏ", "Привет мир", "مرحبا", "こんにちは", "안녕", "ꙮ", "𠀀𠀁",
    "/unknown", "/start@other_bot", "/delete now", "/restart", "/" + "x" * 300, "/", "//", "/ 空格",
    "真的不想活了", "你们是骗子", "天天打电话骂我家人", "前期费用先交5000",
]  # fmt: skip


STATE_WORDS = ("小李贷", "微粒贷")


def _no_secret(text: str) -> bool:
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())
    return "8765" not in digits and "87654" not in text


_short = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30),
    st.from_regex(r"/[A-Za-z_]{1,40}( [^\n]{0,20})?", fullmatch=True),
    st.builds(lambda a, b: f"{a}{b}", st.sampled_from(HOSTILE), st.text(max_size=10)),
)
texts = _short.filter(_no_secret)
# Texts at and over Telegram's 4,096 limit are sent in every state outside hypothesis: the parser
# spends up to ~0.3 s on one, so letting hypothesis pick them would make the run's length random.
LONG_TEXTS = ["啊" * 4096, "8" * 4096, "🙂<&" * 1300, "欠" + "一" * 5000]


def _inputs(choice_ids: list[str]) -> st.SearchStrategy[Input]:
    choices = st.one_of(
        st.sampled_from(choice_ids),
        st.text(max_size=80),
        st.builds(lambda c, t: c + t, st.sampled_from(choice_ids), st.text(min_size=1, max_size=5)),
        st.sampled_from(["edit_l:99", "edit_l:-1", "edit_f:__class__", "hs:../../etc", "menu:admin", "menu:"]),
    )
    return st.one_of(
        texts.map(Input.of_text),
        texts.map(Input.of_text),
        choices.filter(_no_secret).map(Input.of_choice),
    )


def _check_replies(replies: list[Reply], typed: list[str]) -> None:
    assert replies, "every message gets an answer"
    for reply in replies:
        assert reply.text.strip() or reply.attachments, "an empty reply"
        if reply.text.strip():
            assert CJK.search(reply.text), f"not Chinese: {reply.text[:80]!r}"
        for bad in BAD_OUTPUT.finditer(reply.text):  # allowed only as a quote of the user's own words
            assert any(bad.group(0) in words for words in typed), reply.text[:200]
        for secret in SECRET_FIGURES:
            assert secret not in reply.text, "another user's figure was shown"
            assert all(secret not in a.caption for a in reply.attachments if a.caption)


def test_ten_thousand_hostile_messages_in_every_state() -> None:
    store = MemoryStore()
    engine = Engine(store)
    _victim(engine)
    victim_before = store.rows[VICTIM]
    snapshots, offered = _states(engine, store)
    assert len(snapshots) >= 20
    sent = [0]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])  # fmt: skip
    @given(
        state=st.integers(0, len(snapshots) - 1),
        inputs=st.lists(_inputs(sorted(offered)), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE),
    )
    def run(state: int, inputs: list[Input]) -> None:
        store.rows[ME] = snapshots[state]
        typed = list(STATE_WORDS)
        for inp in inputs:
            typed.append(inp.text or inp.choice or "")
            _check_replies(engine.handle(ME, inp), typed)
            sent[0] += 1
            session = store.load_session(ME)  # still loads and validates (None after a confirmed /delete)
            if session is not None and session.profile is not None:
                Profile.model_validate(session.profile.model_dump())

    run()
    for snapshot in snapshots:
        for words in LONG_TEXTS:
            store.rows[ME] = snapshot
            _check_replies(engine.handle(ME, Input.of_text(words)), [*STATE_WORDS, words])
            sent[0] += 1
    assert sent[0] >= 10_000
    assert store.rows[VICTIM] == victim_before, "another user's stored data changed"
