"""A plan people can keep: steady whole-yuan instalments, a buffer kept back, freed money moved on.

Everything here is integer fen. The rule, each month, for the money left after the buffer (`budget`):

1. Current loans keep their contract instalment (never prepaid). One the money cannot cover is
   "at risk": it joins the lenders to negotiate with.
2. Agreed loans pay exactly what the logged agreement says, when it says, and come out of the budget
   first: the other lenders share only what is left in the month the agreements ask the most
   (`agreed_peak`), so no later month pays more than the budget because of an agreement.
3. Every other lender in arrears gets a steady instalment: at least its minimum, the balance over
   `MAX_TERM_MONTHS` in whole yuan (and not under 100 yuan, unless it owes less), so it clears
   within a term a lender would accept. Money above the minimums goes to lenders in funding order,
   each taking as much as shortens its term, rounded down to the smallest whole-yuan amount that
   clears in that many months. What no lender can take is saved.
4. When the money does not cover every minimum, lenders are funded in order with their full minimum
   (skipping one that does not fit); the others wait, and `shortfall` says how much is missing.
5. When a loan clears or an agreement ends, the money it freed first starts waiting lenders (each
   with a steady amount, fixed from then on), then prepays steady lenders in funding order; what is
   left is saved. Agreed and current loans are never prepaid.

So a steady amount never changes once set, a month never pays more than the budget unless the agreements
the user logged alone ask for more (`over`: what they ask beyond the budget; nothing else is paid that
month), and no loan is paid more than its balance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

HORIZON_MONTHS = 60
MAX_TERM_MONTHS = 36
MIN_STEADY_FEN = 10_000
YUAN_FEN = 100

TrackKind = Literal["contract", "agreed", "steady", "held"]


def ceil_div(a: int, b: int) -> int:
    """Return a / b rounded up (b > 0)."""
    return -(-a // b)


def whole_up(fen: int) -> int:
    """Round fen up to whole yuan."""
    return ceil_div(fen, YUAN_FEN) * YUAN_FEN


def minimum_steady(balance: int) -> int:
    """Return the smallest steady instalment that clears `balance` within `MAX_TERM_MONTHS`, in fen.

    Whole yuan and at least 100 yuan, but never more than the balance itself.
    """
    return min(balance, max(MIN_STEADY_FEN, whole_up(ceil_div(balance, MAX_TERM_MONTHS))))


def steady_for(balance: int, money: int) -> int:
    """Return the steady instalment for `balance` when `money` (at least its minimum) is on offer.

    The term is the shortest `money` allows; the instalment is the smallest whole-yuan amount that
    clears the balance in that term (so a 10,000 yuan balance with 3,300 on offer asks 2,500 x 4).
    """
    if money >= balance:
        return balance
    offer = money // YUAN_FEN * YUAN_FEN
    term = ceil_div(balance, offer)
    return min(balance, max(minimum_steady(balance), whole_up(ceil_div(balance, term))))


def allocate(money: int, balances: list[tuple[str, int]]) -> tuple[dict[str, int], int]:
    """Give lenders steady instalments out of `money`, in the order given.

    Args:
        money: Fen available each month for these lenders.
        balances: (key, balance) in funding order.

    Returns:
        The steady instalment of each funded lender, and the fen left over.
    """
    mins = {key: minimum_steady(balance) for key, balance in balances}
    steady: dict[str, int] = {}
    if sum(mins.values()) <= money:
        extra = money - sum(mins.values())
        for key, balance in balances:
            steady[key] = steady_for(balance, mins[key] + extra)
            extra -= steady[key] - mins[key]
        return steady, extra
    left = money
    for key, _ in balances:
        if 0 < mins[key] <= left:
            steady[key] = mins[key]
            left -= mins[key]
    return steady, left


@dataclass
class Track:
    """One loan as the plan treats it."""

    key: str
    kind: TrackKind
    balance: int
    contract: int = 0
    """contract: the monthly instalment."""
    fixed: dict[int, int] = field(default_factory=dict)
    """agreed: the amount due in each plan month."""
    settles: bool = False
    """agreed: paying every fixed amount clears the loan, whatever is left (a waiver)."""
    start: int = 1
    """steady: the first month it may be paid (later after an extension)."""


@dataclass
class FenMonth:
    """One planned month in fen."""

    month: int
    payments: dict[str, int]
    remaining: dict[str, int]
    saved: int
    over: int


@dataclass
class FenPlan:
    """The month-by-month run of the plan rule, in fen."""

    months: list[FenMonth] = field(default_factory=list)
    cleared_month: dict[str, int | None] = field(default_factory=dict)
    steady: dict[str, int] = field(default_factory=dict)
    start: dict[str, int] = field(default_factory=dict)
    """The month each steady lender's instalment starts."""
    ceiling: dict[str, int] = field(default_factory=dict)
    """The most each steady lender can take while every other lender keeps its minimum."""
    at_risk: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    """Lenders without money at the start."""
    shortfall: int = 0
    months_to_clear: int | None = None
    finished: int | None = None
    """The month everything not held is cleared, if within the horizon (even with a shortfall)."""


def agreed_peak(tracks: list[Track], month: int) -> int:
    """Return the most the agreements ask in any one month from `month` on, in fen."""
    due: dict[int, int] = {}
    for track in tracks:
        if track.kind == "agreed":
            for when, amount in track.fixed.items():
                if when >= month:
                    due[when] = due.get(when, 0) + amount
    return max(due.values(), default=0)


def _sorted(tracks: list[Track], order: list[str]) -> list[Track]:
    rank = {key: i for i, key in enumerate(order)}
    return sorted(tracks, key=lambda track: rank.get(track.key, len(rank)))


