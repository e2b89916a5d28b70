"""Every legal citation the scripts and the toolkit can show, checked against shared/legal/.

The seed articles misquote the law; only texts.md and channels.md count. Verbatim entries must
appear there word for word and are shown in quotation marks; summaries must be entries there and
are never shown inside quotation marks.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from flows.core import texts
from flows.negotiation.script import script_citation_keys
from flows.negotiation.toolkit import citation, source_lines, toolkit_citation_keys

LEGAL = Path(__file__).resolve().parents[1].parent / "shared" / "legal"
OWN_PREFIXES = ("negotiation/",)
FORBIDDEN = ("自律公约", "暂行办法", "141号", "第十五条")
"""Citations shared/legal/README.md says never to show (the seeds' misquotes)."""


@cache
def _legal(name: str) -> str:
    return re.sub(r"\s+", " ", (LEGAL / name).read_text(encoding="utf-8"))


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _own_templates() -> dict[str, str]:
    return {name: (texts.SCRIPTS_DIR / f"{name}.j2").read_text(encoding="utf-8")
            for name in texts.template_names() if name.startswith(OWN_PREFIXES)}


def _all_keys() -> list[str]:
    return sorted(script_citation_keys() | toolkit_citation_keys())


def test_citations_list_is_what_we_expect() -> None:
    # A new citation must be added here on purpose, after checking it against shared/legal/.
    assert _all_keys() == sorted(
        ["civil_code_670", "collection_guidelines", "fin_opinion_2017", "line_36", "pipl_10"]
    )


@pytest.mark.parametrize("key", _all_keys())
def test_each_citation_is_in_the_checked_texts(key: str) -> None:
    source = citation(key)
    legal = _legal("texts.md")
    for title in re.findall(r"《[^》]+》", source.name):
        assert title in legal, title
    if source.status == "verbatim":
        assert _flat(source.text) in legal, key
        assert source.shown == source.text
        article = re.match(r"第[^条]+条", source.article)
        assert article and f"{article.group(0)}:" in legal
        section = legal.split(re.findall(r"《[^》]+》", source.name)[0])[1]
        assert f"{article.group(0)}: {_flat(source.text)}" in section
    else:
        assert source.status == "summary"
        assert _flat(source.text) in legal, key
        assert source.shown != source.text  # shown in the coach's Chinese, not the English note


@pytest.mark.parametrize("key", _all_keys())
def test_quoting_follows_the_status(key: str) -> None:
    source = citation(key)
    (line,) = source_lines((key,))
    if source.status == "verbatim":
        assert line.endswith(f"“{source.text}”")
    else:
        assert line.startswith("依据（大意）")
        assert f"“{source.shown}”" not in line and not line.endswith("”")


def test_templates_cite_only_checked_titles_and_hotlines() -> None:
    legal, channels = _legal("texts.md"), _legal("channels.md")
    for name, body in _own_templates().items():
        for title in re.findall(r"《[^》]+》", body):
            assert title in legal, (name, title)
        for word in FORBIDDEN:
            assert word not in body, (name, word)
        for number in re.findall(r"(?<![\d,.])\d{3,}(?![\d,.])", body):
            assert number in channels, (name, number)


def test_no_citation_is_forbidden() -> None:
    for key in _all_keys():
        line = source_lines((key,))[0]
        for word in FORBIDDEN:
            assert word not in line, (key, word)
