"""Facts → outline: the title, the sections in genre order, and which fact goes where.

Each fact is placed in exactly one section. Its topic comes from cue words; when a fact has
none, the corpus decides: the topic of the most similar passage written by similar units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from drafter.errors import UserError
from drafter.facts import Facts
from drafter.genre import DEFAULT_STYLE, GENERAL_TOPIC, Genre, active
from drafter.phrases import ADAPTED_UNIT_TYPES, adapt
from drafter.retrieve import Retriever
from drafter.taxonomy import score_topics

MAX_BODY_SECTIONS = 6
MERGE_ABOVE = 4  # more body sections than this: thin ones (< 3 facts) join their family
MIN_BODY_SECTIONS = 3
DEFAULT_LENGTH_MIN, DEFAULT_LENGTH_MAX = 1500, 3000

# The genre's tables under the names this module had (the data is in drafter/genre/genre.yaml).
_TABLES: dict[str, Callable[[Genre], Any]] = {
    "_TOPIC_ORDER": lambda g: dict(g.topic_order),
    "PLACEMENT_CUES": lambda g: {t.name: t.placement_cues for t in g.topics.values() if t.placement_cues},
    "ALT_HEADINGS": lambda g: {t.name: t.second_headline[DEFAULT_STYLE] for t in g.topics.values()},
    "PERIOD_PHRASE": lambda g: {p.name: p.phrase for p in g.periods.values()},
    "PLANS_HEADING": lambda g: {p.name: p.plans_headline for p in g.periods.values()},
    "PROBLEMS_HEADING": lambda g: g.sections["problems"]["headline"],
    "SPECIAL_HEADINGS": lambda g: tuple(g.special_sections),
}


def __getattr__(name: str) -> Any:
    if name in _TABLES:
        return _TABLES[name](active())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def placement_scores(fact: str) -> dict[str, int]:
    """Cue-word hits per topic for one fact: taxonomy's cues plus the placement cues."""
    scores = score_topics(fact)
    for topic in active().topics.values():
        if topic.placement_cues:
            scores[topic.name] = scores.get(topic.name, 0) + sum(1 for c in topic.placement_cues if c in fact)
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


def plan_outline(
    facts: Facts,
    retriever: Retriever | None = None,
    headline_style: str | None = None,
    closing: bool | None = None,
) -> Outline:
    """The title and planned sections: one per section kind in genre order, the body by topics.

    `headline_style` (parallel | plain …, see genre.yaml headline_styles) defaults to the facts'
    own choice, else parallel; `closing` adds or drops the 结束语 whatever the facts say.
    """
    from drafter.kinds import KINDS  # the kinds plan with this module's PlannedSection

    genre = active()
    style = headline_style or facts.headline_style or DEFAULT_STYLE
    if style not in genre.headline_styles:
        raise UserError(f"不支持的标题样式“{style}”：可用 {'、'.join(genre.headline_styles.values())}。")
    if closing is not None:
        facts = replace(facts, closing=closing)
    groups: dict[str, list[str]] = {}
    for fact in facts.facts:
        groups.setdefault(topic_of_fact(fact, facts, retriever), []).append(fact)
    order = genre.order_for(facts.unit_type)
    ranked = sorted(groups, key=lambda t: order.index(t) if t in order else len(order))
    if facts.period == "专项":
        bodies = _special_sections(facts.facts)
    else:
        bodies = _ensure_min_sections(_merge_thin(ranked, groups, style), len(facts.facts), style)

    # Budget: each kind takes its share (the opening ~8%, a user-given problems/plans section
    # ~10% each; a placeholder section none); the body sections share the rest by their facts.
    total = target_length(facts)
    body_budget = max(total - sum(k.share(facts, total) for k in KINDS.values()), 200)
    n_facts = max(len(facts.facts), 1)
    sections: list[PlannedSection] = []
    for kind in KINDS.values():
        if kind.role == "body":
            sections += [  # the genre's headlines in the unit's words (a school's 教职工)
                PlannedSection(adapt(heading, facts.unit_type), "body", topic, items,
                               max(int(body_budget * len(items) / n_facts), 150))
                for heading, topic, items in bodies
            ]
        elif (planned := kind.plan(facts, total, genre)) is not None:
            sections.append(planned)
    return Outline(title=facts.title, sections=sections)


