"""Call scripts, the rights toolkit and the complaint form, as one dialogue.

A script needs a few facts the plan did not (the reason for the difficulty, a second overdue): when
they are missing the intake is opened on top to ask them, and the script follows when it finishes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, ClassVar, Literal, cast

from pydantic import BaseModel, Field

from flows.analysis import Analysis
from flows.core.dialog import Command, DialogBase, Finish, Go, Stay, Step, Turn, choices
from flows.core.forms import BACK, Form, FormState, Slot
from flows.core.matching import first_key
from flows.core.models import Choice, Input, Reply
from flows.core.platforms import lookup_platform
from flows.core.session import Part, Session
from flows.core.texts import label, lexicon, render
from flows.intake.dialog import DetailsDone, IntakeArgs
from flows.intake.slots import DETAILS, LOAN_FORM, PROFILE_FORM
from flows.negotiation.script import GOALS, Goal, build_script, default_goal, find_loan
from flows.negotiation.toolkit import (
    MAX_DATES_CHARS,
    MAX_PLATFORM_CHARS,
    MAX_WHAT_CHARS,
    TOPICS,
    Complaint,
    Topic,
    build_complaint,
    clean_answer,
    toolkit_intro,
    toolkit_topic,
)
from flows.parsing._calendar import find_day
from flows.parsing._core import alternation, prepare
from flows.understanding import AnswerKind as K
from flows.understanding import Outcome, Question, Reading
from flows.understanding.read import read

PLATFORM_PREFIX, GOAL_PREFIX, TOPIC_PREFIX, COMPLAINT_PLATFORM_PREFIX = "sc:p:", "sc:g:", "sc:t:", "sc:cp:"
DATE_TAPS = {"sc:cd:today": 0, "sc:cd:yesterday": 1}

MIN_NAME_CHARS = 2
"""The shortest rest of a message, once its dates are out, that is read as who is collecting."""
MAX_WHEN_HITS = 8
"""The most days taken out of one message (more are left in, and the message is read as a name)."""


@cache
def _when_words() -> tuple[re.Pattern[str], re.Pattern[str]]:
    table: dict[str, Any] = lexicon("complaint_when")
    words = alternation(table["words"]) + "".join(f"|(?:{p})" for p in table["patterns"])
    return re.compile(words), re.compile(str(table["filler"]))


def without_when(text: str, today: date) -> tuple[str, bool]:
    """Take the dates and times of day out of a message ("last Wednesday evening, Jiebei" leaves "Jiebei").

    Args:
        text: What the person typed.
        today: The person's local date (the day reader needs it).

    Returns:
        What is left (with only the filler between times taken out when nothing else is), and whether
        any date or time was found.
    """
    words, filler = _when_words()
    rest, named = prepare(text), 0
    for _ in range(MAX_WHEN_HITS):
        hit = find_day(rest, today=today)
        if hit is None:
            break
        rest, named = rest[:hit.start] + " " + rest[hit.end:], named + 1
    rest, count = words.subn(" ", rest)
    left = filler.sub(" ", rest).strip()
    return left, named + count > 0


def read_complaint_platform(question: Question, text: str, today: date) -> Reading:
    """Read who is collecting, past any date or time in the message.

    A message that only says when (the date is the next question) is answered kindly and the platform
    asked again; one that also names someone is read without its dates.
    """
    reading = read(question, text, today=today)
    if reading.sure:
        return reading
    left, timed = without_when(text, today)
    if not timed:
        return reading
    if not left:
        return Reading(Outcome.unclear, problem="complaint_platform_when", context={"said": text.strip()})
    # One character left ("tiantian da", calling every day, less its "tiantian") is no name: the whole
    # message is read as it was.
    return read(question, left, today=today) if len(left) >= MIN_NAME_CHARS else reading


COMPLAINT_FORM = Form("complaint", (
    Slot("platform", K.platform, "negotiation/complaint_ask_platform", high=MAX_PLATFORM_CHARS,
         reader=read_complaint_platform),
    Slot("dates", K.text, "negotiation/complaint_ask_dates", high=MAX_DATES_CHARS, options=tuple(DATE_TAPS)),
    Slot("what", K.text, "negotiation/complaint_ask_what", high=MAX_WHAT_CHARS),
))


class NegotiationState(StrEnum):
    """Where the person is in the scripts, the toolkit or the complaint form."""

    platform = "platform"
    goal = "goal"
    shown = "shown"
    toolkit = "toolkit"
    complaint = "complaint"


class NegotiationPart(Part):
    """The negotiation dialogue's part of the session."""

    key: ClassVar[str] = "negotiation"
    state: NegotiationState = NegotiationState.platform
    platform: str | None = None
    goal: Goal | None = None
    complaint: FormState = Field(default_factory=FormState)
    asked: list[int] = Field(default_factory=list)
    """Loans whose script details were asked already (a skipped detail is not asked twice)."""
    noted: bool = False
    """The crisis guard's harassment note was shown during this complaint (it is shown once at most)."""


