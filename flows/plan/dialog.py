"""Home: the plan, then a menu of what the coach can do next. The base dialogue once a profile exists."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any, ClassVar

from pydantic import BaseModel

from flows.analysis import Strategy, analysis_messages
from flows.core.dialog import Base, Command, DialogBase, Stay, Step, Turn, choices
from flows.core.models import Attachment, Input, Reply
from flows.core.texts import render
from flows.understanding import AnswerKind, Outcome, Question
from flows.understanding.interject import respond
from flows.understanding.loans import extract_message
from flows.understanding.read import read

STRATEGY_CHOICES: dict[str, Strategy] = {"plan:snowball": "snowball", "plan:avalanche": "avalanche"}
MENU_COMMANDS = ("plan", "script", "roleplay", "toolkit", "remind", "progress", "export", "profile")


class PlanArgs(BaseModel):
    """How home opens: with the plan shown first, or with the menu alone."""

    show_plan: bool = False


def _plan_args(_text: str) -> PlanArgs:
    return PlanArgs(show_plan=True)


class HomeDialog(DialogBase):
    """Show the plan and offer the next steps."""

    name: ClassVar[str] = "home"
    base: ClassVar[Base] = "known"
    commands: ClassVar[Mapping[str, Command]] = {"plan": Command("home", _plan_args, needs_profile=True)}

    def enter(self, turn: Turn, args: Any) -> Step:
        """Arrive home; after the intake or on /plan, show the plan first."""
        if isinstance(args, PlanArgs) and args.show_plan:
            return Stay([*self.plan(turn), self.menu(turn)])
        return Stay([self.menu(turn)])

    def resume(self, turn: Turn, result: Any) -> Step:
        """Come back home; show the plan again when what closed changed it."""
        return self.enter(turn, result)

    def handle(self, turn: Turn, inp: Input) -> Step:
        """Switch the plan's order on request; a typed wish picks the menu item it names."""
        if inp.choice in STRATEGY_CHOICES:
            turn.session.plan_strategy = STRATEGY_CHOICES[inp.choice]
            turn.replan()
            return Stay([*self.plan(turn), self.menu(turn)])
        if inp.kind == "text":
            options = tuple(f"menu:{command}" for command in MENU_COMMANDS if command in turn.features)
            reading = read(Question("menu", AnswerKind.choice, options=options), inp.text, today=turn.today)
            if reading.outcome is Outcome.value:
                return Stay([Reply(text=render("plan/picked"), choices=choices(str(reading.value)))])
            if reading.interjection is not None:  # a question or a feeling at the menu is answered
                return Stay([Reply(text=respond(reading.interjection)), self.menu(turn)])
            if _corrects_profile(inp.text, turn):
                return Stay([Reply(text=render("plan/correction"), choices=choices("menu:profile"))])
        return Stay([Reply(text=render("plan/hint")), self.menu(turn)])

    def reprompt(self, turn: Turn) -> list[Reply]:
        """Show the menu again."""
        return [self.menu(turn)]

    def menu(self, turn: Turn) -> Reply:
        """Offer every feature this engine has, as buttons."""
        ids = [f"menu:{command}" for command in MENU_COMMANDS if command in turn.features]
        return Reply(text=render("plan/menu"), choices=choices(*ids))

    def plan(self, turn: Turn) -> list[Reply]:
        """Render this turn's plan: a few short messages and the chart."""
        profile = turn.session.profile
        if profile is None:
            return [Reply(text=render("core/needs_profile"))]
        analysis = turn.plan
        replies = [Reply(text=text) for text in analysis_messages(analysis, profile)]
        if len(analysis.loans) > 1 and replies:
            other = "plan:avalanche" if turn.session.plan_strategy == "snowball" else "plan:snowball"
            replies[-1] = replies[-1].model_copy(update={"choices": choices(other)})
        if analysis.schedule and replies:
            chart = Attachment.made_after_turn(partial(turn.draw_chart, analysis), kind="photo", filename="plan.png",
                                               mime="image/png", caption=render("plan/chart_caption"))
            replies[-1] = replies[-1].model_copy(update={"attachments": [chart]})
        return replies


HOME = HomeDialog()


def _corrects_profile(text: str, turn: Turn) -> bool:
    """Tell whether a message at the menu states a figure of the profile ("Jiebei actually owes 15k")."""
    found = extract_message(text, today=turn.today)
    return bool(found.profile) or any(loan.facts for loan in found.loans)
