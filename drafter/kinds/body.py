"""A body section (一、抓…，…): one topic's facts as 一是…二是…, framed by our topic phrases."""

from __future__ import annotations

from drafter import compose
from drafter.draft import Section
from drafter.genre import GENERAL_TOPIC, Genre
from drafter.kinds.base import Context, SectionKind
from drafter.outline import PlannedSection


class Body(SectionKind):
    role = "body"
    label = "正文"

    def compose(self, ctx: Context) -> str:
        planned, facts = ctx.planned, ctx.facts
        return compose.compose_body(
            planned,
            facts.unit_name + str(ctx.position),
            planned.target_chars,
            slot=ctx.slot[0],
            slots=ctx.slot[1],
            unit_type=facts.unit_type,
            draft_seed=facts.unit_name,
        )

    def expand_pool(self, section: Section, genre: Genre) -> list[str]:
        """Method sentences of its topics, then general ones beyond what the first composition
        used, then its effects led by 同时，/由此，."""
        planned = PlannedSection(section.heading, section.role, section.topic, list(section.facts))
        banks = [genre.topics[t].phrases for t in compose.section_topics(planned)]
        pool = [m for b in banks for m in b.method]
        pool += list(genre.topics[GENERAL_TOPIC].phrases.method)
        pool += [lead + e for lead, e in zip(("同时，", "由此，"), banks[0].effect, strict=False)]
        return pool


KIND = Body()
