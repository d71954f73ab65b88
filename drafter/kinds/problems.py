"""存在的问题和不足: the user's problems, framed; a placeholder when there are none (we never
invent shortcomings, so a model is not asked to write it either)."""

from __future__ import annotations

from drafter import compose
from drafter.draft import placeholder
from drafter.facts import Facts
from drafter.genre import Genre, active
from drafter.kinds.base import Context, SectionKind
from drafter.outline import PlannedSection


class Problems(SectionKind):
    role = "problems"
    label = "存在的问题"
    short = "问题"
    phrase_parts = ("lead", "extra", "tail", "expand")

    def share(self, facts: Facts, total: int) -> int:
        return int(0.1 * total) if facts.problems else 0

    def plan(self, facts: Facts, total: int, genre: Genre) -> PlannedSection | None:
        texts = genre.sections["problems"]
        return PlannedSection(
            texts["headline"],
            self.role,
            facts=list(facts.problems),
            target_chars=max(self.share(facts, total), 60),
            placeholder="" if facts.problems else placeholder(texts["placeholder"]),
        )

    def compose(self, ctx: Context) -> str:
        return compose_problems(ctx.planned, ctx.facts)

    def expand_phrases(self, genre: Genre) -> tuple[str, ...]:
        phrases = genre.section_phrases["problems"]
        return phrases["extra"] + phrases["expand"]


KIND = Problems()


def compose_problems(section: PlannedSection, facts: Facts | None = None) -> str:
    """The user's problems, framed; a placeholder when there are none (never invented ones)."""
    if not section.facts:
        return section.placeholder
    phrases = active().section_phrases["problems"]
    seed = (facts.union_name if facts else "") + "problems"
    body = phrases["lead"][0] + compose.enumerate_items(section.facts)
    tail = compose.pick(phrases["extra"] + phrases["tail"], seed, 1)[0]  # one resolve, not three
    return compose.fill_tail(body, [], tail, section.target_chars, facts)
