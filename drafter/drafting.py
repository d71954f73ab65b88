"""The drafting pipeline: facts → outline → retrieval → sections (LLM or offline) → guard → store.

Collaborators (retriever, store, LLM client) are passed in. Progress goes out through a
`DraftEvents` object, so the CLI prints and the UI streams without this module knowing either.
Sections are saved one by one as they finish: a failure or a crash loses no finished section.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from drafter import compose
from drafter.draft import Draft, Section, Signoff, Source, Warning, chinese_numeral
from drafter.errors import UserError
from drafter.facts import Facts, number_tokens
from drafter.guard import NEEDS_REPAIR, check_section, repair_instructions
from drafter.llm import LLMClient, LLMError
from drafter.outline import Outline, PlannedSection, plan_outline
from drafter.phrases import PHRASES
from drafter.retrieve import Retriever, SearchResult
from drafter.store import DraftStore
from drafter.write import (
    REVISE_ACTIONS,
    clean_output,
    repair_messages,
    revise_messages,
    section_messages,
    write_section,
)

PASSAGES_PER_SECTION = 4
_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")


class DraftEvents:
    """Progress callbacks; the default does nothing. Called from worker threads."""

    def section_started(self, position: int, section: Section) -> None: ...

    def delta(self, position: int, text: str) -> None: ...

    def restart(self, position: int) -> None: ...

    def section_done(self, position: int, section: Section) -> None: ...

    def notice(self, message: str) -> None: ...


@dataclass
class DraftResult:
    draft: Draft
    llm_error: str = ""  # set when the LLM could not be used at all (bad key, unreachable)


class Drafter:
    def __init__(
        self,
        retriever: Retriever | None,
        store: DraftStore,
        llm: LLMClient | None = None,
        concurrency: int = 4,
        events: DraftEvents | None = None,
    ) -> None:
        self.retriever = retriever
        self.store = store
        self.llm = llm
        self.concurrency = max(1, concurrency)
        self.events = events or DraftEvents()

    # ---- drafting ---------------------------------------------------------------------------
    def draft(self, facts: Facts, offline: bool = False) -> DraftResult:
        outline = plan_outline(facts, self.retriever)
        use_llm = self.llm is not None and not offline
        sections = [
            Section(heading=p.heading, text="", role=p.role, topic=p.topic, facts=list(p.facts))
            for p in outline.sections
        ]
        draft = Draft(
            title=outline.title,
            sections=sections,
            signoff=Signoff(facts.union_name, facts.signoff_date),
            mode="llm" if use_llm else "offline",
            facts=facts.to_dict(),
        )
        self.store.create(draft)  # saved before any generation: nothing can be lost later
        positions = list(range(len(sections)))
        error = self._generate(draft, facts, outline, positions, use_llm)
        return DraftResult(self.store.get(draft.id), error)

    def regenerate(self, draft_id: str, offline: bool = False) -> DraftResult:
        """Write every unlocked section again; locked sections are never touched."""
        draft = self.store.get(draft_id)
        facts = Facts.from_dict(draft.facts)
        outline = plan_outline(facts, self.retriever)
        planned = _planned_from_draft(draft, outline)
        outline = Outline(outline.title, planned)
        positions = [i for i, s in enumerate(draft.sections) if not s.locked]
        use_llm = self.llm is not None and not offline
        error = self._generate(draft, facts, outline, positions, use_llm)
        return DraftResult(self.store.get(draft_id), error)

    def _generate(
        self, draft: Draft, facts: Facts, outline: Outline, positions: list[int], use_llm: bool
    ) -> str:
        headings = [s.heading for s in outline.sections]
        numbers = _numbers(outline.sections)
        failed = threading.Event()
        failure: list[str] = []

        def one(position: int) -> None:
            planned = outline.sections[position]
            self.events.section_started(position, draft.sections[position])
            passages = self._passages(facts, planned)
            section = draft.sections[position]
            text, warnings = "", []
            if use_llm and not failed.is_set():
                try:
                    text, warnings = self._llm_section(facts, planned, numbers[position], headings, passages, position)
                except LLMError as exc:
                    if exc.kind in ("auth", "connection", "bad_request"):
                        failed.set()  # every other section would fail the same way
                        failure.append(exc.message)
                    warnings = [Warning("llm_error", f"大模型生成失败：{exc.message} 本节暂用离线草稿，可稍后重写。")]
            if not text:
                text = self._offline_text(facts, planned, outline, passages, position)
            section = Section(
                heading=section.heading,
                text=text,
                role=planned.role,
                topic=planned.topic,
                facts=list(planned.facts),
                sources=[_source(p) for p in passages],
                warnings=warnings + self._check(text, facts, planned, passages),
                locked=section.locked,
            )
            if position == 0:
                section.warnings += [
                    Warning("injection", f"已忽略疑似对模型的指令：{r.text[:40]}", r.text) for r in facts.rejected
                ]
            self.store.save_section(draft.id, position, section, note="生成")
            draft.sections[position] = section
            self.events.section_done(position, section)

        workers = self.concurrency if use_llm else 1
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(one, p) for p in positions]:
                future.result()
        if failure:
            message = f"大模型不可用：{failure[0]} 已改用离线方式生成，草稿已保存。"
            self.events.notice(message)
            return message
        return ""

    def _llm_section(
        self,
        facts: Facts,
        planned: PlannedSection,
        number: str,
        headings: list[str],
        passages: list[SearchResult],
        position: int,
    ) -> tuple[str, list[Warning]]:
        assert self.llm is not None
        messages = section_messages(facts, planned, number, headings, passages)
        others = [h for h in headings if h and h != planned.heading]
        text = write_section(
            self.llm,
            messages,
            planned,
            facts.title,
            others,
            facts.union_name,
            on_delta=lambda d: self.events.delta(position, d),
            on_restart=lambda: self.events.restart(position),
        )
        if planned.role == "opening":
            text = text.split("\n")[0] if text else text
        return self._repair(facts, planned, text, passages, others), []

    def _repair(
        self,
        facts: Facts,
        planned: PlannedSection,
        text: str,
        passages: list[SearchResult],
        others: Sequence[str],
    ) -> str:
        """One automatic repair pass for invented figures, missing facts, copies and noise."""
        assert self.llm is not None
        problems = [w for w in self._check(text, facts, planned, passages) if w.kind in NEEDS_REPAIR]
        if not problems or not text:
            return text
        section = Section(heading=planned.heading, text=text, facts=list(planned.facts))
        fixed = self.llm.chat(
            repair_messages(facts, section, repair_instructions(problems), facts.title),
            max_tokens=len(text) * 2 + 200,
        )
        fixed = clean_output(fixed, planned.heading, facts.title, others, facts.union_name)
        return fixed or text

    def _offline_text(
        self,
        facts: Facts,
        planned: PlannedSection,
        outline: Outline,
        passages: list[SearchResult],
        position: int,
    ) -> str:
        frames = compose.usable_frames(passages, planned.topic)
        if planned.role == "opening":
            bodies = [s for s in outline.sections if s.role == "body"]
            return compose.compose_opening(facts, bodies, frames)
        if planned.role == "problems":
            return compose.compose_problems(planned)
        if planned.role == "plans":
            return compose.compose_plans(planned, facts)
        return compose.compose_body(planned, facts.unit_name + str(position), frames, planned.target_chars)

    # ---- retrieval and checks ------------------------------------------------------------------
    def _passages(self, facts: Facts, planned: PlannedSection) -> list[SearchResult]:
        if self.retriever is None:
            return []
        query = " ".join([planned.heading, *planned.facts])[:300] or facts.title
        prefer = {"unit_type": facts.unit_type, "period": facts.period, "topic": planned.topic}
        hits = self.retriever.search(query, k=PASSAGES_PER_SECTION, filters={"role": planned.role}, prefer=prefer)
        if len(hits) < 2:
            hits += self.retriever.search(query, k=PASSAGES_PER_SECTION - len(hits), prefer=prefer)
        return hits

    def _check(
        self, text: str, facts: Facts, planned: PlannedSection, passages: Sequence[SearchResult]
    ) -> list[Warning]:
        corpus = [p.text for p in passages]
        if self.retriever is not None and text:
            corpus += [h.text for h in self.retriever.search(text[:200], k=5, mode="bm25")]
        return check_section(text, facts, planned.facts, corpus, planned.role)

    # ---- revising ---------------------------------------------------------------------------------
    def revise(
        self, draft_id: str, position: int, *, instruction: str = "", action: str = "", offline: bool = False
    ) -> Section:
        draft = self.store.get(draft_id)
        if not 0 <= position < len(draft.sections):
            raise UserError(f"没有第 {position + 1} 节：这份草稿共 {len(draft.sections)} 节。")
        section = draft.sections[position]
        if section.locked:
            raise UserError(f"“{section.heading or '开头'}”一节已锁定，请先解锁再修改。")
        if action and action not in REVISE_ACTIONS:
            raise UserError(f"不支持的操作 {action}：可用 polish、expand、shorten。")
        facts = Facts.from_dict(draft.facts)
        planned = PlannedSection(section.heading, section.role, section.topic, list(section.facts), len(section.text))
        if self.llm is None or offline:
            if action not in ("expand", "shorten"):
                raise UserError("离线模式只支持扩写和精简；重写和润色需要配置大模型（OPENAI_BASE_URL 等）。")
            text = offline_resize(section, action, self._passages(facts, planned), facts.unit_name + str(position))
            note = {"expand": "扩写（离线）", "shorten": "精简（离线）"}[action]
        else:
            request = REVISE_ACTIONS[action] if action else instruction.strip()
            if not request:
                raise UserError("请填写修改要求，或选择润色、扩写、精简。")
            others = [s.heading for s in draft.sections if s.heading and s.heading != section.heading]
            try:
                raw = self.llm.chat(
                    revise_messages(facts, section, request, draft.title),
                    max_tokens=int(len(section.text) * 3 + 300),
                    on_delta=lambda d: self.events.delta(position, d),
                    on_restart=lambda: self.events.restart(position),
                )
            except LLMError as exc:
                raise UserError(f"修改失败：{exc.message} 原文未改动。") from exc
            text = clean_output(raw, section.heading, draft.title, others, facts.union_name)
            if not text:
                raise UserError("大模型没有返回正文，原文未改动，请重试。")
            try:
                text = self._repair(facts, planned, text, self._passages(facts, planned), others)
            except LLMError:
                pass  # keep the unrepaired text; the guard's warnings below say what is wrong
            note = {"polish": "润色", "expand": "扩写", "shorten": "精简"}.get(action, f"重写：{request[:30]}")
        return self._save_revision(draft_id, position, section, text, facts, note)

    def edit(self, draft_id: str, position: int, text: str, heading: str | None = None) -> Section:
        draft = self.store.get(draft_id)
        if not 0 <= position < len(draft.sections):
            raise UserError(f"没有第 {position + 1} 节：这份草稿共 {len(draft.sections)} 节。")
        section = draft.sections[position]
        if section.locked:
            raise UserError(f"“{section.heading or '开头'}”一节已锁定，请先解锁再修改。")
        if heading is not None:
            section.heading = heading.strip()
        return self._save_revision(draft_id, position, section, text.strip(), Facts.from_dict(draft.facts), "手工修改")

    def _save_revision(
        self, draft_id: str, position: int, section: Section, text: str, facts: Facts, note: str
    ) -> Section:
        planned = PlannedSection(section.heading, section.role, section.topic, list(section.facts))
        passages = [SearchResult("", s.snippet, 0, s.source, s.article, s.heading, "", "", "", "") for s in section.sources]
        section.text = text
        section.warnings = self._check(text, facts, planned, passages)
        self.store.save_section(draft_id, position, section, note=note)
        self.events.section_done(position, section)
        return section


def offline_resize(section: Section, action: str, passages: list[SearchResult], seed: str) -> str:
    """Deterministic expand/shorten that keeps every sentence carrying a fact's figures."""
    sentences = [s for s in _SENTENCE.findall(section.text.replace("\n", "\n")) if s.strip()]
    fact_numbers = {n for f in section.facts for n in number_tokens(f)}
    if action == "shorten":
        keep = [s for i, s in enumerate(sentences) if i == 0 or set(number_tokens(s)) & fact_numbers or "【" in s]
        return "".join(keep).strip() if len(keep) < len(sentences) else section.text
    bank = PHRASES.get(section.topic) or PHRASES["综合"]
    frames = compose.usable_frames(passages, section.topic) + list(bank["method"]) + list(bank["effect"])
    extra = compose.pick([f for f in frames if f not in section.text], seed + "expand", 3)
    if not extra:
        raise UserError("离线模式下本节已无可补充的通用表述；如需进一步扩写，请配置大模型或补充事实。")
    return section.text + "\n" + "".join(extra)


def _source(p: SearchResult) -> Source:
    return Source(source=p.source, article=p.article, heading=p.heading, snippet=p.text[:120])


def _numbers(planned: Sequence[PlannedSection]) -> list[str]:
    out, n = [], 0
    for p in planned:
        if p.heading:
            n += 1
            out.append(chinese_numeral(n))
        else:
            out.append("")
    return out


def _planned_from_draft(draft: Draft, outline: Outline) -> list[PlannedSection]:
    """Keep the draft's own sections (the user may have edited headings); reuse outline targets."""
    targets = {p.heading: p.target_chars for p in outline.sections}
    placeholders = {p.role: p.placeholder for p in outline.sections if p.placeholder}
    return [
        PlannedSection(
            s.heading,
            s.role,
            s.topic,
            list(s.facts),
            targets.get(s.heading, max(len(s.text), 200)),
            placeholders.get(s.role, "") if not s.facts and s.role in ("problems", "plans") else "",
        )
        for s in draft.sections
    ]
