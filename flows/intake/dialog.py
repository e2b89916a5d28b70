"""The intake dialogue: consent, the money in and out, each loan, then the plan.

It is the base dialogue of a person without a profile; `/profile` opens it on top of home to correct
anything, and a call script opens it (`details`) to ask the few facts a script needs, after which it
finishes and the script is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel
from transitions.core import MachineError

from flows.core.dialog import Base, Command, DialogBase, Finish, Go, Stay, Step, Turn, choices
from flows.core.forms import BACK, FormState, encode, show
from flows.core.models import MAX_LOANS, Input, Reply
from flows.core.texts import render
from flows.intake import view
from flows.intake.draft import from_profile, infer, to_profile
from flows.intake.facts import is_short, loan_readings, message_loans
from flows.intake.machine import IntakePart, IntakeState, fire
from flows.intake.slots import DETAILS, LOAN_FORM, PROFILE_FORM
from flows.understanding import AnswerKind, Outcome, Question, Reading
from flows.understanding.read import read

S = IntakeState


class IntakeArgs(BaseModel):
    """How the intake is opened: to correct everything, or to ask what one loan's call script needs."""

    mode: Literal["summary", "details"]
    loan: int | None = None


class DetailsDone(BaseModel):
    """The result of the details: the loan whose script can now be written."""

    loan: int | None = None


def _summary_args(_text: str) -> IntakeArgs:
    return IntakeArgs(mode="summary")


