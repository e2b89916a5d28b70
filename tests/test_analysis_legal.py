"""Legal reference lines: LPR by contract date from the data file, flags, and exact citations."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from flows.analysis.legal import (
    FLAG_SOURCES,
    NOTE_LICENSE_UNKNOWN,
    NOTE_LICENSED_24_LINE,
    NOTE_LIMITATION,
    NOTE_MAY_BE_VOID,
    NOTE_NO_LPR,
    NOTE_PRE_2020,
    check_loan,
    legal_sources,
    lpr_table,
)
from flows.core.texts import DATA_DIR, render


def _shared_legal() -> Path:
    """The team's checked legal folder: ../shared/legal beside the checkout (a worktree sits deeper)."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "legal").is_dir():
            return parent / "shared" / "legal"
    return Path(__file__).resolve().parents[2] / "shared" / "legal"


SHARED_LEGAL = _shared_legal()
TODAY = date(2026, 6, 22)


def check(rate: str | None, **kwargs: object) -> tuple[list[str], list[str]]:
    params: dict[str, object] = {
        "principal": Decimal(10000),
        "received": None,
        "licensed": None,
        "contract_date": date(2024, 1, 10),
        "today": TODAY,
    } | kwargs
    result = check_loan(None if rate is None else Decimal(rate), **params)  # type: ignore[arg-type]
    return result.flags, result.notes


def test_lpr_by_contract_date() -> None:
    table = lpr_table()
    assert table.on(date(2019, 8, 19)) is None
    assert table.on(date(2019, 8, 20)) == (date(2019, 8, 20), Decimal("0.0425"))
    assert table.on(date(2024, 1, 10)) == (date(2023, 8, 21), Decimal("0.0345"))
    assert table.on(date(2025, 5, 20)) == (date(2025, 5, 20), Decimal("0.03"))


def test_lpr_checked_date_comes_from_the_file_header() -> None:
    header = (DATA_DIR / "lpr_1y.csv").read_text(encoding="utf-8").splitlines()[0]
    match = re.search(r"checked up to (\d{4}-\d{2}-\d{2})", header)
    assert match and lpr_table().checked_to == date.fromisoformat(match.group(1))


@pytest.mark.skipif(not SHARED_LEGAL.is_dir(), reason="../shared not mounted")
def test_lpr_data_matches_the_checked_copy() -> None:
    ours = [
        line for line in (DATA_DIR / "lpr_1y.csv").read_text(encoding="utf-8").splitlines() if not line.startswith("#")
    ]
    theirs = [
        line
        for line in (SHARED_LEGAL / "lpr_1y.csv").read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    ]
    assert ours == theirs


def test_flags_by_line() -> None:
    assert check("0.24") == (["above_4x_lpr"], [NOTE_LICENSE_UNKNOWN])  # 24% is not above 24%
    assert check("0.2401")[0] == ["above_24", "above_4x_lpr"]
    assert check("0.37")[0] == ["above_24", "above_36", "above_4x_lpr"]
    assert check("0.13") == ([], [])  # 4 x 3.45% = 13.8%
    assert check("0.14")[0] == ["above_4x_lpr"]
    assert check(None) == ([], [])


def test_four_times_lpr_uses_the_rate_on_the_contract_date() -> None:
    assert check("0.15", contract_date=date(2020, 1, 5))[0] == []  # 4 x 4.15% = 16.6%
    assert check("0.15", contract_date=date(2025, 6, 1))[0] == ["above_4x_lpr"]  # 4 x 3% = 12%
    result = check_loan(
        Decimal("0.15"), principal=Decimal(1), received=None, licensed=None, contract_date=None, today=TODAY
    )
    assert result.lpr_date_assumed and result.lpr_cap == Decimal("0.12")


def test_licensed_lenders_are_judged_by_the_24_line_instead() -> None:
    flags, notes = check("0.20", licensed=True)
    assert flags == [] and notes == [NOTE_LICENSED_24_LINE]
    flags, notes = check("0.20", licensed=False)
    assert flags == ["above_4x_lpr"] and notes == [NOTE_MAY_BE_VOID]


