"""One drafting run's bookkeeping: progress events, time limits, the shared state of the section
threads, and the report of who wrote what (behind the CLI's exit codes and the UI's notices).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from drafter.draft import Draft, Section, Source, Warning, section_numbers, short_name
from drafter.facts import Facts
from drafter.model_text import Attempt
from drafter.outline import Outline, PlannedSection, topic_slots
from drafter.retrieve import SearchResult

_DETAIL = re.compile(r"（[^（）]*\d[^（）]*）")  # "（57 字）", "（HTTP 500）": the figures of a reason

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


def section_labels(draft: Draft, positions: Sequence[int]) -> str:
    """第3节“抓组建…”、第1节（开头段）: sections as the user sees them numbered (CLI and cards)."""
    return "、".join(
        f"第{p + 1}节“{draft.sections[p].heading}”"
        if draft.sections[p].heading
        else f"第{p + 1}节（{short_name('', draft.sections[p].role)}）"
        for p in positions
    )


@dataclass
class Run:
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


def source_of(p: SearchResult) -> Source:
    return Source(source=p.source, article=p.article, heading=p.heading, snippet=p.text[:120])


def planned_from_draft(draft: Draft, outline: Outline) -> list[PlannedSection]:
    """Keep the draft's own sections (the user may have edited headings); reuse outline targets."""
    targets = {(p.role, p.heading): p.target_chars for p in outline.sections}
    placeholders = {p.role: p.placeholder for p in outline.sections if p.placeholder}
    return [
        PlannedSection(
            s.heading,
            s.role,
            s.topic,
            list(s.facts),
            targets.get((s.role, s.heading), max(len(s.text), 200)),
            placeholders.get(s.role, "") if not s.facts else "",
        )
        for s in draft.sections
    ]
