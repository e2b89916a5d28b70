"""The one entry point: `Engine.handle(user_id, input) -> replies`, the same for every transport.

One turn: load the Session in a transaction holding the user's row, answer safety signals first,
run global commands and confirmations, route to the session's dialogue, save, return the replies.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable

from flows.analysis import Analysis, chart_png
from flows.core.clock import Clock, SystemClock
from flows.core.dialog import Context, Dialog, choices
from flows.core.models import Input, Reply, Session
from flows.core.tags import user_tag
from flows.core.texts import render
from flows.crisis.dialog import CRISIS
from flows.export.dialog import EXPORT
from flows.intake.dialog import INTAKE
from flows.intake.machine import IntakeState
from flows.negotiation.dialog import SCRIPTS
from flows.parsing import parse_yes_no
from flows.plan.dialog import HOME
from flows.reminders.dialog import REMINDERS
from flows.roleplay.dialog import ROLEPLAY
from flows.safety import detect
from flows.storage.base import Store

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 4096
DIALOGS: tuple[Dialog, ...] = (INTAKE, HOME, CRISIS, EXPORT, SCRIPTS, ROLEPLAY, REMINDERS)
GLOBAL_COMMANDS = frozenset({"start", "help", "cancel", "delete", "restart", "menu"})
NEEDS_PROFILE = frozenset({"plan", "script", "roleplay", "remind", "progress", "export", "call"})


class Engine:
    """Answer one user turn at a time, keeping everything in the store between turns."""

    def __init__(self, store: Store, clock: Clock | None = None, dialogs: tuple[Dialog, ...] = DIALOGS,
                 after_turn: Callable[[Session], None] | None = None,
                 draw_chart: Callable[[Analysis], bytes] | None = None) -> None:
        """Build the engine.

        Args:
            store: Where sessions live.
            clock: The time source (a FixedClock in tests).
            dialogs: The dialogues this engine routes to.
            after_turn: Called with the saved session after each committed turn (the reminders
                scheduler keeps its rows in step with it); a failure there is logged, not shown.
            draw_chart: Draws the plan's chart (in this process by default), after the turn commits.
        """
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.after_turn = after_turn
        self.dialogs: dict[str, Dialog] = {dialog.name: dialog for dialog in dialogs}
        self.command_owner: dict[str, Dialog] = {
            command: dialog for dialog in dialogs for command in dialog.commands
        }
        # Buttons a dialogue sends outside its own conversation (a reminder's "paid") reach it
        # whatever dialogue the user is in when they tap.
        self.choice_owner: dict[str, Dialog] = {
            prefix: dialog for dialog in dialogs for prefix in getattr(dialog, "choice_prefixes", ())
        }
        features = set(self.command_owner) | {"profile"}
        self.context = Context(clock=self.clock, features=frozenset(features), draw_chart=draw_chart or chart_png)

    def handle(self, user_id: str, inp: Input) -> list[Reply]:
        """Answer one input from one user.

        Args:
            user_id: A transport-qualified id, e.g. "tg:12345" or "console:local".
            inp: What the user typed or tapped.

        Returns:
            The replies to send, in order. Never raises: a failure is answered kindly and
            nothing already stored is lost (the turn's transaction is rolled back).
        """
        inp = _clean(inp)
        delete = False
        try:
            with self.store.turn(user_id) as turn:
                session = turn.session or Session.new(user_id)
                replies = self._turn(session, inp)
                delete = session.pending.get("deleted") is True
                if not delete:
                    session.updated_at = self.clock.now()
                    turn.save(session)
            if delete:
                self.store.delete_user(user_id)
            elif self.after_turn is not None:
                self._after(session)
        except Exception as error:
            log.error("turn failed user=%s error=%s", user_tag(user_id), type(error).__name__,
                      exc_info=log.isEnabledFor(logging.DEBUG))
            return [Reply(text=render("core/error_try_again"))]
        return [self._with_files(user_id, reply) for reply in replies]

    def reprompt(self, user_id: str) -> list[Reply]:
        """Ask the user's current question again, changing nothing (after a reply that may not have arrived).

        Returns:
            The current step's question, or the kind error reply when the session cannot be read.
        """
        try:
            with self.store.turn(user_id) as turn:
                session = turn.session or Session.new(user_id)
                replies = self._dialog(session).reprompt(self.context, session)
        except Exception as error:
            log.error("reprompt failed user=%s error=%s", user_tag(user_id), type(error).__name__)
            return [Reply(text=render("core/error_try_again"))]
        return replies or [Reply(text=render("core/welcome_back"))]

    def _with_files(self, user_id: str, reply: Reply) -> Reply:
        """Make the reply's slow files now that the turn has committed; one that fails is left out."""
        if not any(attachment.pending for attachment in reply.attachments):
            return reply
        made = []
        for attachment in reply.attachments:
            try:
                attachment.make()
            except Exception as error:  # the plan's words matter more than its picture
                log.error("file failed user=%s file=%s error=%s", user_tag(user_id), attachment.filename,
                          type(error).__name__)
                continue
            made.append(attachment)
        return reply.model_copy(update={"attachments": made})

    def _after(self, session: Session) -> None:
        assert self.after_turn is not None
        try:
            self.after_turn(session)
        except Exception as error:  # the user's turn is saved; only the follow-up failed
            log.error("after-turn hook failed user=%s error=%s", user_tag(session.user_id), type(error).__name__)

    # -- one turn ---------------------------------------------------------------------------

    def _turn(self, session: Session, inp: Input) -> list[Reply]:
        ctx = self.context
        if inp.kind == "text" and inp.text.strip():
            signals = detect(inp.text)
            if signals.crisis:
                if session.dialog == ROLEPLAY.name:
                    ROLEPLAY.stop(session)  # a rehearsal is no place to return to after a crisis
                return CRISIS.enter(ctx, session)
        else:
            signals = None
        if session.dialog == CRISIS.name and inp.kind != "command":
            replies = CRISIS.handle(ctx, session, inp)
            if replies:
                return replies
            CRISIS.resume(session)
            return [Reply(text=render("crisis/safety_resumed")), *self._dialog(session).reprompt(ctx, session)]
        pending = session.pending.get("confirm")
        if pending and inp.kind != "command":
            return self._confirm(session, str(pending), inp)
        session.pending.pop("confirm", None)
        if inp.kind == "command":
            replies = self._command(session, inp.command or "", inp.text)
        elif inp.choice and inp.choice.startswith("menu:"):
            replies = self._command(session, inp.choice.removeprefix("menu:"), "")
        elif inp.choice and (owner := self._choice_owner(inp.choice)) is not None:
            replies = owner.handle(ctx, session, inp)
        else:
            replies = self._dialog(session).handle(ctx, session, inp)
        if session.dialog == INTAKE.name and session.state == IntakeState.done.value:
            replies += HOME.enter(ctx, session, "after_intake")
        if signals and (signals.scam or signals.harassment):
            replies = [_signal_reply(signals.scam, signals.harassment), *replies]
        return replies

    def _choice_owner(self, choice: str) -> Dialog | None:
        return next((dialog for prefix, dialog in self.choice_owner.items() if choice.startswith(prefix)), None)

    def _dialog(self, session: Session) -> Dialog:
        return self.dialogs.get(session.dialog, INTAKE)

    def _command(self, session: Session, command: str, arg: str) -> list[Reply]:
        ctx = self.context
        if session.dialog == CRISIS.name and command not in ("delete", "help"):
            CRISIS.resume(session)
        if command == "start":
            if not session.consent:
                return INTAKE.enter(ctx, session)
            return [Reply(text=render("core/welcome_back")), *self._dialog(session).reprompt(ctx, session)]
        if command == "help":
            return [Reply(text=render("core/help")), *self._dialog(session).reprompt(ctx, session)]
        if command in ("delete", "restart"):
            session.pending["confirm"] = command
            return [Reply(text=render(f"core/confirm_{command}"), choices=choices("confirm_yes", "confirm_no"))]
        if command == "cancel":
            if session.dialog in (INTAKE.name, CRISIS.name) or session.profile is None:
                return [Reply(text=render("intake/cancel_intake"))]
            return [Reply(text=render("core/cancelled")), *HOME.enter(ctx, session)]
        if command in ("menu", "profile") and session.profile is None:
            return [Reply(text=render("core/needs_profile")), *self._dialog(session).reprompt(ctx, session)]
        if command == "menu":
            return HOME.enter(ctx, session)
        if command == "back" and session.dialog != INTAKE.name:
            return self._dialog(session).reprompt(ctx, session) or HOME.enter(ctx, session)
        if command == "profile" or (command in INTAKE.commands and session.dialog == INTAKE.name):
            if command == "profile":
                return INTAKE.enter(ctx, session, "summary")
            return INTAKE.handle(ctx, session, Input(kind="command", command=command, text=arg))
        owner = self.command_owner.get(command)
        if owner is None:
            return [Reply(text=render("core/unknown_command")), *self._dialog(session).reprompt(ctx, session)]
        if command in NEEDS_PROFILE and session.profile is None:
            return [Reply(text=render("core/needs_profile")), *self._dialog(session).reprompt(ctx, session)]
        return owner.enter(ctx, session, f"{command} {arg}".strip())

    def _confirm(self, session: Session, what: str, inp: Input) -> list[Reply]:
        ctx = self.context
        answer = {"confirm_yes": True, "confirm_no": False}.get(inp.choice or "")
        if answer is None and inp.kind == "text":
            answer = parse_yes_no(inp.text)
        if answer is None:
            return [Reply(text=render(f"core/confirm_{what}"), choices=choices("confirm_yes", "confirm_no"))]
        session.pending.pop("confirm", None)
        if not answer:
            return [Reply(text=render("core/confirm_kept")), *self._dialog(session).reprompt(ctx, session)]
        if what == "delete":
            session.pending["deleted"] = True
            return [Reply(text=render("core/deleted"))]
        session.profile = None
        return INTAKE.restart(session)


def _signal_reply(scam: bool, harassment: bool) -> Reply:
    return Reply(text=render("crisis/safety_signal", scam=scam, harassment=harassment))


_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co"})


def _clean(inp: Input) -> Input:
    """Cap the input and drop control and format characters; the wording itself is kept as typed."""
    if inp.kind == "choice":
        return Input(kind="choice", choice=(inp.choice or "")[:64])
    text = "".join(
        ch for ch in inp.text[:MAX_INPUT_CHARS] if ch in "\n\t" or unicodedata.category(ch) not in _INVISIBLE
    )
    return inp.model_copy(update={"text": text})
