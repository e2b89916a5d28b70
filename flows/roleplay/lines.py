"""Choose what the persona says: one of several variants of a line, never the same twice in a row.

A persona line is the template `scripts_zh/roleplay/<persona>_<part>.j2`, written as
`{% if variant == 0 %}...{% elif variant == 1 %}...` blocks; the number of variants is read from
the template itself. The choice is seeded per attempt (`RoleplayState.seed`) and by how often the
line was used, so a call is reproducible from its seed while two attempts read differently.
"""

from __future__ import annotations

import random
import re
from functools import cache
from typing import Any

from flows.core.texts import SCRIPTS_DIR, render
from flows.roleplay.policy import policy
from flows.roleplay.state import THREATS, Agent, Persona, RoleplayState, Threat

_VARIANT = re.compile(r"variant\s*==\s*(\d+)")
AGENT_NUMBERS = (1000, 9999)


@cache
def variant_count(template: str) -> int:
    """Return how many variants a template offers (1 when it has no `variant` blocks)."""
    source = (SCRIPTS_DIR / f"{template}.j2").read_text(encoding="utf-8")
    numbers = [int(found) for found in _VARIANT.findall(source)]
    return max(numbers, default=0) + 1


def _pick(call: RoleplayState, key: str, count: int) -> int:
    used = call.used_lines.get(key, [])
    if len(used) >= count:
        used = used[-1:] if count > 1 else []
    free = [index for index in range(count) if index not in used]
    choice = random.Random(f"{call.seed}/{key}/{len(call.used_lines.get(key, []))}").choice(free)
    call.used_lines[key] = [*used, choice]
    return choice


def pick_variant(call: RoleplayState, template: str) -> int:
    """Choose a variant of a line not yet used in this call (once all were used, any but the last).

    Args:
        call: The call; its `used_lines` is updated.
        template: The template name.

    Returns:
        The variant number to render.
    """
    return _pick(call, template, variant_count(template))


def next_threat(call: RoleplayState) -> Threat:
    """Choose the next threat the hostile persona makes, preferring one not made yet, and record it."""
    fresh = [threat for threat in THREATS if threat not in call.threats]
    if not fresh:
        return THREATS[_pick(call, "threat", len(THREATS))]
    threat = random.Random(f"{call.seed}/threat/{len(call.threats)}").choice(fresh)
    call.threats.append(threat)
    return threat


def make_agent(persona: Persona, seed: int) -> Agent:
    """Give the persona a plausible name and staff number, the same for the whole call."""
    chooser = random.Random(f"{seed}/agent")
    return Agent(name=chooser.choice(policy(persona).agents), number=str(chooser.randint(*AGENT_NUMBERS)))


def persona_words(call: RoleplayState, part: str, **context: Any) -> str:
    """Render one line of the call's persona, without saying who speaks.

    Args:
        call: The call (its persona, seed and used lines).
        part: The line's part, e.g. "opening", "push", "stall", "answer", "bye".
        **context: What the template needs besides `variant` (figures already formatted).

    Returns:
        The words, as one paragraph.
    """
    template = f"roleplay/{call.persona}_{part}"
    text = render(template, variant=pick_variant(call, template), **context)
    return "".join(line.strip() for line in text.splitlines())


def spoken(call: RoleplayState, words: list[str]) -> str:
    """Join what the persona says in one turn into one message, prefixed with who is speaking."""
    return render("roleplay/say", persona=call.persona, line="".join(part for part in words if part))
