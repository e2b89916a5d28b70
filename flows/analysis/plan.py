"""A monthly repayment plan that fits the money available, in integer fen.

Assumption (stated to the user with the plan): interest and penalties are frozen during negotiation,
so the plan repays today's balances and nothing accrues. That is what the coach asks every platform
for (a stop to penalty interest while instalments are paid); `months_to_clear` uses the same
assumption, so it equals ceil(total / available) when that is within the horizon. Real costs are
shown separately by loan, and the highest-cost loans get the extra money first, which is also what
limits the damage if a platform keeps charging.

Each month:
1. every platform still owed gets its contact payment: max(100 yuan, 1/60 of its starting balance),
   never more than it still owes, so every platform hears from the borrower every month and each
   balance alone would clear within the 60-month horizon;
2. when the money does not cover all the contact payments, it is shared in proportion to them
   (leftover fen go in contact order) and the plan says so;
3. the rest goes to loans in the strategy's order (avalanche: highest yearly cost first; snowball:
   smallest balance first), each taking at most what it still owes.
So a month never pays more than is available, no loan is ever paid more than it owes, and the whole
available sum is spent until everything is cleared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HORIZON_MONTHS = 60
MIN_CONTACT_FEN = 10_000


def contact_payment(balance_fen: int, horizon: int = HORIZON_MONTHS) -> int:
    """Return the monthly contact payment for a starting balance, in fen.

    Args:
        balance_fen: The starting balance in fen.
        horizon: Months within which each balance should clear on its own.

    Returns:
        max(100 yuan, the balance over the horizon rounded up), capped at the balance.
    """
    per_month = -(-balance_fen // horizon)
    return min(balance_fen, max(MIN_CONTACT_FEN, per_month))


@dataclass
class FenMonth:
    """One planned month in fen."""

    month: int
    payments: dict[str, int]
    remaining: dict[str, int]


@dataclass
class FenPlan:
    """The month-by-month run of the plan rule, in fen."""

    months: list[FenMonth] = field(default_factory=list)
    cleared_month: dict[str, int | None] = field(default_factory=dict)
    months_to_clear: int | None = None
    pro_rata: bool = False


def _share(available: int, wanted: dict[str, int], order: list[str]) -> dict[str, int]:
    """Split `available` in proportion to `wanted` (sum(wanted) > available), leftover fen in order."""
    total = sum(wanted.values())
    shares = {key: available * want // total for key, want in wanted.items()}
    leftover = available - sum(shares.values())
    for key in order:
        if leftover == 0:
            break
        if key in shares and shares[key] < wanted[key]:
            shares[key] += 1
            leftover -= 1
    return shares


def build_plan(
    balances: dict[str, int],
    available: int,
    *,
    contact_order: list[str],
    extra_order: list[str],
    horizon: int = HORIZON_MONTHS,
) -> FenPlan:
    """Run the plan rule month by month, up to the horizon.

    Args:
        balances: Starting balance of each loan, in fen, by key.
        available: Money available each month, in fen.
        contact_order: Keys in contact priority (for leftover fen when sharing).
        extra_order: Keys in the order extra money goes (the strategy's order).
        horizon: The last month planned.

    Returns:
        The run; `months_to_clear` is None when not everything clears within the horizon.
    """
    plan = FenPlan(cleared_month={key: (0 if bal == 0 else None) for key, bal in balances.items()})
    remaining = dict(balances)
    if sum(remaining.values()) == 0:
        plan.months_to_clear = 0
        return plan
    if available <= 0:
        return plan
    contact = {key: contact_payment(bal, horizon) for key, bal in balances.items()}
    for month in range(1, horizon + 1):
        wanted = {key: min(contact[key], rem) for key, rem in remaining.items() if rem > 0}
        if sum(wanted.values()) > available:
            plan.pro_rata = True
            pay = _share(available, wanted, contact_order)
        else:
            pay = dict(wanted)
            extra = available - sum(pay.values())
            for key in extra_order:
                if extra == 0:
                    break
                if key in pay:
                    more = min(extra, remaining[key] - pay[key])
                    pay[key] += more
                    extra -= more
        payments = {key: pay.get(key, 0) for key in balances}
        for key, amount in payments.items():
            remaining[key] -= amount
            if amount and remaining[key] == 0:
                plan.cleared_month[key] = month
        plan.months.append(FenMonth(month, payments, dict(remaining)))
        if sum(remaining.values()) == 0:
            plan.months_to_clear = month
            break
    return plan