def test_exactly_24_and_36_percent_by_lender() -> None:
    # Licensed: the 24% line; exactly 24% is not above it, 36% is above 24% but not above 36%.
    licensed_24, licensed_36 = (
        check_loan(Decimal(rate), principal=Decimal(1), received=None, licensed=True,
                   contract_date=date(2024, 1, 10), today=TODAY) for rate in ("0.24", "0.36"))
    assert licensed_24.line == "fin_24" and licensed_24.line_rate == Decimal("0.24")
    assert licensed_24.flags == [] and licensed_24.notes == [NOTE_LICENSED_24_LINE]
    assert licensed_36.flags == ["above_24"]
    # Unlicensed: 4 x LPR at the contract date (4 x 3.45% = 13.8%), never the 24% line.
    cases = (("0.24", ["above_4x_lpr"]), ("0.36", ["above_4x_lpr"]), ("0.3601", ["above_36", "above_4x_lpr"]))
    for rate, expected in cases:
        flags, notes = check(rate, licensed=False)
        assert flags == expected and "above_24" not in flags
        assert NOTE_MAY_BE_VOID in notes
    result = check_loan(Decimal("0.24"), principal=Decimal(1), received=None, licensed=False,
                        contract_date=date(2024, 1, 10), today=TODAY)
    assert result.line == "lpr_4x" and result.line_rate == Decimal("0.138")


def test_a_contract_before_2020_08_20_keeps_its_check() -> None:
    # Contract in 2019-12 (LPR 4.15%): the 4x figure of the contract date, and the art. 31 note.
    result = check_loan(Decimal("0.20"), principal=Decimal(1), received=None, licensed=False,
                        contract_date=date(2019, 12, 1), today=TODAY)
    assert result.line == "lpr_4x_pre_2020" and result.line_rate == Decimal("0.166")
    assert result.flags == ["above_4x_lpr"] and NOTE_PRE_2020 in result.notes
    # Before the first LPR (2019-08-20): no 4x figure, said by a note instead of silently dropped.
    early = check_loan(Decimal("0.40"), principal=Decimal(1), received=None, licensed=None,
                       contract_date=date(2018, 3, 1), today=TODAY)
    assert early.line_rate is None and {NOTE_PRE_2020, NOTE_NO_LPR} <= set(early.notes)
    assert early.flags == ["above_24", "above_36"]
    # A licensed lender is judged by the 24% line whatever the date.
    licensed = check_loan(Decimal("0.20"), principal=Decimal(1), received=None, licensed=True,
                          contract_date=date(2018, 3, 1), today=TODAY)
    assert licensed.line == "fin_24" and NOTE_PRE_2020 not in licensed.notes


def test_limitation_note_after_three_years_overdue() -> None:
    old = check_loan(None, principal=Decimal(1), received=None, licensed=None, contract_date=None, today=TODAY,
                     overdue_days=3 * 365 + 1)
    assert NOTE_LIMITATION in old.notes
    assert NOTE_LIMITATION not in check_loan(None, principal=Decimal(1), received=None, licensed=None,
                                             contract_date=None, today=TODAY, overdue_days=3 * 365).notes


def test_upfront_deduction() -> None:
    assert check(None, received=Decimal(9000))[0] == ["upfront_deduction"]
    assert check(None, received=Decimal(10000))[0] == []


def test_citations_are_copied_exactly_from_the_checked_texts() -> None:
    texts = (DATA_DIR / "legal_texts.md").read_text(encoding="utf-8")
    for key, source in legal_sources().items():
        assert " ".join(source.text.split()) in texts, key
        assert source.name.strip("《》").split("》")[0] in texts or source.status == "summary", key


@pytest.mark.skipif(not SHARED_LEGAL.is_dir(), reason="../shared not mounted")
@pytest.mark.parametrize("name", ["texts.md", "channels.md"])
def test_project_copies_of_the_legal_folder_match_it(name: str) -> None:
    ours = (DATA_DIR / f"legal_{name}").read_text(encoding="utf-8")
    assert ours == (SHARED_LEGAL / name).read_text(encoding="utf-8")


def test_every_flag_has_sources() -> None:
    sources = legal_sources()
    for keys in FLAG_SOURCES.values():
        assert keys and all(key in sources for key in keys)


def test_summaries_are_never_shown_in_quotation_marks() -> None:
    for source in legal_sources().values():
        line = render(
            "analysis/source",
            title=source.name,
            article=source.article,
            verbatim=source.status == "verbatim",
            text=source.shown,
        )
        quoted = f"“{source.shown}”" in line
        assert quoted == (source.status == "verbatim"), source.key


def test_a_long_article_shows_verbatim_pieces() -> None:
    source = legal_sources()["private_lending_13"]
    assert source.excerpt and all(piece in source.text for piece in source.excerpt)
    assert source.shown == "\u2026\u2026".join([*source.excerpt, ""])
