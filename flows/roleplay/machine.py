"""The three personas as data: one transitions table each, and one shared Machine per persona.

As in `flows/intake/machine.py`, each Machine is built once with `model=None`; a turn fires
`MACHINES[persona].events[trigger].trigger(CallModel(state))` on a light wrapper around the call's
`RoleplayState`, so no user ever owns a Machine. Triggers name what the user's reply did:

- stall: empty or off topic; the persona keeps the call going and nothing moves;
- vague: the stage's question was not answered (no reason, no amount or no date); the persona
  pushes harder, at most `MAX_PUSHES` times per stage (once at the closing), then the call moves on;
- answer: the stage's question was answered (identity, a real reason, calm under threats, the
  questions that close a call); proposals are answered by `offer` or `overpromise` only;
- offer: a concrete plan (an amount and a date) within the user's plan;
- overpromise: a promise beyond the plan (or money borrowed elsewhere): accepted at once, as a real
  collector would, and flagged on the score card;
- hang_up: /endcall.

The diagrams `polite.md`, `pushy.md`, `hostile.md` beside this file are generated from the tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transitions import Machine

from flows.core.diagram import mermaid
from flows.roleplay.state import Persona, RoleplayState, Stage

S = Stage
MAX_PUSHES = 2
TRIGGERS = ("stall", "vague", "answer", "offer", "overpromise", "hang_up")
HERE = Path(__file__).parent


def _talk(stages: list[Stage]) -> list[dict[str, Any]]:
    """Rules every persona shares: stalling stays put, pushing stays put while it may, hanging up ends."""
    live = [stage for stage in stages if stage is not S.ended]
    return [
        *({"trigger": "stall", "source": stage, "dest": stage} for stage in live),
        *({"trigger": "vague", "source": stage, "dest": stage, "conditions": "can_push", "before": "count_push"}
          for stage in live if stage is not S.closing),
        {"trigger": "vague", "source": S.closing, "dest": S.closing, "conditions": "can_nudge",
         "before": "count_push"},
        {"trigger": "overpromise", "source": [s for s in live if s is not S.closing], "dest": S.closing,
         "before": "accept_promise"},
        {"trigger": "overpromise", "source": S.closing, "dest": S.ended, "before": "accept_promise"},
        {"trigger": "hang_up", "source": live, "dest": S.ended},
    ]


def _closing() -> list[dict[str, Any]]:
    return [
        {"trigger": "answer", "source": S.closing, "dest": S.ended},
        {"trigger": "vague", "source": S.closing, "dest": S.ended},
    ]


POLITE_STAGES = [S.opening, S.reason, S.proposal, S.objection, S.closing, S.ended]
POLITE: list[dict[str, Any]] = [
    *_talk(POLITE_STAGES),
    {"trigger": "answer", "source": S.opening, "dest": S.proposal, "conditions": "reason_given"},
    {"trigger": "answer", "source": S.opening, "dest": S.reason},
    {"trigger": "vague", "source": S.opening, "dest": S.reason},
    {"trigger": "answer", "source": S.reason, "dest": S.proposal},
    {"trigger": "vague", "source": S.reason, "dest": S.proposal},
    {"trigger": "offer", "source": [S.opening, S.reason, S.proposal, S.objection], "dest": S.closing,
     "before": "accept_offer"},
    {"trigger": "vague", "source": S.proposal, "dest": S.objection},
    {"trigger": "vague", "source": S.objection, "dest": S.closing},
    *_closing(),
]
"""Customer service: checks identity, wants a reason and a date, offers the standard instalment;
a concrete affordable plan is taken to the closing at once."""

PUSHY_STAGES = POLITE_STAGES
PUSHY: list[dict[str, Any]] = [
    *_talk(PUSHY_STAGES),
    {"trigger": "answer", "source": S.opening, "dest": S.proposal, "conditions": "reason_given"},
    {"trigger": "answer", "source": S.opening, "dest": S.reason},
    {"trigger": "vague", "source": S.opening, "dest": S.reason},
    {"trigger": "answer", "source": S.reason, "dest": S.proposal},
    {"trigger": "vague", "source": S.reason, "dest": S.proposal},
    {"trigger": "offer", "source": [S.opening, S.reason, S.proposal], "dest": S.objection, "before": "refuse_offer"},
    {"trigger": "vague", "source": S.proposal, "dest": S.objection},
    {"trigger": "offer", "source": S.objection, "dest": S.closing, "before": "accept_offer"},
    {"trigger": "vague", "source": S.objection, "dest": S.closing},
    *_closing(),
]
"""A pushy collector: wants it all today, refuses the first offer, asks for a larger first payment
and about family and assets; holding to a concrete plan softens them."""

HOSTILE_STAGES = [S.opening, S.reason, S.threat, S.proposal, S.objection, S.closing, S.ended]
HOSTILE: list[dict[str, Any]] = [
    *_talk(HOSTILE_STAGES),
    {"trigger": "answer", "source": S.opening, "dest": S.threat, "conditions": "reason_given"},
    {"trigger": "answer", "source": S.opening, "dest": S.reason},
    {"trigger": "vague", "source": S.opening, "dest": S.reason},
    {"trigger": "answer", "source": S.reason, "dest": S.threat},
    {"trigger": "vague", "source": S.reason, "dest": S.threat},
    {"trigger": "offer", "source": [S.opening, S.reason], "dest": S.threat, "before": "refuse_offer"},
    {"trigger": "answer", "source": S.threat, "dest": S.proposal},
    {"trigger": "vague", "source": S.threat, "dest": S.proposal},
    {"trigger": "offer", "source": [S.threat, S.proposal], "dest": S.objection, "before": "refuse_offer"},
    {"trigger": "vague", "source": S.proposal, "dest": S.objection},
    {"trigger": "offer", "source": S.objection, "dest": S.closing, "before": "accept_offer"},
    {"trigger": "vague", "source": S.objection, "dest": S.closing},
    *_closing(),
]
"""A collector who crosses the line: threatens to sue tomorrow, to visit, to call contacts; backs
down when the user stays calm and names the lawful response."""

TABLES: dict[Persona, tuple[list[Stage], list[dict[str, Any]]]] = {
    "polite": (POLITE_STAGES, POLITE),
    "pushy": (PUSHY_STAGES, PUSHY),
    "hostile": (HOSTILE_STAGES, HOSTILE),
}


class CallModel:
    """The per-turn face a call's state shows its persona's machine: the stage and the callbacks."""

    def __init__(self, call: RoleplayState) -> None:
        self.call = call

    @property
    def state(self) -> Stage:
        """Return the call's stage."""
        return self.call.stage

    @state.setter
    def state(self, value: Stage | str) -> None:
        stage = Stage(value)
        if stage is not self.call.stage:
            self.call.pushes = 0
        self.call.stage = stage

    def can_push(self) -> bool:
        """Tell whether the persona may press again in this stage."""
        return self.call.pushes < MAX_PUSHES

    def can_nudge(self) -> bool:
        """Tell whether the persona may ask once more before hanging up."""
        return self.call.pushes < 1

    def reason_given(self) -> bool:
        """Tell whether the user already explained the difficulty."""
        return "hardship" in self.call.marks

    def count_push(self) -> None:
        """Count one more push in this stage and in the call."""
        self.call.pushes += 1
        self.call.total_pushes += 1

    def accept_offer(self) -> None:
        """The persona agrees to the user's plan."""
        self.call.agreed = True

    def accept_promise(self) -> None:
        """The persona takes a promise the user cannot keep (the coach warns afterwards)."""
        self.call.agreed = True

    def refuse_offer(self) -> None:
        """The persona turns down the first offer, whatever it was."""
        self.call.agreed = False


def _machine(persona: Persona) -> Machine:
    stages, table = TABLES[persona]
    return Machine(model=None, states=stages, transitions=table, initial=S.opening,
                   auto_transitions=False, ignore_invalid_triggers=False)


MACHINES: dict[Persona, Machine] = {persona: _machine(persona) for persona in TABLES}


def fire(call: RoleplayState, trigger: str) -> bool:
    """Fire one trigger of the persona's shared machine on a call.

    Returns:
        True when a transition happened.

    Raises:
        transitions.core.MachineError: when the trigger is not valid in the call's stage.
    """
    return bool(MACHINES[call.persona].events[trigger].trigger(CallModel(call)))


TITLES: dict[Persona, str] = {
    "polite": "Role-play: polite customer service",
    "pushy": "Role-play: pushy collector",
    "hostile": "Role-play: hostile collector (illegal threats)",
}


def diagrams() -> dict[Path, str]:
    """Return each persona's Mermaid diagram, keyed by the file beside this module."""
    return {HERE / f"{persona}.md": mermaid(TITLES[persona], S.opening, table)
            for persona, (_, table) in TABLES.items()}
