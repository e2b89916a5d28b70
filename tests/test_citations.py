"""Every legal citation the scripts, the toolkit and the analysis can show, checked against shared/legal/.

The seed articles misquote the law; only texts.md and channels.md count. Verbatim entries must
appear there word for word and are shown in quotation marks (a long article as verbatim pieces);
summaries must be entries there and are never shown inside quotation marks. The project keeps its
own copies (scripts_zh/data/legal_texts.md, legal_channels.md) so these tests run without ../shared;
tests/test_analysis_legal.py compares the copies with ../shared when it is there.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from flows.analysis.legal import NOTE_SOURCES
from flows.analysis.messages import source_lines as analysis_source_lines
from flows.core import texts
from flows.core.texts import DATA_DIR
from flows.negotiation.script import script_citation_keys
from flows.negotiation.toolkit import citation, source_lines, toolkit_citation_keys

OWN_PREFIXES = ("negotiation/", "analysis/", "reminders/step", "reminders/call_check", "reminders/paused")
FORBIDDEN = ("自律公约", "暂行办法", "141号", "第十五条")
"""Citations shared/legal/README.md says never to show (the seeds' misquotes)."""


@cache
def _legal(name: str) -> str:
    return re.sub(r"\s+", " ", (DATA_DIR / f"legal_{name}").read_text(encoding="utf-8"))


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _own_templates() -> dict[str, str]:
    return {name: (texts.SCRIPTS_DIR / f"{name}.j2").read_text(encoding="utf-8")
            for name in texts.template_names() if name.startswith(OWN_PREFIXES)}


ANALYSIS_KEYS = frozenset(
    {"fin_opinion_2017", "line_36", "private_lending_25", "civil_code_670", "private_lending_26", "pboc_2021_3",
     "shenzhen_bankruptcy", "collection_guidelines", "criminal_293_1"}
    | {key for keys in NOTE_SOURCES.values() for key in keys}
)
"""What flows.analysis.messages can cite (flags, notes, lawful paths, warnings)."""


def _all_keys() -> list[str]:
    return sorted(script_citation_keys() | toolkit_citation_keys() | ANALYSIS_KEYS)


def test_citations_list_is_what_we_expect() -> None:
    # A new citation must be added here on purpose, after checking it against shared/legal/.
    assert _all_keys() == sorted(
        ["civil_code_188", "civil_code_670", "collection_guidelines", "criminal_293_1", "fin_opinion_2017",
         "line_36", "pboc_2021_3", "pipl_10", "private_lending_13", "private_lending_1_2", "private_lending_25",
         "private_lending_26", "private_lending_31", "shenzhen_bankruptcy"]
    )


@pytest.mark.parametrize("key", _all_keys())
def test_each_citation_is_in_the_checked_texts(key: str) -> None:
    source = citation(key)
    legal = _legal("texts.md")
    for title in re.findall(r"《[^》]+》", source.name):
        assert title in legal, title
    if source.status == "verbatim":
        assert _flat(source.text) in legal, key
        assert source.shown == source.text or source.excerpt
        assert all(piece in source.text for piece in source.excerpt)
        article = re.match(r"第[^条]+条(之[一二三四五六七八九十]+)?", source.article)
        assert article
        section = legal.split(re.findall(r"《[^》]+》", source.name)[0])[1]
        entry = rf"{re.escape(article.group(0))}\S*( \([^)]*\))?: {re.escape(_flat(source.text))}"
        heading = f"{article.group(0)} ("
        assert re.search(entry, section) or (section.lstrip().startswith(heading) and _flat(source.text) in section)
    else:
        assert source.status == "summary"
        assert _flat(source.text) in legal, key
        assert source.shown != source.text  # shown in the coach's Chinese, not the English note


@pytest.mark.parametrize("key", _all_keys())
def test_quoting_follows_the_status(key: str) -> None:
    source = citation(key)
    for (line,) in (source_lines((key,)), analysis_source_lines((key,))):
        if source.status == "verbatim":
            assert line.endswith(f"“{source.shown}”")
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
        for number in re.findall(r"(?<![\d,._A-Za-z])\d{3,}(?!\s*[\d,.年月天个期元%_])", body):
            assert number in channels, (name, number)


def test_no_citation_is_forbidden() -> None:
    for key in _all_keys():
        line = source_lines((key,))[0]
        for word in FORBIDDEN:
            assert word not in line, (key, word)
