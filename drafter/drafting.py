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
from typing import TYPE_CHECKING

from drafter import compose
from drafter.draft import (
    PLACEHOLDER_OPEN,
    Draft,
    Section,
    Signoff,
    Source,
    Warning,
    section_numbers,
)
from drafter.errors import UserError
from drafter.facts import Facts, number_tokens
from drafter.guard import NEEDS_REPAIR, CopyIndex, check_section, repair_instructions
from drafter.outline import Outline, PlannedSection, plan_outline, topic_slots
from drafter.phrases import PHRASES, TAIL_EXPAND
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

if TYPE_CHECKING:
    from drafter.llm import LLMClient

PASSAGES_PER_SECTION = 4
_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?\n?")
# LLM failures that would hit every other section the same way: stop asking the model.
FATAL_LLM_KINDS = ("auth", "connection", "bad_request")


class DraftEvents:
    """Progress callbacks; the default does nothing. Called from worker threads."""

    def draft_created(self, draft: Draft) -> None:
        """The draft and its outline are stored (sections still empty); its id is known."""

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
        self._copy_lock = threading.Lock()
        self._copy_index: tuple[int, CopyIndex] | None = None

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
        self.events.draft_created(draft)
        positions = list(range(len(sections)))
        error, by_llm = self._generate(draft, facts, outline, positions, use_llm)
        return DraftResult(self._settle_mode(draft.id, by_llm), error)

    def regenerate(self, draft_id: str, offline: bool = False) -> DraftResult:
        """Write every unlocked section again; locked sections are never touched."""
        draft = self.store.get(draft_id)
        facts = Facts.from_dict(draft.facts)
        outline = plan_outline(facts, self.retriever)
        planned = _planned_from_draft(draft, outline)
        outline = Outline(outline.title, planned)
        positions = [i for i, s in enumerate(draft.sections) if not s.locked]
        use_llm = self.llm is not None and not offline
        error, by_llm = self._generate(draft, facts, outline, positions, use_llm)
        return DraftResult(self._settle_mode(draft_id, by_llm), error)

    def _settle_mode(self, draft_id: str, by_llm: int) -> Draft:
        """The stored draft, its mode saying how it was really written (the model may be down)."""
        saved = self.store.get(draft_id)
        mode = "llm" if by_llm else "offline"
        if saved.mode != mode:
            saved.mode = mode
            self.store.save_draft(saved, note="模式")
        return saved

    def _generate(
        self, draft: Draft, facts: Facts, outline: Outline, positions: list[int], use_llm: bool
    ) -> tuple[str, int]:
        """Write the sections at `positions`, saving each as soon as it is done.

        Returns the message for an LLM that could not be used at all ("" if none) and how
        many sections the model wrote.

        LLM failures stay inside their section (offline text plus an llm_error warning). Any
        other exception — a bug, or a caller cancelling by raising from an event callback —
        stops the sections not yet started and is re-raised once the running ones are saved.
        """
        headings = [s.heading for s in outline.sections]
        numbers = section_numbers(p.heading for p in outline.sections)
        slots = topic_slots(outline.sections)
        # Build the copy index (and load the index) once, before the worker threads start.
        self._corpus_copies()
        fatal = threading.Event()
        failure: list[str] = []
        stop = threading.Event()
        llm_written: list[int] = []  # positions the model wrote

        def one(position: int) -> None:
            if stop.is_set():
                return
            try:
                write_one(position)
            except BaseException:
                stop.set()  # sections not yet started stay as they are; running ones finish
                raise

        def write_one(position: int) -> None:
            planned = outline.sections[position]
            previous = draft.sections[position]
            self.events.section_started(position, previous)
            passages = self._passages(facts, planned)
            text, warnings = "", []
            # A problems/plans section the user gave nothing for keeps its placeholder: a model
            # would fill it with invented shortcomings or plans.
            if use_llm and not planned.placeholder and not fatal.is_set():
                try:
                    text, warnings = self._llm_section(facts, planned, numbers[position], headings, passages, position)
                    if text:
                        llm_written.append(position)
                except _llm_error() as exc:
                    if exc.kind in FATAL_LLM_KINDS:
                        fatal.set()
                        failure.append(exc.message)
                    warnings = [Warning("llm_error", f"大模型生成失败：{exc.message}本节暂用离线草稿，可稍后重写。")]
            if not text:
                text = self._offline_text(facts, planned, outline, position, slots[position])
            section = Section(
                heading=previous.heading,
                text=text,
                role=planned.role,
                topic=planned.topic,
                facts=list(planned.facts),
                sources=[_source(p) for p in passages],
                warnings=warnings + self._check(text, facts, planned, passages),
                locked=previous.locked,
            )
            if position == 0:
                section.warnings += injection_warnings(facts)
            self.store.save_section(draft.id, position, section, note="生成")
            draft.sections[position] = section
            self.events.section_done(position, section)

        workers = self.concurrency if use_llm else 1
        error: BaseException | None = None
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(one, p) for p in positions]
            for future in futures:
                try:
                    future.result()
                except BaseException as exc:  # re-raised below, once running sections are saved
                    if error is None:
                        error = exc
                        stop.set()
                        for f in futures:
                            f.cancel()
        if error is not None:
            raise error
        if failure:
            message = f"{failure[0]}本次已改用离线方式生成，草稿已保存。"
            self.events.notice(message)
            return message, len(llm_written)
        return "", len(llm_written)

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
        if planned.role == "opening" and text:
            text = _with_hand_over(_one_paragraph(text), facts)
        warnings: list[Warning] = []
        try:
            text = self._repair(facts, planned, text, passages, others)
        except _llm_error() as exc:  # the first answer stands; the guard reports what is wrong
            warnings.append(Warning("llm_error", f"自动修正失败：{exc.message}请核对本节的提示。"))
        if planned.role == "opening" and text:
            text = _with_hand_over(_one_paragraph(text), facts)
        return text, warnings

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
        position: int,
        slot: tuple[int, int] = (0, 1),
    ) -> str:
        """The section from the facts and our own phrase bank only (no retrieved text)."""
        if planned.role == "opening":
            bodies = [s for s in outline.sections if s.role == "body"]
            return compose.compose_opening(facts, bodies, planned.target_chars)
        if planned.role == "problems":
            return compose.compose_problems(planned, facts)
        if planned.role == "plans":
            return compose.compose_plans(planned, facts)
        return compose.compose_body(
            planned,
            facts.unit_name + str(position),
            planned.target_chars,
            slot=slot[0],
            slots=slot[1],
            unit_type=facts.unit_type,
            draft_seed=facts.unit_name,
        )

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
        return check_section(text, facts, planned.facts, corpus, planned.role, self._corpus_copies())

    def _corpus_copies(self) -> CopyIndex | None:
        """The copy index over every chunk of the corpus, rebuilt when the index is reloaded."""
        if self.retriever is None:
            return None
        chunks = self.retriever.index.chunks
        with self._copy_lock:
            if self._copy_index is None or self._copy_index[0] != id(chunks):
                self._copy_index = (id(chunks), CopyIndex([c.text for c in chunks]))
            return self._copy_index[1]

    # ---- revising ---------------------------------------------------------------------------------
    def revise(
        self, draft_id: str, position: int, *, instruction: str = "", action: str = "", offline: bool = False
    ) -> Section:
        draft, section = self._editable_section(draft_id, position)
        if action and action not in REVISE_ACTIONS:
            raise UserError(f"不支持的操作 {action}：可用 polish、expand、shorten。")
        facts = Facts.from_dict(draft.facts)
        planned = PlannedSection(section.heading, section.role, section.topic, list(section.facts), len(section.text))
        if self.llm is None or offline:
            if action not in ("expand", "shorten"):
                raise UserError("离线模式只支持扩写和精简；重写和润色需要配置大模型（OPENAI_BASE_URL 等）。")
            text = offline_resize(section, action, facts.unit_name + str(position), facts)
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
            except _llm_error() as exc:
                raise UserError(f"修改失败：{exc.message} 原文未改动。") from exc
            text = clean_output(raw, section.heading, draft.title, others, facts.union_name)
            if not text:
                raise UserError("大模型没有返回正文，原文未改动，请重试。")
            try:
                text = self._repair(facts, planned, text, self._passages(facts, planned), others)
            except _llm_error():
                pass  # keep the unrepaired text; the guard's warnings below say what is wrong
            if section.role == "opening":
                text = _with_hand_over(_one_paragraph(text), facts)
            note = {"polish": "润色", "expand": "扩写", "shorten": "精简"}.get(action, f"重写：{request[:30]}")
        return self._save_revision(draft_id, position, section, text, facts, note)

    def edit(self, draft_id: str, position: int, text: str, heading: str | None = None) -> Section:
        draft, section = self._editable_section(draft_id, position)
        if heading is not None:
            section.heading = heading.strip()
        return self._save_revision(draft_id, position, section, text.strip(), Facts.from_dict(draft.facts), "手工修改")

    def _editable_section(self, draft_id: str, position: int) -> tuple[Draft, Section]:
        """The draft and its section at `position`, or a Chinese error if it cannot be changed."""
        draft = self.store.get(draft_id)
        if not 0 <= position < len(draft.sections):
            raise UserError(f"没有第 {position + 1} 节：这份草稿共 {len(draft.sections)} 节。")
        section = draft.sections[position]
        if section.locked:
            raise UserError(f"“{section.heading or '开头'}”一节已锁定，请先解锁再修改。")
        return draft, section

    def _save_revision(
        self, draft_id: str, position: int, section: Section, text: str, facts: Facts, note: str
    ) -> Section:
        planned = PlannedSection(section.heading, section.role, section.topic, list(section.facts))
        passages = [SearchResult("", s.snippet, 0, s.source, s.article, s.heading, "", "", "", "") for s in section.sources]
        section.text = text
        section.warnings = self._check(text, facts, planned, passages)
        if position == 0:
            section.warnings += injection_warnings(facts)
        self.store.save_section(draft_id, position, section, note=note)
        self.events.section_done(position, section)
        return section


