"""What the user has done since the intake, as the plan needs it: agreements logged and payments marked.

The reminders keep the full records (`flows.reminders.models`); `flows.reminders.progress.commitments`
turns them into this, so the analysis never depends on how they are stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

AgreedKind = Literal["instalments", "extension", "waiver"]


@dataclass(frozen=True)
class AgreedTerms:
    """One loan's current agreement: what it still asks for.

    Attributes:
        loan: The loan's key.
        kind: instalments, extension (nothing due until `until`), or waiver (a settlement).
        due: The payments still to make, (date, amount) in date order; empty for an extension.
        until: For an extension, the date steady payments may start.
        amount: The per-instalment amount agreed (instalments), else the settlement amount.
    """

    loan: str
    kind: AgreedKind
    due: tuple[tuple[date, Decimal], ...] = ()
    until: date | None = None
    amount: Decimal = Decimal(0)


@dataclass(frozen=True)
class Commitments:
    """Agreements by loan key, and the sum of marked payments by loan key."""

    agreed: Mapping[str, AgreedTerms] = field(default_factory=dict)
    paid: Mapping[str, Decimal] = field(default_factory=dict)


NONE = Commitments()
