"""Crisis hotlines as one data file, the crisis texts rendered from it, and the "I'm fine" reader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows.core.texts import SCRIPTS_DIR, label
from flows.crisis import replies
from flows.crisis.detector import assess
from flows.crisis.hotlines import hotlines

CHANNELS = Path(__file__).resolve().parents[2] / "shared" / "legal" / "channels.md"
NUMBER = re.compile(r"\b(?:1\d{2,4}|0\d{2,3}-\d{7,8}|400-\d{3}-\d{4})\b")


def _crisis_section(text: str) -> list[str]:
    section = text.split("## Crisis lines", 1)[1].split("\n## ", 1)[0]
    return [line.removeprefix("- ").strip() for line in section.splitlines() if line.startswith("- ")]


def test_hotlines_file_matches_channels_md() -> None:
    if not CHANNELS.exists():
        pytest.skip("../shared is not on this machine")
    lines = _crisis_section(CHANNELS.read_text(encoding="utf-8"))
    book = hotlines()
    sources = {line.source for line in (*book.support, *book.urgent)}
    assert sources == set(lines), "hotlines.yaml must quote every crisis line of channels.md, word for word"
    numbers_there = [n for line in lines for n in NUMBER.findall(line.split(":", 1)[0])]
    assert sorted(numbers_there) == sorted(line.number for line in (*book.support, *book.urgent))
    assert lines[0].startswith("12356") and book.support[0].number == "12356"


def test_hotlines_say_what_each_line_is() -> None:
    book = hotlines()
    national, beijing, hope = book.support
    assert national.number == "12356" and "18" in national.hours_zh and "24" in national.hours_zh
    assert "18 hours" in national.source and "not" not in national.source
    assert beijing.number == "010-82951332" and "24" in beijing.hours_zh and "2024" in beijing.hours_zh
    assert hope.number == "400-161-9995" and hope.name_zh == "希望24热线" and hope.note_zh
    assert [line.number for line in book.urgent] == ["120", "110"]
    assert book.checked.year >= 2026


def test_templates_never_hard_code_a_number() -> None:
    for path in sorted((SCRIPTS_DIR / "crisis").glob("*.j2")):
        assert not NUMBER.search(path.read_text(encoding="utf-8")), path


def test_crisis_reply_lists_12356_first_then_the_others_and_asks_about_safety() -> None:
    text = replies.crisis_text()
    positions = [text.index(n) for n in ("12356", "010-82951332", "400-161-9995", "120", "110")]
    assert positions == sorted(positions)
    assert "安全吗" in text and "您" in text and "你" not in text.replace("您", "")
    assert label(replies.TALK) in text and label(replies.SAFE) in text
    assert "18小时" in text and "并非每个地区都24小时" in text


@pytest.mark.parametrize(
    "render",
    [replies.talk_text, replies.stay_text, lambda: replies.stay_text(danger=True), replies.resumed_text,
     replies.check_in_text, replies.reminder_text],
)
def test_every_crisis_text_is_short_kind_and_addresses_you_formally(render: object) -> None:
    assert callable(render)
    text = render()
    assert isinstance(text, str) and text and "你" not in text.replace("您", "")
    assert len(text) < 200


def test_check_in_line_carries_12356_and_speaks_to_someone_elses_words() -> None:
    own = replies.check_in_text(assess("真的撑不住了"))
    other = replies.check_in_text(assess("我朋友想自杀"))
    assert "12356" in own and "12356" in other and own != other and "身边的人" in other
    assert "\n" not in own
    assert "12356" in replies.reminder_text()


def test_stay_asks_again_when_the_message_is_itself_a_crisis() -> None:
    assert "安全吗" in replies.stay_text(danger=True) and "安全吗" not in replies.stay_text()
    assert all(label(choice) for choice in replies.CHOICES)


@pytest.mark.parametrize(
    ("text", "resume"),
    [
        ("我没事了", True),
        ("好多了 谢谢您", True),
        ("继续吧", True),
        ("嗯 我现在安全", True),
        ("放心吧 接着来", True),
        ("我没事可做", False),
        ("没事了才怪", False),
        ("怎么可能没事", False),
        ("好多了 但还是想死", False),
        ("不想继续活了", False),
        ("我不想继续了", False),
        ("放心不下孩子", False),
        ("还是很难受", False),
    ],
)
def test_wants_to_resume(text: str, resume: bool) -> None:
    assert replies.wants_to_resume(text) is resume
