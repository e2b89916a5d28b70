"""Reminders: set them up (`/remind`), log real calls (`/call`), see how far you got (`/progress`).

The buttons under a sent reminder ("rm:paid:...", "rm:snooze:...", "rm:skip:...", "rm:written:...",
"rm:call:...") work from whatever dialogue the user is in: they change the reminders state and leave
the user where they were.  Rows in the database follow the session after the turn (see
`flows.reminders.scheduler.sync_user`); this dialogue never touches them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, time
from decimal import Decimal

from flows.core.dialog import Context
from flows.core.models import Choice, Input, Reply, Session
from flows.core.money import yuan
from flows.core.texts import render
from flows.plan.dialog import HOME
from flows.reminders import callflow
from flows.reminders.answers import (
    is_none_answer,
    parse_payday,
    parse_quiet_hours,
    parse_time,
    parse_zone,
    zone_name,
)
from flows.reminders.machine import CALL, RemindModel, RemindState, fire
from flows.reminders.messages import PREFIX, button, date_text, time_text
from flows.reminders.models import (
    DEFAULT_TZ,
    Payment,
    ReminderSettings,
    RemindersState,
    Snooze,
    load_state,
    save_state,
)
from flows.reminders.progress import PlanView, progress, replan
from flows.reminders.rules import in_quiet_hours, local, next_nudge, snooze_moment
from flows.reminders.scheduler import preview

S = RemindState
TIMES = ("08:00", "09:00", "12:00", "19:00")
QUIET = ("22:00-08:00", "21:00-09:00", "23:00-07:00")
PAYDAYS = (1, 5, 10, 15, 20, 25)
PREVIEW_DAYS = 7
Handler = Callable[[Context, Session, RemindersState, str], list[Reply] | None]


def _hhmm(moment: time) -> str:
    return f"{moment:%H:%M}"


def _tok(value: str) -> str:
    return value.replace(":", "")


def _untok(token: str) -> time | None:
    return time(int(token[:2]), int(token[2:])) if len(token) == 4 and token.isdigit() and int(token[:2]) < 24 else None


class RemindersDialog:
    """Reminder settings, call logging, progress, and the buttons under sent reminders."""

    name = "reminders"
    commands: Mapping[str, str] = {"remind": "remind", "call": "call", "progress": "progress"}
    choice_prefixes = (PREFIX,)

    # -- entry ------------------------------------------------------------------------------

    def enter(self, ctx: Context, session: Session, arg: str = "") -> list[Reply]:
        """Open `/remind [off|on|preview]`, `/call` or `/progress`."""
        command, _, rest = arg.strip().partition(" ")
        rest = rest.strip().lower()
        session.dialog = self.name
        state = load_state(session)
        if command == "call":
            return callflow.start(session, self._plan(ctx, session, state))
        if command == "progress":
            fire(session, "leave")
            return self._progress(ctx, session, state)
        if rest == "off":
            return self._off(session, state)
        if rest == "preview":
            fire(session, "leave")
            return self._preview(ctx, session, state)
        if state.settings is None:
            fire(session, "setup")
            return [self._ask(session, state)]
        if rest == "on" and not state.settings.enabled:
            state.settings.enabled = True
            save_state(session, state)
        fire(session, "show")
        return [self._summary(ctx, session, state)]

    def handle(self, ctx: Context, session: Session, inp: Input) -> list[Reply]:
        """Answer a button under a reminder, a setup answer, or a call-logging answer."""
        state = load_state(session)
        where = RemindModel(session).state if session.dialog == self.name else S.idle
        if inp.choice and inp.choice.startswith(PREFIX):
            head, _, arg = inp.choice.removeprefix(PREFIX).partition(":")
            tap = self._taps().get(head)
            if tap is not None:
                replies = tap(ctx, session, state, arg)
                if replies is not None:
                    return replies
            if head == "call":
                session.dialog = self.name
                return callflow.start(session, self._plan(ctx, session, state), int(arg) if arg.isdigit() else None)
            if head in ("preview", "progress", "menu", "on", "off"):
                return self._menu_tap(ctx, session, state, head)
        if where in CALL:
            return callflow.answer(session, self._plan(ctx, session, state), inp, self._today(ctx, state))
        setup = {S.ask_time: self._answer_time, S.ask_quiet: self._answer_quiet, S.ask_tz: self._answer_tz,
                 S.ask_payday: self._answer_payday}.get(where)
        if setup is not None:
            return setup(ctx, session, state, inp)
        if where == S.summary and inp.choice and inp.choice.startswith(f"{PREFIX}e:"):
            fire(session, f"edit_{inp.choice.removeprefix(f'{PREFIX}e:')}")
            return [self._ask(session, state)]
        if session.dialog != self.name:
            return [Reply(text=render("reminders/stale"))]
        return HOME.enter(ctx, session)

    def reprompt(self, ctx: Context, session: Session) -> list[Reply]:
        """Ask the current question again, or show the summary or the menu."""
        state = load_state(session)
        where = RemindModel(session).state
        if where in CALL:
            return [callflow.ask(session, self._plan(ctx, session, state))]
        if where in (S.ask_time, S.ask_quiet, S.ask_tz, S.ask_payday):
            return [self._ask(session, state)]
        if where == S.summary and state.settings is not None:
            return [self._summary(ctx, session, state)]
        return HOME.reprompt(ctx, session)

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _settings(state: RemindersState) -> ReminderSettings:
        return state.settings or ReminderSettings()

    def _today(self, ctx: Context, state: RemindersState) -> date:
        return local(ctx.clock.now(), self._settings(state)).date()

    def _plan(self, ctx: Context, session: Session, state: RemindersState) -> PlanView:
        assert session.profile is not None
        return replan(session.profile, state, today=self._today(ctx, state), strategy=session.plan_strategy)

    def _ask(self, session: Session, state: RemindersState) -> Reply:
        where = RemindModel(session).state
        choices: list[Choice] = []
        if where == S.ask_time:
            choices = [button(f"{PREFIX}t:{_tok(t)}", "rm_time_default" if t == "09:00" else "rm_time", t)
                       for t in TIMES]
        elif where == S.ask_quiet:
            choices = [button(f"{PREFIX}q:{_tok(q)}", "rm_quiet_default" if q == QUIET[0] else "rm_quiet", q)
                       for q in QUIET]
        elif where == S.ask_tz:
            choices = [button(f"{PREFIX}tz:default", "rm_tz_default")]
        elif where == S.ask_payday:
            choices = [*(button(f"{PREFIX}pd:{d}", "rm_payday", d) for d in PAYDAYS),
                       button(f"{PREFIX}pd:none", "rm_payday_none")]
        return Reply(text=render(f"reminders/{where.value}"), choices=choices)

    def _store_setting(self, ctx: Context, session: Session, state: RemindersState, **values: object) -> list[Reply]:
        settings = self._settings(state).model_copy(update=values)
        state.settings = ReminderSettings.model_validate(settings.model_dump())
        save_state(session, state)
        fire(session, "next")
        if RemindModel(session).state == S.summary:
            return [self._summary(ctx, session, state)]
        return [self._ask(session, state)]

    def _bad(self, session: Session, state: RemindersState, what: str, **extra: str) -> list[Reply]:
        return [Reply(text=render("reminders/bad_answer", what=what, quiet=extra.get("quiet", ""))),
                self._ask(session, state)]

    # -- setup answers ----------------------------------------------------------------------

    def _answer_time(self, ctx: Context, session: Session, state: RemindersState, inp: Input) -> list[Reply]:
        token = (inp.choice or "").removeprefix(f"{PREFIX}t:")
        moment = _untok(token) if inp.choice else parse_time(inp.text)
        if moment is None:
            return self._bad(session, state, "time")
        settings = self._settings(state)
        if in_quiet_hours(moment, settings):
            quiet = f"{_hhmm(settings.quiet_start)}–{_hhmm(settings.quiet_end)}"
            return self._bad(session, state, "time_quiet", quiet=quiet)
        return self._store_setting(ctx, session, state, nudge_time=moment)

    def _answer_quiet(self, ctx: Context, session: Session, state: RemindersState, inp: Input) -> list[Reply]:
        if inp.choice:
            start, _, end = inp.choice.removeprefix(f"{PREFIX}q:").partition("-")
            first, second = _untok(start), _untok(end)
            pair = (first, second) if first is not None and second is not None else None
        else:
            pair = parse_quiet_hours(inp.text)
        if pair is None:
            return self._bad(session, state, "quiet")
        return self._store_setting(ctx, session, state, quiet_start=pair[0], quiet_end=pair[1])

    def _answer_tz(self, ctx: Context, session: Session, state: RemindersState, inp: Input) -> list[Reply]:
        zone = DEFAULT_TZ if inp.choice == f"{PREFIX}tz:default" else parse_zone(inp.text)
        if zone is None:
            return self._bad(session, state, "tz")
        return self._store_setting(ctx, session, state, tz=zone)

    def _answer_payday(self, ctx: Context, session: Session, state: RemindersState, inp: Input) -> list[Reply]:
        token = (inp.choice or "").removeprefix(f"{PREFIX}pd:")
        if token == "none" or (not inp.choice and is_none_answer(inp.text)):
            return self._store_setting(ctx, session, state, payday=None)
        day = int(token) if token.isdigit() else parse_payday(inp.text) if not inp.choice else None
        if day is None:
            return self._bad(session, state, "payday")
        return self._store_setting(ctx, session, state, payday=day)

    # -- summary, preview, progress, off ----------------------------------------------------

    def _summary(self, ctx: Context, session: Session, state: RemindersState) -> Reply:
        settings = self._settings(state)
        _, moment = next_nudge(ctx.clock.now(), settings)
        text = render("reminders/summary", enabled=settings.enabled, nudge=_hhmm(settings.nudge_time),
                      quiet=f"{_hhmm(settings.quiet_start)}–{_hhmm(settings.quiet_end)}", tz=zone_name(settings.tz),
                      payday=settings.payday, next_at=time_text(local(moment, settings)))
        edits = [button(f"{PREFIX}e:{what}", f"rm_edit_{what}") for what in ("time", "quiet", "tz", "payday")]
        toggle = button(f"{PREFIX}off", "rm_off") if settings.enabled else button(f"{PREFIX}on", "rm_on")
        return Reply(text=text, choices=[*edits, button(f"{PREFIX}preview", "rm_preview"), toggle,
                                         button(f"{PREFIX}menu", "rm_menu")])

    def _preview(self, ctx: Context, session: Session, state: RemindersState) -> list[Reply]:
        items = preview(session, ctx.clock.now(), PREVIEW_DAYS)
        lines = [(time_text(item.at), item.reply.text) for item in items]
        return [Reply(text=render("reminders/preview", items=lines, days=PREVIEW_DAYS),
                      choices=[button(f"{PREFIX}menu", "rm_menu")])]

    def _progress(self, ctx: Context, session: Session, state: RemindersState) -> list[Reply]:
        plan = self._plan(ctx, session, state)
        found = progress(session.profile, state, plan) if session.profile is not None else None
        assert found is not None
        lines = []
        for agreement in plan.agreed.values():
            items = agreement.instalments()
            paid = [i for i in items if state.is_paid(agreement.id, i.index)]
            upcoming = [i for i in items if not state.is_paid(agreement.id, i.index)]
            lines.append(render("reminders/agreement_line", **callflow.terms(agreement), paid_count=len(paid),
                                next_due=date_text(upcoming[0].due) if upcoming else "", written=agreement.written))
        replies = [Reply(text=render("reminders/progress", bar=found.bar, percent=found.percent, paid=yuan(found.paid),
                                     left=yuan(found.left), months=found.months_to_go,
                                     left_zero=found.left == 0, agreements=lines))]
        replies += self._celebrate(session, state, plan)
        return replies

    def _celebrate(self, session: Session, state: RemindersState, plan: PlanView) -> list[Reply]:
        if session.profile is None:
            return []
        found = progress(session.profile, state, plan)
        replies = []
        for name in found.new_milestones:
            kind, _, loan = name.partition(":")
            replies.append(Reply(text=render("reminders/milestone", name=kind, platform=loan)))
            state.celebrated.append(name)
        if replies:
            save_state(session, state)
        return replies

    def _off(self, session: Session, state: RemindersState) -> list[Reply]:
        state.settings = self._settings(state).model_copy(update={"enabled": False})
        state.snoozes = []
        save_state(session, state)
        fire(session, "leave")
        return [Reply(text=render("reminders/off"))]

    def _menu_tap(self, ctx: Context, session: Session, state: RemindersState, head: str) -> list[Reply]:
        if head == "menu":
            fire(session, "leave")
            return HOME.enter(ctx, session)
        return self.enter(ctx, session, {"preview": "remind preview", "progress": "progress",
                                         "on": "remind on", "off": "remind off"}[head])

    # -- buttons under a sent reminder ------------------------------------------------------

    def _taps(self) -> dict[str, Handler]:
        return {"paid": self._paid, "snooze": self._snooze, "skip": self._skip, "written": self._written}

    def _paid(self, ctx: Context, session: Session, state: RemindersState, arg: str) -> list[Reply] | None:
        if session.profile is None or state.settings is None:
            return [Reply(text=render("reminders/stale"))]
        today = local(ctx.clock.now(), state.settings).date()
        plan = replan(session.profile, state, today=today, strategy=session.plan_strategy)
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
        save_state(session, state)
        plan = replan(session.profile, state, today=today, strategy=session.plan_strategy)
        found = progress(session.profile, state, plan)
        amount = sum((p.amount for p in new), Decimal(0))
        replies = [Reply(text=render("reminders/paid", what=what, amount=yuan(amount), paid=yuan(found.paid),
                                     left=yuan(found.left), months=found.months_to_go))]
        return replies + self._celebrate(session, state, plan)

    def _day(self, arg: str) -> date | None:
        try:
            return date(int(arg[:4]), int(arg[4:6]), int(arg[6:8])) if len(arg) == 8 else None
        except ValueError:
            return None

    def _snooze(self, ctx: Context, session: Session, state: RemindersState, arg: str) -> list[Reply] | None:
        day = self._day(arg)
        if day is None or state.settings is None:
            return [Reply(text=render("reminders/stale"))]
        now = ctx.clock.now()
        at = snooze_moment(now, state.settings)
        if at is None or local(now, state.settings).date() != day:
            return [Reply(text=render("reminders/snooze_late"))]
        state.forget_before(day)
        state.snoozes.append(Snooze(day=day, at=at))
        save_state(session, state)
        return [Reply(text=render("reminders/snoozed", at=f"{local(at, state.settings):%H:%M}"))]

    def _skip(self, ctx: Context, session: Session, state: RemindersState, arg: str) -> list[Reply] | None:
        day = self._day(arg)
        if day is None:
            return [Reply(text=render("reminders/stale"))]
        state.forget_before(day)
        if day not in state.skipped:
            state.skipped.append(day)
        state.snoozes = [s for s in state.snoozes if s.day != day]
        save_state(session, state)
        return [Reply(text=render("reminders/skipped"))]

    def _written(self, ctx: Context, session: Session, state: RemindersState, arg: str) -> list[Reply] | None:
        agreement = state.agreement(arg)
        if agreement is None:
            return [Reply(text=render("reminders/stale"))]
        agreement.written = True
        save_state(session, state)
        return [Reply(text=render("reminders/written_thanks", platform=agreement.loan))]


REMINDERS = RemindersDialog()
