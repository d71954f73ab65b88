"""结束语: an optional closing paragraph after the plans, before the sign-off, unnumbered.

Asked for with the facts key 结束语 / closing (or plan_outline(closing=True)). It looks back in
general terms and states resolve: no facts, no figures (the gate refuses a model's closing with
any), and no hand-over (that is the opening's).
"""

from __future__ import annotations

from drafter import compose
from drafter.facts import Facts
from drafter.genre import Genre
from drafter.kinds.base import Context, SectionKind
from drafter.numbers import number_tokens
from drafter.outline import PlannedSection
from drafter.phrases import adapt
from drafter.sentences import sentences


class Closing(SectionKind):
    role = "closing"
    label = "结束语"
    purpose = "一两句话收束全文、表明决心，不写数字"
    short = "结尾"
    carries_items = False
    phrase_parts = ("look_back", "resolve", "expand")

    def share(self, facts: Facts, total: int) -> int:
        return max(int(0.04 * total), 60) if facts.closing else 0

    def plan(self, facts: Facts, total: int, genre: Genre) -> PlannedSection | None:
        if not facts.closing:
            return None
        return PlannedSection("", self.role, target_chars=self.share(facts, total))

    def compose(self, ctx: Context) -> str:
        phrases = ctx.genre.section_phrases["closing"]
        seed = ctx.facts.union_name + "closing"
        text = compose.pick(phrases["look_back"], seed, 1)[0] + compose.pick(phrases["resolve"], seed, 1)[0]
        return adapt(text, ctx.facts.unit_type)

    def finish(self, text: str, facts: Facts) -> str:
        return "".join(p.strip() for p in text.split("\n"))  # one paragraph

    def gate_problems(self, text: str) -> list[tuple[str, str]]:
        if number_tokens(text):
            return [("figures_in_closing", "结束语中不应出现数字")]
        return []

    def expand_phrases(self, genre: Genre) -> tuple[str, ...]:
        return genre.section_phrases["closing"]["expand"]

    def insert_expansion(self, text: str, added: str) -> str:
        """Before its last sentence: the resolve ends the summary."""
        parts = sentences(text)
        if len(parts) < 2:
            return text + added
        return "".join(parts[:-1]) + added + parts[-1]


KIND = Closing()
