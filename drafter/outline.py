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


# Extra cue words for placing a user's fact. taxonomy's cues are tuned for tagging corpus
# passages; facts name concrete activities (体检, 运动会, 院务公开) that those cues miss.
PLACEMENT_CUES: dict[str, tuple[str, ...]] = {
    "组织建设": ("工会联合会", "联合工会", "站点工会", "会员", "扫码入会", "建会率", "入会率"),
    "民主管理": ("院务公开", "公开栏", "提案", "职工代表", "教职工代表", "公开事项"),
    "维权": ("欠薪", "法律援助", "调解", "集体合同", "恳谈", "法律咨询", "协商"),
    "帮扶": ("体检", "疗休养", "送清凉", "防暑降温", "互助保障", "慰问品", "慰问金", "服务站",
             "驿站", "暖心", "助学", "困难", "住院", "大病"),
    "劳动竞赛": ("技术能手", "技术标兵", "岗位练兵", "技能大赛", "大赛", "技能培训", "比武", "创新工作室"),
    "职工文化": ("运动会", "兴趣小组", "篮球", "羽毛球", "乒乓球", "拔河", "书法", "摄影", "演出",
                 "汇演", "联谊", "健步走", "书屋", "图书", "读书"),
    "女职工": ("两癌", "母婴", "妈咪小屋", "女教职工", "女工"),
    "安全生产": ("隐患", "群监员", "安全监督员", "安全培训", "消防", "职业暴露", "防护", "青安岗"),
    "宣传教育": ("义诊", "志愿服务", "惠民", "宣讲", "师德"),
    "自身建设": ("工会主席", "业务培训", "干部培训"),
}
MIN_BODY_SECTIONS = 3
DEFAULT_LENGTH_MIN, DEFAULT_LENGTH_MAX = 1500, 3000
# A second heading per topic, for when one topic's facts must fill two sections.
ALT_HEADINGS: dict[str, str] = {
    "组织建设": "抓规范，提升基层工会工作水平",
    "民主管理": "抓公开，保障职工民主权利",
    "维权": "抓协商，构建和谐劳动关系",
    "帮扶": "抓服务，竭诚为职工办实事",
    "劳动竞赛": "抓技能，提升职工队伍素质",
    "职工文化": "抓阵地，建设温馨职工之家",
    "女职工": "抓保护，维护女职工特殊权益",
    "安全生产": "抓监督，推动安全措施落实",
    "宣传教育": "抓宣传，凝聚职工思想共识",
    "经费经审": "抓监督，提高经费使用效益",
    "自身建设": "抓作风，提升服务职工水平",
    GENERAL_TOPIC: "抓重点，推动各项工作落实",
}


def placement_scores(fact: str) -> dict[str, int]:
    """Cue-word hits per topic for one fact: taxonomy's cues plus the placement cues."""
    scores = score_topics(fact)
    for topic, cues in PLACEMENT_CUES.items():
        scores[topic] = scores.get(topic, 0) + sum(1 for c in cues if c in fact)
    return scores


def topic_of_fact(fact: str, facts: Facts, retriever: Retriever | None) -> str:
    scores = placement_scores(fact)
    best = max(scores, key=lambda t: scores[t])
    if scores[best] > 0:
        return best
    if retriever is not None:
        hits = retriever.search(
            fact, k=3, filters={"role": "body"}, prefer={"unit_type": facts.unit_type}, mode="bm25"
        )
        topics = [h.topic for h in hits if h.topic != GENERAL_TOPIC]
        if topics:
            return max(sorted(set(topics)), key=topics.count)  # sorted: ties break the same way
    return GENERAL_TOPIC


def target_length(facts: Facts) -> int:
    """The requested length, or one that grows with the number of facts."""
    if facts.length:
        return facts.length
    return min(DEFAULT_LENGTH_MAX, max(DEFAULT_LENGTH_MIN, 1000 + 200 * len(facts.facts)))


