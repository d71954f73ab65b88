"""The drafting pipeline: facts → outline → retrieval → sections (LLM or offline) → guard → store.

Collaborators (retriever, store, LLM client) are passed in. Progress goes out through a
`DraftEvents` object, so the CLI prints and the UI streams without this module knowing either.
Sections are saved one by one as they finish: a failure or a crash loses no finished section.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drafter import compose
from drafter.draft import (
    Draft,
    Section,
    Signoff,
    Source,
    Warning,
    draft_mode,
    section_name,
    section_numbers,
)
from drafter.errors import UserError
from drafter.facts import Facts
from drafter.gate import COPY_LIMIT as GATE_COPY_LIMIT
from drafter.gate import Expectation
from drafter.guard import CopyIndex, check_section
from drafter.model_text import Attempt, ModelText
from drafter.outline import Outline, PlannedSection, plan_outline, topic_slots
from drafter.resize import offline_resize
from drafter.retrieve import Retriever, SearchResult
from drafter.store import HAND_EDIT_NOTE, DraftStore, SectionLocked
from drafter.write import (
    REVISE_ACTIONS,
    STRATEGIES,
    ReviseAction,
    max_chars_for,
    max_tokens_for,
    polish_messages,
    revise_messages,
    section_messages,
)

if TYPE_CHECKING:
    from drafter.llm import LLMClient

PASSAGES_PER_SECTION = 4
_DETAIL = re.compile(r"（[^（）]*\d[^（）]*）")  # "（57 字）", "（HTTP 500）": the figures of a reason
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


@dataclass(frozen=True)
class Limits:
    """How long drafting waits for the model before the faithful offline text is used."""

    section_seconds: float = 240.0
    draft_seconds: float = 900.0


@dataclass
class GenerationReport:
    """Who wrote what in one drafting or regeneration run, and why the model's text fell back."""

    asked: int = 0  # sections the model was asked to write
    accepted: int = 0
    fallbacks: list[tuple[int, str]] = field(default_factory=list)  # (position, reason)
    fatal: str = ""  # the model could not be used at all (bad key, unreachable)
    skipped_edited: list[int] = field(default_factory=list)  # hand-edited sections left alone
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def exit_code(self) -> int:
        """0: every section asked of the model was accepted; 3: none was; 4: some fell back."""
        if not self.fallbacks:
            return 0
        return 3 if self.accepted == 0 else 4

    def summary(self) -> str:
        """One Chinese sentence: how many sections the model wrote, how many fell back, and why."""
        if not self.asked:
            return ""
        if not self.fallbacks:
            return f"大模型写成全部 {self.accepted} 节。"
        # Reasons that differ only in their figures ("篇幅过短（57 字）") count as one cause.
        causes: dict[str, list[str]] = {}
        for _, reason in self.fallbacks:
            for part in reason.split("；"):
                causes.setdefault(_DETAIL.sub("", part), []).append(part)
        shown = [parts[0] if len(set(parts)) == 1 else general for general, parts in causes.items()]
        counts = [len(parts) for parts in causes.values()]
        why = "；".join(f"{s}（{n} 节）" if len(causes) > 1 else s for s, n in zip(shown, counts, strict=True))
        head = f"大模型写成 {self.accepted} 节，" if self.accepted else "大模型没有写成任何一节，"
        return f"{head}{len(self.fallbacks)} 节改用离线稿。原因：{why}。"


@dataclass
class DraftResult:
    draft: Draft
    report: GenerationReport = field(default_factory=GenerationReport)

    @property
    def llm_error(self) -> str:
        """Set when the LLM could not be used at all (bad key, unreachable)."""
        return self.report.fatal


