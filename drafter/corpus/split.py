"""Cleaned lines → articles (篇) → sections by heading level, keeping the heading path."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CN_NUM = "一二三四五六七八九十"
_NUM_VALUE = {ch: i + 1 for i, ch in enumerate(_CN_NUM)}

# Heading patterns by level; the number must be followed by a separator, not by text like 一是.
_LEVELS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^([{_CN_NUM}]{{1,3}})\s*[、，,．.]\s*")),
    (2, re.compile(rf"^[（(]\s*([{_CN_NUM}]{{1,3}})\s*[）)]\s*[、.．]?\s*")),
    (3, re.compile(r"^(\d{1,2})\s*(?:[、．]|\.(?!\d))\s*")),
    (4, re.compile(r"^[（(]\s*(\d{1,2})\s*[）)]\s*[、.．]?\s*")),
)
_SENTENCE_END = re.compile(r"[。！？!?；;]")

# Article markers: "…篇一", "篇 2", "篇一:《…》", "工会年度组建工作总结 3".
_PIAN_SUFFIX = re.compile(rf"^(.{{0,40}}?)\s*篇\s*([{_CN_NUM}\d]{{1,3}})\s*$")
_PIAN_PREFIX = re.compile(rf"^篇\s*([{_CN_NUM}\d]{{1,3}})\s*[:：]\s*(.*)$")
_NUMBERED_TITLE = re.compile(r"^(.{2,30}总结)\s*(\d{1,2})\s*$")
# Collection headers: "(大全5篇)", "（精选 20 篇）", "(汇总10篇)", "（三篇）".
_COLLECTION = re.compile(rf"[（(]\s*(大全|汇总|精选|合集)?\s*[\d{_CN_NUM}]+\s*篇\s*[）)]")
_OPENING_CUE = re.compile(
    r"^(今年|一年来|半年来|过去的一年|本年|去年|上半年|下半年|\d{4}年|近年来|年初以来|"
    r"[\u4e00-\u9fff]{0,12}(工会|总工会)(在|认真|紧紧|坚持))|领导下|总结如下|汇报如下"
)
_STRONG_OPENING = re.compile(r"领导下|指导下|支持下|围绕|总结如下|汇报如下|现将")
_PLAN_OR_PROBLEM = re.compile(r"(工作)?(计划|打算|思路|设想|展望|不足|存在的问题|主要问题|改进措施)")


@dataclass
class Heading:
    level: int
    number: int
    text: str  # the heading line as written, numbering included


@dataclass
class Article:
    title: str
    lines: list[str] = field(default_factory=list)

    @property
    def body_text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class RawSection:
    heading_path: list[str]
    paragraphs: list[str]

    @property
    def heading(self) -> str:
        return self.heading_path[-1] if self.heading_path else ""


def parse_heading(line: str) -> tuple[Heading | None, str]:
    """Return (heading, rest): rest is body text that shares the heading's line."""
    for level, pattern in _LEVELS:
        m = pattern.match(line)
        if not m:
            continue
        raw = m.group(1)
        number = int(raw) if raw.isdigit() else _cn_value(raw)
        if number is None or number == 0:
            return None, line
        head, rest = _split_heading_line(line)
        return Heading(level, number, head), rest
    return None, line


def _cn_value(raw: str) -> int | None:
    if raw == "十":
        return 10
    if len(raw) == 1:
        return _NUM_VALUE.get(raw)
    if raw.startswith("十"):
        return 10 + (_NUM_VALUE.get(raw[1], 0) if len(raw) > 1 else 0)
    if len(raw) >= 2 and raw[1] == "十":
        return _NUM_VALUE.get(raw[0], 0) * 10 + (_NUM_VALUE.get(raw[2], 0) if len(raw) > 2 else 0)
    return None


def _split_heading_line(line: str) -> tuple[str, str]:
    """A heading often runs on into its first paragraph: cut at the first sentence end.

    Short lines run on too ("1、深入学习方针政策。结合学校实际，…"): whatever follows the
    first sentence end is body text. A line with no early sentence end stays whole; if it
    gets no paragraph, split_sections keeps it as text of its parent.
    """
    m = _SENTENCE_END.search(line)
    if m and m.end() <= 60 and line[m.end() :].strip():
        return line[: m.end()].strip(), line[m.end() :].strip()
    return line, ""


def is_title_like(line: str) -> bool:
    """A short free-standing line without sentence punctuation (article or section title)."""
    return (
        4 <= len(line) <= 40
        and not _SENTENCE_END.search(line)
        and line[-1] not in "，,：:"
        and "我们" not in line
    )