def offline_resize(section: Section, action: str, seed: str, facts: Facts | None = None) -> str:
    """Deterministic expand/shorten without an LLM. Every fact's words and figures stay.

    Shorten keeps the first sentence and every sentence that carries a fact (its figures or its
    words) or a placeholder, dropping the framing in between. Expand adds our own figure-free
    sentences for the section's topics (about half as much again), before its closing paragraph.
    """
    if PLACEHOLDER_OPEN in section.text and not section.facts:
        raise UserError("本节还是待补充内容：请先填写（手工修改）后再扩写或精简。")
    unit_type = facts.unit_type if facts else ""
    if action == "shorten":
        return _shorten(section)
    if section.role in ("problems", "plans", "opening"):
        pool = list(TAIL_EXPAND[section.role])
    else:
        planned = PlannedSection(section.heading, section.role, section.topic, list(section.facts))
        banks = [PHRASES[t] for t in compose.section_topics(planned)]
        pool = [m for b in banks for m in b["method"]]
        pool += list(PHRASES["综合"]["method"])  # beyond what the first composition used
        pool += [lead + e for lead, e in zip(("同时，", "由此，"), banks[0]["effect"], strict=False)]
    pool = [compose.adapt(p, unit_type) for p in pool]
    pool = [p for p in dict.fromkeys(pool) if p not in section.text]
    wanted = max(len(section.text) // 2, 40)
    extra: list[str] = []
    for sentence in compose.pick(pool, seed + "expand", len(pool)):
        if sum(len(e) for e in extra) >= wanted:
            break
        extra.append(sentence)
    if not extra:
        raise UserError("离线模式下本节已无可补充的通用表述；如需进一步扩写，请配置大模型或补充事实。")
    added = "".join(extra)
    if section.role == "opening":  # the opening must still end with its hand-over sentence
        head, sep, tail = section.text.rpartition("现将")
        return (head + added + sep + tail) if sep else section.text + added
    paragraphs = section.text.split("\n")
    if len(paragraphs) > 1:
        return "\n".join([*paragraphs[:-1], added, paragraphs[-1]])
    return section.text + "\n" + added


def _shorten(section: Section) -> str:
    fact_numbers = {n for f in section.facts for n in number_tokens(f)}
    clauses = [compose.as_clause(f) for f in section.facts]
    paragraphs: list[str] = []
    dropped = 0
    for paragraph in section.text.split("\n"):
        sentences = [x for x in _SENTENCE.findall(paragraph) if x.strip()]
        keep = [
            x for x in sentences
            if (not paragraphs and x is sentences[0])  # the section's first sentence
            or set(number_tokens(x)) & fact_numbers
            or any(c and (c in x or x.strip("；。一二三四五六七八九十是") in c) for c in clauses)
            or "【" in x
        ]
        dropped += len(sentences) - len(keep)
        if keep:
            paragraphs.append(_close("".join(keep).strip()))
    if not dropped:
        raise UserError("本节已经很精简，离线模式无法再缩短；请手工修改或配置大模型后再试。")
    return "\n".join(paragraphs)


def _close(paragraph: str) -> str:
    """A paragraph cut after "二是…；" ends with a full stop, not a semicolon."""
    return paragraph[:-1] + "。" if paragraph.endswith(("；", "，")) else paragraph


def injection_warnings(facts: Facts) -> list[Warning]:
    """One warning per input item that was left out because it reads as an instruction."""
    return [
        Warning("injection", f"已忽略一条疑似对模型的指令（未写入草稿）：{r.text[:40]}", r.text)
        for r in facts.rejected
    ]


def _one_paragraph(text: str) -> str:
    """The opening as one paragraph: up to the hand-over (…如下：) if the model wrote one,
    else everything it wrote (a model may split its opening in two)."""
    paragraphs = [p for p in text.split("\n") if p.strip()]
    for n, paragraph in enumerate(paragraphs):
        if re.search(r"如下[：:]$", paragraph.strip()):
            return "".join(paragraphs[: n + 1])
    return "".join(paragraphs)


def _with_hand_over(text: str, facts: Facts) -> str:
    """An opening written by the model ends with the genre's hand-over (…总结如下：)."""
    text = text.strip()
    if re.search(r"如下[：:。]?$", text):
        return re.sub(r"如下[：:。]?$", "如下：", text)
    if text and text[-1] not in "。！？":
        text += "。"
    return text + compose.hand_over(facts)


def _llm_error() -> type[Exception]:
    """LLMError, imported only once a model is in use: offline drafting never loads openai
    (slow to import), so the offline CLI and UI start faster."""
    from drafter.llm import LLMError

    return LLMError


def _source(p: SearchResult) -> Source:
    return Source(source=p.source, article=p.article, heading=p.heading, snippet=p.text[:120])


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