class Drafter:
    def __init__(
        self,
        retriever: Retriever | None,
        store: DraftStore,
        llm: LLMClient | None = None,
        concurrency: int = 4,
        events: DraftEvents | None = None,
        limits: Limits | None = None,
        strategy: str = "polish",
    ) -> None:
        if strategy not in STRATEGIES:
            raise UserError(f"不支持的大模型用法 {strategy}：可用 {'、'.join(STRATEGIES)}。")
        self.retriever = retriever
        self.store = store
        self.llm = llm
        self.concurrency = max(1, concurrency)
        self.events = events or DraftEvents()
        self.limits = limits or Limits()
        self.strategy = strategy
        self.model = ModelText(llm, self._corpus_copies) if llm is not None else None
        self._copy_lock = threading.Lock()
        self._copy_index: tuple[list[str], CopyIndex] | None = None

    # ---- drafting ---------------------------------------------------------------------------
    def draft(self, facts: Facts, offline: bool = False, outline: Outline | None = None) -> DraftResult:
        """Draft from `facts`, following `outline` when the user shaped one (else the planned one)."""
        outline = outline or plan_outline(facts, self.retriever)
        use_llm = self.model is not None and not offline
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
        report = self._generate(draft, facts, outline, list(range(len(sections))), use_llm)
        return DraftResult(self._settle_mode(draft.id), report)

    def regenerate(self, draft_id: str, offline: bool = False, replace_edited: bool = False) -> DraftResult:
        """Write every unlocked section again; locked sections are never touched, sections the
        user edited by hand only with `replace_edited` (skipped ones are named in a notice)."""
        draft = self.store.get(draft_id)
        facts = Facts.from_dict(draft.facts)
        outline = plan_outline(facts, self.retriever)
        outline = Outline(outline.title, _planned_from_draft(draft, outline))
        positions = [i for i, s in enumerate(draft.sections) if not s.locked]
        edited = [] if replace_edited else self.store.hand_edited_positions(draft_id)
        positions = [p for p in positions if p not in edited]
        if edited:
            self.events.notice(f"{section_labels(draft, edited)}有您手工修改的内容，本次未重新生成。")
        use_llm = self.model is not None and not offline
        report = self._generate(draft, facts, outline, positions, use_llm)
        report.skipped_edited = edited
        return DraftResult(self._settle_mode(draft_id), report)

    def _settle_mode(self, draft_id: str) -> Draft:
        """The stored draft, its mode saying how it was really written (the model may be down)."""
        saved = self.store.get(draft_id)
        mode = draft_mode(saved.sections)
        if saved.mode != mode:
            saved.mode = mode
            self.store.save_draft(saved, note="模式")
        return saved

    def _generate(
        self, draft: Draft, facts: Facts, outline: Outline, positions: list[int], use_llm: bool
    ) -> GenerationReport:
        """Write the sections at `positions`, saving each as soon as it is done.

        Every section first gets its faithful offline text; the model's text replaces it only
        when the acceptance gate passes it. A model that cannot be used at all (bad key,
        unreachable) is not asked again for the other sections; the whole run is bounded by
        the draft deadline. Any other exception — a bug, or a caller cancelling by raising
        from an event callback — stops the sections not yet started and is re-raised once
        the running ones are saved.
        """
        run = _Run(facts, outline, use_llm, time.monotonic() + self.limits.draft_seconds)
        self._corpus_copies()  # build the copy index (and load the index) before the threads start
        stop = threading.Event()

        def one(position: int) -> None:
            if stop.is_set():
                return
            try:
                self._write_one(draft, run, position)
            except BaseException:
                stop.set()  # sections not yet started stay as they are; running ones finish
                raise

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
        if run.report.summary():
            self.events.notice(run.report.summary())
        return run.report

    def _write_one(self, draft: Draft, run: _Run, position: int) -> None:
        facts, planned = run.facts, run.outline.sections[position]
        previous = draft.sections[position]
        self.events.section_started(position, previous)
        passages = self._passages(facts, planned)
        text = self._offline_text(facts, planned, run.outline, position, run.slots[position])
        origin, reason = "offline", ""
        # A problems/plans section the user gave nothing for keeps its placeholder: a model
        # would fill it with invented shortcomings or plans.
        if run.use_llm and not planned.placeholder:
            attempt = self._by_model(run, position, text, passages)
            run.record(position, attempt)
            if attempt.accepted:
                text, origin = attempt.text, "llm"
            else:
                origin, reason = "fallback", attempt.reason
        section = Section(
            heading=previous.heading,
            text=text,
            role=planned.role,
            topic=planned.topic,
            facts=list(planned.facts),
            sources=[_source(p) for p in passages],
            warnings=self._check(text, facts, planned, passages),
            locked=previous.locked,
            origin=origin,
            origin_reason=reason,
        )
        if reason:
            section.warnings.insert(0, Warning("llm_fallback", f"原因：{reason}。本节用的是只含您事实的离线稿，可稍后重写。"))
        if position == 0:
            section.warnings += injection_warnings(facts)
        self.store.save_section(draft.id, position, section, note="生成")
        draft.sections[position] = section
        self.events.section_done(position, section)

    def _by_model(self, run: _Run, position: int, faithful: str, passages: list[SearchResult]) -> Attempt:
        """The model's text for one section, through the gate (or why there is none)."""
        assert self.model is not None
        if run.fatal:
            return Attempt(reason=run.fatal, codes=["llm_error:fatal"])
        now = time.monotonic()
        if now >= run.deadline:
            return Attempt(reason="整篇生成超过了时限", codes=["llm_error:timeout"])
        facts, planned = run.facts, run.outline.sections[position]
        polish = self.strategy == "polish"
        target = max(planned.target_chars, len(faithful))
        others = [s for s in run.outline.sections if s is not planned]
        expect = Expectation(
            facts=facts,
            role=planned.role,
            heading=planned.heading,
            items=() if planned.role == "opening" else tuple(planned.facts),
            other_headings=tuple(s.heading for s in others if s.heading),
            other_items=tuple(f for s in others for f in s.facts),
            max_chars=max_chars_for(target),
            min_chars=min(len(faithful), planned.target_chars) // 3,  # a sentence for a section is worse
            given=faithful if polish else "",
        )
        if polish:
            messages = polish_messages(facts, planned, faithful)
        else:
            messages = section_messages(facts, planned, run.numbers[position], run.headings, passages)
        attempt = self.model.ask(
            messages,
            expect,
            max_tokens=max_tokens_for(target),
            deadline=min(now + self.limits.section_seconds, run.deadline),
            previous=faithful if polish else "",
            on_delta=lambda d: self.events.delta(position, d),
            on_restart=lambda: self.events.restart(position),
        )
        if attempt.failed_call in FATAL_LLM_KINDS:
            run.fatal = run.fatal or attempt.reason
        if attempt.accepted and planned.role == "opening":
            attempt.text = _with_hand_over(_one_paragraph(attempt.text), facts)
        return attempt

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
        """The copy index over every chunk of the corpus, rebuilt when the index is reloaded.

        Built for the gate's stricter limit; the guard's warnings keep only its longer copies.
        """
        if self.retriever is None:
            return None
        texts = self.retriever.corpus_texts()
        with self._copy_lock:
            if self._copy_index is None or self._copy_index[0] is not texts:
                self._copy_index = (texts, CopyIndex(texts, limit=GATE_COPY_LIMIT))
            return self._copy_index[1]

    # ---- revising ---------------------------------------------------------------------------------
    def revise(
        self, draft_id: str, position: int, *, instruction: str = "", action: str = "", offline: bool = False
    ) -> Section:
        """One section rewritten (with an instruction) or polished, expanded or shortened.

        The model's text replaces the current one only through the acceptance gate; otherwise
        nothing is stored and a RevisionNotAccepted says why.
        """
        draft, section = self._editable_section(draft_id, position)
        if action and action not in REVISE_ACTIONS:
            raise UserError(f"不支持的操作 {action}：可用 {'、'.join(REVISE_ACTIONS)}。")
        chosen = REVISE_ACTIONS.get(action)
        facts = Facts.from_dict(draft.facts)
        name = section_name(section.heading)
        if self.model is None or offline:
            if chosen is None or chosen.needs_model:
                offline_ones = "、".join(a.label for a in REVISE_ACTIONS.values() if not a.needs_model)
                raise UserError(f"离线模式只支持{offline_ones}；重写和润色需要配置大模型。")
            text = offline_resize(section, chosen.name, facts.unit_name + str(position), facts)
            return self._save_revision(draft_id, position, section, text, facts, f"{chosen.label}（离线）", "offline")
        request = chosen.request if chosen else instruction.strip()
        if not request:
            raise UserError("请填写修改要求，或选择润色、扩写、精简。")
        expect = Expectation(
            facts=facts,
            role=section.role,
            heading=section.heading,
            items=() if section.role == "opening" else tuple(section.facts),
            other_headings=tuple(s.heading for s in draft.sections if s.heading and s.heading != section.heading),
            max_chars=max_chars_for(int(len(section.text) * (chosen.length if chosen else 1.5))),
            min_chars=0 if chosen and chosen.length < 1 else len(section.text) // 3,
            given=section.text,
            action=chosen.name if chosen else "rewrite",
        )
        attempt = self.model.ask(
            revise_messages(facts, section, request, draft.title, chosen.name if chosen else ""),
            expect,
            max_tokens=int(len(section.text) * 3 + 300),
            deadline=time.monotonic() + self.limits.section_seconds,
            previous=section.text,
            on_delta=lambda d: self.events.delta(position, d),
            on_restart=lambda: self.events.restart(position),
        )
        if not attempt.accepted:
            self.events.restart(position)  # a UI showing the streamed answer goes back to the text
            if chosen is not None and not chosen.needs_model:  # expand/shorten: the offline way
                return self._offline_instead(draft_id, position, section, facts, chosen, attempt.reason)
            raise RevisionNotAccepted(f"{name}的修改未采用：{attempt.reason}。原文未改动。")
        text = attempt.text
        if section.role == "opening":
            text = _with_hand_over(_one_paragraph(text), facts)
        note = chosen.label if chosen else f"重写：{request[:30]}"
        return self._save_revision(draft_id, position, section, text, facts, note, "llm")

    def edit(self, draft_id: str, position: int, text: str, heading: str | None = None) -> Section:
        draft, section = self._editable_section(draft_id, position)
        if heading is not None:
            section.heading = heading.strip()
        facts = Facts.from_dict(draft.facts)
        return self._save_revision(draft_id, position, section, text.strip(), facts, HAND_EDIT_NOTE, "user")

    def _editable_section(self, draft_id: str, position: int) -> tuple[Draft, Section]:
        """The draft and its section at `position`, or a Chinese error if it cannot be changed."""
        draft = self.store.get(draft_id)
        if not 0 <= position < len(draft.sections):
            raise UserError(f"没有第 {position + 1} 节：这份草稿共 {len(draft.sections)} 节。")
        section = draft.sections[position]
        if section.locked:  # the store's own refusal, so the message is the same everywhere
            raise SectionLocked(position, section.heading)
        return draft, section

    def _offline_instead(
        self, draft_id: str, position: int, section: Section, facts: Facts, action: ReviseAction, reason: str
    ) -> Section:
        """The model's expand/shorten was refused: do it the offline way, and say so."""
        name = section_name(section.heading)
        try:
            text = offline_resize(section, action.name, facts.unit_name + str(position), facts)
        except UserError as exc:
            raise RevisionNotAccepted(f"{name}的修改未采用：{reason}。{exc.message}") from exc
        note = f"{action.label}（离线，大模型输出未采用）"
        saved = self._save_revision(draft_id, position, section, text, facts, note, "fallback", reason)
        return saved

    def _save_revision(
        self,
        draft_id: str,
        position: int,
        section: Section,
        text: str,
        facts: Facts,
        note: str,
        origin: str,
        reason: str = "",
    ) -> Section:
        planned = PlannedSection(section.heading, section.role, section.topic, list(section.facts))
        passages = [SearchResult("", s.snippet, 0, s.source, s.article, s.heading, "", "", "", "") for s in section.sources]
        section.text = text
        section.origin, section.origin_reason = origin, reason
        section.warnings = self._check(text, facts, planned, passages)
        if reason:
            section.warnings.insert(0, Warning("llm_fallback", f"原因：{reason}。本次改用离线方式完成。"))
        if position == 0:
            section.warnings += injection_warnings(facts)
        self.store.save_section(draft_id, position, section, note=note)
        self.events.section_done(position, section)
        return section