def split_articles(lines: list[str], fallback_title: str) -> list[Article]:
    """Cut a file's cleaned lines into articles.

    Marked articles (篇N, "…总结 N") start at their marker. Unmarked ones are found where the
    article's top-level numbering restarts at 一 after reaching 二 or more, *and* a title-like
    line or an opening paragraph (…领导下, 围绕…) stands just before it: that is where the new
    article starts. A restart without such an opening is a numbered list (e.g. plans) instead.
    """
    articles: list[Article] = []
    current: Article | None = None
    top_level = 9  # the shallowest heading level seen in the current article
    top_max = 0  # the highest number reached at that level

    def start(title: str) -> Article:
        nonlocal current, top_level, top_max
        current = Article(title=_clean_title(title) or fallback_title)
        articles.append(current)
        top_level, top_max = 9, 0
        return current

    for line in lines:
        if _COLLECTION.search(line) and len(line) <= 60:
            current = None  # collection header: what follows until the first article is preamble
            continue
        marker = _article_marker(line)
        if marker is not None:
            if current is not None and not current.lines:
                current.title = _clean_title(marker) or current.title
            else:
                start(marker)
            continue
        if len(line) > 60 and _PIAN_PREFIX.match(line):
            continue  # a preview snippet of the next article ("篇一:《…》…")
        heading, _ = parse_heading(line)
        if current is None:
            start(line if _is_summary_title(line) else fallback_title)
            if current is not None and current.title == _clean_title(line):
                continue
        assert current is not None
        if heading is not None and heading.level <= min(top_level, 2):
            if heading.number == 1 and top_max >= 2:
                tail = _opening_tail(current.lines)
                if tail:
                    moved = current.lines[-tail:]
                    del current.lines[-tail:]
                    titled = is_title_like(moved[0])
                    start(moved[0] if titled else fallback_title)
                    current.lines.extend(moved[1:] if titled else moved)
            if heading.level < top_level:
                top_level, top_max = heading.level, 0
            top_max = max(top_max, heading.number)
        elif heading is None and _is_summary_title(line) and not current.lines:
            current.title = _clean_title(line)
            continue
        elif heading is None and _is_summary_title(line) and (top_max >= 2 or len(current.lines) > 3):
            start(line)
            continue
        current.lines.append(line)
    return [a for a in articles if sum(len(x) for x in a.lines) >= 200]


def _is_summary_title(line: str) -> bool:
    """"2025年工会工作总结", "202_工会工作总结：" — a title line, possibly ending with a colon."""
    return "总结" in line and is_title_like(line.rstrip("：:")) and "我" not in line


def _article_marker(line: str) -> str | None:
    """The title carried by an article marker line, or None if the line is not one."""
    m = _PIAN_SUFFIX.match(line)
    if m and len(line) <= 50:
        return m.group(1) or "工作总结"
    m = _PIAN_PREFIX.match(line)
    if m and len(line) <= 60:
        return m.group(2) or "工作总结"
    m = _NUMBERED_TITLE.match(line)
    if m:
        return m.group(1)
    return None


def _opening_tail(lines: list[str]) -> int:
    """How many trailing lines belong to the next article (its title and opening paragraph)."""
    window = lines[-4:]
    for back in range(len(window), 0, -1):  # farthest title-like line first
        line = window[-back]
        if is_title_like(line) and not parse_heading(line)[0]:
            return back
    for back in range(1, min(3, len(lines)) + 1):  # nearest opening paragraph
        line = lines[-back]
        if parse_heading(line)[0]:
            break
        if _OPENING_CUE.search(line[:40]) and _STRONG_OPENING.search(line):
            return back
    return 0


def _clean_title(title: str) -> str:
    title = re.sub(r"[《》:：]", "", title).strip()
    title = re.sub(r"^\d+\s*", "", title)
    return title


def split_sections(article: Article) -> list[RawSection]:
    """An article's lines → sections keyed by heading path (opening first, path [])."""
    sections: list[RawSection] = [RawSection([], [])]
    path: list[Heading] = []
    top: Heading | None = None  # the current 一、二、… heading of the article
    nested = 0  # >0 while a list restarted at 一 under a plans/problems heading: its last number
    for line in article.lines:
        heading, rest = parse_heading(line)
        if heading is None and is_title_like(line) and _PLAN_OR_PROBLEM.search(line) and len(line) <= 25:
            heading, rest = Heading(1, 0, line), ""  # unnumbered "20__年工会工作计划"
        if heading is None:
            sections[-1].paragraphs.append(line)
            continue
        if heading.level == 1 and heading.number > 0 and top is not None:
            # "五、下一步工作打算" followed by "一、…二、…": the plans' own list, one level down.
            restarts = heading.number == 1 and top.number != 1 and _PLAN_OR_PROBLEM.search(top.text)
            continues = nested and heading.number == nested + 1
            if restarts or continues:
                nested = heading.number
                heading = Heading(2, heading.number, heading.text)
            else:
                nested = 0
        if heading.level == 1:
            top = heading
        path = [h for h in path if h.level < heading.level] + [heading]
        sections.append(RawSection([h.text for h in path], [rest] if rest else []))
    return _fold_list_items([s for s in sections if s.paragraphs or s.heading_path])


def _fold_list_items(sections: list[RawSection]) -> list[RawSection]:
    """A numbered line with no paragraph and no sub-headings is a list item, not a heading:
    it becomes text of its parent section (or, at the top level, of the section before it),
    so short items ("1、加大建会力度。" …) are not lost from the chunks."""
    out: list[RawSection] = []
    for i, section in enumerate(sections):
        path = section.heading_path
        following = sections[i + 1].heading_path if i + 1 < len(sections) else []
        has_children = len(following) > len(path) and following[: len(path)] == path
        if section.paragraphs or has_children or not path or not out:
            out.append(section)
            continue
        parent = next(
            (s for s in reversed(out) if len(path) > 1 and s.heading_path == path[:-1]), out[-1]
        )
        parent.paragraphs.append(path[-1])
    return out
