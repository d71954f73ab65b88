"""Splitting Chinese text into sentences: one definition of where a sentence ends.

A sentence ends at 。！？ (with `clauses`, also at ；) or at a line break. Each piece keeps its end
mark and the line break after it, so joining the pieces gives the text back (less any end mark
standing alone, e.g. the second of “。。”).
"""

from __future__ import annotations

import re
from functools import cache

SENTENCE_ENDS = "。！？"
CLAUSE_ENDS = SENTENCE_ENDS + "；"


@cache
def _pattern(ends: str) -> re.Pattern[str]:
    return re.compile(f"[^{ends}\\n]+[{ends}]?\\n?")


def sentences(text: str, *, clauses: bool = False) -> list[str]:
    """The sentences of `text` (clauses: also split at ；), each with its end mark."""
    return _pattern(CLAUSE_ENDS if clauses else SENTENCE_ENDS).findall(text)


def sentence_bodies(text: str, *, clauses: bool = False, min_chars: int = 1) -> list[str]:
    """The sentences without their end marks and line breaks, those of at least `min_chars`."""
    ends = (CLAUSE_ENDS if clauses else SENTENCE_ENDS) + "\n"
    bodies = (s.rstrip("\n").rstrip(ends) for s in sentences(text, clauses=clauses))
    return [b for b in bodies if len(b) >= min_chars]
