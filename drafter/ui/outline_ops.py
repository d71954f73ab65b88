"""The user's changes to a planned outline before drafting (no gradio).

The UI keeps an outline as a plain dict (session and browser state); each operation takes one
and returns the changed outline, or raises UserError with what to do instead. Body sections
move among themselves: the opening stays first, problems and plans stay last.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from drafter.draft import section_numbers, short_name
from drafter.errors import UserError
from drafter.genre import active
from drafter.outline import Outline, PlannedSection, retitle

MAX_HEADING_CHARS = 30
MIN_TARGET_CHARS = 150


def to_dict(outline: Outline) -> dict[str, Any]:
    return dataclasses.asdict(outline)


def from_dict(data: dict[str, Any]) -> Outline:
    return Outline(data["title"], [PlannedSection(**s) for s in data["sections"]])


def styles() -> dict[str, str]:
    """The headline styles the genre offers: key → the label the user reads."""
    return dict(active().headline_styles)


def labels(outline: Outline) -> list[str]:
    """Each section as the user reads it: 开头段, 一、…, 二、…, 结束语"""
    numbers = section_numbers(s.heading for s in outline.sections)
    return [f"{n}、{s.heading}" if n else short_name(s.heading, s.role)
            for n, s in zip(numbers, outline.sections, strict=True)]


def _bodies(outline: Outline) -> list[int]:
    return [i for i, s in enumerate(outline.sections) if s.role == "body"]


def _body(outline: Outline, position: int) -> PlannedSection:
    if position not in _bodies(outline):
        raise UserError("这一节不能这样调整：开头段、存在问题和下一步打算的位置是固定的。")
    return outline.sections[position]


def rebalance(outline: Outline) -> Outline:
    """Share the body sections' length budget by their number of facts again."""
    bodies = [outline.sections[i] for i in _bodies(outline)]
    budget = sum(s.target_chars for s in bodies)
    n_facts = sum(len(s.facts) for s in bodies) or 1
    for s in bodies:
        s.target_chars = max(int(budget * len(s.facts) / n_facts), MIN_TARGET_CHARS)
    return outline


def _clean_heading(heading: str, outline: Outline, keep: int | None = None) -> str:
    text = " ".join((heading or "").split())
    if not text:
        raise UserError("小标题不能为空。")
    if len(text) > MAX_HEADING_CHARS:
        raise UserError(f"小标题不要超过{MAX_HEADING_CHARS}字。")
    if any(s.heading == text for i, s in enumerate(outline.sections) if i != keep):
        raise UserError(f"已有一节叫“{text}”，请换一个小标题。")
    return text


def rename(outline: Outline, position: int, heading: str) -> tuple[Outline, str]:
    if not 0 < position < len(outline.sections):
        raise UserError("开头段没有小标题。")
    old = outline.sections[position].heading
    new = _clean_heading(heading, outline, keep=position)
    outline.sections[position].heading = new
    return outline, ("" if new == old else f"已把“{old}”改为“{new}”。")


def move(outline: Outline, position: int, step: int) -> tuple[Outline, str]:
    """Move a body section one place up (step -1) or down (+1) among the body sections."""
    bodies = _bodies(outline)
    section = _body(outline, position)
    at = bodies.index(position)
    if not 0 <= at + step < len(bodies):
        return outline, "已经是第一节。" if step < 0 else "已经是最后一节（存在问题和下一步打算固定在最后）。"
    other = bodies[at + step]
    outline.sections[position], outline.sections[other] = outline.sections[other], section
    return outline, f"已把“{section.heading}”{'上移' if step < 0 else '下移'}一位。"


def add(outline: Outline, heading: str) -> tuple[Outline, str]:
    """A new, empty body section after the last one; facts are moved into it afterwards."""
    text = _clean_heading(heading, outline)
    bodies = _bodies(outline)
    at = (bodies[-1] + 1) if bodies else 1
    topic = outline.sections[bodies[-1]].topic if bodies else ""
    outline.sections.insert(at, PlannedSection(text, "body", topic, [], MIN_TARGET_CHARS))
    return outline, f"已添加“{text}”，请把要写进这一节的事实移过来。"


def remove(outline: Outline, position: int) -> tuple[Outline, str]:
    """Remove a body section; its facts go to the section before it (or after, for the first)."""
    section = _body(outline, position)
    bodies = _bodies(outline)
    if len(bodies) == 1:
        raise UserError("至少要保留一节写主要工作。")
    at = bodies.index(position)
    heir = outline.sections[bodies[at - 1] if at > 0 else bodies[1]]
    heir.facts.extend(section.facts)
    heir.target_chars += section.target_chars  # the budget stays with the facts
    outline.sections.pop(position)
    moved = f"，它的 {len(section.facts)} 条事实移到了“{heir.heading}”" if section.facts else ""
    return rebalance(outline), f"已删除“{section.heading}”{moved}。"


def merge_up(outline: Outline, position: int) -> tuple[Outline, str]:
    """Merge a body section into the body section before it (that one's headline stays)."""
    section = _body(outline, position)
    bodies = _bodies(outline)
    at = bodies.index(position)
    if at == 0:
        raise UserError("第一节前面没有可合并的节。")
    target = outline.sections[bodies[at - 1]]
    target.facts.extend(section.facts)
    target.target_chars += section.target_chars
    outline.sections.pop(position)
    return rebalance(outline), f"已把“{section.heading}”并入“{target.heading}”。"


def move_fact(outline: Outline, fact: str, position: int) -> tuple[Outline, str]:
    target = _body(outline, position)
    source = next((s for s in outline.sections if s.role == "body" and fact in s.facts), None)
    if source is None:
        raise UserError("请先选择要移动的事实。")
    if source is target:
        return outline, f"这条事实已在“{target.heading}”中。"
    source.facts.remove(fact)
    target.facts.append(fact)
    return rebalance(outline), f"已把事实移到“{target.heading}”。"


def restyle(outline: Outline, style: str) -> tuple[Outline, str]:
    """The body headlines in another of the genre's styles (headlines the user wrote are kept)."""
    if style not in styles():
        return outline, ""
    return retitle(outline, style), f"小标题已换成{styles()[style]}。"


def problems_before_drafting(outline: Outline) -> list[str]:
    """What keeps the outline from being drafted: a body section without facts."""
    names = labels(outline)
    return [f"{names[i]}还没有事实：请把事实移进来，或删除这一节。"
            for i in _bodies(outline) if not outline.sections[i].facts]


def body_facts(outline: Outline) -> list[tuple[str, int]]:
    """(fact, position of its section) for every fact of the body sections."""
    return [(f, i) for i in _bodies(outline) for f in outline.sections[i].facts]


def body_positions(outline: Outline) -> list[int]:
    return _bodies(outline)
