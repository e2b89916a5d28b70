"""Rehearse a negotiation call: the coach plays the lender, then scores the user against their plan.

States (session.state while session.dialog == "roleplay"):
- platform: pick a platform (buttons in the plan's priority order);
- persona: pick who the coach plays, or let the coach choose by the platform's collection pressure
  (`pending["rp_platform"]` holds the loan's key);
- call: the call under way, `extras["roleplay"]` (`flows.roleplay.state.RoleplayState`);
- card: the score card was shown; offer another try (tougher), another platform, the menu.
Finished attempts are kept in `extras["roleplay_history"]` (the last 20).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from flows.analysis import Analysis, LoanAnalysis, analyse
from flows.core.dialog import Context, choices
from flows.core.matching import first_key
from flows.core.models import Choice, Input, Reply, Session
from flows.core.texts import lexicon, render
from flows.negotiation.script import CallScript, build_script, find_loan
from flows.plan.dialog import HOME
from flows.roleplay.call import coach_persona, hang_up, hint, start_call, take_turn
from flows.roleplay.scoring import TOUGHER, card_messages, score_call
from flows.roleplay.state import PERSONAS, Attempt, Persona, RoleplayState, add_attempt, history, load_state, save_state

PLATFORM_PREFIX = "rp:p:"
PERSONA_PREFIX = "rp:persona:"
AGAIN_PREFIX = "rp:again:"
AUTO = "auto"
CALL_BUTTONS = ("rp:hint", "rp:end")
KEYS = ("rp_platform",)
"""Every `session.pending` key this dialogue uses."""


def typed_persona(text: str) -> str | None:
    """Recognise a persona the user typed, or their wish to let the coach choose (`AUTO`).

    Returns:
        A persona name, `AUTO`, or None when the text names neither (words: lexicon `rp_reading`).
    """
    words: dict[str, list[str]] = lexicon("rp_reading")["personas"]
    persona = first_key(words, text)
    if persona is None:
        return None
    return persona if persona in PERSONAS else AUTO


class RoleplayDialog:
    """Play the other side of a call with one of the user's platforms, then score the user."""

    name = "roleplay"
    commands: Mapping[str, str] = {"roleplay": "roleplay", "hint": "hint", "endcall": "endcall"}

    # -- entry ------------------------------------------------------------------------------

    def enter(self, ctx: Context, session: Session, arg: str = "") -> list[Reply]:
        """Start a rehearsal (`roleplay [platform]`), or give a hint / end the call under way."""
        command, _, rest = arg.strip().partition(" ")
        if command == "hint":
            return self._hint(ctx, session)
        if command == "endcall":
            return self._endcall(ctx, session)
        platform = rest.strip()
        if not platform and session.dialog == "scripts":
            platform = str(session.pending.get("sc_platform") or "")
        return self.start(ctx, session, platform)

    def start(self, ctx: Context, session: Session, platform: str = "") -> list[Reply]:
        """Open the rehearsal: pick the platform (skipped when named or when there is only one)."""
        save_state(session, None)
        session.dialog = self.name
        if session.profile is None:
            session.dialog, session.state = HOME.name, "menu"
            return [Reply(text=render("core/needs_profile"))]
        analysis = self._analysis(ctx, session)
        if not analysis.priority:
            session.state = "card"
            return [Reply(text=render("roleplay/nothing_owed"), choices=choices("rp:menu"))]
        loan = find_loan(analysis, platform) if platform else None
        if loan is None and len(analysis.priority) == 1:
            loan = find_loan(analysis, analysis.priority[0])
        if loan is not None:
            return [self._persona_question(session, loan)]
        session.state = "platform"
        return [self._platform_question(analysis)]

    def stop(self, session: Session) -> None:
        """Drop the call under way without scoring it and go home (the engine's rule on a crisis message)."""
        save_state(session, None)
        for key in KEYS:
            session.pending.pop(key, None)
        session.dialog, session.state = HOME.name, "menu"

    def reprompt(self, ctx: Context, session: Session) -> list[Reply]:
        """Ask the current question again."""
        call = load_state(session)
        if session.state == "call" and call is not None:
            return [Reply(text=render("roleplay/call_resume", stage=call.stage.value, platform=call.platform),
                          choices=choices(*CALL_BUTTONS))]
        if session.state == "persona" and session.profile is not None:
            loan = self._loan(ctx, session, str(session.pending.get("rp_platform") or ""))
            if loan is not None:
                return [self._persona_question(session, loan)]
        if session.state == "card":
            return [Reply(text=render("roleplay/card_more"), choices=self._card_buttons(session))]
        return self.start(ctx, session)

    # -- turns ------------------------------------------------------------------------------

    def handle(self, ctx: Context, session: Session, inp: Input) -> list[Reply]:
        """Answer a tap or typed text in the current state."""
        if inp.kind == "choice":
            return self._choice(ctx, session, inp.choice or "")
        text = inp.text.strip()
        if session.state == "call":
            return self._turn(ctx, session, text)
        if session.profile is not None and session.state == "platform":
            loan = self._loan(ctx, session, text) if text else None
            if loan is not None:
                return [self._persona_question(session, loan)]
        if session.state == "persona":
            persona = typed_persona(text)
            if persona is not None:
                return self._begin(ctx, session, persona)
        return [Reply(text=render("roleplay/not_understood", state=session.state)), *self.reprompt(ctx, session)]

    def _choice(self, ctx: Context, session: Session, choice: str) -> list[Reply]:
        if choice == "rp:menu":
            self.stop(session)
            return HOME.enter(ctx, session)
        if choice == "rp:other":
            return self.start(ctx, session)
        if choice == "rp:hint":
            return self._hint(ctx, session)
        if choice == "rp:end":
            return self._endcall(ctx, session)
        if session.profile is None:
            return self.start(ctx, session)
        if choice.startswith(PLATFORM_PREFIX) and session.state == "platform":
            index = choice.removeprefix(PLATFORM_PREFIX)
            analysis = self._analysis(ctx, session)
            if index.isdigit() and int(index) < len(analysis.priority):
                loan = find_loan(analysis, analysis.priority[int(index)])
                if loan is not None:
                    return [self._persona_question(session, loan)]
        persona = choice.removeprefix(PERSONA_PREFIX) if choice.startswith(PERSONA_PREFIX) else ""
        if session.state == "persona" and (persona in PERSONAS or persona == AUTO):
            return self._begin(ctx, session, persona)
        again = choice.removeprefix(AGAIN_PREFIX) if choice.startswith(AGAIN_PREFIX) else ""
        if session.state == "card" and again in PERSONAS and session.pending.get("rp_platform"):
            return self._begin(ctx, session, again)
        return [Reply(text=render("core/stale_button")), *self.reprompt(ctx, session)]

    # -- the call ---------------------------------------------------------------------------

    def _begin(self, ctx: Context, session: Session, persona: str) -> list[Reply]:
        assert session.profile is not None  # callers check: a call needs a profile
        loan = self._loan(ctx, session, str(session.pending.get("rp_platform") or ""))
        if loan is None:
            return self.start(ctx, session)
        chosen: Persona = persona if persona in PERSONAS else coach_persona(loan)
        attempt = len(history(session)) + 1
        seed_text = f"{session.user_id}/{ctx.now.isoformat()}/{attempt}"
        seed = int.from_bytes(hashlib.sha256(seed_text.encode()).digest()[:4])
        call, lines = start_call(loan, chosen, seed=seed, name=(session.profile.name or "").strip(), attempt=attempt)
        session.state = "call"
        save_state(session, call)
        return [Reply(text=lines[0]), *(Reply(text=line, choices=choices(*CALL_BUTTONS)) for line in lines[1:])]

    def _turn(self, ctx: Context, session: Session, text: str) -> list[Reply]:
        call = load_state(session)
        if call is None:
            return self.start(ctx, session)
        turn = take_turn(call, text)
        if turn.ended:
            return [*(Reply(text=line) for line in turn.lines), *self._finish(ctx, session, call)]
        save_state(session, call)
        return [Reply(text=line, choices=choices(*CALL_BUTTONS)) for line in turn.lines]

    def _finish(self, ctx: Context, session: Session, call: RoleplayState) -> list[Reply]:
        card = score_call(call, self._script(ctx, session, call.platform))
        attempts = add_attempt(session, Attempt(**{**card.attempt().model_dump(), "day": ctx.today}))
        save_state(session, None)
        session.pending["rp_platform"] = call.platform
        session.state = "card"
        messages = card_messages(card, attempts)
        return [*(Reply(text=text) for text in messages[:-1]),
                Reply(text=messages[-1], choices=self._card_buttons(session, card.persona))]

    def _hint(self, ctx: Context, session: Session) -> list[Reply]:
        call = load_state(session) if session.dialog == self.name and session.state == "call" else None
        if call is None:
            return [Reply(text=render("roleplay/no_call"), choices=choices("menu:roleplay"))]
        text = hint(call, self._script(ctx, session, call.platform))
        return [Reply(text=text, choices=choices(*CALL_BUTTONS))]

    def _endcall(self, ctx: Context, session: Session) -> list[Reply]:
        call = load_state(session) if session.dialog == self.name and session.state == "call" else None
        if call is None:
            return [Reply(text=render("roleplay/no_call"), choices=choices("menu:roleplay"))]
        hang_up(call)
        return [Reply(text=render("roleplay/hung_up")), *self._finish(ctx, session, call)]

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _analysis(ctx: Context, session: Session) -> Analysis:
        assert session.profile is not None  # callers check: the plan needs a profile
        return analyse(session.profile, today=ctx.today, strategy=session.plan_strategy)

    def _loan(self, ctx: Context, session: Session, platform: str) -> LoanAnalysis | None:
        if session.profile is None or not platform:
            return None
        return find_loan(self._analysis(ctx, session), platform)

    def _script(self, ctx: Context, session: Session, platform: str) -> CallScript | None:
        if session.profile is None:
            return None
        try:
            return build_script(session.profile, self._analysis(ctx, session), platform, today=ctx.today)
        except KeyError:
            return None

    @staticmethod
    def _platform_question(analysis: Analysis) -> Reply:
        buttons = [Choice(id=f"{PLATFORM_PREFIX}{i}", label=key) for i, key in enumerate(analysis.priority)]
        return Reply(text=render("roleplay/pick_platform", first=analysis.priority[0]), choices=buttons)

    @staticmethod
    def _persona_question(session: Session, loan: LoanAnalysis) -> Reply:
        session.pending["rp_platform"] = loan.key
        session.state = "persona"
        suggested = coach_persona(loan)
        ids = [f"{PERSONA_PREFIX}{persona}" for persona in PERSONAS]
        text = render("roleplay/pick_persona", platform=loan.key, suggested=suggested, collection=loan.collection.value)
        return Reply(text=text, choices=choices(*ids, f"{PERSONA_PREFIX}{AUTO}"))

    @staticmethod
    def _card_buttons(session: Session, persona: Persona | None = None) -> list[Choice]:
        if persona is None:
            last = history(session)
            persona = last[-1].persona if last else "polite"
        ids = [f"{AGAIN_PREFIX}{TOUGHER[persona]}"]
        if TOUGHER[persona] != persona:
            ids.append(f"{AGAIN_PREFIX}{persona}")
        if not session.pending.get("rp_platform"):
            ids = []
        return choices(*ids, "rp:other", "rp:menu")


ROLEPLAY = RoleplayDialog()
