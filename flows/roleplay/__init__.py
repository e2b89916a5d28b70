"""Rehearse a negotiation call: the coach plays the lender, reads each reply, and scores the call.

Public API:
    start_call(loan, persona, *, seed, name="", attempt=1) -> (RoleplayState, lines)
    take_turn(call, text) -> Turn          hang_up(call)          hint(call, script) -> str
    read_reply(text) -> ReplyReading
    score_call(call, script) -> ScoreCard  card_messages(card, attempts) -> list[str]
    MACHINES / TABLES / diagrams()          one shared transitions Machine per persona
"""

from flows.roleplay.call import Turn, coach_persona, hang_up, hint, start_call, take_turn
from flows.roleplay.machine import MACHINES, TABLES, diagrams
from flows.roleplay.reading import ReplyReading, read_reply
from flows.roleplay.scoring import CardItem, ScoreCard, card_messages, score_call
from flows.roleplay.state import PERSONAS, Attempt, Persona, RoleplayState, Stage

__all__ = [
    "MACHINES",
    "PERSONAS",
    "TABLES",
    "Attempt",
    "CardItem",
    "Persona",
    "ReplyReading",
    "RoleplayState",
    "ScoreCard",
    "Stage",
    "Turn",
    "card_messages",
    "coach_persona",
    "diagrams",
    "hang_up",
    "hint",
    "read_reply",
    "score_call",
    "start_call",
    "take_turn",
]
