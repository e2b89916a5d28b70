"""Rehearse a negotiation call: the coach plays the lender, then scores the user against their plan.

A call under way lives in the dialogue's part, so it survives anything opened on top of it: after a
crisis message the persona stops at once and the call waits, paused, until the person chooses to go
on (or to leave it) — from the resume screen or later from the menu.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from pydantic import BaseModel

from flows.analysis import LoanAnalysis
from flows.core.dialog import Command, DialogBase, Finish, Stay, Step, Turn, choices
from flows.core.models import Choice, Input, Reply
from flows.core.texts import render
from flows.negotiation.script import CallScript, build_script, find_loan
from flows.roleplay.call import coach_persona, hang_up, hint, start_call, take_turn
from flows.roleplay.scoring import TOUGHER, card_messages, score_call, weakest_stage
from flows.roleplay.state import MAX_HISTORY, PERSONAS, Attempt, Persona, RoleplayPart, RoleplayStage, Stage
from flows.understanding.reading import AnswerKind, Outcome, Question
from flows.understanding.words import read_choice

PLATFORM_PREFIX, PERSONA_PREFIX, AGAIN_PREFIX = "rp:p:", "rp:persona:", "rp:again:"
AUTO = "auto"
CALL_BUTTONS = ("rp:hint", "rp:end")


class RoleplayArgs(BaseModel):
    """Which platform to rehearse (empty: ask)."""

    platform: str = ""


def _args(text: str) -> RoleplayArgs:
    return RoleplayArgs(platform=text.strip())


def typed_choice(question: str, options: tuple[str, ...], text: str) -> str | None:
    """Read a typed answer to one of the rehearsal's choices with the shared choice reader (None: not one)."""
    reading = read_choice(Question(question, AnswerKind.choice, options=options), text, today=date.min)
    return str(reading.value) if reading.outcome is Outcome.value else None


def typed_persona(text: str) -> str | None:
    """Recognise a persona the user typed, or their wish to let the coach choose (`AUTO`)."""
    options = tuple(f"{PERSONA_PREFIX}{persona}" for persona in (*PERSONAS, AUTO))
    chosen = typed_choice("rp_persona", options, text)
    return chosen.removeprefix(PERSONA_PREFIX) if chosen else None


