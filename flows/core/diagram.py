"""Draw a dialogue's transitions table as a Mermaid state diagram, kept next to the machine.

Run `python -m flows.core.diagram` to rewrite the diagrams; a test fails when one is stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def _name(state: Any) -> str:
    return str(state.value if isinstance(state, Enum) else state)


def mermaid(title: str, initial: Any, transitions: Iterable[Mapping[str, Any]]) -> str:
    """Return a Markdown document with a Mermaid `stateDiagram-v2` of the transitions.

    Args:
        title: The heading of the document.
        initial: The machine's initial state.
        transitions: The machine's table, in transitions' `Machine(transitions=...)` form.
    """
    lines = [f"# {title}", "", "Generated from the transitions table by `python -m flows.core.diagram`.", "",
             "```mermaid", "stateDiagram-v2", f"    [*] --> {_name(initial)}"]
    seen: set[str] = set()
    for transition in transitions:
        sources = transition["source"]
        if isinstance(sources, str | Enum):
            sources = [sources]
        label = transition["trigger"]
        if transition.get("conditions"):
            label += f" [{transition['conditions']}]"
        for source in sources:
            source_name = "*" if source == "*" else _name(source)
            if source_name == "*":
                continue
            edge = f"    {source_name} --> {_name(transition['dest'])}: {label}"
            if edge not in seen:
                seen.add(edge)
                lines.append(edge)
    restart = [t for t in transitions if t.get("source") == "*"]
    lines.append("```")
    for transition in restart:
        lines.append("")
        lines.append(f"From every state, `{transition['trigger']}` leads to `{_name(transition['dest'])}`.")
    return "\n".join(lines) + "\n"


def diagrams() -> dict[Path, str]:
    """Return every dialogue diagram, keyed by the file it lives in."""
    from flows.intake import machine as intake_machine
    from flows.reminders import machine as reminders_machine
    from flows.roleplay import machine as roleplay_machine

    return {
        Path(intake_machine.__file__).with_name("machine.md"): mermaid(
            "Intake dialogue", intake_machine.IntakeState.welcome, intake_machine.TRANSITIONS
        ),
        **roleplay_machine.diagrams(),
        Path(reminders_machine.__file__).with_name("reminders.md"): mermaid(
            "Reminders dialogue (/remind set-up and /call logging)",
            reminders_machine.RemindState.idle,
            reminders_machine.TRANSITIONS,
        ),
    }


def main() -> None:
    """Rewrite every diagram file."""
    for path, text in diagrams().items():
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
