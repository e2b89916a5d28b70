"""One form engine for every question the coach asks: slot tables read by the understanding readers.

A `Form` is a tuple of `Slot` rows (Rasa's forms, as data). Each row names its answer kind, bounds,
buttons, whether it may be skipped, when it is asked at all, and the template that asks it. The
template also names the slot for summaries, in a `label` block that is never shown with the question:

    {% if false %}{% block label %}guarantee{% endblock %}{% endif %}
    {{ progress }}is this loan guaranteed?

Answers live in a `FormState` (part of the dialogue's typed part of the session) as JSON values; the
form turns them back into Decimals, dates and times by kind. Adding a question is one row and one
template: nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from flows.core.models import Choice, Input, Reply
from flows.core.money import yuan
from flows.core.texts import block, label, render
from flows.understanding import AnswerKind, Outcome, Question, Reading
from flows.understanding.read import normalise_intent, read, respond

Values = Mapping[str, Any]
SKIP, BACK, KEEP, UNKNOWN = "skip", "back", "keep", "unknown"
PICK = "pick:"
"""Buttons offered for an ambiguous answer: `pick:<n>` takes the n-th candidate."""


@dataclass(frozen=True)
class Slot:
    """One question of a form.

    Attributes:
        name: The slot's id; its answer is stored under this name.
        kind: How its answer is read.
        template: The template that asks it (and names it, in its `label` block).
        required: False when the person may skip it.
        low: The smallest acceptable value.
        high: The largest acceptable value.
        options: The buttons offered (choice ids); for a `choice` slot, the possible answers.
        meaning: What a tapped option stores, when not the option id itself.
        when: Ask the slot only when this holds for the values so far (None: always).
        unknown_ok: True when "I don't know" is an answer here (stored as unknown); else it is a skip.
        unknown_means: The option a typed unsure answer picks, when a button says "I don't remember".
        stage: When the slot is asked: forms ask the slots of the stages they are given (the intake asks
            "plan" slots before the plan and "details" slots before the first call script).
        reader: A reader of the slot's own, for answers no common kind covers (quiet hours, a time zone).
        keep: Turns a reader's value into what is stored, when it is not the value itself (a "received
            in full" that only becomes a figure once the principal is known).
    """

    name: str
    kind: AnswerKind
    template: str
    required: bool = True
    low: Decimal | int | None = None
    high: Decimal | int | None = None
    options: tuple[str, ...] = ()
    meaning: Mapping[str, Any] = field(default_factory=dict)
    when: Callable[[Values], bool] | None = field(default=None, compare=False)
    unknown_ok: bool = True
    unknown_means: str | None = None
    stage: str = "plan"
    reader: Callable[[Question, str, date], Reading] | None = field(default=None, compare=False)
    keep: Callable[[Any], Any] | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """Return the slot's short name for summaries (the template's `label` block)."""
        return block(self.template, "label")


class FormState(BaseModel):
    """Where one person is in one form, and what they answered (stored as JSON)."""

    values: dict[str, Any] = Field(default_factory=dict)
    """Answers by slot name, JSON-encoded by kind; None for "I don't know"."""
    skipped: list[str] = Field(default_factory=list)
    asked: str | None = None
    """The slot asked last (its answer is the next input)."""
    said: dict[str, str] = Field(default_factory=dict)
    """The words an approximate or uncertain answer came from, to show it back."""
    approx: list[str] = Field(default_factory=list)
    """Slots whose answer stands for an approximation or a range ("two thousand-odd" kept as 2,500)."""
    candidates: list[Any] = Field(default_factory=list)
    """JSON values offered as buttons when the answer to `asked` was ambiguous."""
    trail: list[str] = Field(default_factory=list)
    """Slots in the order they were answered, for going back."""
    inferred: list[str] = Field(default_factory=list)
    """Slots the coach filled from other answers (a platform's usual lender): shown, open to correction."""

    def has(self, name: str) -> bool:
        """Tell whether a slot was answered (a value or "I don't know") or skipped."""
        return name in self.values or name in self.skipped

    def forget(self, name: str) -> None:
        """Take back one answer so the slot is asked again."""
        self.values.pop(name, None)
        if name in self.inferred:
            self.inferred.remove(name)
        self.said.pop(name, None)
        if name in self.approx:
            self.approx.remove(name)
        if name in self.skipped:
            self.skipped.remove(name)
        if name in self.trail:
            self.trail.remove(name)


@dataclass
class Answered:
    """What one input did to a form.

    Attributes:
        replies: What to say before the next question (facts noted, a question answered, why not read).
        filled: The slots this input filled.
        again: True when the same question must be asked again.
        back: True when the person asked to go back one question.
    """

    replies: list[Reply] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    again: bool = False
    back: bool = False


Extractor = Callable[[str, date], dict[str, Reading]]
"""Reads other slots from the same message ("Jiebei owes 12k, 40 days overdue" answers three questions)."""


def encode(kind: AnswerKind, value: Any) -> Any:
    """Turn a reader's value into what the session stores (JSON)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if kind is AnswerKind.rate and not isinstance(value, str):
        return str(getattr(value, "canonical", None) or getattr(value, "text", value))
    return value


def decode(kind: AnswerKind, raw: Any) -> Any:
    """Turn a stored value back into its type by the slot's kind."""
    if raw is None:
        return None
    if kind is AnswerKind.amount:
        try:
            return Decimal(str(raw))
        except ArithmeticError:
            return raw  # a word a button stands for ("received in full"), read by the form's owner
    if kind in (AnswerKind.date, AnswerKind.month) and isinstance(raw, str):
        return date.fromisoformat(raw)
    if kind is AnswerKind.time and isinstance(raw, str):
        return time.fromisoformat(raw)
    return raw


def show(slot: Slot, raw: Any) -> str:
    """Format a stored answer for people ("not sure" for an unknown)."""
    if raw is None:
        return label(UNKNOWN)
    tapped = next((option for option in slot.options if option in slot.meaning and slot.meaning[option] == raw), None)
    if tapped is not None and slot.kind not in (AnswerKind.yes_no, AnswerKind.time):
        return label(tapped)  # what a button stood for is shown in its own words ("received in full")
    value = decode(slot.kind, raw)
    if isinstance(value, bool):
        return label("yes" if value else "no")
    if slot.kind is AnswerKind.amount:
        return yuan(value)
    if slot.kind is AnswerKind.days:
        return render("core/fmt_days", days=value)
    if slot.kind is AnswerKind.months:
        return render("core/fmt_months", months=value)
    if isinstance(value, date):
        return render("core/fmt_date", year=value.year, month=value.month, day=value.day)
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if slot.kind is AnswerKind.choice:
        option = next((o for o in slot.options if slot.meaning.get(o, o) == raw), str(raw))
        return label(option)
    return str(value)


class Form:
    """A slot table and the rules every form follows."""

    def __init__(self, name: str, slots: tuple[Slot, ...], *, prefix: str = "") -> None:
        """Build a form.

        Args:
            name: The form's name (for logs and diagrams).
            slots: Its questions, in the order they are asked.
            prefix: Put before a slot's name to name its question for the readers ("loan_" makes the
                platform slot the question "loan_platform", whose own words the lexicons key by it).
        """
        self.name = name
        self.slots = slots
        self.prefix = prefix
        self.by_name = {slot.name: slot for slot in slots}

    def question(self, slot: Slot) -> Question:
        """Return one slot's question as the readers see it."""
        return Question(name=f"{self.prefix}{slot.name}", kind=slot.kind, options=slot.options, low=slot.low,
                        high=slot.high)

    def applies(self, slot: Slot, state: FormState, extra: Values | None = None) -> bool:
        """Tell whether the slot is asked at all, given the answers so far (and outside facts)."""
        return slot.when is None or slot.when({**(extra or {}), **self.typed(state)})

    def pending(self, state: FormState, extra: Values | None = None,
                stages: tuple[str, ...] = ("plan",)) -> Slot | None:
        """Return the next slot of the given stages to ask, or None when they are all answered."""
        return next((s for s in self.slots
                     if s.stage in stages and not state.has(s.name) and self.applies(s, state, extra)), None)

    def typed(self, state: FormState) -> dict[str, Any]:
        """Return every answer decoded by its slot's kind (unknown answers are None)."""
        return {name: decode(self.by_name[name].kind, raw) if name in self.by_name else raw
                for name, raw in state.values.items()}

    def buttons(self, slot: Slot, state: FormState) -> list[Choice]:
        """Return the buttons under a slot's question."""
        if state.asked == slot.name and state.candidates:
            return [Choice(id=f"{PICK}{i}", label=show(slot, value)) for i, value in enumerate(state.candidates)]
        ids = list(slot.options)
        if not slot.required:
            ids.append(SKIP)
        if state.has(slot.name):
            ids.append(KEEP)
        ids.append(BACK)
        return [Choice(id=i, label=label(i)) for i in ids]

    def ask(self, slot: Slot, state: FormState, **context: Any) -> Reply:
        """Ask one slot, showing what was stored before when it is asked again."""
        state.asked = slot.name
        current = show(slot, state.values[slot.name]) if slot.name in state.values else ""
        text = render(slot.template, current=current, **context)
        if state.candidates:
            text = render("forms/which", question=text)
        return Reply(text=text, choices=self.buttons(slot, state))

    def answer(self, state: FormState, inp: Input, today: date, *, extract: Extractor | None = None,
               extra: Values | None = None) -> Answered:
        """Take one input as the answer to the slot asked last.

        Args:
            state: The form's state (changed in place).
            inp: What the person typed or tapped.
            today: The person's local date (dates are read relative to it).
            extract: Reads other slots from the same message, when the form allows several facts at once.
            extra: Outside facts the slots' `when` rules may read.

        Returns:
            What the input did; a question or a feeling typed instead of an answer is answered and
            nothing is stored.
        """
        slot = self.by_name.get(state.asked or "") or self.pending(state, extra)
        if slot is None:
            return Answered()
        state.asked = slot.name
        if inp.kind == "choice":
            return self._tap(slot, state, inp.choice or "")
        text = inp.text.strip()
        intent = normalise_intent(text)
        if intent in (SKIP, BACK, KEEP):
            return self._tap(slot, state, intent)
        question = self.question(slot)
        reading = slot.reader(question, text, today) if slot.reader else read(question, text, today=today)
        others = extract(text, today) if extract is not None else {}
        if not reading.sure and slot.name in others and others[slot.name].answered:
            reading = others[slot.name]  # read among the message's other facts, the guess is better founded
        outcome = self._take(slot, state, reading)
        if outcome.again or not others:
            return outcome
        for name, other in others.items():
            target = self.by_name.get(name)
            if target is None or name == slot.name or state.has(name) or not other.answered:
                continue
            if self._store(target, state, other):
                outcome.filled.append(name)
        if len(outcome.filled) > 1:
            items = [render("forms/noted_item", what=self.by_name[n].label,
                            value=show(self.by_name[n], state.values[n])) for n in outcome.filled]
            outcome.replies.insert(0, Reply(text=render("forms/noted", items=items)))
        return outcome

    # -- inside ------------------------------------------------------------------------------

    def _tap(self, slot: Slot, state: FormState, choice: str) -> Answered:
        if choice == BACK:
            return Answered(back=True)
        if choice == KEEP and state.has(slot.name):
            self._mark(slot, state)
            return Answered(filled=[slot.name])
        if choice == SKIP:
            if slot.required:
                return Answered([Reply(text=render("forms/invalid_required"))], again=True)
            state.values.pop(slot.name, None)
            if slot.name not in state.skipped:
                state.skipped.append(slot.name)
            self._mark(slot, state)
            return Answered(filled=[slot.name])
        if choice.startswith(PICK) and state.candidates:
            index = choice.removeprefix(PICK)
            if index.isdigit() and int(index) < len(state.candidates):
                state.values[slot.name] = state.candidates[int(index)]
                state.candidates = []
                self._mark(slot, state)
                return Answered(filled=[slot.name])
        if choice in slot.options:
            # A free-text slot's buttons are suggestions: a tap stores their words, as if typed.
            default = label(choice) if slot.kind is AnswerKind.text else choice
            state.values[slot.name] = slot.meaning.get(choice, default)
            state.candidates = []
            self._mark(slot, state)
            return Answered(filled=[slot.name])
        return Answered([Reply(text=render("forms/invalid_stale_button"))], again=True)

    def _take(self, slot: Slot, state: FormState, reading: Reading) -> Answered:
        before: list[Reply] = []
        if reading.interjection is not None:
            before.append(Reply(text=respond(reading.interjection)))
        if reading.outcome is Outcome.not_answer:
            return Answered(before, again=True)
        if reading.outcome is Outcome.ambiguous:
            state.candidates = [encode(slot.kind, value) for value in reading.options]
            return Answered(before, again=True)
        if reading.outcome is Outcome.unclear:
            problem = reading.problem or "unclear"
            context = {k: yuan(v) if isinstance(v, Decimal) else v for k, v in reading.context.items()}
            before.append(Reply(text=render(f"forms/invalid_{problem}", **context)))
            return Answered(before, again=True)
        if reading.outcome is Outcome.unknown and slot.unknown_means in slot.options:
            return Answered(before + self._tap(slot, state, str(slot.unknown_means)).replies, filled=[slot.name])
        if reading.outcome is Outcome.unknown and not slot.unknown_ok:
            if slot.required:
                before.append(Reply(text=render("forms/invalid_required")))
                return Answered(before, again=True)
            return Answered(before + self._tap(slot, state, SKIP).replies, filled=[slot.name])
        self._store(slot, state, reading)
        if reading.approx or not reading.sure:
            shown = show(slot, state.values[slot.name])
            before.append(Reply(text=render("forms/read_as", what=slot.label, value=shown, said=reading.said,
                                            approx=reading.approx)))
        return Answered(before, filled=[slot.name])

    def _store(self, slot: Slot, state: FormState, reading: Reading) -> bool:
        if reading.outcome is Outcome.unknown:
            if not slot.unknown_ok:
                return False
            state.values[slot.name] = None
        elif reading.outcome is Outcome.value:
            value = slot.keep(reading.value) if slot.keep is not None else reading.value
            if isinstance(value, str) and value in slot.meaning:  # a typed choice means what its button does
                value = slot.meaning[value]
            state.values[slot.name] = encode(slot.kind, value)
        else:
            return False
        if slot.name in state.skipped:
            state.skipped.remove(slot.name)
        if slot.name in state.inferred:
            state.inferred.remove(slot.name)
        if reading.approx or not reading.sure:
            state.said[slot.name] = reading.said
        if reading.approx and slot.name not in state.approx:
            state.approx.append(slot.name)
        state.candidates = []
        self._mark(slot, state)
        return True

    @staticmethod
    def _mark(slot: Slot, state: FormState) -> None:
        if slot.name in state.trail:
            state.trail.remove(slot.name)
        state.trail.append(slot.name)

    def back(self, state: FormState) -> Slot | None:
        """Step back to the slot answered last (its answer is taken back); None when at the start."""
        state.candidates = []
        while state.trail:
            name = state.trail.pop()
            slot = self.by_name.get(name)
            if slot is not None:
                state.forget(name)
                state.asked = name
                return slot
        return None
