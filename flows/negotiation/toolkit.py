"""The rights toolkit: evidence, what collectors may not do, where to complain, traps, complaint text.

Every legal source shown comes from checked data: `scripts_zh/data/legal_sources.yaml`, shared
with the analysis and copied from shared/legal/. Verbatim entries are quoted; summaries are shown as plain-language
summaries with their name, never inside quotation marks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from typing import Literal, get_args

from flows.analysis.legal import Source, legal_sources
from flows.core.platforms import lookup_platform
from flows.core.texts import render

Topic = Literal["evidence", "rules", "complain", "police", "fake_legal", "traps"]
TOPICS: tuple[Topic, ...] = get_args(Topic)
TRAPS = ("credit_repair", "anti_collection", "paid_agents", "going_silent", "one_platform", "new_loans")
"""The traps the seed articles name, each a `negotiation/trap_<name>.j2` template."""

TOPIC_CITATIONS: dict[Topic, tuple[str, ...]] = {
    "rules": ("collection_guidelines", "pipl_10"),
}
"""Which checked sources each toolkit topic shows, by key."""

CALL_WINDOWS: tuple[tuple[time, time], ...] = ((time(9, 0), time(11, 30)), (time(14, 0), time(17, 0)))
"""When to call a lender: working-day office hours, outside lunch (the one window every text uses)."""

MAX_WHAT_CHARS = 300
MAX_DATES_CHARS = 100
MAX_PLATFORM_CHARS = 60


def citation(key: str) -> Source:
    """Return a checked source by key.

    Args:
        key: A key of legal_sources.yaml.

    Returns:
        The source.

    Raises:
        KeyError: The key is not a checked source.
    """
    return legal_sources()[key]


def source_lines(keys: tuple[str, ...]) -> list[str]:
    """Render one line per source: quoted when verbatim, marked as a summary otherwise.

    Args:
        keys: Citation keys, in the order to show them.

    Returns:
        The lines.
    """
    lines = []
    for key in keys:
        source = citation(key)
        lines.append(render("negotiation/toolkit_source", name=source.name, article=source.article,
                            verbatim=source.status == "verbatim", text=source.shown))
    return lines


def unique_source_lines(keys: list[str]) -> list[str]:
    """Render `source_lines` for keys in order, each source once."""
    lines = source_lines(tuple(dict.fromkeys(keys)))
    return lines


def call_window() -> str:
    """Return the one call window every script and reminder shows (`CALL_WINDOWS`, in words)."""
    windows = [(f"{a.hour}:{a.minute:02d}", f"{b.hour}:{b.minute:02d}") for a, b in CALL_WINDOWS]
    return render("negotiation/call_window", windows=windows)


def toolkit_intro() -> str:
    """Return the toolkit's opening message."""
    return render("negotiation/toolkit_intro")


def toolkit_topic(topic: Topic) -> str:
    """Render one toolkit topic with the sources it cites.

    Args:
        topic: Which part of the toolkit.

    Returns:
        The message text.
    """
    if topic == "traps":
        traps = [render(f"negotiation/trap_{name}") for name in TRAPS]
        return "\n\n".join([render("negotiation/toolkit_traps"), *traps])
    body = render(f"negotiation/toolkit_{topic}")
    lines = source_lines(TOPIC_CITATIONS.get(topic, ()))
    return "\n".join([body, *lines]) if lines else body


def toolkit_citation_keys() -> frozenset[str]:
    """List every citation key the toolkit can show (for the citation test)."""
    return frozenset(key for keys in TOPIC_CITATIONS.values() for key in keys)


_FULL_WIDTH = {",": "\uff0c", ";": "\uff1b", ":": "\uff1a", "?": "\uff1f", "!": "\uff01"}
_CJK_PUNCT = re.compile(r"(?<=[\u3400-\u9fff])[,;:?!]|[,;:?!](?=[\u3400-\u9fff])")


def cjk_punctuation(text: str) -> str:
    """Give back full-width punctuation next to Chinese text (the engine's normalising makes it ASCII)."""
    return _CJK_PUNCT.sub(lambda match: _FULL_WIDTH[match.group(0)], text)


def clean_answer(text: str, limit: int) -> str | None:
    """Tidy a free-text answer for the complaint: one paragraph, no control characters.

    Args:
        text: What the user typed.
        limit: The longest answer kept.

    Returns:
        The tidied text, or None when it is empty or longer than `limit`.
    """
    cleaned = re.sub(r"[\x00-\x1f\x7f]+", " ", text)
    cleaned = cjk_punctuation(re.sub(r"\s+", " ", cleaned).strip())
    if not cleaned or len(cleaned) > limit:
        return None
    return cleaned


@dataclass(frozen=True)
class Complaint:
    """What the user told us for a complaint about illegal collection."""

    platform: str
    dates: str
    what: str
    name: str = ""


def build_complaint(complaint: Complaint, *, today: date) -> list[str]:
    """Render a ready-to-send complaint and where to send it.

    Args:
        complaint: The user's answers (already tidied).
        today: The local date, written on the complaint.

    Returns:
        Two messages: the complaint text to copy, then where to send it and what to keep.
    """
    info = lookup_platform(complaint.platform)
    text = render(
        "negotiation/complaint_text",
        platform=complaint.platform,
        lender=info.lender if info else "",
        dates=complaint.dates,
        what=complaint.what,
        name=complaint.name.strip(),
        today=render("negotiation/script_date", year=today.year, month=today.month, day=today.day,
                     weekday=today.weekday()),
    )
    kind = "unknown" if info is None else ("licensed" if info.licensed else "unlicensed")
    return [text, render("negotiation/complaint_next", lender=kind)]
