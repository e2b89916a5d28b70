"""Rehearse a negotiation call: the coach plays the lender, reads each line, and scores the call.

Public API:
    start_call(loan, persona, *, seed, name="", attempt=1, script=None, stage=Stage.opening)
        -> (RoleplayState, lines)
    take_turn(call, text) -> Turn          hang_up(call)          hint(call, script) -> str
    read_reply(text) -> ReplyReading       call_figures(loan, script) -> CallFigures
    score_call(call, script) -> ScoreCard  card_messages(card, attempts) -> list[str]
    weakest_stage(card) -> Stage           policy(persona) -> Policy
    MACHINES / TABLES / tables()            one shared transitions Machine per persona
"""

from flows.roleplay.call import Turn, coach_persona, hang_up, hint, open_call, start_call, take_turn
from flows.roleplay.figures import CallFigures, call_figures
from flows.roleplay.machine import MACHINES, TABLES, tables
from flows.roleplay.policy import Policy, policy
from flows.roleplay.reading import Flag, Label, ReplyReading, read_reply
from flows.roleplay.scoring import CardItem, ScoreCard, card_messages, score_call, weakest_stage
from flows.roleplay.state import PERSONAS, Attempt, Persona, RoleplayState, Stage

__all__ = [
    "MACHINES",
    "PERSONAS",
    "TABLES",
    "Attempt",
    "CallFigures",
    "CardItem",
    "Flag",
    "Label",
    "Persona",
    "Policy",
    "ReplyReading",
    "RoleplayState",
    "ScoreCard",
    "Stage",
    "Turn",
    "call_figures",
    "card_messages",
    "coach_persona",
    "hang_up",
    "hint",
    "open_call",
    "policy",
    "read_reply",
    "score_call",
    "start_call",
    "tables",
    "take_turn",
    "weakest_stage",
]
