"""Reminders: set them up (`/remind`), log real calls (`/call`), see how far you got (`/progress`).

The buttons under a sent reminder ("rm:paid:...", "rm:snooze:...", "rm:skip:...", "rm:written:...",
"rm:call:...") work from whatever dialogue the person is in: they change the reminders data and leave
the person where they were. Rows in the database follow the session after the turn
(`flows.reminders.scheduler.sync_user`); this dialogue never touches them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel

from flows.core.dialog import Command, DialogBase, Finish, Go, Stay, Step, Turn
from flows.core.forms import BACK
from flows.core.models import Input, Reply
from flows.core.money import yuan
from flows.core.texts import render
from flows.reminders import callflow
from flows.reminders.answers import zone_name
from flows.reminders.delivery import held_reminder
from flows.reminders.forms import SETUP_FORM, quiet_pair
from flows.reminders.machine import fire
from flows.reminders.messages import PREFIX, button, date_text, time_text
from flows.reminders.models import Payment, ReminderSettings, RemindersPart, RemindStage, Snooze
from flows.reminders.progress import PlanView, progress, replan
from flows.reminders.rules import in_quiet_hours, local, next_nudge, snooze_moment
from flows.reminders.scheduler import preview

S = RemindStage
PREVIEW_DAYS = 7


class RemindArgs(BaseModel):
    """What to open: the settings (`/remind [on|off|preview]`), call logging, or progress."""

    view: str = "remind"
    option: str = ""
    loan: int | None = None


def _remind(text: str) -> RemindArgs:
    return RemindArgs(view="remind", option=text.strip().lower())


class RemindersDialog(DialogBase):
    """Reminder settings, call logging, progress, and the buttons under sent reminders."""

    name: ClassVar[str] = "reminders"
    commands: ClassVar[Mapping[str, Command]] = {
        "remind": Command("reminders", _remind, needs_profile=True),
        "call": Command("reminders", lambda _text: RemindArgs(view="call"), needs_profile=True),
        "progress": Command("reminders", lambda _text: RemindArgs(view="progress"), needs_profile=True),
    }
    choice_prefixes: ClassVar[tuple[str, ...]] = (PREFIX,)

    # -- the protocol ------------------------------------------------------------------------

    def enter(self, turn: Turn, args: Any) -> Step:
        """Open `/remind [off|on|preview]`, `/call` or `/progress`."""
        part = turn.session.part(RemindersPart)
        wanted = args if isinstance(args, RemindArgs) else RemindArgs()
        if wanted.view == "call":
            return callflow.start(turn, part, self._plan(turn, part), wanted.loan)
        if wanted.view == "progress":
            fire(part, "leave")
            return Finish(replies=self._progress(turn, part))
        if wanted.option == "off":
            return self._off(part)
        if wanted.option == "preview":
            fire(part, "leave")
            return Finish(replies=self._preview(turn, part))
        if part.data.settings is None:
            fire(part, "setup")
            return Stay([self._ask(turn, part)])
        if wanted.option == "on" and not part.data.settings.enabled:
            part.data.settings = part.data.settings.model_copy(update={"enabled": True})
        fire(part, "show")
        return Stay([self._summary(turn, part)])

    def resume(self, turn: Turn, result: Any) -> Step:
        """Ask the current question again after an interruption."""
        return Stay(self.reprompt(turn))

    def notices(self, turn: Turn) -> list[Reply]:
        """Give a person whose transport cannot push the reminder they missed since their last chat."""
        held = held_reminder(turn.session, turn.now)
        return [held] if held is not None else []

    def reprompt(self, turn: Turn) -> list[Reply]:
        """Ask the current question again, or show the summary."""
        part = turn.session.part(RemindersPart)
        if part.state is S.call:
            return [callflow.ask(turn, part, self._plan(turn, part))]
        if part.state is S.setup:
            return [self._ask(turn, part)]
        if part.state is S.summary and part.data.settings is not None:
            return [self._summary(turn, part)]
        return []

    def back(self, turn: Turn) -> Step:
        """Step back one question in a form, else leave."""
        part = turn.session.part(RemindersPart)
        if part.state is S.setup and SETUP_FORM.back(part.setup) is not None:
            return Stay([self._ask(turn, part)])
        if part.state is S.call and callflow.back(part):
            return Stay(self.reprompt(turn))
        fire(part, "leave")
        return Finish()

    def handle(self, turn: Turn, inp: Input) -> Step:
        """Answer a button under a reminder, a setup answer, or a call-logging answer."""
        part = turn.session.part(RemindersPart)
        on_top = turn.session.top == self.name
        if inp.choice and inp.choice.startswith(PREFIX):
            head, _, arg = inp.choice.removeprefix(PREFIX).partition(":")
            tap = {"paid": self._paid, "snooze": self._snooze, "skip": self._skip, "written": self._written,
                   "pause": self._pause}.get(head)
            if tap is not None:
                return Stay(tap(turn, part, arg))
            opened = {"call": RemindArgs(view="call", loan=int(arg) if arg.isdigit() else None),
                      "progress": RemindArgs(view="progress"), "preview": RemindArgs(option="preview"),
                      "on": RemindArgs(option="on"), "off": RemindArgs(option="off")}.get(head)
            if opened is not None:
                return self.enter(turn, opened) if on_top else Go(self.name, opened)
            if head == "menu":
                fire(part, "leave")
                return Finish()
            if head == "e" and part.state is S.summary and arg in SETUP_FORM.by_name:
                part.setup.forget(arg)
                fire(part, "edit")
                return Stay([self._ask(turn, part)])
        if not on_top:
            return Stay([Reply(text=render("reminders/stale"))])
        if part.state is S.call:
            return callflow.answer(turn, part, self._plan(turn, part), inp)
        if part.state is S.setup:
            return self._setup_answer(turn, part, inp)
        return Finish()

    # -- setup -------------------------------------------------------------------------------

    def _ask(self, turn: Turn, part: RemindersPart) -> Reply:
        slot = SETUP_FORM.pending(part.setup)
        if slot is None:
            return self._summary(turn, part)
        reply = SETUP_FORM.ask(slot, part.setup)
        return reply.model_copy(update={"choices": [c for c in reply.choices if c.id != BACK or part.setup.trail]})

    def _setup_answer(self, turn: Turn, part: RemindersPart, inp: Input) -> Step:
        done = SETUP_FORM.answer(part.setup, inp, turn.today)
        if done.back:
            return self.back(turn)
        settings = self._settings_from_form(part)
        quiet = f"{settings.quiet_start:%H:%M}–{settings.quiet_end:%H:%M}"
        if "nudge_time" in done.filled and in_quiet_hours(settings.nudge_time, settings):
            part.setup.forget("nudge_time")
            return Stay([Reply(text=render("forms/invalid_time_quiet", quiet=quiet)), self._ask(turn, part)])
        if SETUP_FORM.pending(part.setup) is not None and not (part.editing and done.filled):
            return Stay([*done.replies, self._ask(turn, part)])
        part.data.settings = settings
        part.data.begin(self._today(turn, part))
        fire(part, "show")
        return Stay([*done.replies, self._summary(turn, part)])

    def _settings_from_form(self, part: RemindersPart) -> ReminderSettings:
        values = SETUP_FORM.typed(part.setup)
        base = part.data.settings or ReminderSettings()
        update: dict[str, Any] = {}
        if values.get("nudge_time") is not None:
            update["nudge_time"] = values["nudge_time"]
        if values.get("quiet"):
            update["quiet_start"], update["quiet_end"] = quiet_pair(str(values["quiet"]))
        if values.get("tz"):
            update["tz"] = values["tz"]
        if "payday" in part.setup.values:
            update["payday"] = values.get("payday")
        return ReminderSettings.model_validate({**base.model_dump(), **update})

    # -- summary, preview, progress, off -----------------------------------------------------

    @staticmethod
    def _settings(part: RemindersPart) -> ReminderSettings:
        return part.data.settings or ReminderSettings()

    def _today(self, turn: Turn, part: RemindersPart) -> date:
        return local(turn.clock.now(), self._settings(part)).date()

    def _plan(self, turn: Turn, part: RemindersPart) -> PlanView:
        assert turn.session.profile is not None
        return replan(turn.session.profile, part.data, today=self._today(turn, part),
                      strategy=turn.session.plan_strategy)

    def _summary(self, turn: Turn, part: RemindersPart) -> Reply:
        settings = self._settings(part)
        _, moment = next_nudge(turn.clock.now(), settings)
        text = render("reminders/summary", enabled=settings.enabled, nudge=f"{settings.nudge_time:%H:%M}",
                      quiet=f"{settings.quiet_start:%H:%M}–{settings.quiet_end:%H:%M}", tz=zone_name(settings.tz),
                      payday=settings.payday, next_at=time_text(local(moment, settings)))
        edits = [button(f"{PREFIX}e:{slot}", f"rm_edit_{what}")
                 for slot, what in (("nudge_time", "time"), ("quiet", "quiet"), ("tz", "tz"), ("payday", "payday"))]
        toggle = button(f"{PREFIX}off", "rm_off") if settings.enabled else button(f"{PREFIX}on", "rm_on")
        return Reply(text=text, choices=[*edits, button(f"{PREFIX}preview", "rm_preview"), toggle,
                                         button(f"{PREFIX}menu", "rm_menu")])

    def _preview(self, turn: Turn, part: RemindersPart) -> list[Reply]:
        items = preview(turn.session, turn.clock.now(), PREVIEW_DAYS)
        lines = [(time_text(item.at), item.reply.text) for item in items]
        return [Reply(text=render("reminders/preview", items=lines, days=PREVIEW_DAYS),
                      choices=[button(f"{PREFIX}menu", "rm_menu")])]

    def _progress(self, turn: Turn, part: RemindersPart) -> list[Reply]:
        profile = turn.session.profile
        assert profile is not None
        plan = self._plan(turn, part)
        found = progress(profile, part.data, plan)
        lines = []
        for agreement in plan.agreed.values():
            items = agreement.instalments()
            paid = [i for i in items if part.data.is_paid(agreement.id, i.index)]
            upcoming = [i for i in items if not part.data.is_paid(agreement.id, i.index)]
            lines.append(render("reminders/agreement_line", **callflow.terms(agreement), paid_count=len(paid),
                                next_due=date_text(upcoming[0].due) if upcoming else "", written=agreement.written))
        replies = [Reply(text=render("reminders/progress", bar=found.bar, percent=found.percent, paid=yuan(found.paid),
                                     left=yuan(found.left), months=found.months_to_go,
                                     left_zero=found.left == 0, agreements=lines))]
        return replies + self._celebrate(turn, part, plan)

    def _celebrate(self, turn: Turn, part: RemindersPart, plan: PlanView) -> list[Reply]:
        profile = turn.session.profile
        if profile is None:
            return []
        replies = []
        for name in progress(profile, part.data, plan).new_milestones:
            kind, _, loan = name.partition(":")
            replies.append(Reply(text=render("reminders/milestone", name=kind, platform=loan)))
            part.data.celebrated.append(name)
        return replies

    def _off(self, part: RemindersPart) -> Step:
        part.data.settings = self._settings(part).model_copy(update={"enabled": False})
        part.data.snoozes = []
        fire(part, "leave")
        return Finish(replies=[Reply(text=render("reminders/off"))])

    # -- buttons under a sent reminder -------------------------------------------------------

    def _paid(self, turn: Turn, part: RemindersPart, arg: str) -> list[Reply]:
        profile, state = turn.session.profile, part.data
        if profile is None or state.settings is None:
            return [Reply(text=render("reminders/stale"))]
        today = local(turn.clock.now(), state.settings).date()
        plan = replan(profile, state, today=today, strategy=turn.session.plan_strategy)
        ref, _, index = arg.partition(":")
        if ref == "pd":
            month = f"{index[:4]}-{index[4:6]}"
            if state.paid_for_month(month):
                return [Reply(text=render("reminders/already"))]
            new = [Payment(loan=k, amount=v, on=today, month=month) for k, v in plan.monthly.items() if v > 0]
            what = date_text(today)
        else:
            agreement = state.agreement(ref)
            item = next((i for i in agreement.instalments() if str(i.index) == index), None) if agreement else None
            if agreement is None or item is None:
                return [Reply(text=render("reminders/stale"))]
            if state.is_paid(agreement.id, item.index):
                return [Reply(text=render("reminders/already"))]
            new = [Payment(loan=agreement.loan, amount=item.amount, on=today, agreement=agreement.id,
                           index=item.index)]
            what = agreement.loan
        state.payments.extend(new)
        turn.replan()
        plan = replan(profile, state, today=today, strategy=turn.session.plan_strategy)
        found = progress(profile, state, plan)
        amount = sum((p.amount for p in new), Decimal(0))
        replies = [Reply(text=render("reminders/paid", what=what, amount=yuan(amount), paid=yuan(found.paid),
                                     left=yuan(found.left), months=found.months_to_go))]
        return replies + self._celebrate(turn, part, plan)

    @staticmethod
    def _day(arg: str) -> date | None:
        try:
            return date(int(arg[:4]), int(arg[4:6]), int(arg[6:8])) if len(arg) == 8 else None
        except ValueError:
            return None

    def _snooze(self, turn: Turn, part: RemindersPart, arg: str) -> list[Reply]:
        day, state = self._day(arg), part.data
        if day is None or state.settings is None:
            return [Reply(text=render("reminders/stale"))]
        now = turn.clock.now()
        at = snooze_moment(now, state.settings)
        if at is None or local(now, state.settings).date() != day:
            return [Reply(text=render("reminders/snooze_late"))]
        state.forget_before(day)
        state.snoozes.append(Snooze(day=day, at=at))
        return [Reply(text=render("reminders/snoozed", at=f"{local(at, state.settings):%H:%M}"))]

    def _skip(self, turn: Turn, part: RemindersPart, arg: str) -> list[Reply]:
        day, state = self._day(arg), part.data
        if day is None:
            return [Reply(text=render("reminders/stale"))]
        state.forget_before(day)
        if day not in state.skipped:
            state.skipped.append(day)
        state.snoozes = [s for s in state.snoozes if s.day != day]
        return [Reply(text=render("reminders/skipped"))]

    def _pause(self, turn: Turn, part: RemindersPart, arg: str) -> list[Reply]:
        if turn.session.profile is None:
            return [Reply(text=render("reminders/stale"))]
        keys = self._plan(turn, part).keys
        if not arg.isdigit() or int(arg) >= len(keys):
            return [Reply(text=render("reminders/stale"))]
        part.data.pause(keys[int(arg)], self._today(turn, part))
        return [Reply(text=render("reminders/paused", platform=keys[int(arg)]))]

    def _written(self, turn: Turn, part: RemindersPart, arg: str) -> list[Reply]:
        agreement = part.data.agreement(arg)
        if agreement is None:
            return [Reply(text=render("reminders/stale"))]
        agreement.written = True
        return [Reply(text=render("reminders/written_thanks", platform=agreement.loan))]


REMINDERS = RemindersDialog()
