"""The one entry point: `Engine.handle(user_id, input) -> replies`, the same for every transport.

One turn: load the Session in a transaction holding the user's row; let the guard screen the input
(a message of despair opens the crisis dialogue on top of anything); answer a pending confirmation;
route a command through the command table; otherwise hand the input to the dialogue on top of the
stack; apply what it says happens next (stay, open another dialogue, finish); save; return replies.
The engine knows no dialogue by name: dialogues declare their commands and buttons, and a guard
declares what may interrupt.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from flows.core.clock import Clock, SystemClock
from flows.core.dialog import Command, Dialog, Finish, Go, Stay, Step, Turn, choices
from flows.core.models import Input, Reply
from flows.core.once import turn_scope
from flows.core.session import MAX_STACK, Session
from flows.core.tags import user_tag
from flows.core.texts import render

if TYPE_CHECKING:
    from flows.analysis import Analysis
    from flows.storage.base import Store

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 4096
MAX_STEPS = 8
"""Dialogues one input may pass through (open, finish, resume ...); more means a loop in the code."""
CONFIRM = ("confirm_yes", "confirm_no")


@dataclass
class Screened:
    """What the guard found in one input before any dialogue sees it.

    Attributes:
        interrupt: A dialogue to open on top of everything (the crisis dialogue), or None.
        args: Its arguments.
        before: Replies to put first (a gentle check-in, a note on a scam offer).
        after: Replies to put last (the helpline line once more after "I'm fine").
        swallow: True when the input must reach no dialogue (it was a message of despair).
    """

    interrupt: str | None = None
    args: Any = None
    before: list[Reply] = field(default_factory=list)
    after: list[Reply] = field(default_factory=list)
    swallow: bool = False


class Guard(Protocol):
    """Screens every input first, in any state (the crisis detector is one)."""

    def screen(self, turn: Turn, inp: Input) -> Screened:
        """Look at one input before the dialogues do."""
        ...


class NoGuard:
    """A guard that lets everything through (tests of single dialogues)."""

    def screen(self, turn: Turn, inp: Input) -> Screened:
        """Let the input through."""
        return Screened()


class Engine:
    """Answer one user turn at a time, keeping everything in the store between turns."""

    def __init__(self, store: Store, clock: Clock | None = None, dialogs: Iterable[Dialog] | None = None,
                 after_turn: Callable[[Session], None] | None = None,
                 draw_chart: Callable[[Analysis], bytes] | None = None, guard: Guard | None = None,
                 plan_for: Callable[[Session, date], Analysis] | None = None) -> None:
        """Build the engine.

        Args:
            store: Where sessions live.
            clock: The time source (a FixedClock in tests).
            dialogs: The dialogues this engine routes to (all of the coach's by default).
            after_turn: Called with the saved session after each committed turn (the reminders
                scheduler keeps its rows in step with it); a failure there is logged, not shown.
            draw_chart: Draws the plan's chart (in this process by default), after the turn commits.
            guard: Screens every input first (the crisis guard by default).
            plan_for: Computes a session's plan (the coach's one plan function by default).
        """
        if dialogs is None or guard is None or plan_for is None:
            from flows import coach

            dialogs = coach.DIALOGS if dialogs is None else dialogs
            guard = coach.guard() if guard is None else guard
            plan_for = coach.plan_for if plan_for is None else plan_for
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.after_turn = after_turn
        self.draw_chart = draw_chart
        self.guard = guard
        self.plan_for = plan_for
        self.dialogs: dict[str, Dialog] = {dialog.name: dialog for dialog in dialogs}
        self.table: dict[str, Command] = {
            name: command for dialog in self.dialogs.values() for name, command in dialog.commands.items()
        }
        self.globals: dict[str, Callable[[_EngineTurn, str], list[Reply]]] = {
            "start": self._start, "help": self._help, "menu": self._menu, "cancel": self._cancel,
            "back": self._back, "delete": self._ask_confirm, "restart": self._ask_confirm,
        }
        self.choice_owner: dict[str, Dialog] = {
            prefix: dialog for dialog in self.dialogs.values() for prefix in dialog.choice_prefixes
        }
        self.features = frozenset(self.table) | frozenset(self.globals)

    # -- the transaction ---------------------------------------------------------------------

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
        try:
            with self.store.turn(user_id) as stored, turn_scope():
                session = stored.session or Session.new(user_id)
                turn = self._new_turn(session)
                replies = self._turn(turn, inp)
                if not turn.deleted:
                    session.updated_at = self.clock.now()
                    stored.save(session)
            if turn.deleted:
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
            with self.store.turn(user_id) as stored:
                session = stored.session or Session.new(user_id)
                turn = self._new_turn(session)
                self._mend(turn)
                replies = self._top(turn).reprompt(turn)
        except Exception as error:
            log.error("reprompt failed user=%s error=%s", user_tag(user_id), type(error).__name__)
            return [Reply(text=render("core/error_try_again"))]
        return replies or [Reply(text=render("core/welcome_back"))]

    def notices(self, user_id: str) -> list[Reply]:
        """Return what a person whose transport cannot push missed since their last chat (a due reminder).

        A transport that only speaks when spoken to calls this when the person comes back. Never raises.
        """
        try:
            with self.store.turn(user_id) as stored:
                if stored.session is None:
                    return []
                turn = self._new_turn(stored.session)
                replies = [reply for dialog in self.dialogs.values() for reply in dialog.notices(turn)]
                if replies:  # nothing held: the session stays exactly as the last turn left it
                    stored.save(stored.session)
        except Exception as error:
            log.error("notices failed user=%s error=%s", user_tag(user_id), type(error).__name__)
            return []
        return replies

    def _new_turn(self, session: Session) -> _EngineTurn:
        return _EngineTurn(session, self.clock, features=self.features, draw_chart=self.draw_chart,
                           plan_for=self.plan_for)

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

    # -- one turn ----------------------------------------------------------------------------

    def _turn(self, turn: _EngineTurn, inp: Input) -> list[Reply]:
        notices = self._mend(turn)
        screened = self.guard.screen(turn, inp)
        if screened.interrupt is not None:
            self._top(turn).interrupted(turn)
            replies = self._apply(turn, Go(screened.interrupt, screened.args))
        elif screened.swallow:
            replies = []
        else:
            replies = self._route(turn, inp)
        notices += [Reply(text=render("core/state_reset"))] if turn.session.resets and not notices else []
        return [*screened.before, *notices, *replies, *screened.after]

    def _route(self, turn: _EngineTurn, inp: Input) -> list[Reply]:
        session = turn.session
        if session.confirm and inp.kind != "command":
            return self._confirm(turn, session.confirm, inp)
        session.confirm = None
        if inp.kind == "command" or (inp.choice or "").startswith("menu:"):
            name = inp.command or (inp.choice or "").removeprefix("menu:")
            return self._command(turn, name.lower(), inp.text if inp.kind == "command" else "")
        owner = self._choice_owner(inp.choice or "")
        if owner is not None and owner is not self._top(turn):
            return self._apply(turn, owner.handle(turn, inp), source=owner)
        return self._apply(turn, self._top(turn).handle(turn, inp))

    def _command(self, turn: _EngineTurn, name: str, arg: str) -> list[Reply]:
        if name in self.globals:
            return self.globals[name](turn, name)
        command = self.table.get(name)
        if command is None:
            return [Reply(text=render("core/unknown_command")), *self._top(turn).reprompt(turn)]
        if command.needs_profile and turn.session.profile is None:
            return [Reply(text=render("core/needs_profile")), *self._top(turn).reprompt(turn)]
        target = self.dialogs[command.dialog]
        args = command.args(arg)
        if command.in_place:
            return self._apply(turn, target.command(turn, name, args), source=target)
        stack = turn.session.stack
        for name in stack[1:]:
            if name != command.dialog:
                self.dialogs[name].interrupted(turn)  # what is open above the base is left, perhaps for later
        if target.base:
            stack[:] = [command.dialog]  # a base dialogue is where the person lives: everything above it closes
        if self._top(turn) is target:
            return self._apply(turn, target.enter(turn, args))
        # A feature opens on the base; one feature replaces another, and whatever interrupted it.
        return self._apply(turn, Go(command.dialog, args, replace=len(stack) > 1))

    def _apply(self, turn: _EngineTurn, step: Step, *, source: Dialog | None = None) -> list[Reply]:
        """Carry out what a dialogue said happens next, until some dialogue stays."""
        stack = turn.session.stack
        replies: list[Reply] = []
        for _ in range(MAX_STEPS):
            replies += step.replies
            if isinstance(step, Stay):
                return replies
            if isinstance(step, Finish) and source is not None and source is not self._top(turn):
                return replies  # a one-shot from a dialogue not on top (a reminder's button) closes nothing
            source = None
            if isinstance(step, Go):
                if step.replace and stack:
                    stack.pop()
                if step.dialog not in stack[-1:]:
                    stack.append(step.dialog)
                del stack[: max(len(stack) - MAX_STACK, 0)]
                step = self.dialogs[step.dialog].enter(turn, step.args)
            elif isinstance(step, Finish):
                if len(stack) > 1:
                    stack.pop()
                step = self._top(turn).resume(turn, step.result)
        log.error("dialogue loop stopped after %d steps", MAX_STEPS)
        return replies

    def _top(self, turn: Turn) -> Dialog:
        return self.dialogs[turn.session.top]

    def _choice_owner(self, choice: str) -> Dialog | None:
        return next((dialog for prefix, dialog in self.choice_owner.items() if choice.startswith(prefix)), None)

    def _mend(self, turn: Turn) -> list[Reply]:
        """Drop dialogues this code no longer has from the stack; say so once, kindly."""
        session = turn.session
        known = [name for name in session.stack if name in self.dialogs]
        if known == session.stack and known:
            return []
        session.stack = known or [self._base(session)]
        if not self.dialogs[session.stack[0]].base:
            session.stack.insert(0, self._base(session))
        return [Reply(text=render("core/state_reset"))]

    def _base(self, session: Session) -> str:
        wanted = "known" if session.profile is not None else "new"
        return next(name for name, dialog in self.dialogs.items() if dialog.base == wanted)

    # -- global commands ---------------------------------------------------------------------

    def _start(self, turn: _EngineTurn, name: str) -> list[Reply]:
        if not turn.session.consent:
            return self._apply(turn, self._top(turn).enter(turn, None))
        return [Reply(text=render("core/welcome_back")), *self._top(turn).reprompt(turn)]

    def _help(self, turn: _EngineTurn, name: str) -> list[Reply]:
        return [Reply(text=render("core/help")), *self._top(turn).reprompt(turn)]

    def _menu(self, turn: _EngineTurn, name: str) -> list[Reply]:
        session = turn.session
        if session.profile is None:
            return [Reply(text=render("core/needs_profile")), *self._top(turn).reprompt(turn)]
        session.stack = [self._base(session)]
        return self._apply(turn, self._top(turn).enter(turn, None))

    def _cancel(self, turn: _EngineTurn, name: str) -> list[Reply]:
        session = turn.session
        if len(session.stack) <= 1:
            return [Reply(text=render("core/nothing_to_cancel", started=session.profile is not None)),
                    *self._top(turn).reprompt(turn)]
        session.stack = session.stack[:1]
        return [Reply(text=render("core/cancelled")), *self._apply(turn, self._top(turn).resume(turn, None))]

    def _back(self, turn: _EngineTurn, name: str) -> list[Reply]:
        return self._apply(turn, self._top(turn).back(turn))

    def _ask_confirm(self, turn: _EngineTurn, name: str) -> list[Reply]:
        turn.session.confirm = name
        return [Reply(text=render(f"core/confirm_{name}"), choices=choices(*CONFIRM))]

    def _confirm(self, turn: _EngineTurn, what: str, inp: Input) -> list[Reply]:
        from flows.understanding import AnswerKind, Outcome, Question
        from flows.understanding.read import read

        answer = {"confirm_yes": True, "confirm_no": False}.get(inp.choice or "")
        if answer is None and inp.kind == "text":
            reading = read(Question("confirm", AnswerKind.yes_no), inp.text, today=turn.today)
            answer = reading.value if reading.outcome is Outcome.value else None
        if answer is None:
            return [Reply(text=render(f"core/confirm_{what}"), choices=choices(*CONFIRM))]
        session = turn.session
        session.confirm = None
        if not answer:
            return [Reply(text=render("core/confirm_kept")), *self._top(turn).reprompt(turn)]
        if what == "delete":
            turn.deleted = True
            return [Reply(text=render("core/deleted"))]
        session.profile, session.parts, session.stack = None, {}, [self._base(session)]
        session.plan_strategy = "avalanche"
        turn.replan()
        return [Reply(text=render("core/restarted")), *self._apply(turn, self._top(turn).enter(turn, None))]


class _EngineTurn(Turn):
    """A turn as the engine sees it: also whether the person asked to delete everything."""

    deleted: bool = False


_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co"})


def _clean(inp: Input) -> Input:
    """Cap the input and drop control and format characters; the wording itself is kept as typed."""
    if inp.kind == "choice":
        return Input(kind="choice", choice=(inp.choice or "")[:64])
    text = "".join(
        ch for ch in inp.text[:MAX_INPUT_CHARS] if ch in "\n\t" or unicodedata.category(ch) not in _INVISIBLE
    )
    return inp.model_copy(update={"text": text})
