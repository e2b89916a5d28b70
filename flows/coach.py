"""The coach assembled: every dialogue, the guard, and the one plan function, handed to the engine.

Adding a feature is adding its dialogue to `DIALOGS`; the engine builds its command table from them.
"""

from __future__ import annotations

from flows.core.dialog import Dialog
from flows.crisis.dialog import CRISIS
from flows.crisis.guard import CrisisGuard
from flows.export.dialog import EXPORT
from flows.intake.dialog import INTAKE
from flows.negotiation.dialog import NEGOTIATION
from flows.plan.current import plan_for
from flows.plan.dialog import HOME
from flows.reminders.dialog import REMINDERS
from flows.roleplay.dialog import ROLEPLAY

DIALOGS: tuple[Dialog, ...] = (INTAKE, HOME, CRISIS, NEGOTIATION, ROLEPLAY, REMINDERS, EXPORT)


def guard() -> CrisisGuard:
    """Return the guard every input passes first."""
    return CrisisGuard()


__all__ = ["DIALOGS", "guard", "plan_for"]
