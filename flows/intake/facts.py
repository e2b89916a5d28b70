"""Several facts, and several loans, in one message: what the intake takes from free text.

"Jiebei owes 12k, about 40 days overdue, 0.05% a day, calls every day" answers four questions at once, and
"Weilidai owes 8k-odd, Fenqile 12k, both nearly a month overdue" tells about two loans: every fact read is kept and
shown back in one short line, and only what is missing is asked.
"""

from __future__ import annotations

import re
from datetime import date

import flows.parsing as parsing
from flows.core.models import Collection
from flows.understanding import Outcome, Reading
from flows.understanding.loans import LoanMention, extract_message

_SHORT_ANSWER = re.compile(r"^[^,，;；。\s]{1,12}$")
_OWNED = ("platform", "principal", "outstanding", "repaid", "overdue_days", "rate", "received", "term_months",
          "installment")


def is_short(text: str) -> bool:
    """Tell whether a message is one short answer ("two months"), not several facts ("Jiebei owes 12k, 40 days
    overdue")."""
    return bool(_SHORT_ANSWER.match(parsing.normalise(text).strip()))


def _collection(mention: LoanMention) -> Reading | None:
    """The collection answer a message gives, as the collection question's option."""
    found, third = mention.facts.get("collection"), mention.value("third_party")
    if found is None and not third:
        return None
    level = found.value if found is not None and isinstance(found.value, Collection) else None
    reached_others = third and level is not Collection.threats
    option = "col:contacts" if reached_others else f"col:{(level or Collection.calls).value}"
    said = found.said if found is not None else mention.facts["third_party"].said
    return Reading(Outcome.value, value=option, said=said, sure=found.sure if found is not None else True)


def readings_of(mention: LoanMention) -> dict[str, Reading]:
    """Turn one loan a message tells about into readings keyed by the loan slots they answer."""
    readings = {name: mention.facts[name] for name in _OWNED if name in mention.facts}
    collection = _collection(mention)
    if collection is not None:
        readings["collection"] = collection
    return readings


def message_loans(text: str, today: date) -> list[dict[str, Reading]]:
    """Read every loan a message tells about, in order, each as readings keyed by loan slot."""
    return [readings_of(mention) for mention in extract_message(text, today=today).loans]


def loan_readings(text: str, today: date) -> dict[str, Reading]:
    """Read the facts of the first (or only) loan a message tells about."""
    loans = message_loans(text, today)
    return loans[0] if loans else {}


