"""After the intake: the analysis and plan, then a menu of what the coach can do next."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from flows.analysis import Strategy, analyse, analysis_messages
from flows.core.dialog import Context, choices
from flows.core.models import Attachment, Input, Reply, Session
from flows.core.texts import render

STRATEGY_CHOICES: dict[str, Strategy] = {"plan:snowball": "snowball", "plan:avalanche": "avalanche"}
MENU_COMMANDS = ("plan", "script", "roleplay", "toolkit", "remind", "progress", "export", "profile")


class HomeDialog:
    """Show the plan and offer the next steps."""

    name = "home"
    commands: Mapping[str, str] = {"plan": "plan", "menu": "menu"}

    def enter(self, ctx: Context, session: Session, arg: str = "") -> list[Reply]:
        """Arrive home; after the intake or on /plan, show the analysis first."""
        session.dialog, session.state = self.name, "menu"
        if arg in ("plan", "after_intake"):
            return [*self.plan(ctx, session), self.menu(ctx, session)]
        return [self.menu(ctx, session)]

    def handle(self, ctx: Context, session: Session, inp: Input) -> list[Reply]:
        """Switch the plan's order on request; anything else gets the menu again with a hint."""
        if inp.choice in STRATEGY_CHOICES:
            session.plan_strategy = STRATEGY_CHOICES[inp.choice]
            return [*self.plan(ctx, session), self.menu(ctx, session)]
        return [Reply(text=render("plan/hint")), self.menu(ctx, session)]

    def reprompt(self, ctx: Context, session: Session) -> list[Reply]:
        """Show the menu again."""
        return [self.menu(ctx, session)]

    def menu(self, ctx: Context, session: Session) -> Reply:
        """Offer every feature this engine has, as buttons."""
        ids = [f"menu:{command}" for command in MENU_COMMANDS if command in ctx.features]
        return Reply(text=render("plan/menu"), choices=choices(*ids))

    def plan(self, ctx: Context, session: Session) -> list[Reply]:
        """Render the analysis of the stored profile: a few short messages and the chart."""
        if session.profile is None:
            return [Reply(text=render("core/needs_profile"))]
        analysis = analyse(session.profile, today=ctx.today, strategy=session.plan_strategy)
        texts = analysis_messages(analysis, session.profile)
        replies = [Reply(text=text) for text in texts]
        if len(analysis.loans) > 1 and replies:
            other = "plan:avalanche" if session.plan_strategy == "snowball" else "plan:snowball"
            replies[-1] = replies[-1].model_copy(update={"choices": choices(other)})
        if analysis.schedule and replies:
            chart = Attachment.made_after_turn(partial(ctx.draw_chart, analysis), kind="photo", filename="plan.png",
                                               mime="image/png", caption=render("plan/chart_caption"))
            replies[-1] = replies[-1].model_copy(update={"attachments": [chart]})
        return replies


HOME = HomeDialog()
