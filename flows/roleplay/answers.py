"""Answer what the user asks during a call, in the persona's voice, before it carries on.

Every topic the reader found (`ReplyReading.topics`) gets a line from
`scripts_zh/roleplay/<persona>_answer.j2`. Two topics have state: the agent's ID (given at once, or
by the hostile persona only once the user insists or names the lawful response) and written
confirmation (agreed, an SMS, or a stall until the user insists).
"""

from __future__ import annotations

from typing import Any

from flows.core.money import yuan
from flows.roleplay.lines import persona_words
from flows.roleplay.policy import policy, standard_fee, standard_instalment, terms
from flows.roleplay.reading import Label, ReplyReading
from flows.roleplay.state import Mark, RoleplayState


def _gives_id(call: RoleplayState) -> bool:
    agent = call.agent
    return policy(call.persona).agent_id == "gives" or agent.id_asks > 1 or call.has(Mark.rights)


def _promises_writing(call: RoleplayState) -> bool:
    agent = call.agent
    return policy(call.persona).written != "stalls" or agent.written_asks > 1 or call.has(Mark.rights)


def answer_context(call: RoleplayState) -> dict[str, Any]:
    """The facts a persona may state when answering: its identity, the loan's figures, its terms."""
    balance = call.figures.balance
    return {
        "platform": call.platform, "balance": yuan(balance), "overdue_days": call.figures.overdue_days,
        "agent_name": call.agent.name, "agent_no": call.agent.number, "count": terms().count,
        "standard": yuan(standard_instalment(balance)), "fee": yuan(standard_fee(balance)),
        "agreed": call.deal.agreed, "ask": yuan(call.deal.ask) if call.deal.ask else "",
    }


def answer_questions(call: RoleplayState, reading: ReplyReading) -> list[str]:
    """Answer every topic the line asks about, updating what the persona has told the user.

    Args:
        call: The call; its agent's state is updated.
        reading: The user's line.

    Returns:
        One line per topic, in the order asked (none when nothing was asked).
    """
    words: list[str] = []
    offering = reading.says(Label.offer) or reading.says(Label.borrow_elsewhere) or reading.says(Label.agree_any)
    for topic in reading.topics:
        if offering and topic not in (Label.agent_id, Label.written):
            continue  # "an extension of three months..." is an offer: the persona's policy answers it
        context = {**answer_context(call), "gives": False, "promises": False}
        if topic == Label.agent_id:
            call.agent.id_asks += 1
            gives = _gives_id(call)
            call.agent.id_given = call.agent.id_given or gives
            context["gives"] = gives
        elif topic == Label.written:
            call.agent.written_asks += 1
            promises = _promises_writing(call)
            call.agent.written_promised = call.agent.written_promised or promises
            context["promises"] = promises
        words.append(persona_words(call, "answer", topic=topic, **context))
    return words
