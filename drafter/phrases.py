"""Our own generic genre sentences, for the offline composer. The sentences live in
drafter/genre/phrases.yaml (see its header for what they may and may not say); this module adapts
them to the unit and keeps the old table names (PHRASES, OPENING, TAIL_EXPAND …) readable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from drafter.genre import Genre, active

_STAFF = re.compile(r"(?<![教])职工")


ADAPTED_UNIT_TYPES = ("学校",)  # the unit types `adapt` rewords for


def adapt(text: str, unit_type: str) -> str:
    """Our generic wording in the unit's own words (a school's 职工 are 教职工, its 职代会 教代会)."""
    if unit_type in ADAPTED_UNIT_TYPES:
        text = _STAFF.sub("教职工", text).replace("职代会", "教代会")
    return text


def _bank(genre: Genre, topic: str) -> dict[str, tuple[str, ...]]:
    b = genre.topics[topic].phrases
    return {"open": b.open, "method": b.method, "effect": b.effect}


def _tail_expand(genre: Genre) -> dict[str, tuple[str, ...]]:
    """Extra material for an offline expand, per section kind (the kinds own this: drafter/kinds/)."""
    from drafter.kinds import KINDS

    return {k.role: k.expand_phrases(genre) for k in KINDS.values() if k.expand_phrases(genre)}


_TABLES: dict[str, Callable[[Genre], Any]] = {
    "PHRASES": lambda g: {t: _bank(g, t) for t in g.topics},
    "SPECIAL_OPEN": lambda g: {h: s[0] for h, s in g.special_sections.items()},
    "SPECIAL_METHOD": lambda g: {h: s[1] for h, s in g.special_sections.items()},
    "EFFECT_LEADS": lambda g: g.effect_leads,
    "OPENING": lambda g: dict(g.section_phrases["opening"]),
    "PROBLEMS": lambda g: dict(g.section_phrases["problems"]),
    "PLANS": lambda g: dict(g.section_phrases["plans"]),
    "CLOSING": lambda g: dict(g.section_phrases["closing"]),
    "TAIL_EXPAND": _tail_expand,
}


def __getattr__(name: str) -> Any:
    if name in _TABLES:
        return _TABLES[name](active())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
