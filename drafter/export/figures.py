"""Figures in the Word export: split a paragraph's text at its figures, and what a comment says."""

from __future__ import annotations

from collections.abc import Callable

from drafter.draft import Draft
from drafter.trace import Figure, draft_fact_items, figures_of

COMMENT_AUTHOR = "起草助手（数据来源）"
NO_SOURCE = "此数字不在您提供的事实中，请核实。"

FigureFinder = Callable[[str], list[Figure]]


def figure_finder(draft: Draft, position: int) -> FigureFinder:
    """Finds the figures of a printed paragraph of section `position`, traced to its facts."""
    every = draft_fact_items(draft.facts)
    own = draft.sections[position].facts
    return lambda text: figures_of(text, own, every)


def split_at_figures(text: str, figures: list[Figure]) -> list[tuple[str, Figure | None]]:
    """`text` as consecutive pieces; each figure is a piece of its own, carrying its Figure."""
    out: list[tuple[str, Figure | None]] = []
    pos = 0
    for f in figures:
        if f.start > pos:
            out.append((text[pos : f.start], None))
        out.append((text[f.start : f.end], f))
        pos = f.end
    if pos < len(text):
        out.append((text[pos:], None))
    return out


def comment_text(figure: Figure) -> str:
    """The comment on a figure: the fact it came from, as the user wrote it."""
    return f"来源事实：{figure.fact}" if figure.fact else NO_SOURCE
