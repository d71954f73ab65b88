"""加入事实: a figure the user typed into a section becomes one of the draft's facts (no gradio).

The sentence around each new figure is added, validated like any fact (length, the injection
filter), to the draft's facts and to the section's facts, so the figure is traced from then on
and later checks accept it. The outline branch owns the store's fact operations; this is the
UI's own small step on top of DraftStore.save_draft.
"""

from __future__ import annotations

import re

from drafter.draft import Draft, section_name
from drafter.errors import UserError
from drafter.facts import Facts, FactsError, number_tokens, parse_facts
from drafter.trace import figures_of
from drafter.ui.backend import Backend

_SENTENCE_END = re.compile(r"[。；;！!？?\n]")
NOTE = "加入事实"


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence of `text` holding [start, end), without its closing mark."""
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    right = _SENTENCE_END.search(text, end)
    return text[left : right.start() if right else len(text)].strip(" ，,、")


def add_new_figures(backend: Backend, owner: str, draft_id: str, position: int) -> tuple[Draft, str]:
    """Add the sentence of every figure in the section that no fact holds to the facts."""
    store = backend.drafts(owner)
    draft = backend.get_draft(owner, draft_id)
    if draft is None or not 0 <= position < len(draft.sections):
        raise UserError("找不到这份草稿或这一节，请刷新页面后再试。")
    section = draft.sections[position]
    if section.locked:
        raise UserError(f"{section_name(section.heading)}已锁定，请先解锁。")
    facts = Facts.from_dict(draft.facts)
    known = [*section.facts, *facts.facts, *facts.problems, *facts.plans]
    new = [f for f in figures_of(section.text, known) if not f.fact]
    sentences = list(dict.fromkeys(sentence_around(section.text, f.start, f.end) for f in new))
    if not sentences:
        return draft, f"{section_name(section.heading)}没有新数字。"
    raw = {**facts.to_dict(), "unit_type": facts.unit_type_raw or facts.unit_type,
           "facts": [*facts.facts, *sentences]}
    try:
        checked = parse_facts(raw)
    except FactsError as exc:
        raise UserError("无法加入事实：" + " ".join(exc.messages)) from None
    added = [s for s in sentences if s in checked.facts]
    if not added:
        raise UserError("这些句子不能作为事实加入（像是对模型的指令），请改写后再试。")
    checked.rejected = [*facts.rejected, *checked.rejected]
    draft.facts = checked.to_dict()
    section.facts = [*section.facts, *added]
    figures = {n for s in added for n in number_tokens(s)}
    section.warnings = [w for w in section.warnings
                        if not (w.kind == "invented_number" and set(number_tokens(w.text)) <= figures)]
    store.save_draft(draft, note=NOTE)
    fresh = backend.get_draft(owner, draft_id)
    assert fresh is not None
    return fresh, "已把" + "、".join(f"“{s}”" for s in added) + "加入事实，这些数字以后按事实核对。"