def section_labels(draft: Draft, positions: Sequence[int]) -> str:
    """第3节“抓组建…”、第1节（开头段）: sections as the user sees them numbered (CLI and cards)."""
    return "、".join(
        f"第{p + 1}节“{draft.sections[p].heading}”" if draft.sections[p].heading else f"第{p + 1}节（开头段）"
        for p in positions
    )


class RevisionNotAccepted(UserError):
    """The model's revision did not pass the gate: nothing was stored."""

    message = "大模型的修改没有通过核对，原文未改动。"
    exit_code = 4

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=4)


@dataclass
class _Run:
    """One drafting run's shared state across the section threads."""

    facts: Facts
    outline: Outline
    use_llm: bool
    deadline: float  # time.monotonic() by which the model must be done
    report: GenerationReport = field(default_factory=GenerationReport)
    fatal: str = ""  # set once the model proved unusable: not asked again
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.headings = [s.heading for s in self.outline.sections]
        self.numbers = section_numbers(self.headings)
        self.slots = topic_slots(self.outline.sections)

    def record(self, position: int, attempt: Attempt) -> None:
        with self.lock:
            report = self.report
            report.asked += 1
            report.prompt_tokens += attempt.prompt_tokens
            report.completion_tokens += attempt.completion_tokens
            if attempt.accepted:
                report.accepted += 1
            else:
                report.fallbacks.append((position, attempt.reason))
            report.fatal = self.fatal


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
