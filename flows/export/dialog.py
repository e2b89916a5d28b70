"""`/export`: send the profile and plan as a JSON file and the schedule as a calendar file."""

from __future__ import annotations

from collections.abc import Mapping

from flows.analysis import analyse
from flows.core.dialog import Context
from flows.core.models import Attachment, Input, Reply, Session
from flows.core.tags import user_tag
from flows.core.texts import render
from flows.export.files import export_json, schedule_ics


class ExportDialog:
    """Hand the user their own data, in files they can keep or import."""

    name = "export"
    commands: Mapping[str, str] = {"export": "export"}

    def enter(self, ctx: Context, session: Session, arg: str = "") -> list[Reply]:
        """Build both files from the stored profile; the dialogue stays where it was."""
        if session.profile is None:
            return [Reply(text=render("core/needs_profile"))]
        analysis = analyse(session.profile, today=ctx.today, strategy=session.plan_strategy)
        files = [
            Attachment(kind="document", filename="debt-plan.json", mime="application/json",
                       data=export_json(session.profile, analysis, exported_at=ctx.now)),
        ]
        if analysis.schedule:
            files.append(Attachment(kind="document", filename="repayment-schedule.ics", mime="text/calendar",
                                    data=schedule_ics(analysis, today=ctx.today, owner=user_tag(session.user_id))))
        return [Reply(text=render("export/ready", has_calendar=bool(analysis.schedule)), attachments=files)]

    def handle(self, ctx: Context, session: Session, inp: Input) -> list[Reply]:
        """Not a dialogue of its own: never the session's current dialogue."""
        return self.enter(ctx, session)

    def reprompt(self, ctx: Context, session: Session) -> list[Reply]:
        """Nothing to ask again."""
        return []


EXPORT = ExportDialog()
