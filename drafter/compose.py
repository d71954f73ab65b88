"""The offline composer: a complete plain draft from the user's facts alone, no LLM.

Every fact appears in its section, in the user's words (as 一是…；二是…). Around them go only
our own figure-free genre sentences (drafter/genre/phrases.yaml). This module holds the body
composer and the helpers every section kind's composer uses (drafter/kinds/). Nothing is taken from the example summaries:
a sentence mined from an uploaded example, however general it looks, can carry that unit's
claims ("…受到省总工会表彰"), and would then read as a claim of the user's unit. Nothing is
invented: no figure, name or event is added.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Sequence
from typing import Any

from drafter.draft import chinese_numeral
from drafter.facts import Facts
from drafter.genre import GENERAL_TOPIC, active
from drafter.outline import PlannedSection, placement_scores
from drafter.phrases import adapt

MIN_METHODS, METHODS_PER_FACT = 3, 4  # method sentences a body section may use

# The kinds' own composers, under the names this module had (drafter/kinds/).
_MOVED = {
    "compose_opening": "opening", "hand_over": "opening", "compose_problems": "problems", "compose_plans": "plans",
}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        return getattr(importlib.import_module(f"drafter.kinds.{_MOVED[name]}"), name)
    if name == "SUPERIORS":
        return {u.name: u.superiors for u in active().unit_types.values()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def section_topics(section: PlannedSection) -> list[str]:
    """The section's topic first, then the topics of its facts (a merged section has several)."""
    topics = [section.topic or GENERAL_TOPIC]
    for fact in section.facts:
        scores = placement_scores(fact)
        best = max(scores, key=lambda t: scores[t])
        if scores[best] > 0 and best not in topics:
            topics.append(best)
    return [t for t in topics if t in active().topics] or [GENERAL_TOPIC]


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
    genre = active()
    topics = section_topics(section)
    banks = [genre.topics[t].phrases for t in topics]
    # Phrases are ranked per draft and topic (not per section), so that sections of one topic
    # share them out without repeats, while another unit's draft reads differently.
    topic_seed = draft_seed + topics[0]
    special = section.heading in genre.special_sections
    openers = list(genre.special_sections[section.heading][0]) if special else list(banks[0].open)
    opener = _share(openers, topic_seed + "open", slot, slots)[:1] or pick(openers, seed, 1)
    pools = [_share(b.method, draft_seed + t + "method", slot, slots) for t, b in zip(topics, banks, strict=True)]
    if special:
        pools.insert(0, pick(genre.special_sections[section.heading][1], seed + "special", 99))
    methods = _interleave(pools)
    effects = _share(banks[0].effect, topic_seed + "effect", slot, slots) or list(banks[0].effect)
    effect = pick(genre.effect_leads, seed + "lead", 1)[0] + effects[0]

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


def fill_tail(body: str, extras: Sequence[str], tail: str, target: int, facts: Facts | None) -> str:
    closing: list[str] = []
    length = len(body) + len(tail)
    for sentence in extras:
        if length + len(sentence) > target * 1.05:
            break
        closing.append(sentence)
        length += len(sentence)
    unit_type = facts.unit_type if facts else ""
    return body + "\n" + adapt("".join(closing) + tail, unit_type)
