"""`/export`: send the profile and plan as a JSON file and the schedule as a calendar file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flows.core.dialog import Command, DialogBase, Stay, Step, Turn
from flows.core.models import Attachment, Input, Reply
from flows.core.tags import user_tag
from flows.core.texts import render
from flows.export.files import export_json, schedule_ics


class ExportDialog(DialogBase):
    """Hand the person their own data, in files they can keep or import; the person stays where they were."""

    name: ClassVar[str] = "export"
    commands: ClassVar[Mapping[str, Command]] = {"export": Command("export", needs_profile=True, in_place=True)}

    def command(self, turn: Turn, name: str, args: Any) -> Step:
        """Build both files from this turn's plan."""
        profile = turn.session.profile
        assert profile is not None  # the command table says /export needs a profile
        analysis = turn.plan
        files = [Attachment(kind="document", filename="debt-plan.json", mime="application/json",
                            data=export_json(profile, analysis, exported_at=turn.now),
                            caption=render("export/caption_json"))]
        if analysis.schedule:
            calendar = schedule_ics(analysis, today=turn.today, owner=user_tag(turn.session.user_id))
            files.append(Attachment(kind="document", filename="repayment-schedule.ics", mime="text/calendar",
                                    data=calendar, caption=render("export/caption_calendar")))
        return Stay([Reply(text=render("export/ready", has_calendar=bool(analysis.schedule)), attachments=files)])

    def enter(self, turn: Turn, args: Any) -> Step:
        """Never opened: export answers in place."""
        return self.command(turn, "export", args)

    def handle(self, turn: Turn, inp: Input) -> Step:
        """Never on top: export answers in place."""
        return self.command(turn, "export", None)


EXPORT = ExportDialog()
