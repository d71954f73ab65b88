"""The opening (开头段): context, leadership, main line, and the hand-over “现将……总结如下：”.

It carries no facts of its own, may sum up the period with the sections' figures, and is the
only section that hands over to the body; whatever writes it, it ends with the hand-over.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from drafter import compose
from drafter.facts import Facts
from drafter.genre import Genre, active
from drafter.kinds.base import Context, SectionKind
from drafter.outline import PlannedSection
from drafter.phrases import adapt

_HAND_OVER_END = re.compile(r"如下[：:。]?$")
PLAN_NAME_CHARS = 16  # compare.REUSE_LIMIT is 20: a quote this short is a phrase, not 雷同


class Opening(SectionKind):
    role = "opening"
    label = "开头段"
    purpose = "概述本期工作和主要成效，以“现将……总结如下：”结尾"
    short = "开头"
    carries_items = False
    sums_up = True
    phrase_parts = ("stance", "role", "extra", "plans_done")

    def share(self, facts: Facts, total: int) -> int:
        return max(int(0.08 * total), 150)

    def plan(self, facts: Facts, total: int, genre: Genre) -> PlannedSection | None:
        return PlannedSection("", self.role, target_chars=self.share(facts, total))

    def compose(self, ctx: Context) -> str:
        bodies = [s for s in ctx.sections if s.role == "body"]
        return compose_opening(ctx.facts, bodies, ctx.planned.target_chars)

    def finish(self, text: str, facts: Facts) -> str:
        """One paragraph naming last year's plans carried out and ending with the genre's
        hand-over (a model may split it, or leave either out)."""
        text = _with_hand_over(_one_paragraph(text), facts)
        said = plans_done_sentence(facts)
        if said and not _names_the_plans(text, facts):
            text = self.insert_expansion(text, said)
        return text

    def expand_phrases(self, genre: Genre) -> tuple[str, ...]:
        return genre.section_phrases["opening"]["extra"]

    def insert_expansion(self, text: str, added: str) -> str:
        """Before the hand-over: the opening must still end with it."""
        head, sep, tail = text.rpartition("现将")
        return (head + added + sep + tail) if sep else text + added


KIND = Opening()


def compose_opening(facts: Facts, body_sections: Sequence[PlannedSection], target: int = 0) -> str:
    """Context, leadership, main line, then the hand-over ending in 总结如下：."""
    genre = active()
    period = genre.periods[facts.period]
    phrases = genre.section_phrases["opening"]
    seed = facts.union_name + "opening"
    parts = [
        f"{period.opening_when.format(year=facts.year)}，{facts.union_name}在{_superiors(facts, genre)}的正确领导下，"
        f"坚持以职工为中心，团结动员广大职工，扎实推进{_subject(facts)}。"
    ]
    parts.append(compose.pick(phrases["stance"], seed + "stance", 1)[0] + compose.pick(phrases["role"], seed + "role", 1)[0])
    if facts.plans_done:
        parts.append(plans_done_sentence(facts))
    # the plain headlines as the outline wrote them (职工帮扶工作; a school's 教职工帮扶工作)
    plain = {adapt(h, facts.unit_type) for table in genre.headline_sets() for h in table.values() if "，" not in h}
    lines = [s.heading.split("，")[-1] if "，" in s.heading else s.heading for s in body_sections]
    work = "、".join(dict.fromkeys(w for w, s in zip(lines, body_sections, strict=True) if "，" in s.heading or w in plain))
    if work:
        parts.append(f"{period.span}，我们围绕{work}等方面扎实开展工作，取得了新的进展。")
    closing = hand_over(facts)
    length = sum(len(p) for p in parts) + len(closing)
    for sentence in compose.pick(phrases["extra"], seed + "extra", len(phrases["extra"])):
        if length + len(sentence) > max(target, 1) * 1.05:
            break
        parts.insert(-1 if work else len(parts), sentence)
        length += len(sentence)
    parts.append(closing)
    return adapt("".join(parts), facts.unit_type)


def plan_names(plans: Sequence[str], most: int = 3) -> list[str]:
    """Last year's plans as short names to quote: the first clause without a figure (a target
    figure of last year is not this year's fact), at most PLAN_NAME_CHARS characters (a longer
    quote would be 与上年总结雷同); plans with no such clause are not quoted."""
    names: list[str] = []
    for plan in plans:
        clauses = [c.strip() for c in re.split(r"[，,；;。、]", plan) if c.strip()]
        name = next((c for c in clauses if not re.search(r"\d", c)), "")
        name = re.sub(r"^(继续|进一步|着力|大力|切实|认真)", "", name)[:PLAN_NAME_CHARS]
        if len(name) >= 4 and name not in names:
            names.append(name)
    return names[:most]


def plans_done_sentence(facts: Facts) -> str:
    """'对照上年总结提出的“…”“…”等工作打算，我们逐项抓好落实。' ("" without confirmed plans)."""
    if not facts.plans_done:
        return ""
    names = plan_names(facts.plans_done)
    quoted = "".join(f"“{n}”" for n in names) if names else "各项"
    template = compose.pick(active().section_phrases["opening"]["plans_done"], facts.union_name + "plans_done", 1)[0]
    return adapt(template.format(plans=quoted).replace("各项等", "各项"), facts.unit_type)


def _names_the_plans(text: str, facts: Facts) -> bool:
    """The opening already says last year's plans were carried out: it quotes one of them, or
    (nothing to quote) it has our sentence's 各项工作打算."""
    names = plan_names(facts.plans_done)
    return any(f"“{name}”" in text for name in names) if names else "各项工作打算" in text


def hand_over(facts: Facts) -> str:
    """The opening's last sentence, handing over to the body: 现将…总结如下："""
    return f"现将{active().periods[facts.period].hand_over_span}{_subject(facts)}总结如下："


def _superiors(facts: Facts, genre: Genre) -> str:
    """Under whose leadership, derived only from the unit's type and name (no names invented)."""
    if facts.unit_type == "乡镇/街道" and "街道" in facts.unit_name:
        return "街道党工委和上级工会"
    if facts.unit_type == "农场连队" and "连" in facts.unit_name.replace("联", ""):
        return "连队党支部和农场工会"
    unit = genre.unit_types.get(facts.unit_type)
    return unit.superiors if unit else genre.other_superiors


def _subject(facts: Facts) -> str:
    if facts.period == "专项" and facts.topic:  # the title's own wording: "…{topic}工作总结"
        return facts.title[len(f"{facts.union_name}{facts.year}年") :].removesuffix("总结")
    return "工会工作"


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
    if _HAND_OVER_END.search(text):
        return _HAND_OVER_END.sub("如下：", text)
    if text and text[-1] not in "。！？":
        text += "。"
    return text + hand_over(facts)
