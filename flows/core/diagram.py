"""Draw each dialogue's machine as a Mermaid state diagram with transitions' own GraphMachine.

Run `python -m flows.core.diagram` to rewrite the diagrams beside the machines; a test fails when one
is stale. The GraphMachine is built here only, on a throwaway model: the running coach never loads
the diagrams extension.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any


def mermaid(title: str, states: type[Enum], initial: Any, transitions: Iterable[Mapping[str, Any]]) -> str:
    """Return a Markdown document holding the Mermaid diagram transitions draws for one machine.

    Args:
        title: The heading of the document and of the diagram.
        states: The machine's states.
        initial: Its initial state.
        transitions: Its table, in transitions' `Machine(transitions=...)` form.
    """
    from transitions.extensions.diagrams import GraphMachine

    class _Model:
        pass

    model = _Model()
    GraphMachine(model=model, states=states, transitions=list(transitions), initial=initial, auto_transitions=False,
                 graph_engine="mermaid", title=title, show_conditions=True, show_state_attributes=False)
    graph: str = model.get_graph().draw(None)  # type: ignore[attr-defined]
    note = "Drawn from the transitions table by `python -m flows.core.diagram`."
    return f"# {title}\n\n{note}\n\n```mermaid\n{graph.strip()}\n```\n"


def diagrams() -> dict[Path, str]:
    """Return every dialogue diagram, keyed by the file it lives in."""
    from flows.intake import machine as intake_machine
    from flows.reminders import machine as reminders_machine
    from flows.reminders.models import RemindStage
    from flows.roleplay import machine as roleplay_machine

    return {
        Path(intake_machine.__file__).with_name("machine.md"): mermaid(
            "Intake dialogue", intake_machine.IntakeState, intake_machine.IntakeState.welcome,
            intake_machine.TRANSITIONS,
        ),
        **{path: mermaid(title, roleplay_machine.S, roleplay_machine.S.opening, table)
           for path, (title, table) in roleplay_machine.tables().items()},
        Path(reminders_machine.__file__).with_name("machine.md"): mermaid(
            "Reminders dialogue (/remind set-up and /call logging)", RemindStage, RemindStage.idle,
            reminders_machine.TRANSITIONS,
        ),
    }


def main() -> None:
    """Rewrite every diagram file."""
    for path, text in diagrams().items():
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