class RoleplayDialog(DialogBase):
    """Play the other side of a call with one of the user's platforms, then score the user."""

    name: ClassVar[str] = "roleplay"
    commands: ClassVar[Mapping[str, Command]] = {
        "roleplay": Command("roleplay", _args, needs_profile=True),
        "hint": Command("roleplay", in_place=True),
        "endcall": Command("roleplay", in_place=True),
    }

    # -- the protocol ------------------------------------------------------------------------

    def enter(self, turn: Turn, args: Any) -> Step:
        """Start a rehearsal (`roleplay [platform]`); a paused call is offered first."""
        part = turn.session.part(RoleplayPart)
        if part.call is not None and part.state is RoleplayStage.paused:
            return Stay([self._paused(part)])
        platform = args.platform if isinstance(args, RoleplayArgs) else ""
        return self.start(turn, part, platform)

    def resume(self, turn: Turn, result: Any) -> Step:
        """Come back after an interruption: a paused call waits for the person's choice."""
        part = turn.session.part(RoleplayPart)
        if part.state is RoleplayStage.paused and part.call is not None:
            return Stay([self._paused(part)])
        return Stay(self.reprompt(turn))

    def interrupted(self, turn: Turn) -> None:
        """Pause the call under way at once (the persona says nothing more); it can go on later."""
        part = turn.session.part(RoleplayPart)
        if part.state is RoleplayStage.call and part.call is not None:
            part.state = RoleplayStage.paused

    def reprompt(self, turn: Turn) -> list[Reply]:
        """Ask the current question again."""
        part = turn.session.part(RoleplayPart)
        if part.state is RoleplayStage.call and part.call is not None:
            resume = render("roleplay/call_resume", stage=part.call.stage.value, platform=part.call.platform)
            if not part.call.last_line:
                return [Reply(text=resume, choices=choices(*CALL_BUTTONS))]
            return [Reply(text=resume), Reply(text=part.call.last_line, choices=choices(*CALL_BUTTONS))]
        if part.state is RoleplayStage.paused and part.call is not None:
            return [self._paused(part)]
        if part.state is RoleplayStage.persona:
            loan = self._loan(turn, part.platform or "")
            if loan is not None:
                return [self._persona_question(part, loan)]
        if part.state is RoleplayStage.card:
            return [Reply(text=render("roleplay/card_more"), choices=self._card_buttons(part))]
        return self.start(turn, part).replies

    def handle(self, turn: Turn, inp: Input) -> Step:
        """Answer a tap or typed text in the current state."""
        part = turn.session.part(RoleplayPart)
        if inp.kind == "choice":
            return self._choice(turn, part, inp.choice or "")
        text = inp.text.strip()
        if part.state is RoleplayStage.call:
            return self._turn(turn, part, text)
        if part.state is RoleplayStage.paused and part.call is not None and text:
            return self._paused_text(turn, part, text)
        if part.state is RoleplayStage.platform and text:
            loan = self._loan(turn, text)
            if loan is not None:
                return Stay([self._persona_question(part, loan)])
        if part.state is RoleplayStage.persona:
            persona = typed_persona(text)
            if persona is not None:
                return self._begin(turn, part, persona)
        return Stay([Reply(text=render("roleplay/not_understood", state=part.state.value)), *self.reprompt(turn)])

    def command(self, turn: Turn, name: str, args: Any) -> Step:
        """Answer /hint and /endcall for the call under way."""
        part = turn.session.part(RoleplayPart)
        on_call = turn.session.top == self.name and part.state is RoleplayStage.call and part.call is not None
        if not on_call or part.call is None:
            return Stay([Reply(text=render("roleplay/no_call"), choices=choices("menu:roleplay"))])
        if name == "hint":
            text = hint(part.call, self._script(turn, part.call.platform))
            return Stay([Reply(text=text, choices=choices(*CALL_BUTTONS))])
        return self._end(turn, part)

    def _paused_text(self, turn: Turn, part: RoleplayPart, text: str) -> Step:
        """Read typed words at a paused call: go on, leave it, or take them as the call's next line."""
        wish = typed_choice("rp_paused", ("rp:continue", "rp:drop"), text) if len(text) <= 8 else None
        if wish == "rp:drop":
            return self._choice(turn, part, wish)
        part.state = RoleplayStage.call
        return Stay(self.reprompt(turn)) if wish == "rp:continue" else self._turn(turn, part, text)

    # -- taps --------------------------------------------------------------------------------

    def _choice(self, turn: Turn, part: RoleplayPart, choice: str) -> Step:
        if choice == "rp:menu":
            part.call, part.state = None, RoleplayStage.platform
            return Finish()
        if choice == "rp:other":
            return self.start(turn, part)
        if choice in ("rp:hint", "rp:end"):
            return self.command(turn, "hint" if choice == "rp:hint" else "endcall", None)
        if choice == "rp:continue" and part.state is RoleplayStage.paused and part.call is not None:
            part.state = RoleplayStage.call
            return Stay(self.reprompt(turn))
        if choice == "rp:drop" and part.call is not None:
            part.call, part.state = None, RoleplayStage.platform
            return Stay([Reply(text=render("roleplay/dropped")), *self.start(turn, part).replies])
        if choice.startswith(PLATFORM_PREFIX) and part.state is RoleplayStage.platform:
            index = choice.removeprefix(PLATFORM_PREFIX)
            priority = turn.plan.priority
            if index.isdigit() and int(index) < len(priority):
                loan = find_loan(turn.plan, priority[int(index)])
                if loan is not None:
                    return Stay([self._persona_question(part, loan)])
        persona = choice.removeprefix(PERSONA_PREFIX) if choice.startswith(PERSONA_PREFIX) else ""
        if part.state is RoleplayStage.persona and (persona in PERSONAS or persona == AUTO):
            return self._begin(turn, part, persona)
        again = choice.removeprefix(AGAIN_PREFIX) if choice.startswith(AGAIN_PREFIX) else ""
        if part.state is RoleplayStage.card and again in PERSONAS and part.platform:
            return self._begin(turn, part, again, part.replay_from)  # try again where it went least well
        return Stay([Reply(text=render("core/stale_button")), *self.reprompt(turn)])

    # -- the call ----------------------------------------------------------------------------

    def start(self, turn: Turn, part: RoleplayPart, platform: str = "") -> Step:
        """Open the rehearsal: pick the platform (skipped when named or when there is only one)."""
        part.call = None
        if turn.session.profile is None:
            return Finish(replies=[Reply(text=render("core/needs_profile"))])
        analysis = turn.plan
        if not analysis.priority:
            part.state = RoleplayStage.card
            return Stay([Reply(text=render("roleplay/nothing_owed"), choices=choices("rp:menu"))])
        loan = self._loan(turn, platform) if platform else None
        if loan is None and len(analysis.priority) == 1:
            loan = find_loan(analysis, analysis.priority[0])
        if loan is not None:
            return Stay([self._persona_question(part, loan)])
        part.state = RoleplayStage.platform
        buttons = [Choice(id=f"{PLATFORM_PREFIX}{i}", label=key) for i, key in enumerate(analysis.priority)]
        return Stay([Reply(text=render("roleplay/pick_platform", first=analysis.priority[0]), choices=buttons)])

    def _begin(self, turn: Turn, part: RoleplayPart, persona: str, stage: Stage = Stage.opening) -> Step:
        profile = turn.session.profile
        loan = self._loan(turn, part.platform or "")
        if profile is None or loan is None:
            return self.start(turn, part)
        chosen: Persona = persona if persona in PERSONAS else coach_persona(loan)
        attempt = len(part.history) + 1
        seed_text = f"{turn.session.user_id}/{turn.now.isoformat()}/{attempt}"
        seed = int.from_bytes(hashlib.sha256(seed_text.encode()).digest()[:4])
        call, lines = start_call(loan, chosen, seed=seed, name=(profile.name or "").strip(), attempt=attempt,
                                 script=self._script(turn, loan.key), stage=stage)
        part.call, part.state = call, RoleplayStage.call
        call.last_line = lines[-1]
        return Stay([Reply(text=lines[0]), *(Reply(text=line, choices=choices(*CALL_BUTTONS)) for line in lines[1:])])

    def _turn(self, turn: Turn, part: RoleplayPart, text: str) -> Step:
        if part.call is None:
            return self.start(turn, part)
        said = take_turn(part.call, text)
        if said.ended:
            return Stay([*(Reply(text=line) for line in said.lines), *self._finish(turn, part)])
        if said.lines:
            part.call.last_line = said.lines[-1]
        return Stay([Reply(text=line, choices=choices(*CALL_BUTTONS)) for line in said.lines])

    def _end(self, turn: Turn, part: RoleplayPart) -> Step:
        assert part.call is not None
        hang_up(part.call)
        return Stay([Reply(text=render("roleplay/hung_up")), *self._finish(turn, part)])

    def _finish(self, turn: Turn, part: RoleplayPart) -> list[Reply]:
        call = part.call
        assert call is not None
        card = score_call(call, self._script(turn, call.platform))
        attempt = Attempt(**{**card.attempt().model_dump(), "day": turn.today})
        part.history = [*part.history, attempt][-MAX_HISTORY:]
        part.call, part.platform, part.state = None, call.platform, RoleplayStage.card
        part.replay_from = weakest_stage(card)
        messages = card_messages(card, part.history)
        return [*(Reply(text=text) for text in messages[:-1]),
                Reply(text=messages[-1], choices=self._card_buttons(part, card.persona))]

    # -- helpers -----------------------------------------------------------------------------

    def _loan(self, turn: Turn, platform: str) -> LoanAnalysis | None:
        if turn.session.profile is None or not platform:
            return None
        return find_loan(turn.plan, platform)

    def _script(self, turn: Turn, platform: str) -> CallScript | None:
        profile = turn.session.profile
        if profile is None:
            return None
        try:
            return build_script(profile, turn.plan, platform, today=turn.today)
        except KeyError:
            return None

    @staticmethod
    def _paused(part: RoleplayPart) -> Reply:
        assert part.call is not None
        text = render("roleplay/paused", platform=part.call.platform, persona=part.call.persona)
        return Reply(text=text, choices=choices("rp:continue", "rp:drop", "rp:menu"))

    @staticmethod
    def _persona_question(part: RoleplayPart, loan: LoanAnalysis) -> Reply:
        part.platform, part.state = loan.key, RoleplayStage.persona
        suggested = coach_persona(loan)
        ids = [f"{PERSONA_PREFIX}{persona}" for persona in PERSONAS]
        text = render("roleplay/pick_persona", platform=loan.key, suggested=suggested,
                      collection=loan.collection.value)
        return Reply(text=text, choices=choices(*ids, f"{PERSONA_PREFIX}{AUTO}"))

    @staticmethod
    def _card_buttons(part: RoleplayPart, persona: Persona | None = None) -> list[Choice]:
        if persona is None:
            persona = part.history[-1].persona if part.history else "polite"
        ids = [f"{AGAIN_PREFIX}{TOUGHER[persona]}"]
        if TOUGHER[persona] != persona:
            ids.append(f"{AGAIN_PREFIX}{persona}")
        if not part.platform:
            ids = []
        return choices(*ids, "rp:other", "rp:menu")


ROLEPLAY = RoleplayDialog()
