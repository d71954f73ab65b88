"""Offline expand and shorten: deterministic, without a model. Every fact's words and figures stay."""

from __future__ import annotations

from drafter import compose
from drafter.draft import PLACEHOLDER_OPEN, Section
from drafter.errors import UserError
from drafter.facts import Facts
from drafter.genre import active
from drafter.kinds import kind_of
from drafter.numbers import number_tokens
from drafter.sentences import sentences


def offline_resize(section: Section, action: str, seed: str, facts: Facts | None = None) -> str:
    """Deterministic expand/shorten without an LLM. Every fact's words and figures stay.

    Shorten keeps the first sentence and every sentence that carries a fact (its figures or its
    words) or a placeholder, dropping the framing in between. Expand adds our own figure-free
    sentences the section's kind offers (about half as much again) where its kind puts them.
    """
    if PLACEHOLDER_OPEN in section.text and not section.facts:
        raise UserError("本节还是待补充内容：请先填写（手工修改）后再扩写或精简。")
    unit_type = facts.unit_type if facts else ""
    if action == "shorten":
        return _shorten(section)
    kind = kind_of(section.role)
    pool = [compose.adapt(p, unit_type) for p in kind.expand_pool(section, active())]
    pool = [p for p in dict.fromkeys(pool) if p not in section.text]
    wanted = max(len(section.text) // 2, 40)
    extra: list[str] = []
    for sentence in compose.pick(pool, seed + "expand", len(pool)):
        if sum(len(e) for e in extra) >= wanted:
            break
        extra.append(sentence)
    if not extra:
        raise UserError("离线模式下本节已无可补充的通用表述；如需进一步扩写，请配置大模型或补充事实。")
    return kind.insert_expansion(section.text, "".join(extra))  # e.g. the opening's hand-over stays last


def _shorten(section: Section) -> str:
    fact_numbers = {n for f in section.facts for n in number_tokens(f)}
    clauses = [compose.as_clause(f) for f in section.facts]
    paragraphs: list[str] = []
    dropped = 0
    for paragraph in section.text.split("\n"):
        pieces = [x for x in sentences(paragraph, clauses=True) if x.strip()]
        keep = [
            x for x in pieces
            if (not paragraphs and x is pieces[0])  # the section's first sentence
            or set(number_tokens(x)) & fact_numbers
            or any(c and (c in x or x.strip("；。一二三四五六七八九十是") in c) for c in clauses)
            or "【" in x
        ]
        dropped += len(pieces) - len(keep)
        if keep:
            paragraphs.append(_close("".join(keep).strip()))
    if not dropped:
        raise UserError("本节已经很精简，离线模式无法再缩短；请手工修改或配置大模型后再试。")
    return "\n".join(paragraphs)


def _close(paragraph: str) -> str:
    """A paragraph cut after "二是…；" ends with a full stop, not a semicolon."""
    return paragraph[:-1] + "。" if paragraph.endswith(("；", "，")) else paragraph
