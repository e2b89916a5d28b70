"""The knowledge base and the feeling sentences: every topic renders, cites only checked texts, says 您.

The checked texts are compared with shared/legal/ when it is present (found by walking up from the
project); without it the project's own copy (scripts_zh/data/legal_sources.yaml) is what is checked.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from flows.analysis.legal import legal_sources
from flows.core import texts
from flows.negotiation.toolkit import source_lines
from flows.understanding import faq
from flows.understanding.interject import FEELINGS, interjection, respond, topics
from flows.understanding.reading import Interjection

FORBIDDEN = ("自律公约", "暂行办法", "141号", "第十五条")
"""Citations shared/legal/README.md says never to show (the seeds' misquotes)."""

REQUIRED_TOPICS = {
    "jail", "credit_record", "upfront_interest", "fake_legal", "fees", "real_person", "data_privacy", "new_loans",
    "lawsuit", "family_contacts", "rate_legal", "principal_only", "prepare_negotiation", "second_overdue",
    "credit_when", "agents_scam", "no_money",
}
"""The questions the issue names; more topics may follow."""


@cache
def _legal_dir() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "legal" / "texts.md").is_file():
            return parent / "shared" / "legal"
    return None


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@cache
def _legal(name: str) -> str:
    folder = _legal_dir()
    if folder is None:
        pytest.skip("shared/legal is not beside the project")
    return _flat((folder / name).read_text(encoding="utf-8"))


def _template(name: str) -> str:
    return (texts.SCRIPTS_DIR / f"{name}.j2").read_text(encoding="utf-8")


def test_every_topic_has_its_answer_and_every_answer_its_topic() -> None:
    files = {path.stem for path in (texts.SCRIPTS_DIR / "understanding" / "faq").glob("*.j2")}
    assert set(faq.TOPICS) == files
    assert set(faq.TOPICS) >= REQUIRED_TOPICS
    assert topics() == faq.TOPICS


@pytest.mark.parametrize("topic", faq.TOPICS)
def test_each_answer_renders_says_nin_and_not_a_lawyer(topic: str) -> None:
    text = respond(Interjection("question", topic))
    assert "您" in text and "你" not in text
    assert text.endswith(texts.render("understanding/faq_footer")) and "不是律师" in text
    for percent in re.findall(r"\d+%", text):
        assert percent in ("24%", "36%"), (topic, percent)  # the reference lines; no figure of our own


@pytest.mark.parametrize("topic", faq.TOPICS)
def test_each_answer_cites_only_checked_sources_quoted_by_status(topic: str) -> None:
    text = faq.answer(topic)
    sources = legal_sources()
    for key in faq.TOPIC_CITATIONS.get(topic, ()):
        source = sources[key]
        (line,) = source_lines((key,))
        assert line in text
        if source.status == "verbatim":
            assert line.endswith(f"“{source.text}”")
        else:
            assert line.startswith("依据（大意）") and f"“{source.shown}”" not in line
    for word in FORBIDDEN:
        assert word not in text, (topic, word)


@pytest.mark.parametrize("key", sorted(faq.faq_citation_keys()))
def test_each_citation_is_in_the_checked_texts(key: str) -> None:
    source = legal_sources()[key]
    legal = _legal("texts.md")
    for title in re.findall(r"《[^》]+》", source.name):
        assert title in legal, title
    assert _flat(source.text) in legal, key  # verbatim wording, or the summary entry itself
    article = re.match(r"第[^条]+条(之[一二三四五六七八九十]+)?", source.article)
    assert not source.article or (article is not None and article.group(0) in legal), key
    if source.status == "summary":
        assert source.shown != source.text  # the coach's own Chinese, never the note as if quoted


@pytest.mark.parametrize("name", [f"understanding/faq/{topic}" for topic in faq.TOPICS])
def test_templates_name_only_checked_titles_and_hotlines(name: str) -> None:
    body = _template(name)
    checked = _legal("texts.md") + _legal("channels.md")
    for title in re.findall(r"《[^》]+》", body):
        assert title in checked, (name, title)
    for number in re.findall(r"(?<![\d,.])\d{3,}(?![\d,.])", body):
        assert number in _legal("channels.md"), (name, number)
    for word in FORBIDDEN:
        assert word not in body, (name, word)


def test_the_timing_of_credit_reports_invents_no_figure() -> None:
    assert not re.search(r"\d", _template("understanding/faq/credit_when"))


def test_the_data_answer_says_where_it_is_and_how_to_erase_it() -> None:
    text = faq.answer("data_privacy")
    assert "加密" in text and "/delete" in text and "服务器" in text


@pytest.mark.parametrize("family", FEELINGS)
def test_each_feeling_is_one_kind_sentence(family: str) -> None:
    text = respond(Interjection("feeling", family))
    assert text.count("。") == 1 and text.endswith("。") and "你" not in text


def test_a_question_without_a_topic_gets_an_honest_reply() -> None:
    text = respond(Interjection("question", None))
    assert "12348" in text and "你" not in text


@pytest.mark.parametrize(
    ("text", "kind", "topic"),
    [("会坐牢吗", "question", "jail"), ("我好怕", "feeling", "fear"), ("我怕坐牢", "question", "jail"),
     ("对不起家里人", "feeling", "guilt"), ("不知道该怎么办了", "feeling", "overwhelmed"),
     ("怎么办啊", "feeling", "overwhelmed"), ("逾期多久上征信", "question", "credit_when"),
     ("我什么都没有了", None, None), ("有个什么律所打电话", None, None)],
)
def test_interjection_tells_questions_from_feelings(text: str, kind: str | None, topic: str | None) -> None:
    found = interjection(text)
    assert (found.kind, found.topic) == (kind, topic) if found else kind is None


@pytest.mark.parametrize("text", ["我不想活了", "活着没意思", "撑不下去了"])
def test_crisis_is_never_an_ordinary_feeling(text: str) -> None:
    assert interjection(text) is None  # the engine answers these first, with the hotlines