def retitle(outline: Outline, style: str) -> Outline:
    """The outline with its body headlines in another style (parallel | plain …).

    A heading is replaced only when it is one of the genre's topic or family headlines (in any
    style); a heading the user wrote, and a 专项 section's, stays as it is.
    """
    genre = active()
    if style not in genre.headline_styles:
        raise UserError(f"不支持的标题样式“{style}”：可用 {'、'.join(genre.headline_styles.values())}。")
    known: dict[str, tuple[dict[str, str], str]] = {}  # a headline as written → (its set, the unit type worded for)
    for unit_type in ("", *ADAPTED_UNIT_TYPES):
        for headlines in genre.headline_sets():
            for text in headlines.values():
                known.setdefault(adapt(text, unit_type), (dict(headlines), unit_type))

    def restyled(heading: str) -> str:
        headlines, unit_type = known[heading]
        return adapt(headlines[style], unit_type)

    sections = [
        replace(s, heading=restyled(s.heading)) if s.role == "body" and s.heading in known else replace(s)
        for s in outline.sections
    ]
    return Outline(outline.title, sections)


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
    bodies: list[tuple[str, str, list[str]]], n_facts: int, style: str = DEFAULT_STYLE
) -> list[tuple[str, str, list[str]]]:
    """At least three body sections when there are at least three facts (the genre's shape).

    First a fact moves to its second-best topic when that topic has no section yet; otherwise
    the largest section is split in two, the second half under the topic's second heading.
    """
    genre = active()
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
            bodies.append((genre.headline(new_topic, style), new_topic, [fact]))
            continue
        half = (len(items) + 1) // 2
        used_headings = {h for h, _, _ in bodies}
        alt = genre.second_headline(topic, style)
        if alt in used_headings:
            alt = genre.second_headline(GENERAL_TOPIC, style) if topic != GENERAL_TOPIC else genre.headline(GENERAL_TOPIC, style)
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


def _special_sections(items: list[str]) -> list[tuple[str, str, list[str]]]:
    """A 专项 summary is about one line of work: sections follow what was done, then results."""
    scores = placement_scores(" ".join(items))
    topic = max(scores, key=lambda t: scores[t]) if any(scores.values()) else GENERAL_TOPIC
    headings = tuple(active().special_sections)
    n = min(len(headings), len(items)) or 1
    size = -(-len(items) // n)  # ceil: consecutive groups, the order the user gave
    groups = [items[i : i + size] for i in range(0, len(items), size)]
    return [(headings[i], topic, g) for i, g in enumerate(groups)]


def _merge_thin(
    ranked: list[str], groups: dict[str, list[str]], style: str = DEFAULT_STYLE
) -> list[tuple[str, str, list[str]]]:
    """(heading, topic, facts) per body section, in genre order, thin topics merged by family."""
    genre = active()
    if len(ranked) <= MERGE_ABOVE:
        return [(genre.headline(t, style), t, groups[t]) for t in ranked]
    merged: dict[str, list[str]] = {}  # key: a topic (kept alone) or a family
    members: dict[str, list[str]] = {}
    for topic in ranked:
        key = topic if len(groups[topic]) >= 3 else genre.family_of(topic)
        merged.setdefault(key, []).extend(groups[topic])
        members.setdefault(key, []).append(topic)
    out: list[tuple[str, str, list[str]]] = []
    for key, items in merged.items():
        topics = members[key]
        if len(topics) == 1:
            heading = genre.headline(topics[0], style)
        elif key in genre.families:
            heading = genre.families[key].headline[style]
        else:
            heading = genre.headline(GENERAL_TOPIC, style)
        out.append((heading, topics[0], items))
    while len(out) > MAX_BODY_SECTIONS:  # still too many: fold the smallest into 综合
        smallest = min(range(len(out)), key=lambda i: len(out[i][2]))
        _, _, items = out.pop(smallest)
        general = next((o for o in out if o[1] == GENERAL_TOPIC), None)
        if general is None:
            out.append((genre.headline(GENERAL_TOPIC, style), GENERAL_TOPIC, items))
        else:
            general[2].extend(items)
    return out
