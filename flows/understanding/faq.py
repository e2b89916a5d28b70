"""The knowledge base behind questions typed mid-conversation ("will I go to prison?").

Each topic is a template, `scripts_zh/understanding/faq/<topic>.j2`, written from the lawyers'
articles in shared/seeds and the checked texts in shared/legal. Any law an answer cites comes from
`scripts_zh/data/legal_sources.yaml` (copied from shared/legal/texts.md) and is shown by the
toolkit's `source_lines`: verbatim texts in quotation marks, summaries as summaries. Every answer
ends by saying the coach is not a lawyer.
"""

from __future__ import annotations

from flows.core.texts import lexicon, render
from flows.negotiation.toolkit import source_lines

TOPICS: tuple[str, ...] = tuple(lexicon("interject")["topics"])
"""Every topic, in the order `lexicons/interject.yaml` lists them (its words find the topic)."""

TOPIC_CITATIONS: dict[str, tuple[str, ...]] = {
    "jail": ("civil_code_675", "criminal_293_1"),
    "upfront_interest": ("civil_code_670",),
    "fake_legal": ("collection_guidelines",),
    "lawsuit": ("fin_opinion_2017",),
    "family_contacts": ("collection_guidelines", "pipl_10"),
    "rate_legal": ("civil_code_680", "fin_opinion_2017", "private_lending_25", "line_36"),
    "principal_only": ("civil_code_585_2", "fin_opinion_2017"),
    "licensed": ("private_lending_1_2", "reply_2020"),
    "harassment": ("collection_guidelines",),
    "statute": ("civil_code_188",),
    "penalty": ("civil_code_585_2", "fin_opinion_2017"),
    "bankruptcy": ("shenzhen_bankruptcy",),
}
"""Which checked sources each topic shows, by key of legal_sources.yaml."""


def answer(topic: str) -> str:
    """Render the knowledge-base answer for one topic, with its sources and the not-a-lawyer note.

    Args:
        topic: One of `TOPICS`.

    Returns:
        The reply text.

    Raises:
        KeyError: The topic is not in the knowledge base.
    """
    if topic not in TOPICS:
        raise KeyError(topic)
    parts = [render(f"understanding/faq/{topic}")]
    lines = source_lines(TOPIC_CITATIONS.get(topic, ()))
    if lines:
        parts.append("\n".join(lines))
    parts.append(render("understanding/faq_footer"))
    return "\n\n".join(parts)


def faq_citation_keys() -> frozenset[str]:
    """List every citation key the knowledge base can show (for the citation tests)."""
    return frozenset(key for keys in TOPIC_CITATIONS.values() for key in keys)
