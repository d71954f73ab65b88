"""Changing a stored draft's section list: add, remove, restore and move a section; move or add a fact.

A mixin of `Drafter` (it uses the store, the retriever and the generation run of drafting.py):
the section list is the user's to shape after drafting, as the outline was before it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drafter.draft import Draft, Section, Warning, placeholder, section_name
from drafter.errors import UserError
from drafter.facts import MAX_ITEM_CHARS, Facts, looks_like_instruction, strip_bullet
from drafter.generation import DraftResult, GenerationReport, planned_from_draft
from drafter.kinds import KINDS
from drafter.numbers import number_tokens
from drafter.outline import Outline, plan_outline
from drafter.trace import figures_of, sentence_at

if TYPE_CHECKING:
    from drafter.drafting import Drafter


class SectionOps:
    """add_section … add_figure_fact; `self` is a Drafter."""

    def add_section(self: Drafter, draft_id: str, heading: str, position: int | None = None, role: str = "body") -> Draft:
        """A new section (no facts yet, a 待补充 gap as its text) at `position` (default: before
        the problems section, else at the end). Move facts into it with `move_fact`."""
        heading = heading.strip()
        if not heading:
            raise UserError("请填写新一节的小标题。")
        if role not in ("body", "problems", "plans", "closing"):
            raise UserError(f"不支持的节类型 {role}。")
        draft = self.store.get(draft_id)
        if position is None:
            position = next((i for i, s in enumerate(draft.sections) if s.role in ("problems", "plans")), len(draft.sections))
        if not 0 <= position <= len(draft.sections):
            raise UserError(f"新一节只能放在第 1 到第 {len(draft.sections) + 1} 节的位置。")
        text = placeholder(f"“{heading}”的具体内容")
        section = Section(heading, text, role=role, warnings=[Warning("placeholder", "本节含有待补充内容，请填写后再使用。", text)])
        self.store.insert_section(draft_id, position, section)
        return self.store.get(draft_id)

    def remove_section(self: Drafter, draft_id: str, position: int, force: bool = False) -> Section:
        """Take a section out of the draft (the store keeps it: `store.removed_sections`).

        A section carrying facts is refused unless `force`: its figures would leave the text,
        so the user first moves the facts elsewhere or says it is meant."""
        _, section = self._editable_section(draft_id, position)
        if section.facts and not force:
            raise UserError(
                f"{section_name(section.heading, section.role)}含有 {len(section.facts)} 条事实，删除后这些事实不会出现在稿中。"
                "请先把事实移到其他节，或确认删除。"
            )
        return self.store.remove_section(draft_id, position)

    def restore_section(self: Drafter, draft_id: str, which: int, position: int | None = None) -> tuple[Draft, int]:
        """Put back the `which`-th removed section (0: the last removed), with its history, at
        `position` (default: where its kind stands in the genre's order); the draft and where it went."""
        draft = self.store.get(draft_id)
        removed = self.store.removed_sections(draft_id)
        if not 0 <= which < len(removed):
            raise UserError(f"没有第 {which + 1} 个删除过的节（这份草稿删除过 {len(removed)} 节）。")
        if position is None:
            order = list(KINDS)
            rank = order.index(removed[which].role) if removed[which].role in order else order.index("body")
            position = next((i for i, s in enumerate(draft.sections) if s.role in order and order.index(s.role) > rank),
                            len(draft.sections))
        if not 0 <= position <= len(draft.sections):
            raise UserError(f"恢复的一节只能放在第 1 到第 {len(draft.sections) + 1} 节的位置。")
        self.store.restore_section(draft_id, which, position)
        return self.store.get(draft_id), position

    def move_section(self: Drafter, draft_id: str, position: int, new_position: int) -> Draft:
        """Move a section to `new_position` (counted in the list as it is now, from 0)."""
        draft = self.store.get(draft_id)
        n = len(draft.sections)
        for p in (position, new_position):
            if not 0 <= p < n:
                raise UserError(f"没有第 {p + 1} 节：这份草稿共 {n} 节。")
        self.store.move_section(draft_id, position, new_position)
        return self.store.get(draft_id)

    def move_fact(self: Drafter, draft_id: str, fact: str, to_position: int, offline: bool = False) -> DraftResult:
        """Move one fact item (as the user wrote it) to the section at `to_position`, then write
        both sections again; a section the user edited by hand keeps its text (its warnings say
        what is now missing or extra)."""
        draft = self.store.get(draft_id)
        source = next((i for i, s in enumerate(draft.sections) if fact in s.facts), None)
        if source is None:
            raise UserError(f"草稿中没有这条事实：{fact[:40]}")
        if not 0 <= to_position < len(draft.sections):
            raise UserError(f"没有第 {to_position + 1} 节：这份草稿共 {len(draft.sections)} 节。")
        if source == to_position:
            raise UserError(f"这条事实已在{section_name(draft.sections[source].heading, draft.sections[source].role)}中。")
        if draft.sections[to_position].role == "opening":  # the opening does not carry facts
            raise UserError("开头段不放事实，请移到正文的某一节。")
        for p in (source, to_position):
            if draft.sections[p].locked:
                raise UserError(f"{section_name(draft.sections[p].heading, draft.sections[p].role)}已锁定，请先解锁再移动事实。")
        draft.sections[source].facts.remove(fact)
        draft.sections[to_position].facts.append(fact)
        facts = Facts.from_dict(draft.facts)
        edited = set(self.store.hand_edited_positions(draft_id))
        for p in (source, to_position):
            draft.sections[p].warnings = self._recheck(draft.sections[p], facts, p)
        self.store.save_draft(draft, note="移动事实")
        rewrite = [p for p in sorted((source, to_position)) if p not in edited]
        outline = Outline(draft.title, planned_from_draft(draft, plan_outline(facts, self.retriever)))
        use_llm = self.model is not None and not offline
        report = self._generate(draft, facts, outline, rewrite, use_llm) if rewrite else GenerationReport()
        report.skipped_edited = sorted(edited & {source, to_position})
        return DraftResult(self._settle_mode(draft_id), report)

    def add_fact(self: Drafter, draft_id: str, position: int, sentence: str) -> Section:
        """Add `sentence` (e.g. the one holding a figure the user typed) to the draft's facts and
        to the section at `position`; its figures then count as facts."""
        draft, section = self._editable_section(draft_id, position)
        item = strip_bullet(" ".join(sentence.split()))
        if not item:
            raise UserError("要加入的事实是空的。")
        if len(item) > MAX_ITEM_CHARS:
            raise UserError(f"这条事实有 {len(item)} 字，超过 {MAX_ITEM_CHARS} 字，请拆短一些。")
        if looks_like_instruction(item):
            raise UserError("这句话像是对模型的指令，不能作为事实加入。")
        key = {"problems": "problems", "plans": "plans"}.get(section.role, "facts")
        if item not in draft.facts.get(key, []):
            draft.facts[key] = [*draft.facts.get(key, []), item]
        if item not in section.facts:
            section.facts.append(item)
        section.warnings = self._recheck(section, Facts.from_dict(draft.facts), position)
        self.store.save_draft(draft, note="加入事实")
        return section

    def add_figure_fact(self: Drafter, draft_id: str, position: int, figure: str) -> Section:
        """Add the sentence holding `figure` (a figure of the section's text, e.g. a new_number
        warning's text "88") as a fact, as `add_fact` does."""
        draft, section = self._editable_section(draft_id, position)
        wanted = number_tokens(figure)
        found = next((f for f in figures_of(section.text, []) if number_tokens(f.text) == wanted), None)
        if not wanted or found is None:
            raise UserError(f"{section_name(section.heading, section.role)}中没有数字“{figure}”。")
        return self.add_fact(draft_id, position, sentence_at(section.text, found.start).rstrip("。；！？"))
