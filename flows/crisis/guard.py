"""The guard every input passes first: despair opens the crisis dialogue, in any state.

A crisis message opens the crisis dialogue on top of whatever the person was doing, and no dialogue
sees the message (nothing of it is stored). A check-in message gets one gentle line and the task goes
on in the same reply; within the memory window after a crisis reply, or while the crisis dialogue is
open, a check-in counts as a crisis again. After the person said they are fine, the next reply still
carries the helpline line once. Scam offers and illegal collection add a short note to the answer
(inside the complaint form, the collection note comes once at most: the form is already about it).
"""

from __future__ import annotations

from flows.core.dialog import Turn
from flows.core.engine import Screened
from flows.core.models import Input, Reply
from flows.core.texts import render
from flows.crisis.detector import Level
from flows.crisis.dialog import CRISIS, CrisisPart, CrisisState
from flows.crisis.replies import check_in_text, reminder_text
from flows.crisis.signals import detect_signals
from flows.negotiation.dialog import harassment_note
from flows.understanding.interject import interjection


class CrisisGuard:
    """Screen every typed message for despair, scams and illegal collection."""

    def screen(self, turn: Turn, inp: Input) -> Screened:
        """Decide whether this input opens the crisis dialogue, and what notes go with the answer."""
        part = turn.session.part(CrisisPart)
        found = detect_signals(inp.text) if inp.kind in ("text", "command") and inp.text.strip() else None
        level = found.level if found is not None else Level.none
        watching, owed = part.watch > 0, part.owe_line
        part.watch = max(part.watch - 1, 0)
        in_crisis = turn.session.top == CRISIS.name
        if level is Level.crisis or (level is Level.check_in and (watching or in_crisis or owed)):
            if in_crisis:
                return Screened(before=CRISIS.enter(turn, None).replies, swallow=True)
            return Screened(interrupt=CRISIS.name)
        screened = Screened()
        if level is Level.check_in and found is not None:
            screened.before.append(Reply(text=check_in_text(found.assessment)))
        elif owed and part.state is CrisisState.closed:
            screened.after.append(Reply(text=reminder_text()))
            part.owe_line = False
        # A question such as "will I go to jail for being overdue" is answered by the question's own reply, which
        # says what is
        # improper: the harassment note is for reports of what collectors do.
        harassment = found is not None and found.harassment and not _asks_about_it(inp.text)
        style = harassment_note(turn.session) if harassment else "none"
        if found is not None and (found.scam or style != "none"):
            screened.before.append(Reply(text=render("negotiation/signal_note", scam=found.scam,
                                                     harassment=style != "none", in_complaint=style == "short")))
        return screened


def _asks_about_it(text: str) -> bool:
    found = interjection(text)
    return found is not None and found.kind == "question" and found.topic is not None
