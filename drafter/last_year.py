"""Last year's summary: its text, its plans (下一步/明年/下半年 section) and its figures.

Reads .docx/.txt/.md through the material readers, and the drafter's own .json export (the
draft's plans section and its text). Plans are split the ways summaries list them: one item
per numbered line or sub-heading, or 一是…二是… within a paragraph, else one per sentence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from drafter.facts import strip_bullet
from drafter.indicators import Figure, figures_in
from drafter.materials import MaterialError, read_material

_PLANS_HEADING = re.compile(
    r"(下一步|明年|下半年|今后|新的一年|来年|\d{4}\s*年)[^。；]{0,8}(工作)?(打算|计划|思路|安排|重点|目标|设想|要点)"
    r"|^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d+[.、．])?\s*(工作打算|工作计划|工作思路)"
)
_PROBLEMS_HEADING = re.compile(r"问题|不足|差距|短板")
_TOP_MARKER = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*、")
_SUB_MARKER = re.compile(r"^\s*(?:[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]|\d{1,2}\s*[.、．](?!\d)|[①-⑳])")
_ORDINAL = re.compile(r"(?:^|[，。；：,;:])\s*([一二三四五六七八九十]{1,2})\s*是")
_SENTENCE = re.compile(r"[^。！？；]+[。！？；]?")
_INTRO = re.compile(r"[:：]\s*$")
_SIGNOFF = re.compile(r"^\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[\u4e00-\u9fff]{2,20}(工会|工联|委员会))\s*$")
MAX_HEADING_CHARS = 40


@dataclass
class LastYear:
    source: str  # the file name
    text: str  # the whole summary, one paragraph per line
    plans: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)  # results (not from plans/problems)
    year: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source, "year": self.year, "plans": self.plans, "problems": self.problems,
            "figures": [{"label": f.label, "figure": f.raw, "value": str(f.value), "unit": f.unit}
                        for f in self.figures],
        }


def read_last_year(path: Path) -> LastYear:
    """Read and parse last year's summary; MaterialError (Chinese reason) when unusable."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return _from_export(path)
    if path.suffix.lower() not in (".docx", ".txt", ".md"):
        raise MaterialError("上年总结应是 .docx、.txt、.md 或本工具导出的 .json 文件")
    material = read_material(path)
    paragraphs = [(b.text, b.heading) for b in material.blocks]
    return parse_summary(paragraphs, path.name)


def _from_export(path: Path) -> LastYear:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        sections = data["sections"]
        paragraphs: list[tuple[str, bool]] = [(str(data.get("title", "")), True)]
        for s in sections:
            if s.get("heading"):
                paragraphs.append((str(s["heading"]), True))
            paragraphs.extend((p, False) for p in str(s.get("text", "")).split("\n") if p.strip())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError):
        raise MaterialError("不是本工具导出的总结 JSON 文件，无法读取") from None
    last = parse_summary(paragraphs, path.name)
    facts = data.get("facts") if isinstance(data.get("facts"), dict) else {}
    if facts.get("plans"):  # the user's own plan items are cleaner than re-splitting the prose
        last.plans = [str(p) for p in facts["plans"]]
    if facts.get("year"):
        last.year = int(facts["year"])
    return last


def _is_heading(text: str, flagged: bool) -> bool:
    if flagged:
        return True
    t = text.strip()
    return len(t) <= MAX_HEADING_CHARS and bool(_TOP_MARKER.match(t)) and not re.search(r"[。；]", t[:-1])


def parse_summary(paragraphs: list[tuple[str, bool]], source: str) -> LastYear:
    """(text, is_heading) paragraphs → plans, problems and result figures."""
    text = "\n".join(p for p, _ in paragraphs)
    part = "body"
    bodies: dict[str, list[str]] = {"body": [], "plans": [], "problems": []}
    for para, flagged in paragraphs:
        para = para.strip()
        if not para:
            continue
        if _is_heading(para, flagged):
            if _PLANS_HEADING.search(para):
                part = "plans"
            elif _PROBLEMS_HEADING.search(para):
                part = "problems"
            elif _TOP_MARKER.match(para) or part != "plans":
                part = "body"  # a new top-level section; sub-headings inside the plans stay plans
            else:
                bodies[part].append(para)
            continue
        if part != "body" and _SIGNOFF.match(para):
            part = "end"
            continue
        if part == "end":
            continue
        bodies[part].append(para)
    year = _year_of(text)
    figures = [f for p in bodies["body"] for f in figures_in(p)]
    return LastYear(source, text, split_items(bodies["plans"]), split_items(bodies["problems"]), figures, year)


def _year_of(text: str) -> int | None:
    m = re.search(r"(20\d\d)\s*年(度)?(上半年|下半年)?(工会)?工作总结", text)
    return int(m.group(1)) if m else None


def split_items(paragraphs: list[str]) -> list[str]:
    """Plan or problem items from a section's paragraphs."""
    items: list[str] = []
    for para in paragraphs:
        ordinals = list(_ORDINAL.finditer(para))
        if len(ordinals) >= 2:  # 一是…；二是…
            for i, m in enumerate(ordinals):
                end = ordinals[i + 1].start() if i + 1 < len(ordinals) else len(para)
                items.append(_tidy(para[m.end() : end]))
            continue
        if _SUB_MARKER.match(para):
            items.append(_tidy(strip_bullet(para)))
            continue
        for sentence in _SENTENCE.findall(para):
            if sentence.strip() and not _INTRO.search(sentence.strip()):
                items.append(_tidy(sentence))
    return [i for i in items if len(i) >= 4]


def _tidy(text: str) -> str:
    return text.strip().strip("，。；,;：: ")
