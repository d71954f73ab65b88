"""Checking a genre's raw data (the merged YAML) before it is built: every problem at once, each
naming its key, in Chinese."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from drafter.genre.model import DEFAULT_PERIOD, DEFAULT_STYLE, GENERAL_TOPIC

_CUE_KINDS = ("address", "rule", "tag", "request")
PERIOD_FIELDS = (
    "title", "signoff", "phrase", "opening_when", "span", "hand_over_span", "plans_headline", "plans_when",
)
BANK_PARTS = ("open", "method", "effect")
_FRAGMENT = re.compile(r"\{([A-Z_]+)\}")


def _texts(node: Any, path: str, errors: list[str], required: bool = True) -> tuple[str, ...]:
    if node is None and not required:
        return ()
    if not isinstance(node, list) or not all(isinstance(x, str) and x for x in node):
        errors.append(f"{path}：应是一列文字")
        return ()
    if required and not node:
        errors.append(f"{path}：不能为空")
    return tuple(node)


def _text(node: Any, path: str, errors: list[str], allow_empty: bool = False) -> str:
    if not isinstance(node, str) or (not node and not allow_empty):
        errors.append(f"{path}：缺少文字")
        return ""
    return node


def _mapping(node: Any, path: str, errors: list[str]) -> dict[str, Any]:
    if not isinstance(node, dict) or not node:
        errors.append(f"{path}：缺少或不是键值对")
        return {}
    return node


def check(d: dict[str, Any]) -> list[str]:
    e: list[str] = []
    styles = _mapping(d.get("headline_styles"), "headline_styles", e)
    if styles and DEFAULT_STYLE not in styles:
        e.append(f"headline_styles：缺少 {DEFAULT_STYLE}")
    for style, label in styles.items():
        _text(label, f"headline_styles.{style}", e)

    def headlines(node: Any, path: str) -> None:
        node = _mapping(node, path, e)
        for style in styles:
            if node:
                _text(node.get(style), f"{path}.{style}", e)

    units = _mapping(d.get("unit_types"), "unit_types", e)
    for name, u in units.items():
        u = _mapping(u, f"unit_types.{name}", e)
        _texts(u.get("cues"), f"unit_types.{name}.cues", e)
        _text(u.get("superiors"), f"unit_types.{name}.superiors", e)
        _texts(u.get("unless"), f"unit_types.{name}.unless", e, required=False)
    _same_keys(d.get("unit_type_match_order"), units, "unit_type_match_order", e)
    _text(d.get("other_superiors"), "other_superiors", e)

    periods = _mapping(d.get("periods"), "periods", e)
    if periods and DEFAULT_PERIOD not in periods:
        e.append(f"periods：缺少 {DEFAULT_PERIOD}")
    for name, p in periods.items():
        p = _mapping(p, f"periods.{name}", e)
        _texts(p.get("cues"), f"periods.{name}.cues", e)
        _texts(p.get("aliases"), f"periods.{name}.aliases", e)
        for key in PERIOD_FIELDS:
            _text(p.get(key), f"periods.{name}.{key}", e, allow_empty=key == "hand_over_span")
    _same_keys(d.get("period_match_order"), periods, "period_match_order", e)

    phrases = _mapping(d.get("phrases"), "phrases", e)
    banks = _mapping(phrases.get("topics"), "phrases.topics", e)
    topics = _mapping(d.get("topics"), "topics", e)
    if topics and GENERAL_TOPIC not in topics:
        e.append(f"topics：缺少 {GENERAL_TOPIC}（没有线索词的事实归入它）")
    for name, t in topics.items():
        t = _mapping(t, f"topics.{name}", e)
        _texts(t.get("cues"), f"topics.{name}.cues", e, required=name != GENERAL_TOPIC)
        _texts(t.get("placement_cues"), f"topics.{name}.placement_cues", e, required=False)
        headlines(t.get("headline"), f"topics.{name}.headline")
        headlines(t.get("second_headline"), f"topics.{name}.second_headline")
        if name not in banks:
            e.append(f"topics.{name}：缺少措辞库（phrases.topics.{name}）")
    for name, bank in banks.items():
        if name not in topics:
            e.append(f"phrases.topics.{name}：没有这个主题（topics.{name}）")
        bank = _mapping(bank, f"phrases.topics.{name}", e)
        for part in BANK_PARTS:
            if bank:
                _texts(bank.get(part), f"phrases.topics.{name}.{part}", e)

    order = _mapping(d.get("topic_order"), "topic_order", e)
    if order and "default" not in order:
        e.append("topic_order：缺少 default")
    for key, items in order.items():
        items = _texts(items, f"topic_order.{key}", e)
        for t in items:
            if t not in topics:
                e.append(f"topic_order.{key}：没有这个主题：{t}")
        if len(set(items)) != len(items):
            e.append(f"topic_order.{key}：主题重复")
    for t in topics:
        if order.get("default") and t not in order["default"]:
            e.append(f"topics.{t}：在 topic_order.default 中没有位置")

    seen: set[str] = set()
    for name, f in _mapping(d.get("families"), "families", e).items():
        f = _mapping(f, f"families.{name}", e)
        for t in _texts(f.get("members"), f"families.{name}.members", e):
            if t not in topics or t in seen:
                e.append(f"families.{name}.members：{t} 不是主题或已属于另一组")
            seen.add(t)
        headlines(f.get("headline"), f"families.{name}.headline")

    special = _texts(d.get("special_sections"), "special_sections", e)
    special_phrases = _mapping(phrases.get("special"), "phrases.special", e)
    for heading in special:
        s = _mapping(special_phrases.get(heading), f"phrases.special.{heading}", e)
        for part in ("open", "method"):
            if s:
                _texts(s.get(part), f"phrases.special.{heading}.{part}", e)
    _texts(phrases.get("effect_leads"), "phrases.effect_leads", e)
    for kind, texts in _mapping(d.get("sections"), "sections", e).items():
        for key, value in _mapping(texts, f"sections.{kind}", e).items():
            _text(value, f"sections.{kind}.{key}", e)
    for kind, parts in _mapping(phrases.get("sections"), "phrases.sections", e).items():
        for part, items in _mapping(parts, f"phrases.sections.{kind}", e).items():
            _texts(items, f"phrases.sections.{kind}.{part}", e)
    _check_cues(d.get("instruction_filter"), e)
    return e


def _same_keys(node: Any, keys: dict[str, Any], path: str, e: list[str]) -> None:
    items = _texts(node, path, e)
    if items and sorted(items) != sorted(keys):
        e.append(f"{path}：应恰好列出每一项一次（{'、'.join(keys)}）")


def _check_cues(node: Any, e: list[str]) -> None:
    f = _mapping(node, "instruction_filter", e)
    fragments = _mapping(f.get("fragments"), "instruction_filter.fragments", e)
    for lang in ("chinese", "english"):
        cues = f.get(lang)
        if not isinstance(cues, list) or not cues:
            e.append(f"instruction_filter.{lang}：应是一列 kind/pattern")
            continue
        for n, cue in enumerate(cues, 1):
            where = f"instruction_filter.{lang} 第{n}条"
            if not isinstance(cue, dict) or cue.get("kind") not in _CUE_KINDS or not isinstance(cue.get("pattern"), str):
                e.append(f"{where}：须有 kind（{'/'.join(_CUE_KINDS)}）和 pattern")
                continue
            missing = [m for m in _FRAGMENT.findall(cue["pattern"]) if m not in fragments]
            if missing:
                e.append(f"{where}：未定义的片段 {'、'.join(missing)}")
                continue
            try:
                re.compile(expand(cue["pattern"], fragments))
            except re.error as exc:
                e.append(f"{where}：正则表达式有误（{exc}）")


def expand(pattern: str, fragments: Mapping[str, str]) -> str:
    return _FRAGMENT.sub(lambda m: fragments[m.group(1)], pattern)
