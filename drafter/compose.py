"""The offline composer: a complete plain draft from the user's facts alone, no LLM.

Every fact appears in its section, in the user's words (as 一是…；二是…). Around them go only
our own figure-free genre sentences (phrases.py). Nothing is taken from the example summaries:
a sentence mined from an uploaded example, however general it looks, can carry that unit's
claims ("…受到省总工会表彰"), and would then read as a claim of the user's unit. Nothing is
invented: no figure, name or event is added.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from drafter.draft import chinese_numeral
from drafter.facts import Facts
from drafter.outline import PERIOD_PHRASE, PlannedSection, placement_scores
from drafter.phrases import (
    EFFECT_LEADS,
    OPENING,
    PHRASES,
    PLANS,
    PROBLEMS,
    SPECIAL_METHOD,
    SPECIAL_OPEN,
    adapt,
)
from drafter.taxonomy import GENERAL_TOPIC

MIN_METHODS, METHODS_PER_FACT = 3, 4  # method sentences a body section may use

SUPERIORS = {
    "乡镇/街道": "镇党委、政府和上级工会",
    "企业": "公司党委和上级工会",
    "事业单位/机关": "单位党组织和上级工会",
    "学校": "学校党组织和上级教育工会",
    "区县/市总工会": "同级党委和上级工会",
    "农场连队": "场党委和场工会",
}


def pick(options: Sequence[str], seed: str, count: int, avoid: frozenset[str] = frozenset()) -> list[str]:
    """A deterministic choice: the same facts always give the same draft."""
    ranked = sorted(
        (o for o in options if o not in avoid),
        key=lambda o: hashlib.sha1((seed + o).encode("utf-8")).hexdigest(),
    )
    return ranked[:count]


def as_clause(fact: str) -> str:
    """A fact as a clause: no trailing full stop, inner full stops softened to commas."""
    fact = fact.strip().rstrip("。；;，,.")
    return fact.replace("。", "，")


def enumerate_items(items: Sequence[str], start: int = 0) -> str:
    """一是…；二是…；三是…。 (one item alone: a plain sentence). `start` continues a count."""
    clauses = [as_clause(i) for i in items if i.strip()]
    if not clauses:
        return ""
    if len(clauses) == 1 and start == 0:
        return clauses[0] + "。"
    # Chinese ordinals only: an Arabic "11是" would be a figure the user never gave.
    return "；".join(f"{chinese_numeral(start + n + 1)}是{c}" for n, c in enumerate(clauses)) + "。"


def _superiors(facts: Facts) -> str:
    """Under whose leadership, derived only from the unit's type and name (no names invented)."""
    if facts.unit_type == "乡镇/街道" and "街道" in facts.unit_name:
        return "街道党工委和上级工会"
    if facts.unit_type == "农场连队" and "连" in facts.unit_name.replace("联", ""):
        return "连队党支部和农场工会"
    return SUPERIORS.get(facts.unit_type, "上级工会和本单位党组织")


def _period_span(facts: Facts) -> str:
    return {"年度": "一年来", "上半年": "半年来", "下半年": "下半年以来", "专项": "工作中"}[facts.period]


def _subject(facts: Facts) -> str:
    if facts.period == "专项" and facts.topic:  # the title's own wording: "…{topic}工作总结"
        return facts.title[len(f"{facts.union_name}{facts.year}年") :].removesuffix("总结")
    return "工会工作"


def compose_opening(facts: Facts, body_sections: Sequence[PlannedSection], target: int = 0) -> str:
    """Context, leadership, main line, then the hand-over ending in 总结如下：."""
    period = PERIOD_PHRASE.get(facts.period, "全年")
    when = f"{facts.year}年" if facts.period in ("年度", "专项") else f"{facts.year}年{period}"
    subject = _subject(facts)
    seed = facts.union_name + "opening"
    parts = [
        f"{when}，{facts.union_name}在{_superiors(facts)}的正确领导下，坚持以职工为中心，"
        f"团结动员广大职工，扎实推进{subject}。"
    ]
    parts.append(pick(OPENING["stance"], seed + "stance", 1)[0] + pick(OPENING["role"], seed + "role", 1)[0])
    work = "、".join(dict.fromkeys(s.heading.split("，")[-1] for s in body_sections if "，" in s.heading))
    if work:
        parts.append(f"{_period_span(facts)}，我们围绕{work}等方面扎实开展工作，取得了新的进展。")
    closing = hand_over(facts)
    length = sum(len(p) for p in parts) + len(closing)
    for sentence in pick(OPENING["extra"], seed + "extra", len(OPENING["extra"])):
        if length + len(sentence) > max(target, 1) * 1.05:
            break
        parts.insert(-1 if work else len(parts), sentence)
        length += len(sentence)
    parts.append(closing)
    return adapt("".join(parts), facts.unit_type)


def hand_over(facts: Facts) -> str:
    """The opening's last sentence, handing over to the body: 现将…总结如下："""
    span = {"年度": "一年来的", "上半年": "上半年", "下半年": "下半年", "专项": ""}[facts.period]
    return f"现将{span}{_subject(facts)}总结如下："


def section_topics(section: PlannedSection) -> list[str]:
    """The section's topic first, then the topics of its facts (a merged section has several)."""
    topics = [section.topic or GENERAL_TOPIC]
    for fact in section.facts:
        scores = placement_scores(fact)
        best = max(scores, key=lambda t: scores[t])
        if scores[best] > 0 and best not in topics:
            topics.append(best)
    return [t for t in topics if t in PHRASES] or [GENERAL_TOPIC]


