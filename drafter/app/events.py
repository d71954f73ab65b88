"""Typed progress events between drafting and a front end.

`Drafter` reports progress through `DraftEvents` callbacks, from its worker threads.
`EventRelay` turns each callback into one of the small immutable events below and hands it to
a function (the UI puts them on a queue and renders them; a test can collect them in a list).
Drafts and sections are copied when the event is made, so a front end never sees later changes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from drafter.draft import Draft, Section
from drafter.drafting import DraftEvents


@dataclass(frozen=True)
class DraftCreated:
    """The draft and its outline are stored (sections still empty); its id is known."""

    draft: Draft


@dataclass(frozen=True)
class SectionStarted:
    position: int


@dataclass(frozen=True)
class Delta:
    """A piece of the model's text for the section at `position`."""

    position: int
    text: str


@dataclass(frozen=True)
class Restart:
    """The model's answer for `position` starts over (a retry): drop the text shown so far."""

    position: int


@dataclass(frozen=True)
class SectionDone:
    position: int
    section: Section


@dataclass(frozen=True)
class Notice:
    message: str


ProgressEvent = DraftCreated | SectionStarted | Delta | Restart | SectionDone | Notice


class EventRelay(DraftEvents):
    """DraftEvents that hand every callback on as a typed event."""

    def __init__(self, emit: Callable[[ProgressEvent], None]) -> None:
        self.emit = emit

    def draft_created(self, draft: Draft) -> None:
        self.emit(DraftCreated(copy.deepcopy(draft)))

    def section_started(self, position: int, section: Section) -> None:
        self.emit(SectionStarted(position))

    def delta(self, position: int, text: str) -> None:
        self.emit(Delta(position, text))

    def restart(self, position: int) -> None:
        self.emit(Restart(position))

    def section_done(self, position: int, section: Section) -> None:
        self.emit(SectionDone(position, copy.deepcopy(section)))

    def notice(self, message: str) -> None:
        self.emit(Notice(message))
