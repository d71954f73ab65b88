"""The drafting pipeline: facts → outline → retrieval → sections (LLM or offline) → guard → store.

Collaborators (retriever, store, LLM client) are passed in. Progress goes out through a
`DraftEvents` object, so the CLI prints and the UI streams without this module knowing either.
Sections are saved one by one as they finish: a failure or a crash loses no finished section.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from drafter.draft import (
    Draft,
    Section,
    Signoff,
    Warning,
    draft_mode,
    section_name,
)
from drafter.errors import UserError
from drafter.facts import Facts
from drafter.gate import COPY_LIMIT as GATE_COPY_LIMIT
from drafter.gate import Expectation
from drafter.generation import (  # DraftEvents … section_labels: imported from here by others
    DraftEvents,
    DraftResult,
    GenerationReport,
    Limits,
    Run,
    injection_warnings,
    planned_from_draft,
    section_labels,
    source_of,
)
from drafter.genre import active
from drafter.guard import CopyIndex, as_user_numbers, check_section
from drafter.kinds import Context, kind_of
from drafter.model_text import Attempt, ModelText
from drafter.numbers import number_tokens
from drafter.outline import Outline, PlannedSection, plan_outline
from drafter.resize import offline_resize
from drafter.retrieve import Retriever, SearchResult
from drafter.section_ops import SectionOps
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
# LLM failures that would hit every other section the same way: stop asking the model.
FATAL_LLM_KINDS = ("auth", "connection", "bad_request")


class Drafter(SectionOps):
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
        outline = Outline(outline.title, planned_from_draft(draft, outline))
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
        run = Run(facts, outline, use_llm, time.monotonic() + self.limits.draft_seconds)
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

    def _write_one(self, draft: Draft, run: Run, position: int) -> None:
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
            sources=[source_of(p) for p in passages],
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

    def _by_model(self, run: Run, position: int, faithful: str, passages: list[SearchResult]) -> Attempt:
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
            items=tuple(planned.facts) if kind_of(planned.role).carries_items else (),
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
        return kind_of(planned.role).compose(Context(facts, active(), outline.sections, position, slot))

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
        name = section_name(section.heading, section.role)
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
            items=tuple(section.facts) if kind_of(section.role).carries_items else (),
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
            raise SectionLocked(position, section.heading, section.role)
        return draft, section

    def _offline_instead(
        self, draft_id: str, position: int, section: Section, facts: Facts, action: ReviseAction, reason: str
    ) -> Section:
        """The model's expand/shorten was refused: do it the offline way, and say so."""
        name = section_name(section.heading, section.role)
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
        # The figures the user typed by hand: new in this text (the earlier ones _recheck keeps).
        typed = set(number_tokens(text)) - set(number_tokens(section.text)) if origin == "user" else set()
        section.text = text
        section.origin, section.origin_reason = origin, reason
        section.warnings = self._recheck(section, facts, position, typed)
        if reason:
            section.warnings.insert(0, Warning("llm_fallback", f"原因：{reason}。本次改用离线方式完成。"))
        self.store.save_section(draft_id, position, section, note=note)
        self.events.section_done(position, section)
        return section



    def _recheck(self, section: Section, facts: Facts, position: int, typed: set[str] | None = None) -> list[Warning]:
        """The guard's warnings for a stored section's current text and facts. Figures the user
        typed (`typed`, and those an earlier check already found to be the user's) stay neutral."""
        planned = PlannedSection(section.heading, section.role, section.topic, list(section.facts))
        passages = [SearchResult("", s.snippet, 0, s.source, s.article, s.heading, "", "", "", "") for s in section.sources]
        typed = (typed or set()) | {w.text for w in section.warnings if w.kind == "new_number"}
        warnings = as_user_numbers(self._check(section.text, facts, planned, passages), typed)
        return warnings + injection_warnings(facts) if position == 0 else warnings


class RevisionNotAccepted(UserError):
    """The model's revision did not pass the gate: nothing was stored."""

    message = "大模型的修改没有通过核对，原文未改动。"
    exit_code = 4

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=4)
