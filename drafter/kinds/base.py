"""What a section kind is: one unit owning everything drafting needs to know about one kind of
section (opening, body, problems, plans, closing). drafting, write, guard, gate and resize ask
the kind instead of testing role strings. A new kind is a module here plus its data (genre.yaml
`sections`, phrases.yaml `phrases.sections`, prompts/parts.yaml `tasks`), listed in __init__.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drafter.genre import Genre
from drafter.prompts import parts

if TYPE_CHECKING:
    from drafter.draft import Section
    from drafter.facts import Facts
    from drafter.outline import PlannedSection


@dataclass(frozen=True)
class Context:
    """What one section's offline composition may look at."""

    facts: Facts
    genre: Genre
    sections: Sequence[PlannedSection]  # the whole outline
    position: int
    slot: tuple[int, int] = (0, 1)  # (rank, count) among body sections of the same topic

    @property
    def planned(self) -> PlannedSection:
        return self.sections[self.position]


class SectionKind:
    """The default behaviour; each kind overrides what differs."""

    role = "body"
    label = "正文"  # how a section of this kind without a heading is named to the user and the model
    purpose = ""  # what a section of this kind without a heading is for, as the outline step says it
    short = "正文"  # its 类型 in an outline file (outline_file.py)
    carries_items = True  # its facts / problems / plans must show in its text (guard and gate)
    sums_up = False  # may restate other sections' figures and hand over to them (the opening)
    phrase_parts: tuple[str, ...] = ()  # what it needs in phrases.yaml phrases.sections.<role>

    # ---- planning ----------------------------------------------------------------------------
    def share(self, facts: Facts, total: int) -> int:
        """The characters it takes from the draft's total length (the body gets the rest)."""
        return 0

    def plan(self, facts: Facts, total: int, genre: Genre) -> PlannedSection | None:
        """Its planned section, or None when this draft has none."""
        return None

    # ---- writing -------------------------------------------------------------------------------
    def task(self) -> str:
        """Its task line for a model (prompts/parts.yaml `tasks`)."""
        tasks = parts()["tasks"]
        return str(tasks.get(self.role, tasks["body"]))

    def compose(self, ctx: Context) -> str:
        """Its faithful offline text: the user's facts and our own phrases only."""
        raise NotImplementedError

    def finish(self, text: str, facts: Facts) -> str:
        """Finishing touches on a model's accepted text (after the gate)."""
        return text

    def gate_problems(self, text: str) -> list[tuple[str, str]]:
        """(code, Chinese reason) for what a model's text of this kind may not do."""
        return []

    # ---- resizing ------------------------------------------------------------------------------
    def expand_phrases(self, genre: Genre) -> tuple[str, ...]:
        """Our own sentences an offline expand may add (empty: the kind decides in expand_pool)."""
        return ()

    def expand_pool(self, section: Section, genre: Genre) -> list[str]:
        return list(self.expand_phrases(genre))

    def insert_expansion(self, text: str, added: str) -> str:
        """Where added sentences go: before the last paragraph (its effect or resolve)."""
        paragraphs = text.split("\n")
        if len(paragraphs) > 1:
            return "\n".join([*paragraphs[:-1], added, paragraphs[-1]])
        return text + "\n" + added
