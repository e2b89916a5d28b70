"""Every fact of one message, as readings: the budget, and one set of facts per loan named.

`extract_message("Weilidai owes 8k-odd, Fenqile 12k, both nearly a month overdue", today=d)` gives two loans, each
owing its own figure and both overdue about 30 days; each fact is a `Reading` marked approximate or
low-confidence exactly as an answer to its own question would be, so a form can show it back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from flows.core.once import per_turn
from flows.parsing._loan_scan import Found
from flows.parsing._message import scan_message
from flows.understanding.reading import Outcome, Reading

logger = logging.getLogger(__name__)

LOAN_FIELDS = ("platform", "principal", "outstanding", "repaid", "overdue_days", "rate", "received", "term_months",
               "installment", "collection", "third_party")
"""The facts a loan may carry, by LoanDraft field name."""
PROFILE_FIELDS = ("monthly_income", "monthly_expenses")


@dataclass(frozen=True)
class LoanMention:
    """One loan a message tells about.

    Attributes:
        facts: Its facts by LoanDraft field name (see LOAN_FIELDS). Values: platform str (the table's
            name, or the name as typed with `sure=False` when the table does not know it); principal,
            outstanding, repaid, received, installment Decimal yuan; overdue_days and term_months int;
            rate a flows.parsing.Rate; collection a flows.models.Collection; third_party bool. A fact
            to ask about (a bare "wan-wu (0.05%)", "over a month") has Outcome.ambiguous with its options or low/high.
    """

    facts: Mapping[str, Reading] = field(default_factory=lambda: MappingProxyType({}))

    def value(self, name: str) -> Any:
        """The value of one fact, or None when it was not said or has to be asked about."""
        reading = self.facts.get(name)
        return reading.value if reading is not None and reading.outcome is Outcome.value else None

    @property
    def platform(self) -> str | None:
        """The platform's name, when the message named one."""
        name = self.value("platform")
        return str(name) if name is not None else None


@dataclass(frozen=True)
class MessageFacts:
    """Everything recognisable in one message.

    Attributes:
        profile: "monthly_income" and "monthly_expenses" readings (Decimal yuan), when stated.
        loans: One LoanMention per platform named, in order; a message naming none gives one loan when
            it states loan facts ("borrowed 30k, 35 days overdue"), none otherwise.
    """

    profile: Mapping[str, Reading] = field(default_factory=lambda: MappingProxyType({}))
    loans: tuple[LoanMention, ...] = ()


def reading_of(found: Found) -> Reading:
    """Turn a found fact into the reading an answer to its own question would give."""
    if found.value is None:
        return Reading(Outcome.ambiguous, approx=found.approx, low=found.low, high=found.high, said=found.said,
                       options=found.options, sure=False)
    return Reading(Outcome.value, value=found.value, approx=found.approx, low=found.low, high=found.high,
                   said=found.said, sure=found.sure)


def _readings(facts: Mapping[str, Found]) -> Mapping[str, Reading]:
    return MappingProxyType({name: reading_of(found) for name, found in facts.items()})


@per_turn
def extract_message(text: str, *, today: date) -> MessageFacts:
    """Read the budget and every loan in one message.

    Args:
        text: What the person typed, e.g. "Jiebei owes 12k, about 40 days overdue, 0.05% a day, calls every day".
        today: The local date (an overdue time said as a day, "overdue since the 15th of last month", needs it).

    Returns:
        The facts; shared trailing facts ("both nearly a month overdue") are given to every loan named. Never raises.
    """
    try:
        scan = scan_message(text, today=today)
    # A message that trips a reader bug must still leave the conversation running.
    except Exception:
        logger.exception("extract_message failed")
        return MessageFacts()
    loans = tuple(LoanMention(_readings(facts)) for facts in scan.loans)
    return MessageFacts(profile=_readings(scan.profile), loans=loans)
