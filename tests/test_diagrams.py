"""Each machine's diagram is generated from its transitions table and kept up to date."""

from __future__ import annotations

from flows.core.diagram import diagrams


def test_diagrams_match_the_transition_tables() -> None:
    for path, expected in diagrams().items():
        assert path.exists(), f"missing {path.name}: run python -m flows.core.diagram"
        stale = f"{path.name} is stale: run python -m flows.core.diagram"
        assert path.read_text(encoding="utf-8") == expected, stale


def test_intake_diagram_shows_every_state() -> None:
    from flows.intake.machine import IntakeState

    text = next(iter(diagrams().values()))
    for state in IntakeState:
        assert state.value in text
