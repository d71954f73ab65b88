"""加入事实: the figures the user typed into a section become facts (no gradio).

For each figure of the section that no fact holds, the sentence around it is added as a fact
through the service (`add_figure_fact`: validated like any fact, traced from then on)."""

from __future__ import annotations

from drafter.draft import Draft, section_name
from drafter.errors import UserError
from drafter.facts import Facts
from drafter.trace import figures_of
from drafter.ui.backend import Backend


def add_new_figures(backend: Backend, owner: str, draft_id: str, position: int) -> tuple[Draft, str]:
    """Add the sentence of every figure in the section that no fact holds to the facts."""
    draft = backend.get_draft(owner, draft_id)
    if draft is None or not 0 <= position < len(draft.sections):
        raise UserError("找不到这份草稿或这一节，请刷新页面后再试。")
    section = draft.sections[position]
    facts = Facts.from_dict(draft.facts)
    new = [f for f in figures_of(section.text, section.facts, [*facts.facts, *facts.problems, *facts.plans])
           if not f.fact]
    if not new:
        return draft, f"{section_name(section.heading, section.role)}没有新数字。"
    added: list[str] = []
    for figure in new:
        fresh = backend.service.get(owner, draft_id).sections[position]
        if any(figure.text in fact for fact in fresh.facts[len(section.facts):]):
            continue  # its sentence was added with an earlier figure
        added.append(backend.service.add_figure_fact(owner, draft_id, position, figure.text).facts[-1])
    fresh_draft = backend.get_draft(owner, draft_id)
    assert fresh_draft is not None
    return fresh_draft, "已把" + "、".join(f"“{s}”" for s in added) + "加入事实，这些数字以后按事实核对。"