def plan_outline(facts: Facts, retriever: Retriever | None = None) -> Outline:
    groups: dict[str, list[str]] = {}
    for fact in facts.facts:
        groups.setdefault(topic_of_fact(fact, facts, retriever), []).append(fact)
    order = _TOPIC_ORDER.get(facts.unit_type, _TOPIC_ORDER["default"])
    ranked = sorted(groups, key=lambda t: order.index(t) if t in order else len(order))
    if facts.period == "专项":
        bodies = _special_sections(facts.facts)
    else:
        bodies = _ensure_min_sections(_merge_thin(ranked, groups), len(facts.facts))

    # Budget: opening ~8%, a user-given problems/plans section ~10% each, the rest to the
    # body sections by their number of facts. A placeholder section takes no budget.
    total = target_length(facts)
    opening = max(int(0.08 * total), 150)
    tail = int(0.1 * total)
    problems_budget = tail if facts.problems else 0
    plans_budget = tail if facts.plans else 0
    body_budget = max(total - opening - problems_budget - plans_budget, 200)
    n_facts = max(len(facts.facts), 1)

    sections = [PlannedSection("", "opening", target_chars=opening)]
    for heading, topic, items in bodies:
        sections.append(
            PlannedSection(
                heading=heading,
                role="body",
                topic=topic,
                facts=items,
                target_chars=max(int(body_budget * len(items) / n_facts), 150),
            )
        )
    sections.append(
        PlannedSection(
            PROBLEMS_HEADING,
            "problems",
            facts=list(facts.problems),
            target_chars=max(problems_budget, 60),
            placeholder="" if facts.problems else placeholder("本单位工作中存在的问题和不足"),
        )
    )
    sections.append(
        PlannedSection(
            PLANS_HEADING.get(facts.period, "下一步工作打算"),
            "plans",
            facts=list(facts.plans),
            target_chars=max(plans_budget, 60),
            placeholder="" if facts.plans else placeholder("下一步的工作打算和具体措施"),
        )
    )
    return Outline(title=facts.title, sections=sections)


def topic_slots(sections: list[PlannedSection]) -> list[tuple[int, int]]:
    """(slot, slots) per section: its rank among the body sections sharing its topic.

    The composer gives each such section a disjoint share of the topic's phrases, so a 专项
    summary (one topic, several sections) never repeats a sentence.
    """
    counts: dict[str, int] = {}
    for s in sections:
        if s.role == "body":
            counts[s.topic] = counts.get(s.topic, 0) + 1
    seen: dict[str, int] = {}
    out: list[tuple[int, int]] = []
    for s in sections:
        if s.role != "body":
            out.append((0, 1))
            continue
        out.append((seen.get(s.topic, 0), counts[s.topic]))
        seen[s.topic] = seen.get(s.topic, 0) + 1
    return out


def _ensure_min_sections(
    bodies: list[tuple[str, str, list[str]]], n_facts: int
) -> list[tuple[str, str, list[str]]]:
    """At least three body sections when there are at least three facts (the genre's shape).

    First a fact moves to its second-best topic when that topic has no section yet; otherwise
    the largest section is split in two, the second half under the topic's second heading.
    """
    bodies = [(h, t, list(items)) for h, t, items in bodies]
    want = min(MIN_BODY_SECTIONS, n_facts)
    for _ in range(n_facts):  # bounded: each round adds one section
        if len(bodies) >= want:
            break
        index = max(range(len(bodies)), key=lambda i: len(bodies[i][2]))
        heading, topic, items = bodies[index]
        if len(items) < 2:
            break
        used = {t for _, t, _ in bodies}
        moved = _second_topic_move(items, used)
        if moved is not None:
            fact, new_topic = moved
            items.remove(fact)
            bodies.append((TOPIC_HEADINGS.get(new_topic, TOPIC_HEADINGS[GENERAL_TOPIC]), new_topic, [fact]))
            continue
        half = (len(items) + 1) // 2
        used_headings = {h for h, _, _ in bodies}
        alt = ALT_HEADINGS.get(topic, ALT_HEADINGS[GENERAL_TOPIC])
        if alt in used_headings:
            alt = ALT_HEADINGS[GENERAL_TOPIC] if topic != GENERAL_TOPIC else TOPIC_HEADINGS[GENERAL_TOPIC]
        bodies[index] = (heading, topic, items[:half])
        bodies.insert(index + 1, (alt, topic, items[half:]))
    return bodies


def _second_topic_move(items: list[str], used: set[str]) -> tuple[str, str] | None:
    """A fact of `items` with a cue for a topic that has no section yet (the strongest first)."""
    best: tuple[int, str, str] | None = None
    for fact in items:
        scores = placement_scores(fact)
        for topic, score in scores.items():
            if score > 0 and topic not in used and (best is None or score > best[0]):
                best = (score, fact, topic)
    return (best[1], best[2]) if best is not None else None


SPECIAL_HEADINGS = ("主要做法", "取得的成效", "特色亮点")


def _special_sections(items: list[str]) -> list[tuple[str, str, list[str]]]:
    """A 专项 summary is about one line of work: sections follow what was done, then results."""
    scores = placement_scores(" ".join(items))
    topic = max(scores, key=lambda t: scores[t]) if any(scores.values()) else GENERAL_TOPIC
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