class IntakeDialog(DialogBase):
    """Interview the person and build their Profile."""

    name: ClassVar[str] = "intake"
    base: ClassVar[Base] = "new"
    commands: ClassVar[Mapping[str, Command]] = {"profile": Command("intake", _summary_args, needs_profile=True)}

    # -- the protocol ------------------------------------------------------------------------

    def enter(self, turn: Turn, args: Any) -> Step:
        """Welcome a new person, correct a stored profile, or ask a script's details."""
        part = turn.session.part(IntakePart)
        if isinstance(args, IntakeArgs) and turn.session.profile is not None:
            if not part.loans or _profile_of(part) != turn.session.profile:
                # The answers are the intake's memory of what was asked; a profile changed elsewhere
                # (imported, edited by a later version) is opened afresh.
                part.person, part.loans = from_profile(turn.session.profile)
            part.editing = part.from_summary = False
            if args.mode == "details":
                part.for_loan = args.loan
                fire(part, "ask_details")
                return self._next(turn, part, [Reply(text=render("intake/details_intro"))])
            fire(part, "summarise")
            return Stay([view.summary(part)])
        if not turn.session.consent or part.state is S.welcome:
            part.state = S.welcome
            return Stay([view.welcome()])
        return Stay(self.reprompt(turn))

    def reprompt(self, turn: Turn) -> list[Reply]:
        """Ask the current question again."""
        part = turn.session.part(IntakePart)
        if part.state is S.welcome:
            return [view.welcome()]
        if part.state is S.review:
            return [view.review(part)]
        if part.state is S.summary:
            return [view.summary(part)]
        if part.state is S.done:
            return [Reply(text=render("intake/intake_done"))]
        return self._next(turn, part, []).replies

    def handle(self, turn: Turn, inp: Input) -> Step:
        """Answer one input in the intake."""
        part = turn.session.part(IntakePart)
        if inp.choice == BACK:
            return self.back(turn)
        handler = {S.welcome: self._welcome, S.profile: self._person, S.details: self._details,
                   S.loan: self._loan, S.review: self._review, S.summary: self._summary}.get(part.state)
        if handler is None:
            return Stay(self.reprompt(turn))
        return handler(turn, part, inp)

    def back(self, turn: Turn) -> Step:
        """Go back one question; at the start, say so."""
        part = turn.session.part(IntakePart)
        if part.state in (S.summary, S.done):
            return Finish()
        if part.state is S.loan and LOAN_FORM.back(view.current_loan(part)) is not None:
            return Stay(self._next(turn, part, []).replies)
        if part.state in (S.profile, S.details) and PROFILE_FORM.back(part.person) is not None:
            return Stay(self._next(turn, part, []).replies)
        if part.state is S.review:
            fire(part, "back")
            LOAN_FORM.back(view.current_loan(part))
            return Stay(self._next(turn, part, []).replies)
        try:
            moved = fire(part, "back")
        except MachineError:
            moved = False
        if not moved:
            return Stay([Reply(text=render("intake/back_at_start")), *self.reprompt(turn)])
        if part.state is S.profile:
            PROFILE_FORM.back(part.person)
        return Stay(self.reprompt(turn))

    # -- states ------------------------------------------------------------------------------

    def _welcome(self, turn: Turn, part: IntakePart, inp: Input) -> Step:
        answer = inp.choice
        if answer is None and inp.kind == "text":
            reading = read(Question("consent", AnswerKind.yes_no), inp.text, today=turn.today)
            answer = {True: "consent_yes", False: "consent_no"}.get(reading.value) if reading.answered else None
        if answer == "consent_yes":
            turn.session.consent = True
            fire(part, "agree")
            return self._next(turn, part, [Reply(text=render("intake/consent_thanks"))])
        if answer == "consent_no":
            return Stay([Reply(text=render("intake/consent_declined"), choices=choices("consent_yes"))])
        return Stay([view.welcome()])

    def _person(self, turn: Turn, part: IntakePart, inp: Input) -> Step:
        done = PROFILE_FORM.answer(part.person, inp, turn.today)
        if done.back:
            return self.back(turn)
        return self._next(turn, part, done.replies, edited=bool(done.filled))

    def _details(self, turn: Turn, part: IntakePart, inp: Input) -> Step:
        if PROFILE_FORM.pending(part.person, stages=(DETAILS,)) is not None:
            done = PROFILE_FORM.answer(part.person, inp, turn.today)
        else:
            done = LOAN_FORM.answer(self._details_loan(part), inp, turn.today)
        if done.back:
            return self.back(turn)
        return self._next(turn, part, done.replies)

    def _loan(self, turn: Turn, part: IntakePart, inp: Input) -> Step:
        loan = view.current_loan(part)
        asked = LOAN_FORM.by_name.get(loan.asked or "")
        if not loan.values and len(part.loans) > 1 and _no_more_loans(turn, inp):
            del part.loans[part.current]  # a loan begun by mistake: "no more" is not a platform
            part.current = len(part.loans) - 1
            fire(part, "review")
            return self._finish(turn, part)
        several = asked is None or asked.name == "platform" or not is_short(inp.text)
        done = LOAN_FORM.answer(loan, inp, turn.today, extract=loan_readings if several else None)
        if done.back:
            return self.back(turn)
        infer(loan)
        replies = done.replies
        if several and inp.kind == "text" and "platform" in done.filled:
            replies = [*replies, *self._more_from(part, message_loans(inp.text, turn.today)[1:])]
        return self._next(turn, part, replies, edited=bool(done.filled))

    @staticmethod
    def _more_from(part: IntakePart, loans: list[dict[str, Reading]]) -> list[Reply]:
        """Keep the other loans one message told about; their questions follow the current loan's."""
        noted = []
        for readings in loans[: max(MAX_LOANS - len(part.loans), 0)]:
            state = FormState()
            for name, reading in readings.items():
                if name in LOAN_FORM.by_name and reading.outcome is Outcome.value:
                    _store(state, name, reading.value)
                    if reading.approx or not reading.sure:
                        state.said[name] = reading.said
                    if reading.approx:
                        state.approx.append(name)
            infer(state)
            part.loans.append(state)
            noted.append({"loan_no": len(part.loans), "platform": str(state.values.get("platform") or ""),
                          "fields": view.items(LOAN_FORM, state)})
        return [Reply(text=render("intake/noted_loans", loans=noted))] if noted else []

    def _review(self, turn: Turn, part: IntakePart, inp: Input) -> Step:
        choice = inp.choice or ""
        if choice == "next_loan" and part.current + 1 < len(part.loans):
            return self._next_loan(turn, part)
        if choice == "more_no":
            return self._finish(turn, part)
        if choice == "summary_back":
            fire(part, "summarise")
            return Stay([view.summary(part)])
        if choice == "more_yes":
            return self._add_loan(turn, part, [])
        if choice == "edit_loan":
            return Stay([view.review_edit(part)])
        if choice == "review":
            return Stay([view.review(part)])
        if choice == "del_loan":
            return self._delete_loan(turn, part)
        if choice.startswith("edit:") and choice.removeprefix("edit:") in LOAN_FORM.by_name:
            loan = view.current_loan(part)
            slot = LOAN_FORM.by_name[choice.removeprefix("edit:")]
            loan.forget(slot.name)
            part.editing = True
            fire(part, "edit")
            return Stay([view.ask_loan(part, slot)])
        if inp.kind == "choice":
            return Stay([Reply(text=render("core/stale_button")), view.review(part)])
        return self._review_text(turn, part, inp.text)

    def _review_text(self, turn: Turn, part: IntakePart, text: str) -> Step:
        facts = loan_readings(text, turn.today)
        if "platform" in facts:
            replies = [] if len(part.loans) < MAX_LOANS else [Reply(text=render("intake/too_many_loans",
                                                                                 limit=MAX_LOANS))]
            if replies:
                return Stay([*replies, view.review(part)])
            fire(part, "add_loan")
            return self._loan(turn, part, Input(kind="text", text=text))
        loan = view.current_loan(part)
        filled = [name for name, reading in facts.items()
                  if name in LOAN_FORM.by_name and reading.answered and _store(loan, name, reading.value)]
        if filled:
            return Stay([view.review(part, edited=True)])
        unclear = next((name for name, reading in facts.items() if name in LOAN_FORM.by_name
                        and reading.outcome is Outcome.ambiguous and reading.options), None)
        if unclear is not None:  # "five per ten thousand" a day or a month: ask, never guess
            slot, reading = LOAN_FORM.by_name[unclear], facts[unclear]
            shown = [show(slot, encode(slot.kind, option)) for option in reading.options]
            text = render("intake/review_ambiguous", said=reading.said, options=shown, what=slot.label)
            return Stay([Reply(text=text), view.review(part)])
        picked = read(Question("review", AnswerKind.choice, options=("more_no", "more_yes", "edit_loan")), text,
                      today=turn.today)
        if picked.outcome is Outcome.value:
            return self._review(turn, part, Input.of_choice(str(picked.value)))
        reading = read(Question("more_loans", AnswerKind.yes_no), text, today=turn.today)
        if reading.outcome is Outcome.value:
            return self._add_loan(turn, part, []) if reading.value else self._finish(turn, part)
        return Stay([Reply(text=render("intake/review_hint")), view.review(part)])

    def _summary(self, turn: Turn, part: IntakePart, inp: Input) -> Step:
        choice = inp.choice or ""
        head, _, arg = choice.partition(":")
        if choice == "confirm" or (inp.kind == "text" and _said_yes(turn, inp.text)):
            if not part.loans:
                return Stay([Reply(text=render("intake/summary_needs_loan")), view.summary(part)])
            return self._finish(turn, part)
        if choice == "add_loan":
            return self._add_loan(turn, part, [])
        if head == "edit_p" and arg in PROFILE_FORM.by_name:
            part.person.forget(arg)
            part.editing = True
            fire(part, "edit_person")
            return Stay([view.ask_person(part, PROFILE_FORM.by_name[arg])])
        if head == "edit_l" and arg.isdigit() and int(arg) < len(part.loans):
            part.current, part.from_summary = int(arg), True
            fire(part, "review")
            return Stay([view.review(part)])
        if inp.kind == "choice":
            return Stay([Reply(text=render("core/stale_button")), view.summary(part)])
        return Stay([Reply(text=render("intake/summary_hint")), view.summary(part)])

    # -- moving on ---------------------------------------------------------------------------

    def _next(self, turn: Turn, part: IntakePart, replies: list[Reply], *, edited: bool = False) -> Step:
        """Ask the next unanswered question of the current state, or move on when there is none."""
        if part.state is S.profile:
            slot = PROFILE_FORM.pending(part.person)
            if part.editing and (slot is None or edited):
                part.editing = False
                fire(part, "summarise")
                return Stay([*replies, Reply(text=render("intake/edit_saved")), view.summary(part)])
            if slot is not None:
                return Stay([*replies, view.ask_person(part, slot)])
            fire(part, "profile_done")
            return self._next(turn, part, replies)
        if part.state is S.loan:
            loan = view.current_loan(part)
            slot = LOAN_FORM.pending(loan)
            if slot is not None and not (part.editing and edited):
                return Stay([*replies, view.ask_loan(part, slot)])
            part.editing = False
            fire(part, "loan_done")
            return Stay([*replies, view.review(part, edited=edited and part.from_summary)])
        if part.state is S.details:
            slot = PROFILE_FORM.pending(part.person, stages=(DETAILS,))
            if slot is not None:
                return Stay([*replies, view.ask_person(part, slot)])
            loan = self._details_loan(part)
            slot = LOAN_FORM.pending(loan, stages=(DETAILS,))
            if slot is not None:
                return Stay([*replies, view.ask_loan(part, slot)])
            self._save_profile(turn, part)
            fire(part, "finish")
            return Finish(DetailsDone(loan=part.for_loan), replies)
        return Stay([*replies, *self.reprompt(turn)])

    def _next_loan(self, turn: Turn, part: IntakePart) -> Step:
        """Go on to the next loan a message told about: ask what it lacks, or show it."""
        part.current += 1
        fire(part, "edit")
        return self._next(turn, part, [])

    def _details_loan(self, part: IntakePart) -> FormState:
        index = part.for_loan if part.for_loan is not None and part.for_loan < len(part.loans) else 0
        part.current = index
        return view.current_loan(part)

    def _add_loan(self, turn: Turn, part: IntakePart, replies: list[Reply]) -> Step:
        if len(part.loans) >= MAX_LOANS:
            return Stay([*replies, Reply(text=render("intake/too_many_loans", limit=MAX_LOANS)), view.review(part)])
        part.from_summary = False
        fire(part, "add_loan")
        return self._next(turn, part, replies)

    def _delete_loan(self, turn: Turn, part: IntakePart) -> Step:
        loan = view.current_loan(part)
        platform = str(loan.values.get("platform") or "")
        del part.loans[part.current]
        part.current = max(len(part.loans) - 1, 0)
        deleted = Reply(text=render("intake/loan_deleted", platform=platform))
        if part.from_summary or (part.loans and turn.session.profile is not None):
            fire(part, "summarise")
            return Stay([deleted, view.summary(part)])
        if not part.loans:
            part.state = S.loan
            part.loans.append(FormState())
            return self._next(turn, part, [deleted])
        return Stay([deleted, view.review(part)])

    def _finish(self, turn: Turn, part: IntakePart) -> Step:
        """Build the Profile from the answers; home shows the plan."""
        self._save_profile(turn, part)
        fire(part, "finish")
        from flows.plan.dialog import PlanArgs

        if turn.session.stack[0] == self.name:
            return Go("home", PlanArgs(show_plan=True), replace=True)
        return Finish(PlanArgs(show_plan=True))

    @staticmethod
    def _save_profile(turn: Turn, part: IntakePart) -> None:
        turn.session.profile = to_profile(part.person, [loan for loan in part.loans if loan.values])
        turn.replan()


def _store(loan: FormState, name: str, value: Any) -> bool:
    from flows.core.forms import encode

    slot = LOAN_FORM.by_name[name]
    loan.values[name] = encode(slot.kind, value)
    if name not in loan.trail:
        loan.trail.append(name)
    return True


def _profile_of(part: IntakePart) -> object:
    try:
        return to_profile(part.person, [loan for loan in part.loans if loan.values])
    except ValueError:
        return None


def _said_yes(turn: Turn, text: str) -> bool:
    reading = read(Question("confirm", AnswerKind.yes_no), text, today=turn.today)
    return reading.outcome is Outcome.value and reading.value is True


INTAKE = IntakeDialog()


def _no_more_loans(turn: Turn, inp: Input) -> bool:
    """Tell whether an answer to a new loan's platform question says there are no more loans."""
    if inp.kind == "choice":
        return inp.choice == view.NO_MORE
    reading = read(Question("more_loans", AnswerKind.yes_no), inp.text, today=turn.today)
    return reading.outcome is Outcome.value and reading.value is False
