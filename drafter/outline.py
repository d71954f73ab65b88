"""Facts → outline: the title, the sections in genre order, and which fact goes where.

Each fact is placed in exactly one section. Its topic comes from cue words; when a fact has
none, the corpus decides: the topic of the most similar passage written by similar units.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drafter.draft import placeholder
from drafter.facts import Facts
from drafter.retrieve import Retriever
from drafter.taxonomy import (
    FAMILY_HEADINGS,
    GENERAL_TOPIC,
    TOPIC_HEADINGS,
    family_of,
    score_topics,
)

# Genre order of body topics; schools and enterprises lead with what their summaries lead with.
_TOPIC_ORDER: dict[str, tuple[str, ...]] = {
    "default": ("组织建设", "民主管理", "维权", "帮扶", "劳动竞赛", "职工文化", "女职工", "安全生产",
                "宣传教育", "经费经审", "自身建设", GENERAL_TOPIC),
    "企业": ("民主管理", "劳动竞赛", "维权", "帮扶", "安全生产", "职工文化", "女职工", "组织建设",
             "宣传教育", "经费经审", "自身建设", GENERAL_TOPIC),
    "学校": ("宣传教育", "民主管理", "职工文化", "帮扶", "女职工", "维权", "组织建设", "劳动竞赛",
             "安全生产", "经费经审", "自身建设", GENERAL_TOPIC),
}
MAX_BODY_SECTIONS = 6
MERGE_ABOVE = 4  # more body sections than this: thin ones (< 3 facts) join their family

PERIOD_PHRASE = {"年度": "全年", "上半年": "上半年", "下半年": "下半年", "专项": "全年"}
PROBLEMS_HEADING = "存在的问题和不足"
PLANS_HEADING = {"年度": "下一步工作打算", "上半年": "下半年工作计划", "下半年": "明年工作思路",
                 "专项": "下一步工作打算"}


@dataclass
class PlannedSection:
    heading: str  # without its number; "" for the opening
    role: str
    topic: str = ""
    facts: list[str] = field(default_factory=list)
    target_chars: int = 300
    placeholder: str = ""  # set when the user gave nothing for a problems/plans section


@dataclass
class Outline:
    title: str
    sections: list[PlannedSection]


def topic_of_fact(fact: str, facts: Facts, retriever: Retriever | None) -> str:
    scores = score_topics(fact)
    best = max(scores, key=lambda t: scores[t])
    if scores[best] > 0:
        return best
    if retriever is not None:
        hits = retriever.search(
            fact, k=3, filters={"role": "body"}, prefer={"unit_type": facts.unit_type}, mode="bm25"
        )
        topics = [h.topic for h in hits if h.topic != GENERAL_TOPIC]
        if topics:
            return max(set(topics), key=topics.count)
    return GENERAL_TOPIC


def plan_outline(facts: Facts, retriever: Retriever | None = None) -> Outline:
    groups: dict[str, list[str]] = {}
    for fact in facts.facts:
        groups.setdefault(topic_of_fact(fact, facts, retriever), []).append(fact)
    order = _TOPIC_ORDER.get(facts.unit_type, _TOPIC_ORDER["default"])
    ranked = sorted(groups, key=lambda t: order.index(t) if t in order else len(order))
    bodies = _special_sections(facts.facts) if facts.period == "专项" else _merge_thin(ranked, groups)

    total = facts.length or 2500
    fixed = 0.1 * total  # opening
    has_tail = 2
    body_budget = max(total - fixed - has_tail * 0.1 * total, 200)
    n_facts = max(len(facts.facts), 1)

    sections = [PlannedSection("", "opening", target_chars=int(fixed))]
    for heading, topic, items in bodies:
        sections.append(
            PlannedSection(
                heading=heading,
                role="body",
                topic=topic,
                facts=items,
                target_chars=max(int(body_budget * len(items) / n_facts), 120),
            )
        )
    sections.append(
        PlannedSection(
            PROBLEMS_HEADING,
            "problems",
            facts=list(facts.problems),
            target_chars=int(0.1 * total),
            placeholder="" if facts.problems else placeholder("本单位工作中存在的问题和不足"),
        )
    )
    sections.append(
        PlannedSection(
            PLANS_HEADING.get(facts.period, "下一步工作打算"),
            "plans",
            facts=list(facts.plans),
            target_chars=int(0.1 * total),
            placeholder="" if facts.plans else placeholder("下一步的工作打算和具体措施"),
        )
    )
    return Outline(title=facts.title, sections=sections)


SPECIAL_HEADINGS = ("主要做法", "取得的成效", "特色亮点")


def _special_sections(items: list[str]) -> list[tuple[str, str, list[str]]]:
    """A 专项 summary is about one line of work: sections follow what was done, then results."""
    topic = max(score_topics(" ".join(items)).items(), key=lambda kv: kv[1])[0]
    n = min(len(SPECIAL_HEADINGS), len(items)) or 1
    size = -(-len(items) // n)  # ceil: consecutive groups, the order the user gave
    groups = [items[i : i + size] for i in range(0, len(items), size)]
    return [(SPECIAL_HEADINGS[i], topic, g) for i, g in enumerate(groups)]


def _merge_thin(
    ranked: list[str], groups: dict[str, list[str]]
) -> list[tuple[str, str, list[str]]]:
    """(heading, topic, facts) per body section, in genre order, thin topics merged by family."""
    if len(ranked) <= MERGE_ABOVE:
        return [(TOPIC_HEADINGS.get(t, TOPIC_HEADINGS[GENERAL_TOPIC]), t, groups[t]) for t in ranked]
    merged: dict[str, list[str]] = {}  # key: a topic (kept alone) or a family
    members: dict[str, list[str]] = {}
    for topic in ranked:
        key = topic if len(groups[topic]) >= 3 else family_of(topic)
        merged.setdefault(key, []).extend(groups[topic])
        members.setdefault(key, []).append(topic)
    out: list[tuple[str, str, list[str]]] = []
    for key, items in merged.items():
        topics = members[key]
        if len(topics) == 1:
            heading = TOPIC_HEADINGS.get(topics[0], TOPIC_HEADINGS[GENERAL_TOPIC])
        else:
            heading = FAMILY_HEADINGS.get(key, TOPIC_HEADINGS[GENERAL_TOPIC])
        out.append((heading, topics[0], items))
    while len(out) > MAX_BODY_SECTIONS:  # still too many: fold the smallest into 综合
        smallest = min(range(len(out)), key=lambda i: len(out[i][2]))
        _, _, items = out.pop(smallest)
        general = next((o for o in out if o[1] == GENERAL_TOPIC), None)
        if general is None:
            out.append((TOPIC_HEADINGS[GENERAL_TOPIC], GENERAL_TOPIC, items))
        else:
            general[2].extend(items)
    return out
