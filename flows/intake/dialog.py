"""The intake dialogue: income, expenses, hardship, then each loan, then a summary to correct."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from transitions.core import MachineError

import flows.parsing as parsing
from flows.core.dialog import Context, choices
from flows.core.models import Input, LoanDraft, ProfileDraft, Reply, Session
from flows.core.money import yuan
from flows.core.texts import lexicon, render
from flows.intake.machine import IntakeState, fire
from flows.intake.slots import (
    PROFILE_SLOTS,
    SLOTS_BY_STATE,
    AmbiguousDays,
    InvalidAnswer,
    Slot,
    is_filled,
    read_choice,
    read_text,
    store,
)
from flows.intake.view import ask, draft_for, is_optional, noted

INTENT_CHOICES = {"back", "skip", "keep"}
MAX_ANSWER_CHARS = 300  # no answer needs more; parsing 4,096 characters costs over ten times as much


@cache
def _intent_words() -> dict[str, frozenset[str]]:
    words: dict[str, list[str]] = lexicon("intents")
    return {intent: frozenset(items) for intent, items in words.items()}


def typed_intent(text: str) -> str | None:
    """Recognise typed navigation words such as "go back" or "skip"."""
    cleaned = parsing.normalise(text).strip().rstrip("。.!！~ ")
    for intent, words in _intent_words().items():
        if cleaned in words:
            return intent
    return None


_SHORT_ANSWER = re.compile(r"^[^,，;；。\s]{1,12}$")


class IntakeDialog:
    """Interview the user and build their Profile."""

    name = "intake"
    commands: Mapping[str, str] = {"back": "back", "restart": "restart", "profile": "summary"}

    def enter(self, ctx: Context, session: Session, arg: str = "") -> list[Reply]:
        """Resume the intake where it was, or open the summary of a finished profile."""
        session.dialog = self.name
        if session.state == IntakeState.done.value or arg == "summary":
            if session.profile is not None and session.state == IntakeState.done.value:
                session.draft = ProfileDraft.from_profile(session.profile)
            session.state = IntakeState.summary.value
            session.pending.pop("edit_loan", None)
        return [ask(session)]

    def reprompt(self, ctx: Context, session: Session) -> list[Reply]:
        """Ask the current question again."""
        return [ask(session)]

    def handle(self, ctx: Context, session: Session, inp: Input) -> list[Reply]:
        """Answer one input in the intake."""
        state = IntakeState(session.state)
        intent = inp.choice if inp.choice in INTENT_CHOICES else typed_intent(inp.text)
        if intent == "back" or inp.command == "back":
            return self._back(session)
        if state is IntakeState.welcome:
            return self._welcome(ctx, session, inp)
        if state is IntakeState.ask_more_loans:
            return self._more_loans(ctx, session, inp)
        if state is IntakeState.summary:
            return self._summary(ctx, session, inp)
        if state is IntakeState.done:
            return [ask(session)]
        return self._answer(ctx, session, SLOTS_BY_STATE[state.value], inp, intent)

    # -- navigation -------------------------------------------------------------------------

    def _advance(self, session: Session, trigger: str = "next") -> None:
        fire(session, trigger)
        while session.state in SLOTS_BY_STATE:
            slot = SLOTS_BY_STATE[session.state]
            if not is_filled(slot, draft_for(session, slot)) or session.editing:
                break
            fire(session, "next")
        if session.state == IntakeState.summary.value:
            session.editing = False

    def _back(self, session: Session) -> list[Reply]:
        try:
            moved = fire(session, "back")
        except MachineError:
            moved = False
        if not moved:
            return [Reply(text=render("intake/back_at_start")), ask(session)]
        if session.state == IntakeState.summary.value:
            session.editing = False
        while session.state in SLOTS_BY_STATE:
            slot = SLOTS_BY_STATE[session.state]
            loan = draft_for(session, slot)
            if not isinstance(loan, LoanDraft) or slot.applies is None or slot.applies(loan):
                break
            fire(session, "back")
        return [ask(session)]

    def restart(self, session: Session) -> list[Reply]:
        """Forget the draft and start the intake again (after the user confirmed)."""
        fire(session, "restart")
        session.dialog = self.name
        session.consent = True
        self._advance(session, "agree")
        return [Reply(text=render("intake/restarted")), ask(session)]

    # -- states -----------------------------------------------------------------------------

    def _welcome(self, ctx: Context, session: Session, inp: Input) -> list[Reply]:
        answer = inp.choice or ("consent_yes" if parsing.parse_yes_no(inp.text) else None)
        if answer == "consent_yes":
            session.consent = True
            self._advance(session, "agree")
            return [Reply(text=render("intake/consent_thanks")), ask(session)]
        if answer == "consent_no" or parsing.parse_yes_no(inp.text) is False:
            return [Reply(text=render("intake/consent_declined"), choices=choices("consent_yes"))]
        return [ask(session)]

    def _more_loans(self, ctx: Context, session: Session, inp: Input) -> list[Reply]:
        answer = {"more_yes": True, "more_no": False}.get(inp.choice or "")
        if answer is None and inp.kind == "text":
            answer = parsing.parse_yes_no(inp.text)
            if answer is None and parsing.extract_loan_facts(inp.text).platform is not None:
                fire(session, "add_loan")
                return self._answer(ctx, session, SLOTS_BY_STATE[session.state], inp, None)
        if answer is None:
            return [Reply(text=render("forms/invalid_yes_no")), ask(session)]
        self._advance(session, "add_loan" if answer else "finish_loans")
        return [ask(session)]

    def _summary(self, ctx: Context, session: Session, inp: Input) -> list[Reply]:
        choice = inp.choice or ""
        head, _, arg = choice.partition(":")
        draft = session.draft
        if choice == "confirm" or (inp.kind == "text" and parsing.parse_yes_no(inp.text)):
            if not draft.loans:
                return [Reply(text=render("intake/summary_needs_loan")), ask(session)]
            return self.finish(session)
        if choice == "add_loan":
            session.pending.pop("edit_loan", None)
            fire(session, "add_loan")
            return [ask(session)]
        if choice == "summary":
            session.pending.pop("edit_loan", None)
            return [ask(session)]
        if head == "edit_p" and arg in {slot.name for slot in PROFILE_SLOTS}:
            fire(session, f"edit_{arg}")
            return [ask(session)]
        if head == "edit_l" and arg.isdigit() and int(arg) < len(draft.loans):
            session.pending["edit_loan"] = int(arg)
            return [ask(session)]
        editing_loan = session.pending.get("edit_loan")
        if isinstance(editing_loan, int) and editing_loan < len(draft.loans):
            if head == "edit_f" and f"ask_{arg}" in SLOTS_BY_STATE:
                session.pending.pop("edit_loan")
                fire(session, f"edit_{arg}")
                session.loan_index = editing_loan
                return [ask(session)]
            if head == "del_l" and arg == str(editing_loan):
                platform = draft.loans[editing_loan].platform or ""
                del draft.loans[editing_loan]
                session.pending.pop("edit_loan")
                session.loan_index = max(len(draft.loans) - 1, 0) if draft.loans else None
                return [Reply(text=render("intake/loan_deleted", platform=platform)), ask(session)]
        if inp.kind == "choice":
            return [Reply(text=render("core/stale_button")), ask(session)]
        return [Reply(text=render("intake/summary_hint")), ask(session)]

    def finish(self, session: Session) -> list[Reply]:
        """Turn the confirmed draft into the stored Profile; the engine shows what comes next."""
        session.profile = session.draft.to_profile()
        fire(session, "confirm")
        session.pending.clear()
        return []

    # -- answering a slot -------------------------------------------------------------------

    def _answer(
        self, ctx: Context, session: Session, slot: Slot, inp: Input, intent: str | None
    ) -> list[Reply]:
        draft = draft_for(session, slot)
        replies: list[Reply] = []
        inp = inp.model_copy(update={"text": inp.text[:MAX_ANSWER_CHARS]})
        try:
            if intent == "skip":
                if not is_optional(slot, draft):
                    raise InvalidAnswer("required")
                if slot.field not in draft.answered:
                    draft.answered.append(slot.field)
            elif intent == "keep" and slot.field in draft.answered:
                pass
            elif inp.kind == "choice":
                store(slot, draft, self._read_choice(session, slot, inp.choice or ""))
            else:
                extra = self._read_typed(ctx, session, slot, draft, inp.text)
                if extra:
                    replies.append(Reply(text=extra))
        except AmbiguousDays as ambiguous:
            session.pending["days_range"] = [ambiguous.low, ambiguous.high]
            picks = _days_picks(ambiguous.low, ambiguous.high)
            return [Reply(text=render("intake/clarify_overdue_days", low=ambiguous.low, high=ambiguous.high),
                          choices=choices(*(f"days:{days}" for days in picks), "back"))]
        except InvalidAnswer as invalid:
            return [Reply(text=render(f"forms/invalid_{invalid.problem}", **_explain(invalid))), ask(session)]
        session.pending.pop("days_range", None)
        self._advance(session)
        if session.state == IntakeState.summary.value:
            replies.append(Reply(text=render("intake/edit_saved")))
        replies.append(ask(session))
        return replies

    def _read_choice(self, session: Session, slot: Slot, choice_id: str) -> Any:
        if choice_id.startswith("days:") and slot.name == "loan_overdue_days":
            low, high = session.pending.get("days_range", [0, 0])
            days = int(choice_id.removeprefix("days:")) if choice_id[5:].isdigit() else -1
            if low <= days <= high:
                return days
            raise InvalidAnswer("stale_button")
        return read_choice(slot, choice_id)

    def _read_typed(
        self, ctx: Context, session: Session, slot: Slot, draft: ProfileDraft | LoanDraft, text: str
    ) -> str:
        """Fill the slot from typed text, plus any other facts the same message gives."""
        short = bool(_SHORT_ANSWER.match(parsing.normalise(text).strip()))
        facts: dict[str, Any] = {}
        if isinstance(draft, LoanDraft) and not short:
            facts = _loan_facts(text)
        elif slot.name in ("monthly_income", "monthly_expenses") and not short:
            found = parsing.extract_profile_facts(text)
            facts = {"monthly_income": found.monthly_income, "monthly_expenses": found.monthly_expenses}
        facts = {name: value for name, value in facts.items() if value is not None}
        if slot.field == "platform" and facts and "platform" not in facts:
            facts["platform"] = leading_name(text)
        if slot.field in facts:
            value = facts.pop(slot.field)
            if isinstance(value, Decimal):
                value = read_text(slot, str(value), today=ctx.today)
        elif slot.field == "principal" and "outstanding" in facts:
            store_outstanding(draft, facts.pop("outstanding"))
            return noted({"outstanding": draft.outstanding}) if isinstance(draft, LoanDraft) else ""
        else:
            value = read_text(slot, text, today=ctx.today)
        store(slot, draft, value)
        taken: dict[str, Any] = {slot.field: value}
        for name, fact in facts.items():
            if name == "outstanding" and isinstance(draft, LoanDraft):
                store_outstanding(draft, fact)
                taken[name] = fact
            elif name not in draft.answered and name in type(draft).model_fields:
                setattr(draft, name, fact)
                draft.answered.append(name)
                taken[name] = fact
        return noted(taken) if len(taken) > 1 else ""


def store_outstanding(draft: ProfileDraft | LoanDraft, owed: Decimal) -> None:
    """Record what is still owed on a loan (said as "I owe ...")."""
    if isinstance(draft, LoanDraft):
        draft.outstanding = owed
        if "outstanding" not in draft.answered:
            draft.answered.append("outstanding")


@cache
def _name_end() -> re.Pattern[str]:
    stops = sorted(lexicon("intents")["platform_stop"], key=len, reverse=True)
    numerals = re.escape(lexicon("numbers")["cn_digits"] + lexicon("numbers")["leading_units"])
    # A stop word ends the name only when a figure follows it: "安心借欠5000" but not "安心借" itself.
    return re.compile(rf"[\d,，。;；:：\s]|(?:{'|'.join(re.escape(word) for word in stops)})(?=\s*[\d{numerals}])")


def leading_name(text: str) -> str:
    """Return the platform name a message starts with (the name before "owes 5000"), or the whole text."""
    typed = text.strip()
    end = _name_end().search(typed)
    name = typed[: end.start()].strip() if end and end.start() > 0 else typed
    return name[:30]


def _loan_facts(text: str) -> dict[str, Any]:
    found = parsing.extract_loan_facts(text)
    facts: dict[str, Any] = {
        "platform": found.platform,
        "principal": found.principal,
        "outstanding": found.owed,
        "repaid": found.repaid,
        "overdue_days": found.overdue_days,
        "rate": found.rate.text if found.rate is not None else None,
        "received": found.received,
        "term_months": found.term_months,
        "collection": found.collection,
        "third_party": found.third_party,
    }
    return facts


def _days_picks(low: int, high: int) -> list[int]:
    step = max((high - low) // 3, 1)
    return sorted({low + step // 2, low + step + step // 2, min(high, low + 2 * step + step // 2)})


def _explain(invalid: InvalidAnswer) -> dict[str, Any]:
    context = dict(invalid.context)
    for key in ("low", "high"):
        if isinstance(context.get(key), Decimal):
            context[key] = yuan(context[key])
    return context


INTAKE = IntakeDialog()
