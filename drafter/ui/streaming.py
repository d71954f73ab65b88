"""Streamed drafting for the web UI: typed progress events in, the live view of a draft out.

A drafting job runs in a thread with a `QueueEvents`; the page's generator drains the queue
(`stream_job` for a whole draft, `stream_section` for one revision) and re-renders `LiveDraft`.
The events are the typed ones of drafter/app/events.py.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Collection, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from drafter.app.events import (
    Delta,
    DraftCreated,
    EventRelay,
    Notice,
    ProgressEvent,
    Restart,
    SectionDone,
    SectionStarted,
)
from drafter.draft import Draft
from drafter.drafting import DraftResult

_END = object()  # put on the queue when the job's thread ends


class QueueEvents(EventRelay):
    """DraftEvents that put every callback on a queue, as a typed event; the UI drains it."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Any] = queue.Queue()
        super().__init__(self.queue.put)


@dataclass
class LiveSection:
    heading: str
    text: str = ""
    status: str = "waiting"  # waiting | writing | done | locked | kept (hand-edited, skipped)
    origin: str = ""  # once done: who wrote it (draft.ORIGINS)


@dataclass
class LiveDraft:
    """What the user sees while a draft is being written: finished sections in full."""

    title: str = ""
    draft_id: str = ""
    sections: list[LiveSection] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    waiting_for: str = ""  # e.g. the corpus still being prepared

    @classmethod
    def of(cls, draft: Draft, regenerate: bool = False, keep: Collection[int] = ()) -> LiveDraft:
        """The view of a draft about to be (re)written; when regenerating, locked sections and
        those in `keep` (hand edits the user chose to keep) show their text."""
        live = cls(title=draft.title, draft_id=draft.id)
        headings = draft.numbered_headings()
        for n, (heading, s) in enumerate(zip(headings, draft.sections, strict=True)):
            if regenerate and s.locked:
                live.sections.append(LiveSection(heading, s.text, "locked"))
            elif regenerate and n in keep:
                live.sections.append(LiveSection(heading, s.text, "kept"))
            else:
                live.sections.append(LiveSection(heading))
        return live

    def apply(self, event: ProgressEvent) -> None:
        if isinstance(event, DraftCreated):
            fresh = LiveDraft.of(event.draft)
            self.title, self.draft_id, self.sections = fresh.title, fresh.draft_id, fresh.sections
            return
        if isinstance(event, Notice):
            self.notices.append(event.message)
            return
        if not 0 <= event.position < len(self.sections):
            return
        s = self.sections[event.position]
        if isinstance(event, SectionStarted):
            s.status, s.text = "writing", ""
        elif isinstance(event, Delta):
            s.text += event.text
        elif isinstance(event, Restart):
            s.text = ""
        elif isinstance(event, SectionDone):
            s.status, s.text, s.origin = "done", event.section.text, event.section.origin

    @property
    def finished(self) -> int:
        return sum(1 for s in self.sections if s.status in ("done", "locked", "kept"))


def _events_of(job: Callable[[], Any], events: QueueEvents, interval: float) -> Generator[Any, None, Any]:
    """Run `job` in a thread; yield each event it sends (None after `interval` s of quiet) and
    return its result. The job's exceptions are re-raised here. Ends when the job's thread ends,
    so it is bounded by the job itself (the LLM client has its own deadlines)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(job())
        except BaseException as exc:  # handed to the generator's thread
            outcome.append(exc)
        finally:
            events.queue.put(_END)

    thread = threading.Thread(target=run, name="drafter-ui-job", daemon=True)
    thread.start()
    while True:
        try:
            event = events.queue.get(timeout=interval)
        except queue.Empty:
            event = None
        if event is _END:
            break
        yield event
    thread.join(timeout=5)
    result = outcome[0] if outcome else RuntimeError("任务意外中断，请重试。")
    if isinstance(result, BaseException):
        raise result
    return result


def stream_job(
    job: Callable[[], DraftResult],
    events: QueueEvents,
    live: LiveDraft,
    interval: float = 0.3,
) -> Iterator[LiveDraft | DraftResult]:
    """Run a drafting job; yield `live` as events arrive (at most every `interval` s), then the result."""
    source = _events_of(job, events, interval)
    last, dirty = 0.0, False
    while True:
        try:
            event = next(source)
        except StopIteration as done:
            yield done.value
            return
        if event is not None:
            live.apply(event)
            dirty = True
        # section boundaries show at once; streamed text at most every `interval` seconds
        urgent = isinstance(event, DraftCreated | SectionDone)
        if dirty and (urgent or time.monotonic() - last >= interval):
            last, dirty = time.monotonic(), False
            yield live


def stream_section(
    job: Callable[[], Any], events: QueueEvents, position: int, interval: float = 0.3
) -> Iterator[str | tuple[Any]]:
    """Run a one-section job (a revision); yield the model's text for `position` as it streams
    (at most every `interval` s), then `(result,)`."""
    source = _events_of(job, events, interval)
    text, shown, last = "", "", 0.0
    while True:
        try:
            event = next(source)
        except StopIteration as done:
            yield (done.value,)
            return
        if isinstance(event, Delta) and event.position == position:
            text += event.text
        elif isinstance(event, Restart) and event.position == position:
            text = ""
        if text != shown and time.monotonic() - last >= interval:
            last, shown = time.monotonic(), text
            yield text
