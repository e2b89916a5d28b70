"""Lexicon matching: the first key whose words appear."""

from __future__ import annotations

from flows.core.matching import first_key


def test_first_key_follows_lexicon_order() -> None:
    words = {"job_loss": ["失业", "被裁"], "illness": ["生病", "住院"]}
    assert first_key(words, "被裁以后又住院了") == "job_loss"
    assert first_key(words, "住院了") == "illness"
    assert first_key(words, "没事") is None