class NegotiationArgs(BaseModel):
    """What to open: a script (for a platform, when named), the toolkit, or the complaint form."""

    view: Literal["script", "toolkit", "complaint"] = "script"
    platform: str = ""


def _args(view: Literal["script", "toolkit", "complaint"]) -> Any:
    return lambda text: NegotiationArgs(view=view, platform=text.strip())


@cache
def _goal_words() -> dict[str, list[str]]:
    words: dict[str, list[str]] = lexicon("script_goals")["goals"]
    return words


def typed_goal(text: str) -> Goal | None:
    """Recognise a goal the user typed (words in lexicons/script_goals.yaml)."""
    goal = first_key({goal: words for goal, words in _goal_words().items() if goal in GOALS}, text)
    return cast(Goal, goal) if goal is not None else None


NoteStyle = Literal["full", "short", "none"]


def harassment_note(session: Session) -> NoteStyle:
    """Say how the crisis guard's note on improper collection fits where the person is.

    Inside the complaint form the person is already describing harassment and the form already leads
    to the complaint, the evidence and the hotlines: the note comes once at most, without pointing to
    the form it is shown in, and not with the last answer (the finished complaint says it all).

    Args:
        session: The person's session (the complaint's part remembers that the note was shown).

    Returns:
        "full" outside the complaint form, "short" the first time inside it, else "none".
    """
    if session.top != NegotiationDialog.name:
        return "full"
    part = session.part(NegotiationPart)
    if part.state is not NegotiationState.complaint:
        return "full"
    slot = COMPLAINT_FORM.by_name.get(part.complaint.asked or "") or COMPLAINT_FORM.pending(part.complaint)
    if part.noted or slot is None or slot == COMPLAINT_FORM.slots[-1]:
        return "none"
    part.noted = True
    return "short"


def details_missing(turn: Turn, loan_index: int) -> bool:
    """Tell whether a script for this loan still needs facts the plan did not ask for."""
    from flows.intake.draft import from_profile
    from flows.intake.machine import IntakePart

    assert turn.session.profile is not None
    part = turn.session.part(IntakePart)
    person, loans = (part.person, part.loans) if part.loans else from_profile(turn.session.profile)
    if PROFILE_FORM.pending(person, stages=(DETAILS,)) is not None:
        return True
    return loan_index < len(loans) and LOAN_FORM.pending(loans[loan_index], stages=(DETAILS,)) is not None


