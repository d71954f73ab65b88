"""The draft object: a title, ordered sections, a sign-off. Plain data, JSON round-trippable."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

PLACEHOLDER_OPEN = "【待补充："
PLACEHOLDER_CLOSE = "】"


def section_name(heading: str, role: str = "opening") -> str:
    """A section as messages name it: “抓组建，…”一节, or its kind's name (开头段, 结束语)."""
    return f"“{heading}”一节" if heading else short_name(heading, role)


def short_name(heading: str, role: str = "opening") -> str:
    """A section as lists show it: its heading, or for one without (开头段, 结束语) its kind's name."""
    if heading:
        return heading
    from drafter.kinds import kind_of  # the kinds build on this module

    return kind_of(role).label


def placeholder(what: str) -> str:
    """A clearly visible gap the user must fill; never invented content."""
    return f"{PLACEHOLDER_OPEN}{what}{PLACEHOLDER_CLOSE}"


@dataclass
class Source:
    """A retrieved corpus passage that a section drew on."""

    source: str
    article: str
    heading: str
    snippet: str


@dataclass
class Warning:
    """A problem found in a section: kind is a short machine tag, detail is Chinese text."""

    kind: str  # invented_number | new_number | missing_fact | noise | copied | placeholder | llm_error | injection
    detail: str
    text: str = ""  # the offending text, for highlighting


# Warning kinds as the user reads them (cards, CLI).
WARNING_LABELS = {
    "invented_number": "编造数字",
    "new_number": "新数字（不在事实中）",  # a figure the user typed in a hand edit
    "missing_fact": "缺少事实",
    "noise": "无关字样",
    "copied": "照抄范文",
    "placeholder": "待补充",
    "llm_error": "生成失败",
    "llm_fallback": "大模型输出未采用",
    "injection": "已忽略的指令",
    "comparison": "未经计算的增减比较",
}


@dataclass
class Section:
    heading: str  # "" for the opening paragraph; "一、…" style numbering is added on output
    text: str
    role: str = "body"  # opening | body | problems | plans | closing
    topic: str = ""
    facts: list[str] = field(default_factory=list)  # the user's facts placed in this section
    sources: list[Source] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    locked: bool = False
    origin: str = "offline"  # who wrote the text: see ORIGINS
    origin_reason: str = ""  # for "fallback": why the model's text was not used (Chinese)


# Who wrote a section version. "fallback": the offline composer's text, because the model's
# answer failed or was not accepted (origin_reason says why).
ORIGINS = ("llm", "offline", "fallback", "user")
MODE_LABELS = {"llm": "大模型生成", "offline": "离线生成", "mixed": "大模型生成，部分节为离线稿"}
ORIGIN_LABELS = {"llm": "大模型生成", "offline": "离线生成", "fallback": "离线稿（大模型输出未采用）", "user": "手工修改"}


def draft_mode(sections: Iterable[Section]) -> str:
    """"llm" when the model wrote every section it was asked for, "offline" when it wrote none,
    "mixed" when some fell back. Hand edits do not change how a draft was generated."""
    origins = {s.origin for s in sections}
    if "llm" not in origins:
        return "offline"
    return "mixed" if "fallback" in origins else "llm"


@dataclass
class Signoff:
    unit_name: str
    date: str  # "2025年12月31日"


@dataclass
class Draft:
    title: str
    sections: list[Section]
    signoff: Signoff
    mode: str = "offline"  # llm | offline | mixed (see draft_mode)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    facts: dict[str, Any] = field(default_factory=dict)  # the validated facts it was made from
    owner: str = ""  # the login name it belongs to ("" without login); set by the store

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        sections = [
            Section(
                **{
                    **s,
                    "sources": [Source(**x) for x in s.get("sources", [])],
                    "warnings": [Warning(**w) for w in s.get("warnings", [])],
                }
            )
            for s in data.get("sections", [])
        ]
        return cls(
            id=data.get("id") or uuid.uuid4().hex[:12],
            title=data["title"],
            mode=data.get("mode", "offline"),
            sections=sections,
            signoff=Signoff(**data["signoff"]),
            facts=data.get("facts", {}),
            owner=data.get("owner", ""),
        )

    def numbered_headings(self) -> list[str]:
        """Headings as printed: body sections numbered 一、二、… in order; opening has none."""
        numbers = section_numbers(s.heading for s in self.sections)
        return [f"{n}、{s.heading}" if n else "" for n, s in zip(numbers, self.sections, strict=True)]


def section_numbers(headings: Iterable[str]) -> list[str]:
    """一, 二, … for each section with a heading, in order; "" for one without (the opening)."""
    out: list[str] = []
    for heading in headings:
        out.append(chinese_numeral(len([n for n in out if n]) + 1) if heading else "")
    return out


_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 23 → 二十三 (enough for section numbers)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")
