"""The three personas' stages as data: one transitions table each, and one shared Machine per persona.

As in `flows/intake/machine.py`, each Machine is built once with `model=None`; a turn fires
`MACHINES[persona].events[trigger].trigger(CallModel(state))` on a light wrapper around the call's
`RoleplayState`, so no user ever owns a Machine. Triggers name what the user's line did (chosen by
`call.choose_trigger`; the persona's policy decides offers, `policy.py`):

- stall: empty or off topic; the persona keeps the call going and nothing moves;
- question: only questions or requests (its ID, written confirmation, the balance ...); the persona
  answers them and asks its question again;
- vague: the stage's question was not answered (no identity, no reason, no concrete plan); the
  persona presses, at most `MAX_PUSHES` times per stage, then the call moves on (from the objection
  to the closing without an agreement);
- answer: the stage's question was answered (identity, a real reason, calm under threats);
- offer: a concrete offer the persona takes (its policy says so);
- counter: a concrete offer the persona refuses, asking for a larger first payment instead;
- mistake: a promise the user cannot keep (beyond the plan, the whole balance, whatever the agent
  says, or money borrowed elsewhere): accepted at once, as a real collector would;
- done: the user says goodbye (at the close, or with nothing else to say); hang_up: /endcall.

The diagrams `polite.md`, `pushy.md`, `hostile.md` beside this file are generated from the tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transitions import Machine

from flows.roleplay.state import STAGE_ORDER, Persona, RoleplayState, Stage

S = Stage
MAX_PUSHES = 2
TRIGGERS = ("stall", "question", "vague", "answer", "offer", "counter", "mistake", "done", "hang_up")
HERE = Path(__file__).parent


def _talk(stages: list[Stage]) -> list[dict[str, Any]]:
    """Rules every persona shares: talk that stays put, offers and promises, closing and hanging up."""
    live = [stage for stage in stages if stage is not S.ended]
    return [
        *({"trigger": trigger, "source": stage, "dest": stage} for trigger in ("stall", "question") for stage in live),
        *({"trigger": "vague", "source": stage, "dest": stage, "conditions": "can_push", "before": "count_push"}
          for stage in live if stage is not S.closing),
        {"trigger": "offer", "source": live, "dest": S.closing, "before": "accept"},
        {"trigger": "mistake", "source": live, "dest": S.closing, "before": "accept"},
        {"trigger": "counter", "source": live, "dest": S.objection, "before": "refuse"},
        {"trigger": "done", "source": live, "dest": S.ended},
        {"trigger": "vague", "source": S.closing, "dest": S.ended},
        {"trigger": "hang_up", "source": live, "dest": S.ended},
    ]


def _asking(first: Stage) -> list[dict[str, Any]]:
    """Identity, then the reason, then `first` (skipping the reason when it was already given)."""
    return [
        {"trigger": "answer", "source": S.opening, "dest": first, "conditions": "reason_given"},
        {"trigger": "answer", "source": S.opening, "dest": S.reason},
        {"trigger": "vague", "source": S.opening, "dest": S.reason},
        {"trigger": "answer", "source": S.reason, "dest": first},
        {"trigger": "vague", "source": S.reason, "dest": first},
    ]


def _bargaining() -> list[dict[str, Any]]:
    """Without a concrete offer the persona presses, then closes the call with nothing agreed."""
    return [
        {"trigger": "vague", "source": S.proposal, "dest": S.objection},
        {"trigger": "answer", "source": [S.proposal, S.objection], "dest": S.objection, "conditions": "can_push",
         "before": "count_push"},
        {"trigger": "answer", "source": [S.proposal, S.objection], "dest": S.closing},
        {"trigger": "vague", "source": S.objection, "dest": S.closing},
    ]


POLITE_STAGES = [S.opening, S.reason, S.proposal, S.objection, S.closing, S.ended]
POLITE: list[dict[str, Any]] = [*_talk(POLITE_STAGES), *_asking(S.proposal), *_bargaining()]
"""Customer service: checks identity, wants a reason, offers the standard instalment with its fee;
any concrete offer after a reason is taken as an application (`policy.py`)."""

PUSHY_STAGES = POLITE_STAGES
PUSHY: list[dict[str, Any]] = [*_talk(PUSHY_STAGES), *_asking(S.proposal), *_bargaining()]
"""A pushy collector: wants it all today, refuses a first offer below the standard instalment and
asks for a larger first payment, about family and assets; holding to a concrete plan wins."""

HOSTILE_STAGES = [S.opening, S.reason, S.threat, S.proposal, S.objection, S.closing, S.ended]
HOSTILE: list[dict[str, Any]] = [
    *_talk(HOSTILE_STAGES), *_asking(S.threat),
    {"trigger": "answer", "source": S.threat, "dest": S.proposal},
    {"trigger": "vague", "source": S.threat, "dest": S.proposal},
    *_bargaining(),
]
"""A collector who crosses the line: threatens to sue, to visit, to call contacts; backs down when
the user stays calm and names the lawful response."""

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

    def reason_given(self) -> bool:
        """Tell whether the reason is known: the user gave it, or the call started after it."""
        return "hardship" in self.call.marks or STAGE_ORDER.index(self.call.start) > STAGE_ORDER.index(S.reason)

    def count_push(self) -> None:
        """Count one more push in this stage and in the call."""
        self.call.pushes += 1
        self.call.total_pushes += 1

    def accept(self) -> None:
        """The persona agrees (the amount agreed is set by the caller, from the policy)."""
        self.call.deal.agreed = True

    def refuse(self) -> None:
        """The persona turns an offer down; count it (the policy concedes per refusal)."""
        self.call.deal.offers_refused += 1
        self.call.deal.rounds += 1


def stages(persona: Persona) -> list[Stage]:
    """Return the stages a persona's calls go through, in order."""
    return TABLES[persona][0]


def _machine(persona: Persona) -> Machine:
    stage_list, table = TABLES[persona]
    return Machine(model=None, states=stage_list, transitions=table, initial=S.opening,
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


def tables() -> dict[Path, tuple[str, list[dict[str, Any]]]]:
    """Return each persona's title and table, keyed by the diagram file beside this module."""
    return {HERE / f"{persona}.md": (TITLES[persona], table) for persona, (_, table) in TABLES.items()}
