"""Figures in a section's text and the fact each came from.

A minimal version written on the UI branch so the card can show figures; the outline
branch owns the full module with this same interface (`Figure`, `figures_of`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from drafter.facts import number_tokens

# A run that may hold a number; number_tokens decides what it is (one normalisation).
_CANDIDATE = re.compile(r"[0-9０-９][0-9０-９,.．]*\s*[%％‰]?")


@dataclass
class Figure:
    text: str  # as written in the section
    fact: str  # the fact it came from; "" when no fact holds it (e.g. typed by hand)
    start: int
    end: int


def figures_of(text: str, facts: Sequence[str]) -> list[Figure]:
    """Every figure in `text`, in order, with the first fact that holds the same number."""
    holders = [(fact, set(number_tokens(fact))) for fact in facts]
    out: list[Figure] = []
    for m in _CANDIDATE.finditer(text):
        raw = m.group().rstrip(",.．")
        tokens = number_tokens(raw)
        after = text[m.start() + len(raw) : m.start() + len(raw) + 1]
        if not tokens or after in "月日" and after or (after == "年" and len(tokens[0]) == 4):
            continue  # a date or a year, not a figure of the work
        fact = next((f for f, numbers in holders if tokens[0] in numbers), "")
        out.append(Figure(raw, fact, m.start(), m.start() + len(raw)))
    return out
