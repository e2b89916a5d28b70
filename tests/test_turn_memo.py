"""One message is read once per turn: the guard, the reader and the form share each pure reading."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conversation import Conversation

from flows.core.engine import Engine
from flows.core.once import per_turn, turn_scope
from flows.crisis import detector
from flows.crisis.detector import Assessment
from flows.crisis.lexicon import CrisisLexicon
from flows.crisis.normalise import Folded
from flows.parsing import _message
from flows.storage import open_store
from flows.storage.base import Store
from flows.understanding import loans


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(db_path=str(tmp_path / "coach.db"))
    yield opened
    opened.close()


def test_a_reading_is_shared_inside_a_turn_and_forgotten_after_it() -> None:
    calls: Counter[str] = Counter()

    @per_turn
    def reading(text: str, *, twice: bool = False) -> tuple[str, ...]:
        calls[text] += 1
        return (text, text) if twice else (text,)

    assert reading("a") == ("a",) and reading("a") == ("a",)
    assert calls["a"] == 2  # outside a turn every call computes
    with turn_scope():
        assert reading("b") == ("b",) and reading("b") == ("b",)
        assert reading("b", twice=True) == ("b", "b")  # other arguments, another reading
    assert calls["b"] == 2
    with turn_scope():
        reading("b")
    assert calls["b"] == 3  # the next turn reads again: nothing is carried across turns


def test_the_engine_reads_each_message_once(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    assessed: Counter[str] = Counter()
    scanned: Counter[str] = Counter()
    assess, scan = detector._assess, _message.scan_message

    def counting_assess(folded: Folded, lexicon: CrisisLexicon) -> Assessment:
        assessed[folded.text] += 1
        return assess(folded, lexicon)

    def counting_scan(text: str, **kwargs: object) -> _message.MessageScan:
        scanned[text] += 1
        return scan(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(detector, "_assess", counting_assess)
    monkeypatch.setattr(loans, "scan_message", counting_scan)
    chat = Conversation(Engine(store), "console:memo")
    chat.say("/start")
    chat.tap("consent_yes")
    chat.say("8000")
    chat.say("3000")
    chat.say("借呗")
    assert "借呗" in chat.text and "欠" in chat.text  # the platform was taken: the next question is what is owed
    assert assessed["8000"] == 1  # the guard's reading serves the income reader's "is this a feeling?" check
    assert scanned["借呗"] == 1  # the platform answer and "did it name more loans?" share one scan
    chat.say("借呗")
    assert assessed["借呗"] == 2  # a later turn reads its own message afresh
