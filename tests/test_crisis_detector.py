"""The crisis detector on labelled sets: PsySUICIDE valid and the project's own debt-stressed lines.

Accuracy thresholds, not timings (speed is measured in bench/bench_crisis.py). Each test lists what it
missed when it fails.
"""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
from crisis_sets import (
    PSY,
    PSY_TARGETS,
    false_alarms_own,
    load_tsv,
    negatives,
    positives,
    psysuicide,
    recall_own,
    score_psysuicide,
)

from flows.crisis.detector import Level, assess

SHARED_PSY = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "psysuicide" / "valid.json"


def judge(text: str) -> Level:
    return assess(text).level


def _listing(title: str, lines: list[str]) -> str:
    return f"{title} ({len(lines)}):\n" + "\n".join(lines)


def test_psysuicide_recall_on_suicide_and_self_harm_classes() -> None:
    recall, _, _ = score_psysuicide(judge, psysuicide())
    assert set(recall.groups()) == set(PSY_TARGETS)
    assert recall.rate() >= 0.90, _listing(f"recall {recall.rate():.3f}, missed", recall.listed(hits=False))
    # No class may be left behind by the pooled figure.
    for group in recall.groups():
        rate = recall.rate(group)
        assert rate >= 0.80, _listing(f"{group} recall {rate:.3f}", recall.listed(hits=False))


def test_psysuicide_full_crisis_false_alarms_on_unrelated_lines() -> None:
    _, crisis, _ = score_psysuicide(judge, psysuicide())
    assert crisis.total() > 1000
    assert crisis.rate() <= 0.03, _listing(f"false alarms {crisis.rate():.3f}", crisis.listed(hits=True))


@pytest.mark.parametrize("name", ["crisis_positives", "crisis_heldout"])
def test_own_positives_raise_a_crisis(name: str) -> None:
    lines = [line for line in load_tsv(name) if line.level == Level.crisis]
    score = recall_own(judge, lines)
    assert score.rate() >= 0.95, _listing(f"recall {score.rate():.3f}, missed", score.listed(hits=False))


def test_own_positives_cover_every_family_and_are_many() -> None:
    lines = positives()
    families = {line.label for line in lines}
    assert families >= {"burden", "debt_death", "farewell", "arrangements", "place", "means", "passive",
                        "method", "direct", "self_harm", "plan", "attempt"}
    assert len(lines) >= 150
    assert len(negatives()) >= 150


@pytest.mark.parametrize("name", ["crisis_negatives", "crisis_heldout"])
def test_own_hard_negatives_raise_no_false_alarm(name: str) -> None:
    lines = [line for line in load_tsv(name) if line.level < Level.crisis]
    crisis, check_in, missed = false_alarms_own(judge, lines)
    assert crisis.rate() <= 0.03, _listing(f"crisis false alarms {crisis.rate():.3f}", crisis.listed(hits=True))
    assert check_in.rate() <= 0.03, _listing(f"check-in false alarms {check_in.rate():.3f}", check_in.listed(hits=True))
    assert missed.rate() <= 0.05, _listing(f"check-ins missed {missed.rate():.3f}", missed.listed(hits=True))


def test_psysuicide_copy_matches_shared_when_present() -> None:
    if not SHARED_PSY.exists():
        pytest.skip("../shared is not on this machine")
    assert filecmp.cmp(PSY, SHARED_PSY, shallow=False)
    for name in ("LICENSE",):
        assert filecmp.cmp(PSY.parent / name, SHARED_PSY.parent / name, shallow=False)


def test_psysuicide_copy_is_credited() -> None:
    readme = (PSY.parent / "README.md").read_text(encoding="utf-8")
    assert "qiuhuachuan/PsyGUARD" in readme and "MIT" in readme and "EMNLP 2024" in readme
    assert "MIT License" in (PSY.parent / "LICENSE").read_text(encoding="utf-8")
