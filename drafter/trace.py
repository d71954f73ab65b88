"""Where each figure of a draft came from: every number in a section's text → the fact behind it.

A figure is an Arabic number as `numbers.number_tokens` reads it ("1,200" and "1200" are one
value, "95%" keeps its sign), outside dates and list markers (guard.non_figure_spans). It is
traced to a fact holding the same value: the section's own facts first, then every fact of
the draft; among several, the one sharing most wording with the figure's sentence. A figure
that no fact holds has fact "" (the guard warns about it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from drafter.guard import non_figure_spans
from drafter.numbers import number_spans, number_tokens

# A magnitude word right after a number belongs to the figure as it is read (3.5万, 2亿).
_MAGNITUDE = re.compile(r"[万亿千百]+")
_SENTENCE_END = "。！？；\n"


@dataclass(frozen=True)
class Figure:
    """One figure in a text: as written there, its fact ("" when none), its span in the text."""

    text: str
    fact: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def figures_of(text: str, facts: Sequence[str], all_facts: Sequence[str] = ()) -> list[Figure]:
    """Every figure of `text`, in order, each with the fact it came from.

    `facts` are the section's own facts (preferred), `all_facts` every fact of the draft
    (facts, problems and plans), used when none of the section's own holds the figure.
    """
    skip = non_figure_spans(text)
    own = [(f, set(number_tokens(f))) for f in facts]
    every = [(f, set(number_tokens(f))) for f in all_facts]
    out: list[Figure] = []
    for token, start, end in number_spans(text):
        if any(a <= start < b for a, b in skip):
            continue
        magnitude = _MAGNITUDE.match(text, end)
        if magnitude:
            end = magnitude.end()
        candidates = [f for f, tokens in own if token in tokens] or [f for f, tokens in every if token in tokens]
        out.append(Figure(text[start:end], _closest(candidates, sentence_at(text, start)), start, end))
    return out


def sentence_at(text: str, index: int) -> str:
    """The sentence of `text` that holds position `index` (with its closing punctuation)."""
    begin = max(text.rfind(ch, 0, index) for ch in _SENTENCE_END) + 1
    ends = [i for i in (text.find(ch, index) for ch in _SENTENCE_END) if i >= 0]
    end = min(ends) + 1 if ends else len(text)
    return text[begin:end].strip()


def _closest(candidates: list[str], sentence: str) -> str:
    """The candidate sharing most two-character pieces with the sentence (the first on a tie)."""
    if len(candidates) <= 1:
        return candidates[0] if candidates else ""
    pieces = {sentence[i : i + 2] for i in range(len(sentence) - 1)}
    return max(candidates, key=lambda f: sum(1 for i in range(len(f) - 1) if f[i : i + 2] in pieces))


def draft_fact_items(facts: dict[str, Any]) -> list[str]:
    """Every item of a draft's stored facts a figure may come from: facts, problems, plans."""
    return [*facts.get("facts", []), *facts.get("problems", []), *facts.get("plans", [])]


def section_figures(draft: Any) -> list[list[Figure]]:
    """The figures of each section of a `Draft`, in section order."""
    every = draft_fact_items(draft.facts)
    return [figures_of(s.text, s.facts, every) for s in draft.sections]


def draft_dict(draft: Any) -> dict[str, Any]:
    """`draft.to_dict()` with each section's `figures`: [{text, fact}] (for `drafter show --json`)."""
    data = draft.to_dict()
    for section, figures in zip(data["sections"], section_figures(draft), strict=True):
        section["figures"] = [{"text": f.text, "fact": f.fact} for f in figures]
    return data
