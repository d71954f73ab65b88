"""Tag articles and chunks: unit type, period (article level), role and topic (chunk level)."""

from __future__ import annotations

import re

from drafter import taxonomy
from drafter.taxonomy import OTHER_UNIT_TYPE, match_period, match_topic, match_unit_type

# "在区总工会的领导下" names the superior body, not the writer: drop it before matching.
_SUPERIOR = re.compile(r"在[^，。,]{0,40}?(领导|指导|支持|关心|部署)[^，。,]{0,6}下?")
_PROBLEMS = re.compile(r"问题|不足|差距|薄弱")
_PLANS = re.compile(r"打算|计划|思路|设想|展望|改进措施|努力方向|下一步|今后")
PROBLEM_PARAGRAPH = re.compile(r"^.{0,20}(存在.{0,8}(问题|不足)|不足之处|也认识到)")
PLAN_PARAGRAPH = re.compile(r"^.{0,6}(下一步|明年|新的一年|下半年|今后|本年我们将|我们将)")
CLOSING_PARAGRAPH = re.compile(r"^(回顾|总之|总的来看|总而言之|总体来看)")


def classify_unit_type(title: str, opening: str, body: str) -> str:
    """Writer's unit type: from the title, then the opening (superiors removed), then counts."""
    for text in (title, _SUPERIOR.sub("", opening[:300])):
        found = match_unit_type(text)
        if found != OTHER_UNIT_TYPE:
            return found
    scores = {t: sum(body.count(c) for c in cues) for t, cues in taxonomy.UNIT_TYPES.items()}
    best = max(scores, key=lambda t: scores[t])
    return best if scores[best] >= 3 else OTHER_UNIT_TYPE


def classify_period(title: str, opening: str) -> str:
    from_title = match_period(title)
    if from_title != "年度" or "年度" in title:
        return from_title
    return match_period(opening[:120])


def classify_role(heading_path: list[str], first_paragraph: str, is_first: bool) -> str:
    if not heading_path:
        if is_first:
            return "opening"
        if PROBLEM_PARAGRAPH.search(first_paragraph):
            return "problems"
        if PLAN_PARAGRAPH.search(first_paragraph):
            return "plans"
        return "closing" if CLOSING_PARAGRAPH.search(first_paragraph) else "body"
    top = heading_path[0]
    if _PROBLEMS.search(top) and len(top) <= 30:
        return "problems"
    if _PLANS.search(top) and len(top) <= 30:
        return "plans"
    if PROBLEM_PARAGRAPH.search(first_paragraph):
        return "problems"
    if CLOSING_PARAGRAPH.search(first_paragraph):
        return "closing"
    return "body"


def classify_topic(heading_path: list[str], text: str) -> str:
    """Headings say what a section is about; weigh them above the text."""
    heading_topic = match_topic(" ".join(heading_path[-2:]))
    if heading_topic != "综合":
        return heading_topic
    return match_topic(text)