def build_plan(tracks: list[Track], budget: int, *, order: list[str], horizon: int = HORIZON_MONTHS) -> FenPlan:
    """Run the plan rule month by month, up to the horizon.

    Args:
        tracks: Every loan, as the plan treats it.
        budget: Fen for debts each month (after the buffer; negative when expenses exceed income).
        order: Keys in funding order (contract tracks are funded in this order too).
        horizon: The last month planned.

    Returns:
        The run; `months_to_clear` is None when money is short at the start or something is not
        cleared within the horizon.
    """
    plan = FenPlan(cleared_month={t.key: (0 if t.balance == 0 else None) for t in tracks})
    live = [t for t in _sorted(tracks, order) if t.balance > 0]
    peak = agreed_peak(live, 1)
    money = budget - peak
    contract: dict[str, int] = {}
    for track in (t for t in live if t.kind == "contract"):
        due = min(track.contract, track.balance)
        if due <= money:
            contract[track.key] = due
            money -= due
        else:
            plan.at_risk.append(track.key)
            track.kind = "steady"
    steady_tracks = [t for t in live if t.kind == "steady"]
    plan.steady, reserve = allocate(money, [(t.key, t.balance) for t in steady_tracks])
    mins = {t.key: minimum_steady(t.balance) for t in steady_tracks}
    needed = sum(min(t.contract, t.balance) for t in live if t.key in contract or t.key in plan.at_risk)
    needed += peak
    needed += sum(mins[t.key] for t in steady_tracks if t.start <= 1 and t.key not in plan.at_risk)
    plan.shortfall = max(needed - budget, 0)
    for track in steady_tracks:
        if track.key in plan.steady:
            plan.start[track.key] = track.start
            others = sum(mins[t.key] for t in steady_tracks if t.key != track.key and t.key in plan.steady)
            plan.ceiling[track.key] = max(money - others, plan.steady[track.key])
        else:
            plan.waiting.append(track.key)
    reserve = max(reserve, 0)
    _run(plan, live, contract, budget, reserve, horizon)
    return plan


def _run(plan: FenPlan, live: list[Track], contract: dict[str, int], budget: int, reserve: int,
         horizon: int) -> None:
    remaining = {t.key: t.balance for t in live}
    every = dict(plan.cleared_month)
    last_fixed = {t.key: max(t.fixed, default=0) for t in live if t.kind == "agreed"}
    for month in range(1, horizon + 1):
        if all(remaining[t.key] == 0 for t in live if t.kind != "held"):
            break
        pay = {key: 0 for key in every}
        for track in live:
            left = remaining[track.key]
            if left == 0:
                continue
            if track.key in contract:
                pay[track.key] = min(contract[track.key], left)
            elif track.kind == "agreed":
                pay[track.key] = track.fixed.get(month, 0) if track.settles else min(track.fixed.get(month, 0), left)
            elif track.key in plan.steady and plan.start[track.key] <= month:
                pay[track.key] = min(plan.steady[track.key], left)
        agreed = sum(pay[t.key] for t in live if t.kind == "agreed")
        over = max(agreed - max(budget, 0), 0)
        free = max(budget - sum(pay.values()), 0)
        before = free
        # A lender started now is paid every month after: only money no later agreement month needs.
        recurring = sum(min(amount, remaining[key]) for key, amount in {**contract, **plan.steady}.items()
                        if remaining[key] > 0)
        lasting = min(free, max(budget - recurring - agreed_peak(live, month), 0))
        free = free - lasting + _start_waiting(plan, live, remaining, pay, lasting, month)
        if free < before:  # a lender started on money that was kept back: it stays started
            reserve = min(reserve, free)
        kept = min(reserve, free)
        spare = free - kept
        for track in live:
            if spare == 0:
                break
            key = track.key
            if key in plan.steady and plan.start[key] <= month and key not in contract and track.kind == "steady":
                more = min(spare, remaining[key] - pay[key])
                pay[key] += more
                spare -= more
        for track in live:
            key = track.key
            remaining[key] = max(remaining[key] - pay[key], 0)
            if track.kind == "agreed" and track.settles and month >= last_fixed[key]:
                remaining[key] = 0
            if track.kind == "agreed" and not track.settles and month >= last_fixed[key] and remaining[key] > 0:
                track.kind = "steady"
                plan.waiting.append(key)
            if remaining[key] == 0 and plan.cleared_month.get(key) is None:
                plan.cleared_month[key] = month
        plan.months.append(FenMonth(month, pay, {k: remaining.get(k, 0) for k in every}, kept + spare, over))
    if all(remaining[t.key] == 0 for t in live if t.kind != "held"):
        plan.finished = max((m for k, m in plan.cleared_month.items() if m is not None and k in remaining),
                            default=0)
        if plan.shortfall == 0:
            plan.months_to_clear = plan.finished


def _start_waiting(plan: FenPlan, live: list[Track], remaining: dict[str, int], pay: dict[str, int],
                   free: int, month: int) -> int:
    """Give waiting lenders a steady instalment out of freed money; return the money still free."""
    waiting = [(t.key, remaining[t.key]) for t in live
               if t.key in plan.waiting and t.key not in plan.steady and remaining[t.key] > 0 and t.kind == "steady"
               and t.start <= month]
    if not waiting or free <= 0:
        return free
    started, left = allocate(free, waiting)
    for key, amount in started.items():
        plan.steady[key] = amount
        plan.start[key] = month
        plan.ceiling[key] = amount
        pay[key] = min(amount, remaining[key])
    return left + sum(amount - pay[key] for key, amount in started.items())