class NegotiationDialog(DialogBase):
    """Prepare calls to each platform, and stand up to illegal collection."""

    name: ClassVar[str] = "negotiation"
    commands: ClassVar[Mapping[str, Command]] = {
        "script": Command("negotiation", _args("script")),
        "toolkit": Command("negotiation", _args("toolkit")),
        "complaint": Command("negotiation", _args("complaint")),
    }

    # -- the protocol ------------------------------------------------------------------------

    def enter(self, turn: Turn, args: Any) -> Step:
        """Open a script (for a named platform), the toolkit or the complaint form."""
        part = turn.session.part(NegotiationPart)
        wanted = args if isinstance(args, NegotiationArgs) else NegotiationArgs()
        if wanted.view == "toolkit":
            return Stay(self._toolkit(turn, part))
        if wanted.view == "complaint":
            return Stay([self._complaint_start(turn, part)])
        return self._scripts(turn, part, wanted.platform)

    def resume(self, turn: Turn, result: Any) -> Step:
        """After the details were asked, show the script that waited for them."""
        part = turn.session.part(NegotiationPart)
        if isinstance(result, DetailsDone) and part.platform and part.goal:
            return self._show(turn, part, part.goal)
        return Stay(self.reprompt(turn))

    def reprompt(self, turn: Turn) -> list[Reply]:
        """Ask the current question again."""
        part = turn.session.part(NegotiationPart)
        if part.state is NegotiationState.complaint:
            return [self._complaint_question(turn, part)]
        if part.state is NegotiationState.toolkit:
            return [Reply(text=render("negotiation/toolkit_more"), choices=self._toolkit_buttons(turn))]
        if turn.session.profile is None:
            return self._toolkit(turn, part)
        if part.state is NegotiationState.goal and part.platform:
            return [self._goal_question(turn, part)]
        if part.state is NegotiationState.shown:
            return [self._after_script(turn)]
        return self._scripts(turn, part, "").replies

    def back(self, turn: Turn) -> Step:
        """Step back inside the complaint form, else leave."""
        part = turn.session.part(NegotiationPart)
        if part.state is NegotiationState.complaint and COMPLAINT_FORM.back(part.complaint) is not None:
            return Stay([self._complaint_question(turn, part)])
        return Finish(replies=[Reply(text=render("negotiation/script_back"))])

    def handle(self, turn: Turn, inp: Input) -> Step:
        """Answer a tap or typed text in the current state."""
        part = turn.session.part(NegotiationPart)
        if inp.choice in ("sc:menu", "sc:back", "menu:plan"):
            return Finish()
        if part.state is NegotiationState.complaint and inp.choice not in ("sc:cancel", "sc:tk"):
            return self._complaint_answer(turn, part, inp)
        if inp.kind == "choice":
            return self._choice(turn, part, inp.choice or "")
        text = inp.text.strip()
        if turn.session.profile is not None and part.state is not NegotiationState.toolkit and text:
            loan = find_loan(turn.plan, text)
            if loan is not None:
                part.platform, part.state = loan.key, NegotiationState.goal
                return Stay([self._goal_question(turn, part)])
            goal = typed_goal(text)
            if goal is not None and part.platform and part.state is not NegotiationState.platform:
                return self._show(turn, part, goal)
        reply = Reply(text=render("negotiation/script_not_understood", state=part.state.value))
        return Stay([reply, *self.reprompt(turn)])

    # -- taps --------------------------------------------------------------------------------

    def _choice(self, turn: Turn, part: NegotiationPart, choice: str) -> Step:
        if choice == "sc:rp":
            from flows.roleplay.dialog import RoleplayArgs

            return Go("roleplay", RoleplayArgs(platform=part.platform or ""), replace=True)
        if choice in ("sc:tk", "menu:toolkit"):
            return Stay(self._toolkit(turn, part))
        if choice == "sc:cp":
            return Stay([self._complaint_start(turn, part)])
        if choice == "sc:cancel":
            part.complaint = FormState()
            cancelled = Reply(text=render("negotiation/complaint_cancelled"))
            return Stay([cancelled, *self._toolkit(turn, part, intro=False)])
        if choice.startswith(TOPIC_PREFIX) and choice.removeprefix(TOPIC_PREFIX) in TOPICS:
            part.state = NegotiationState.toolkit
            topic = cast(Topic, choice.removeprefix(TOPIC_PREFIX))
            return Stay([Reply(text=toolkit_topic(topic), choices=self._toolkit_buttons(turn))])
        if turn.session.profile is None:
            return self._stale(turn)
        if choice in ("sc:op", "menu:script"):
            return self._scripts(turn, part, "")
        if choice == "sc:og" and part.platform:
            part.state = NegotiationState.goal
            return Stay([self._goal_question(turn, part)])
        if choice.startswith(PLATFORM_PREFIX):
            index = choice.removeprefix(PLATFORM_PREFIX)
            priority = turn.plan.priority
            if index.isdigit() and int(index) < len(priority):
                part.platform, part.state = priority[int(index)], NegotiationState.goal
                return Stay([self._goal_question(turn, part)])
        goal = choice.removeprefix(GOAL_PREFIX)
        if choice.startswith(GOAL_PREFIX) and goal in GOALS and part.platform:
            return self._show(turn, part, goal)
        return self._stale(turn)

    def _stale(self, turn: Turn) -> Step:
        return Stay([Reply(text=render("core/stale_button")), *self.reprompt(turn)])

    # -- scripts -----------------------------------------------------------------------------

    def _scripts(self, turn: Turn, part: NegotiationPart, platform: str) -> Step:
        if turn.session.profile is None:
            return Stay([Reply(text=render("core/needs_profile")), *self._toolkit(turn, part, intro=False)])
        analysis = turn.plan
        if not analysis.priority:
            return Stay([Reply(text=render("negotiation/script_nothing_owed"), choices=choices("sc:tk", "sc:menu"))])
        loan = find_loan(analysis, platform) if platform else None
        if loan is not None or len(analysis.priority) == 1:
            part.platform = loan.key if loan else analysis.priority[0]
            part.state = NegotiationState.goal
            return Stay([self._goal_question(turn, part)])
        part.state = NegotiationState.platform
        buttons = [Choice(id=f"{PLATFORM_PREFIX}{i}", label=key) for i, key in enumerate(analysis.priority)]
        text = render("negotiation/script_pick_platform", count=len(analysis.priority), first=analysis.priority[0])
        return Stay([Reply(text=text, choices=buttons)])

    def _goal_question(self, turn: Turn, part: NegotiationPart) -> Reply:
        loan = find_loan(turn.plan, part.platform or "")
        if loan is None:
            part.platform, part.state = None, NegotiationState.platform
            return self._scripts(turn, part, "").replies[0]
        first = default_goal(loan)
        order = [first, *(goal for goal in GOALS if goal != first)]
        text = render("negotiation/script_pick_goal", platform=loan.key, default=first,
                      default_label=label(f"{GOAL_PREFIX}{first}"), can_pay=loan.proposed_monthly > 0)
        return Reply(text=text, choices=choices(*(f"{GOAL_PREFIX}{goal}" for goal in order)))

    def _show(self, turn: Turn, part: NegotiationPart, goal: Goal) -> Step:
        profile = turn.session.profile
        assert profile is not None
        analysis: Analysis = turn.plan
        loan = find_loan(analysis, part.platform or "")
        if loan is None:
            return self._scripts(turn, part, "")
        part.goal = goal
        if loan.index not in part.asked and details_missing(turn, loan.index):
            part.asked.append(loan.index)
            return Go("intake", IntakeArgs(mode="details", loan=loan.index))
        script = build_script(profile, turn.plan, loan.key, goal, today=turn.today)
        part.state = NegotiationState.shown
        return Stay([*(Reply(text=text) for text in script.messages()), self._after_script(turn)])

    def _after_script(self, turn: Turn) -> Reply:
        ids = ["sc:og"]
        if turn.session.profile is not None and len(turn.plan.priority) > 1:
            ids.append("sc:op")
        if "roleplay" in turn.features:
            ids.append("sc:rp")
        return Reply(text=render("negotiation/script_more"), choices=choices(*ids, "sc:tk", "sc:menu"))

    # -- toolkit -----------------------------------------------------------------------------

    def _toolkit_buttons(self, turn: Turn) -> list[Choice]:
        home = "sc:menu" if turn.session.profile is not None else "sc:back"
        return choices(*(f"{TOPIC_PREFIX}{topic}" for topic in TOPICS), "sc:cp", home)

    def _toolkit(self, turn: Turn, part: NegotiationPart, *, intro: bool = True) -> list[Reply]:
        part.state = NegotiationState.toolkit
        text = toolkit_intro() if intro else render("negotiation/toolkit_more")
        return [Reply(text=text, choices=self._toolkit_buttons(turn))]

    # -- complaint ---------------------------------------------------------------------------

    def _complaint_start(self, turn: Turn, part: NegotiationPart) -> Reply:
        part.complaint, part.state, part.noted = FormState(), NegotiationState.complaint, False
        return self._complaint_question(turn, part)

    def _owed(self, turn: Turn) -> list[str]:
        return turn.plan.priority if turn.session.profile is not None else []

    def _complaint_question(self, turn: Turn, part: NegotiationPart) -> Reply:
        slot = COMPLAINT_FORM.pending(part.complaint)
        if slot is None:
            return Reply(text=render("negotiation/toolkit_more"), choices=self._toolkit_buttons(turn))
        reply = COMPLAINT_FORM.ask(slot, part.complaint, limit=MAX_WHAT_CHARS)
        extra: list[Choice] = []
        if slot.name == "platform":
            extra = [Choice(id=f"{COMPLAINT_PLATFORM_PREFIX}{i}", label=key) for i, key in enumerate(self._owed(turn))]
        buttons = [c for c in reply.choices if c.id != BACK]
        return reply.model_copy(update={"choices": [*extra, *buttons, *choices("sc:cancel")]})

    def _complaint_answer(self, turn: Turn, part: NegotiationPart, inp: Input) -> Step:
        choice = inp.choice or ""
        if choice.startswith(COMPLAINT_PLATFORM_PREFIX):
            index, owed = choice.removeprefix(COMPLAINT_PLATFORM_PREFIX), self._owed(turn)
            if not (index.isdigit() and int(index) < len(owed)):
                return self._stale(turn)
            inp = Input(kind="text", text=owed[int(index)])
        elif choice in DATE_TAPS:
            day = turn.today - timedelta(days=DATE_TAPS[choice])
            inp = Input(kind="text", text=render("negotiation/script_date", year=day.year, month=day.month,
                                                 day=day.day, weekday=day.weekday()))
        done = COMPLAINT_FORM.answer(part.complaint, inp, turn.today)
        if done.back:
            return self.back(turn)
        if COMPLAINT_FORM.pending(part.complaint) is not None:
            return Stay([*done.replies, self._complaint_question(turn, part)])
        answers = {k: clean_answer(str(v), 1000) or "" for k, v in COMPLAINT_FORM.typed(part.complaint).items()}
        platform = answers.get("platform", "")
        info = lookup_platform(platform)
        if info is not None and platform not in self._owed(turn):
            platform = info.name
        profile = turn.session.profile
        complaint = Complaint(platform=platform, dates=answers.get("dates", ""), what=answers.get("what", ""),
                              name=(profile.name or "") if profile else "")
        texts = build_complaint(complaint, today=turn.today)
        part.complaint, part.state = FormState(), NegotiationState.toolkit
        return Stay([*done.replies, *(Reply(text=text) for text in texts[:-1]),
                     Reply(text=texts[-1], choices=self._toolkit_buttons(turn))])


NEGOTIATION = NegotiationDialog()
