"""The genre's vocabulary as the classifier and the facts model use it: unit types, periods,
section roles and topics, with their cue words. The data lives in drafter/genre/ (genre.yaml);
the old table names (UNIT_TYPES, TOPICS, TOPIC_HEADINGS …) still read from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drafter.genre import DEFAULT_PERIOD, GENERAL_TOPIC, Genre, active

__all__ = ["DEFAULT_PERIOD", "GENERAL_TOPIC", "OTHER_UNIT_TYPE"]

OTHER_UNIT_TYPE = "其他"

# The genre's tables under the names other modules import (read from the genre in use).
_TABLES: dict[str, Callable[[Genre], Any]] = {
    "UNIT_TYPES": lambda g: {u.name: u.cues for u in g.unit_types.values()},
    "PERIODS": lambda g: {p.name: p.cues for p in g.periods.values()},
    "TOPICS": lambda g: g.topic_cues,
    "TOPIC_HEADINGS": lambda g: {t.name: t.headline["parallel"] for t in g.topics.values()},
    "TOPIC_FAMILIES": lambda g: {f.name: f.members for f in g.families.values()},
    "FAMILY_HEADINGS": lambda g: {f.name: f.headline["parallel"] for f in g.families.values()},
}


def __getattr__(name: str) -> Any:
    if name == "ROLES":  # the section kinds' roles, in draft order (drafter/kinds/)
        from drafter.kinds import ROLES

        return ROLES
    if name in _TABLES:
        return _TABLES[name](active())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def match_unit_type(text: str) -> str:
    """Map free text (a unit name or type) to one of the genre's unit types, else 其他.

    More specific cues win (the genre's match order): 总工会 of a district/county before the
    generic 工会 words, unless a cue rules it out (镇总工会).
    """
    if not text:
        return OTHER_UNIT_TYPE
    genre = active()
    for key in genre.unit_type_match_order:
        unit = genre.unit_types[key]
        if any(w in text for w in unit.unless):
            continue
        if any(cue in text for cue in unit.cues):
            return key
    return OTHER_UNIT_TYPE


def match_period(text: str) -> str:
    genre = active()
    for key in genre.period_match_order:  # 下半年 first: 上半年's cue 半年 is inside it
        if any(cue in text for cue in genre.periods[key].cues):
            return key
    return DEFAULT_PERIOD


def score_topics(text: str) -> dict[str, int]:
    """Count cue-word hits per topic."""
    return {t: sum(text.count(c) for c in cues) for t, cues in active().topic_cues.items()}


def match_topic(text: str) -> str:
    scores = score_topics(text)
    best = max(scores, key=lambda t: scores[t])
    return best if scores[best] > 0 else GENERAL_TOPIC


def family_of(topic: str) -> str:
    return active().family_of(topic)
