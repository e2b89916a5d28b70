"""The crisis pause: answered first in any state; the dialogue resumes only when the user wants."""

from __future__ import annotations

from collections.abc import Mapping

from flows.core.dialog import Context, choices
from flows.core.models import Input, Reply, Session
from flows.core.texts import lexicon, render

RESUME = "resume"
STAY = "stay_with_me"


class CrisisDialog:
    """Hold the conversation on the person, not the debt, until they choose to go on."""

    name = "crisis"
    commands: Mapping[str, str] = {}

    def enter(self, ctx: Context, session: Session, arg: str = "") -> list[Reply]:
        """Pause whatever dialogue was running and answer with the hotlines."""
        if session.dialog != self.name:
            session.paused_dialog, session.paused_state = session.dialog, session.state
            session.dialog, session.state = self.name, "listening"
        return [Reply(text=render("crisis/safety_crisis"), choices=choices(STAY, RESUME))]

    def handle(self, ctx: Context, session: Session, inp: Input) -> list[Reply]:
        """Stay with the person; resume only on an explicit wish to go on."""
        wants_to_resume = inp.choice == RESUME or (
            inp.kind == "text" and inp.text.strip() in lexicon("intents")["resume"]
        )
        if wants_to_resume:
            return []
        if inp.choice == STAY:
            return [Reply(text=render("crisis/safety_stay"), choices=choices(RESUME))]
        return [Reply(text=render("crisis/safety_listening"), choices=choices(STAY, RESUME))]

    def reprompt(self, ctx: Context, session: Session) -> list[Reply]:
        """Offer again to talk or to go on."""
        return [Reply(text=render("crisis/safety_listening"), choices=choices(STAY, RESUME))]

    @staticmethod
    def resume(session: Session) -> None:
        """Put the session back where the crisis message found it."""
        session.dialog = session.paused_dialog or "intake"
        session.state = session.paused_state or "welcome"
        session.paused_dialog = session.paused_state = None


CRISIS = CrisisDialog()