def _share(options: Sequence[str], seed: str, slot: int, slots: int) -> list[str]:
    """This section's disjoint share of a phrase list (sections of one topic never repeat)."""
    ranked = pick(options, seed, len(options))
    return ranked[slot::slots] if slots > 1 else ranked


def _interleave(lists: Sequence[Sequence[str]]) -> list[str]:
    out: list[str] = []
    for i in range(max((len(x) for x in lists), default=0)):
        out.extend(x[i] for x in lists if i < len(x))
    return out


def compose_body(
    section: PlannedSection,
    seed: str,
    target: int,
    *,
    slot: int = 0,
    slots: int = 1,
    unit_type: str = "",
    draft_seed: str = "",
) -> str:
    """Opener and approach, the facts as 一是…二是…, then method sentences toward `target`, an effect.

    Method sentences come from our phrase bank (for every topic the section's facts touch);
    none adds a figure, a name or an event.
    Their number is capped by the number of facts, so a thin section stays short rather than
    becoming a wall of generalities.
    """
    topics = section_topics(section)
    banks = [PHRASES[t] for t in topics]
    # Phrases are ranked per draft and topic (not per section), so that sections of one topic
    # share them out without repeats, while another unit's draft reads differently.
    topic_seed = draft_seed + topics[0]
    special = section.heading in SPECIAL_OPEN
    openers = list(SPECIAL_OPEN[section.heading]) if special else list(banks[0]["open"])
    opener = _share(openers, topic_seed + "open", slot, slots)[:1] or pick(openers, seed, 1)
    pools = [_share(b["method"], draft_seed + t + "method", slot, slots) for t, b in zip(topics, banks, strict=True)]
    if special:
        pools.insert(0, pick(SPECIAL_METHOD[section.heading], seed + "special", 99))
    methods = _interleave(pools)
    effects = _share(banks[0]["effect"], topic_seed + "effect", slot, slots) or list(banks[0]["effect"])
    effect = pick(EFFECT_LEADS, seed + "lead", 1)[0] + effects[0]

    fact_paragraphs = _fact_paragraphs(section.facts)
    length = len(opener[0]) + sum(len(p) for p in fact_paragraphs) + len(effect)
    cap = MIN_METHODS + METHODS_PER_FACT * len(section.facts)
    chosen: list[str] = []
    for sentence in methods[:cap]:
        if length >= target * 0.97 and chosen:
            break
        chosen.append(sentence)
        length += len(sentence)
    chosen.sort(key=lambda m: not m.startswith("我们"))  # "我们坚持…" leads, if chosen
    n_lead = 2 if len(chosen) > 5 else 1
    lead, rest = chosen[:n_lead], chosen[n_lead:]
    if rest and not rest[0].startswith(("我们", "在")):
        rest[0] = "在工作中，" + rest[0]
    closing = [rest[i : i + 4] for i in range(0, len(rest), 4)] or [[]]
    closing[-1] = [*closing[-1], effect]
    paragraphs = [
        adapt("".join(opener + lead), unit_type),
        *fact_paragraphs,  # the user's words, untouched
        *(adapt("".join(p), unit_type) for p in closing),
    ]
    return "\n".join(paragraphs)


def _fact_paragraphs(items: Sequence[str]) -> list[str]:
    """The facts, numbered across paragraphs of at most three (一是…；二是…；三是…。 四是…)."""
    items = [i for i in items if i.strip()]
    if not items:
        return []
    if len(items) == 1:
        return [enumerate_items(items)]
    size = 3 if len(items) > 4 else len(items)
    return [enumerate_items(items[i : i + size], start=i) for i in range(0, len(items), size)]


def compose_problems(section: PlannedSection, facts: Facts | None = None) -> str:
    """The user's problems, framed; a placeholder when there are none (never invented ones)."""
    if not section.facts:
        return section.placeholder
    seed = (facts.union_name if facts else "") + "problems"
    body = PROBLEMS["lead"][0] + enumerate_items(section.facts)
    tail = pick(PROBLEMS["extra"] + PROBLEMS["tail"], seed, 1)[0]  # one resolve, not three
    return _fill_tail(body, [], tail, section.target_chars, facts)


def compose_plans(section: PlannedSection, facts: Facts) -> str:
    """The user's plans, framed; a placeholder when there are none (never invented ones)."""
    if not section.facts:
        return section.placeholder
    when = {"上半年": "下半年", "下半年": "明年", "年度": "新的一年", "专项": "下一步"}[facts.period]
    body = f"{when}，{facts.union_name}将重点做好以下工作：" + enumerate_items(section.facts)
    seed = facts.union_name + "plans"
    extras = pick(PLANS["extra"], seed, 1)
    return _fill_tail(body, extras, PLANS["tail"][0], section.target_chars, facts)


def _fill_tail(body: str, extras: Sequence[str], tail: str, target: int, facts: Facts | None) -> str:
    closing: list[str] = []
    length = len(body) + len(tail)
    for sentence in extras:
        if length + len(sentence) > target * 1.05:
            break
        closing.append(sentence)
        length += len(sentence)
    unit_type = facts.unit_type if facts else ""
    return body + "\n" + adapt("".join(closing) + tail, unit_type)
