"""Each persona's negotiation behaviour as data (`scripts_zh/lexicons/rp_personas.yaml`).

A policy says what the persona asks for first, which first offers it refuses, how much it concedes
per round, what else it asks for, and how it treats a request for its ID or for written
confirmation. `respond` applies it to one promise of the user, in the loan's real figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from functools import cache
from typing import Literal

from pydantic import BaseModel

from flows.core.texts import lexicon
from flows.roleplay.state import AskKind, Persona, RoleplayState

Ask = Literal["date", "proof", "larger_first", "family", "assets", "contacts"]


class Policy(BaseModel):
    """How one persona negotiates."""

    opening_demand: Literal["standard", "full"]
    accept_at: Decimal
    """An offer of at least this share of the standard instalment is taken at once."""
    counter_share: Decimal
    """After refusing, the first payment it asks for, as a share of the balance."""
    concession: Decimal
    """The share of the gap between its ask and the user's offer it gives up per round."""
    rounds_to_accept: int
    """Firm offers it refuses before it takes the user's figure."""
    rights_soften: int
    """Fewer refusals once the user named the lawful response (recording, complaint, 12378)."""
    asks: list[Ask]
    agent_id: Literal["gives", "on_insist"]
    written: Literal["agrees", "sms", "stalls"]
    threatens: bool
    agents: list[str]


class Terms(BaseModel):
    """The platform's standard instalment terms the polite agent offers."""

    count: int
    fee_rate: Decimal


@cache
def _data() -> dict[str, object]:
    data: dict[str, object] = lexicon("rp_personas")
    return data


@cache
def policy(persona: Persona) -> Policy:
    """Return a persona's policy."""
    personas = _data()["personas"]
    assert isinstance(personas, dict)
    return Policy.model_validate(personas[persona])


@cache
def terms() -> Terms:
    """Return the standard instalment terms."""
    return Terms.model_validate(_data()["standard"])


def _up(amount: Decimal, step: int = 1) -> Decimal:
    return (amount / step).to_integral_value(rounding=ROUND_CEILING) * step


def _round_to() -> int:
    value = _data()["round_to"]
    assert isinstance(value, int)
    return value


def standard_instalment(balance: Decimal) -> Decimal:
    """The standard instalment before its fee: the balance over the standard count, whole yuan up."""
    return _up(balance / terms().count)


def standard_fee(balance: Decimal) -> Decimal:
    """The monthly service fee of the standard instalment, whole yuan up."""
    return _up(balance * terms().fee_rate)


def opening_ask(call: RoleplayState) -> tuple[Decimal, AskKind]:
    """What the persona asks for first: the standard instalment with its fee, or the whole balance."""
    balance = call.figures.balance
    if policy(call.persona).opening_demand == "standard":
        return standard_instalment(balance) + standard_fee(balance), "monthly"
    return balance, "full"


def counter_ask(call: RoleplayState, offer: Decimal) -> Decimal:
    """The first payment the persona asks for after refusing an offer, conceding a share per round."""
    rules = policy(call.persona)
    step = _round_to()
    first = _up(call.figures.balance * rules.counter_share, step)
    ask = first
    for _ in range(call.deal.rounds):
        ask = _up(ask - rules.concession * max(ask - offer, Decimal(0)), step)
    return max(ask, _up(offer + 1, step))


@dataclass(frozen=True)
class Response:
    """What the persona does with one promise: take it, or refuse it and ask for `ask`."""

    accept: bool
    ask: Decimal | None = None


def respond(call: RoleplayState, offer: Decimal, *, rights: bool) -> Response:
    """Apply the persona's policy to one concrete offer of the user (an amount and a date or count).

    Args:
        call: The call (its figures and how many offers were refused so far).
        offer: What the offer costs at its largest (monthly or first payment), whole yuan; 0 for an
            extension with a date to call back.
        rights: Whether the user named the lawful response to threats.

    Returns:
        Accept, or refuse and counter with a first payment.
    """
    rules = policy(call.persona)
    threshold = rules.accept_at * standard_instalment(call.figures.balance)
    if rules.accept_at == 0 or offer >= threshold > 0:
        return Response(True)
    refusals = max(rules.rounds_to_accept - (rules.rights_soften if rights else 0), 0)
    if call.deal.offers_refused >= refusals:
        return Response(True)
    return Response(False, counter_ask(call, offer))


def next_request(call: RoleplayState) -> Ask | None:
    """The next thing the persona asks for in a counter (a date, proof, family, contacts ...), in turn."""
    asks = policy(call.persona).asks
    return asks[call.deal.asks_made % len(asks)] if asks else None
