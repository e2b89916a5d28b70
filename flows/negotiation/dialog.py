"""Call scripts, the rights toolkit and the complaint builder, as one dialogue.

States (session.state while session.dialog == "scripts"):
- platform: pick a platform (buttons in the plan's contact order);
- goal: pick what to ask for (`pending["sc_platform"]` holds the loan's key);
- shown: a script was shown; offer another goal, another platform, the toolkit, the menu;
- toolkit: the toolkit's topics;
- c_platform, c_dates, c_what: the complaint builder; answers live in `pending["sc_complaint"]`
  only until the complaint is shown or abandoned.
Where the user came from (`pending["sc_return"]`) is kept so "back" can resume an unfinished intake.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from typing import Any, cast

from flows.analysis import Analysis, analyse
from flows.core.dialog import Context, choices
from flows.core.matching import first_key
from flows.core.models import Choice, Input, Reply, Session
from flows.core.platforms import lookup_platform
from flows.core.texts import label, lexicon, render
from flows.intake.dialog import INTAKE
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
from flows.plan.dialog import HOME

PLATFORM_PREFIX = "sc:p:"
GOAL_PREFIX = "sc:g:"
TOPIC_PREFIX = "sc:t:"
COMPLAINT_PLATFORM_PREFIX = "sc:cp:"
KEYS = ("sc_platform", "sc_goal", "sc_complaint", "sc_return")
"""Every `session.pending` key this dialogue uses; all are dropped when the user leaves it."""


@cache
def _goal_words() -> dict[str, list[str]]:
    words: dict[str, list[str]] = lexicon("script_goals")["goals"]
    return words


def typed_goal(text: str) -> Goal | None:
    """Recognise a goal the user typed (words in lexicons/script_goals.yaml)."""
    goal = first_key({goal: words for goal, words in _goal_words().items() if goal in GOALS}, text)
    return cast(Goal, goal) if goal is not None else None


class ScriptsDialog:
    """Prepare calls to each platform, and stand up to illegal collection."""

    name = "scripts"
    commands: Mapping[str, str] = {"script": "script", "toolkit": "toolkit", "complaint": "complaint"}

    # -- entry ------------------------------------------------------------------------------

    def enter(self, ctx: Context, session: Session, arg: str = "") -> list[Reply]:
        """Open the scripts (`script [platform]`), the toolkit or the complaint builder."""
        command, _, rest = arg.strip().partition(" ")
        if session.dialog != self.name:
            session.pending["sc_return"] = {"dialog": session.dialog, "state": session.state}
        session.dialog = self.name
        if command == "toolkit":
            return self._toolkit(session)
        if command == "complaint":
            return self._complaint_start(ctx, session)
        return self._scripts(ctx, session, rest.strip())

    def reprompt(self, ctx: Context, session: Session) -> list[Reply]:
        """Ask the current question again."""
        state = session.state
        if state == "goal" and session.profile is not None:
            return [self._goal_question(ctx, session)]
        if state == "shown":
            return [self._after_script(ctx, session)]
        if state == "toolkit":
            return [Reply(text=render("negotiation/toolkit_more"), choices=self._toolkit_buttons(session))]
        if state.startswith("c_"):
            return [self._complaint_question(ctx, session)]
        return self._scripts(ctx, session, "")

    # -- turns ------------------------------------------------------------------------------

    def handle(self, ctx: Context, session: Session, inp: Input) -> list[Reply]:
        """Answer a tap or typed text in the current state."""
        if inp.kind == "choice":
            return self._choice(ctx, session, inp.choice or "")
        text = inp.text.strip()
        if session.state.startswith("c_"):
            return self._complaint_answer(ctx, session, text)
        if session.profile is not None and session.state in ("platform", "goal", "shown"):
            analysis = self._analysis(ctx, session)
            loan = find_loan(analysis, text) if text else None
            if loan is not None:
                session.pending["sc_platform"] = loan.key
                session.state = "goal"
                return [self._goal_question(ctx, session, analysis)]
            goal = typed_goal(text)
            if goal is not None and session.pending.get("sc_platform") and session.state != "platform":
                return self._show(ctx, session, goal)
        reply = Reply(text=render("negotiation/script_not_understood", state=session.state))
        return [reply, *self.reprompt(ctx, session)]

    def _choice(self, ctx: Context, session: Session, choice: str) -> list[Reply]:
        if choice in ("sc:menu", "sc:back", "menu:plan"):
            return self._leave(ctx, session, plan=choice == "menu:plan")
        if choice in ("sc:tk", "menu:toolkit"):
            return self._toolkit(session)
        if choice == "sc:cp":
            return self._complaint_start(ctx, session)
        if choice == "sc:cancel":
            session.pending.pop("sc_complaint", None)
            return [Reply(text=render("negotiation/complaint_cancelled")), *self._toolkit(session, intro=False)]
        if session.state.startswith("c_"):
            return self._complaint_choice(ctx, session, choice)
        if choice.startswith(TOPIC_PREFIX) and choice.removeprefix(TOPIC_PREFIX) in TOPICS:
            topic = cast(Topic, choice.removeprefix(TOPIC_PREFIX))
            session.state = "toolkit"
            return [Reply(text=toolkit_topic(topic), choices=self._toolkit_buttons(session))]
        if session.profile is None:
            return self._stale(ctx, session)
        if choice in ("sc:op", "menu:script"):
            return self._scripts(ctx, session, "")
        if choice == "sc:og" and session.pending.get("sc_platform"):
            session.state = "goal"
            return [self._goal_question(ctx, session)]
        if choice.startswith(PLATFORM_PREFIX):
            analysis = self._analysis(ctx, session)
            index = choice.removeprefix(PLATFORM_PREFIX)
            if index.isdigit() and int(index) < len(analysis.priority):
                session.pending["sc_platform"] = analysis.priority[int(index)]
                session.state = "goal"
                return [self._goal_question(ctx, session, analysis)]
        goal = choice.removeprefix(GOAL_PREFIX)
        if choice.startswith(GOAL_PREFIX) and goal in GOALS and session.pending.get("sc_platform"):
            return self._show(ctx, session, goal)
        return self._stale(ctx, session)

    def _stale(self, ctx: Context, session: Session) -> list[Reply]:
        return [Reply(text=render("core/stale_button")), *self.reprompt(ctx, session)]

    def _leave(self, ctx: Context, session: Session, *, plan: bool = False) -> list[Reply]:
        back: dict[str, Any] = session.pending.get("sc_return") or {}
        for key in KEYS:
            session.pending.pop(key, None)
        if session.profile is None:
            session.dialog = str(back.get("dialog") or INTAKE.name)
            session.state = str(back.get("state") or "welcome")
            return [Reply(text=render("negotiation/script_back")), *INTAKE.reprompt(ctx, session)]
        return HOME.enter(ctx, session, "plan" if plan else "")

    # -- scripts ----------------------------------------------------------------------------

    @staticmethod
    def _analysis(ctx: Context, session: Session) -> Analysis:
        assert session.profile is not None  # callers check: scripts need a profile
        return analyse(session.profile, today=ctx.today)

    def _scripts(self, ctx: Context, session: Session, platform: str) -> list[Reply]:
        if session.profile is None:
            return [Reply(text=render("core/needs_profile")), *self._toolkit(session, intro=False)]
        analysis = self._analysis(ctx, session)
        if not analysis.priority:
            return [Reply(text=render("negotiation/script_nothing_owed"), choices=choices("sc:tk", "sc:menu"))]
        loan = find_loan(analysis, platform) if platform else None
        if loan is not None or len(analysis.priority) == 1:
            session.pending["sc_platform"] = loan.key if loan else analysis.priority[0]
            session.state = "goal"
            return [self._goal_question(ctx, session, analysis)]
        session.state = "platform"
        buttons = [Choice(id=f"{PLATFORM_PREFIX}{i}", label=key) for i, key in enumerate(analysis.priority)]
        text = render("negotiation/script_pick_platform", count=len(analysis.priority), first=analysis.priority[0])
        return [Reply(text=text, choices=buttons)]

    def _goal_question(self, ctx: Context, session: Session, analysis: Analysis | None = None) -> Reply:
        analysis = analysis or self._analysis(ctx, session)
        loan = find_loan(analysis, str(session.pending.get("sc_platform") or ""))
        if loan is None:
            session.pending.pop("sc_platform", None)
            session.state = "platform"
            return self._scripts(ctx, session, "")[0]
        first = default_goal(loan)
        order = [first, *(goal for goal in GOALS if goal != first)]
        text = render("negotiation/script_pick_goal", platform=loan.key, default=first,
                      default_label=label(f"{GOAL_PREFIX}{first}"), can_pay=loan.proposed_monthly > 0)
        return Reply(text=text, choices=choices(*(f"{GOAL_PREFIX}{goal}" for goal in order)))

    def _show(self, ctx: Context, session: Session, goal: Goal) -> list[Reply]:
        assert session.profile is not None
        analysis = self._analysis(ctx, session)
        platform = str(session.pending.get("sc_platform") or "")
        try:
            script = build_script(session.profile, analysis, platform, goal, today=ctx.today)
        except KeyError:
            return self._scripts(ctx, session, "")
        session.pending["sc_goal"] = goal
        session.state = "shown"
        return [*(Reply(text=text) for text in script.messages()), self._after_script(ctx, session, analysis)]

    def _after_script(self, ctx: Context, session: Session, analysis: Analysis | None = None) -> Reply:
        ids = ["sc:og"]
        if session.profile is not None and len((analysis or self._analysis(ctx, session)).priority) > 1:
            ids.append("sc:op")
        if "roleplay" in ctx.features:
            ids.append("menu:roleplay")
        return Reply(text=render("negotiation/script_more"), choices=choices(*ids, "sc:tk", "sc:menu"))

    # -- toolkit ----------------------------------------------------------------------------

    def _toolkit_buttons(self, session: Session) -> list[Choice]:
        home = "sc:menu" if session.profile is not None else "sc:back"
        return choices(*(f"{TOPIC_PREFIX}{topic}" for topic in TOPICS), "sc:cp", home)

    def _toolkit(self, session: Session, *, intro: bool = True) -> list[Reply]:
        session.state = "toolkit"
        text = toolkit_intro() if intro else render("negotiation/toolkit_more")
        return [Reply(text=text, choices=self._toolkit_buttons(session))]

    # -- complaint --------------------------------------------------------------------------

    def _complaint_start(self, ctx: Context, session: Session) -> list[Reply]:
        session.pending["sc_complaint"] = {}
        session.state = "c_platform"
        return [self._complaint_question(ctx, session)]

    def _complaint_question(self, ctx: Context, session: Session) -> Reply:
        state = session.state
        if state == "c_dates":
            return Reply(text=render("negotiation/complaint_ask_dates"),
                         choices=choices("sc:cd:today", "sc:cd:yesterday", "sc:cancel"))
        if state == "c_what":
            return Reply(text=render("negotiation/complaint_ask_what", limit=MAX_WHAT_CHARS),
                         choices=choices("sc:cancel"))
        platforms = self._analysis(ctx, session).priority if session.profile is not None else []
        buttons = [Choice(id=f"{COMPLAINT_PLATFORM_PREFIX}{i}", label=key) for i, key in enumerate(platforms)]
        return Reply(text=render("negotiation/complaint_ask_platform"), choices=[*buttons, *choices("sc:cancel")])

    def _complaint_choice(self, ctx: Context, session: Session, choice: str) -> list[Reply]:
        if session.state == "c_platform" and choice.startswith(COMPLAINT_PLATFORM_PREFIX):
            index = choice.removeprefix(COMPLAINT_PLATFORM_PREFIX)
            platforms = self._analysis(ctx, session).priority if session.profile is not None else []
            if index.isdigit() and int(index) < len(platforms):
                return self._complaint_answer(ctx, session, platforms[int(index)])
        if session.state == "c_dates" and choice in ("sc:cd:today", "sc:cd:yesterday"):
            day = ctx.today - timedelta(days=1 if choice == "sc:cd:yesterday" else 0)
            text = render("negotiation/script_date", year=day.year, month=day.month, day=day.day, weekday=day.weekday())
            return self._complaint_answer(ctx, session, text)
        return self._stale(ctx, session)

    def _complaint_answer(self, ctx: Context, session: Session, text: str) -> list[Reply]:
        answers: dict[str, str] = dict(session.pending.get("sc_complaint") or {})
        field, limit, after = {
            "c_platform": ("platform", MAX_PLATFORM_CHARS, "c_dates"),
            "c_dates": ("dates", MAX_DATES_CHARS, "c_what"),
        }.get(session.state, ("what", MAX_WHAT_CHARS, ""))
        value = clean_answer(text, limit)
        if value is None:
            reply = Reply(text=render("negotiation/complaint_too_long", limit=limit, empty=not text.strip()))
            return [reply, self._complaint_question(ctx, session)]
        if field == "platform":
            info = lookup_platform(value)
            value = info.name if info is not None and value not in self._owed(ctx, session) else value
        answers[field] = value
        if after:
            session.pending["sc_complaint"] = answers
            session.state = after
            return [self._complaint_question(ctx, session)]
        session.pending.pop("sc_complaint", None)
        complaint = Complaint(platform=answers.get("platform", ""), dates=answers.get("dates", ""),
                              what=answers["what"], name=(session.profile.name or "") if session.profile else "")
        texts = build_complaint(complaint, today=ctx.today)
        session.state = "toolkit"
        return [*(Reply(text=part) for part in texts[:-1]),
                Reply(text=texts[-1], choices=self._toolkit_buttons(session))]

    def _owed(self, ctx: Context, session: Session) -> list[str]:
        return self._analysis(ctx, session).priority if session.profile is not None else []


SCRIPTS = ScriptsDialog()
