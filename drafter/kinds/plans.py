"""下一步工作打算 (its headline depends on the period): the user's plans, framed; a placeholder
when there are none (we never invent plans, so a model is not asked to write it either)."""

from __future__ import annotations

from drafter import compose
from drafter.draft import placeholder
from drafter.facts import Facts
from drafter.genre import DEFAULT_PERIOD, Genre, active
from drafter.kinds.base import Context, SectionKind
from drafter.outline import PlannedSection


class Plans(SectionKind):
    role = "plans"
    label = "下一步打算"
    short = "打算"
    phrase_parts = ("extra", "tail", "expand")

    def share(self, facts: Facts, total: int) -> int:
        return int(0.1 * total) if facts.plans else 0

    def plan(self, facts: Facts, total: int, genre: Genre) -> PlannedSection | None:
        period = genre.periods.get(facts.period) or genre.periods[DEFAULT_PERIOD]
        return PlannedSection(
            period.plans_headline,
            self.role,
            facts=list(facts.plans),
            target_chars=max(self.share(facts, total), 60),
            placeholder="" if facts.plans else placeholder(genre.sections["plans"]["placeholder"]),
        )

    def compose(self, ctx: Context) -> str:
        return compose_plans(ctx.planned, ctx.facts)

    def expand_phrases(self, genre: Genre) -> tuple[str, ...]:
        phrases = genre.section_phrases["plans"]
        return phrases["extra"] + phrases["expand"]


KIND = Plans()


def compose_plans(section: PlannedSection, facts: Facts) -> str:
    """The user's plans, framed; a placeholder when there are none (never invented ones)."""
    if not section.facts:
        return section.placeholder
    genre = active()
    phrases = genre.section_phrases["plans"]
    when = genre.periods[facts.period].plans_when
    body = f"{when}，{facts.union_name}将重点做好以下工作：" + compose.enumerate_items(section.facts)
    extras = compose.pick(phrases["extra"], facts.union_name + "plans", 1)
    return compose.fill_tail(body, extras, phrases["tail"][0], section.target_chars, facts)
