"""Text shared by every export format: punctuation, headings, the printed blocks, title lines."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from drafter.draft import PLACEHOLDER_CLOSE, PLACEHOLDER_OPEN, Draft, placeholder, section_numbers
from drafter.export.layout import CHARS_PER_LINE, TITLE_CHARS_PER_LINE

# ── text normalisation shared by all formats ─────────────────────────────────────────────────

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u2018-\u201d\u2026\u2014"
_CJK_RE = re.compile(f"[{_CJK}]")
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。"}
_PUNCT_RE = re.compile(f"(?<=[{_CJK}])[,;:?!.]|[,;:?!](?=[{_CJK}])")
_PAREN_RE = re.compile(r"(?P<pre>.?)\((?P<body>[^()\n]*)\)(?P<post>.?)")
_DQUOTE_RE = re.compile(r'"([^"\n]*)"')
_SQUOTE_RE = re.compile(r"(?<![A-Za-z])'([^'\n]*)'(?![A-Za-z])")
PLACEHOLDER_RE = re.compile(re.escape(PLACEHOLDER_OPEN) + ".*?" + re.escape(PLACEHOLDER_CLOSE))


def _has_cjk(s: str) -> bool:
    return bool(_CJK_RE.search(s))


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ELLIPSIS_RE = re.compile(f"(?<=[{_CJK}])(?<!…)(?:\\.{{3,}}|。{{3,}}|…(?!…))")


def one_line(text: str) -> str:
    """A single printable line: control characters (invalid in XML) and line breaks removed."""
    return re.sub(r"\s*[\r\n]+\s*", "", _XML_BAD.sub("", text)).strip(" \t\u3000\xa0")


def fullwidth_punctuation(text: str) -> str:
    """ASCII punctuation next to Chinese text → full-width; 3.5, 1:2 and 1,200 stay as they are."""
    text = _ELLIPSIS_RE.sub("……", text)

    def punct(m: re.Match[str]) -> str:
        ch = m.group(0)
        # A "." is only a sentence end after a Chinese character and before Chinese or the end.
        if ch == ".":
            after = text[m.end() : m.end() + 1]
            if after and not _CJK_RE.match(after):
                return ch
        return _HALF_TO_FULL[ch]

    text = _PUNCT_RE.sub(punct, text)

    def paren(m: re.Match[str]) -> str:
        pre, body, post = m.group("pre"), m.group("body"), m.group("post")
        if _has_cjk(body) or _has_cjk(pre) or _has_cjk(post):
            return f"{pre}（{body}）{post}"
        return m.group(0)

    # Run twice: neighbouring pairs share their boundary characters in one pass.
    text = _PAREN_RE.sub(paren, _PAREN_RE.sub(paren, text))

    def quotes(open_: str, close: str):
        def sub(m: re.Match[str]) -> str:
            s, e = m.start(), m.end()
            around = m.string[max(0, s - 1) : s] + m.string[e : e + 1]
            if _has_cjk(m.group(1)) or _has_cjk(around):
                return f"{open_}{m.group(1)}{close}"
            return m.group(0)

        return sub

    text = _DQUOTE_RE.sub(quotes("“", "”"), text)
    # Single quotes only around Chinese, so apostrophes in English words are left alone.
    text = _SQUOTE_RE.sub(lambda m: f"‘{m.group(1)}’" if _has_cjk(m.group(1)) else m.group(0), text)
    return text


_CN_NUM = "一二三四五六七八九十百零〇"
_H1_RE = re.compile(rf"^[{_CN_NUM}]+\s*[、.．]\s*")
_H2_RE = re.compile(rf"^[（(]\s*([{_CN_NUM}]+)\s*[）)]\s*")
_H3_RE = re.compile(r"^(\d{1,2})\s*[.．、](?!\d)\s*")
_H4_RE = re.compile(r"^[（(]\s*(\d{1,2})\s*[）)]\s*")
_HEAD_END = "。：！？；"


def split_heading(line: str) -> tuple[int, str, str] | None:
    """A line starting with （一） / 1. / 1、 / （1） → (level 2–4, heading part, rest).

    The numbering is rewritten in the standard form (（一） 1. （1）); the heading part runs to
    the first sentence end, the rest of the line is ordinary body text.
    """
    for level, rx, fmt in (
        (2, _H2_RE, "（{}）"),
        (4, _H4_RE, "（{}）"),
        (3, _H3_RE, "{}."),
    ):
        m = rx.match(line)
        if not m:
            continue
        rest = line[m.end() :]
        if not rest.strip():
            return None  # a bare number is not a heading
        label = fmt.format(m.group(1))
        cut = next((i + 1 for i, ch in enumerate(rest) if ch in _HEAD_END), len(rest))
        return level, label + rest[:cut], rest[cut:]
    return None


def strip_heading_number(heading: str) -> str:
    """Drop a typed-in number ("一、抓规范" → "抓规范"): headings are numbered on output."""
    return _H1_RE.sub("", heading.strip(), count=1).strip()


def text_paragraphs(text: str) -> list[str]:
    """Section text → paragraphs: one per line, indentation and blank lines dropped."""
    out = []
    for line in _XML_BAD.sub("", text).splitlines():
        line = line.strip(" \t\u3000\xa0")
        if line:
            out.append(fullwidth_punctuation(line))
    return out


_DATE_RE = re.compile(r"^\s*(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?\s*$")


def format_date(date: str) -> str:
    """Dates without leading zeros: "2025-01-05" / "2025年01月05日" → "2025年1月5日"."""
    m = _DATE_RE.match(date)
    if not m:
        return date.strip()
    y, mo, d = (int(g) for g in m.groups())
    return f"{y}年{mo}月{d}日"


@dataclass(frozen=True)
class Block:
    """One printed paragraph. For h2–h4, `head` is the heading part at the start of `text`."""

    kind: str  # title | blank | body | h1 | h2 | h3 | h4 | unit | date
    text: str
    head: str = ""
    section: int = -1  # the index of the draft section it prints (-1: title, blank, sign-off)


def draft_blocks(draft: Draft) -> list[Block]:
    """The draft as the ordered paragraphs every export format prints."""
    blocks = [Block("title", fullwidth_punctuation(one_line(draft.title)) or placeholder("标题"))]
    blocks.append(Block("blank", ""))
    headings = [strip_heading_number(one_line(s.heading)) for s in draft.sections]
    numbered = zip(draft.sections, headings, section_numbers(headings), strict=True)
    for n, (section, heading, number) in enumerate(numbered):
        if heading:
            blocks.append(Block("h1", f"{number}、{fullwidth_punctuation(heading)}", section=n))
        for para in text_paragraphs(section.text):
            found = split_heading(para)
            if found:
                level, head, rest = found
                blocks.append(Block(f"h{level}", head + rest, head, section=n))
            else:
                blocks.append(Block("body", para, section=n))
    unit = fullwidth_punctuation(one_line(draft.signoff.unit_name)) or placeholder("单位名称")
    date = format_date(one_line(draft.signoff.date)) or placeholder("成文日期")
    blocks += [Block("blank", ""), Block("unit", unit), Block("date", date)]
    return blocks


# ── title line breaking ──────────────────────────────────────────────────────────────────────

_UNIT_ENDS = ("总工会", "工会", "委员会", "联合会", "公司", "集团", "学校", "学院", "大学", "中学",
              "小学", "医院", "中心", "街道", "镇", "乡", "局", "连队", "农场", "分会")  # fmt: skip
_GOOD_BEFORE = re.compile(r"^(关于|\d{4}年|20\d\d|上半年|下半年|年度|工作总结)")


def _break_cost(title: str, i: int) -> float:
    """Cost of breaking `title` before index i: 0 after a unit name or before the year."""
    a, b = title[i - 1], title[i]
    if (a.isascii() and a.isalnum()) and (b.isascii() and b.isalnum()):
        return 1000  # never inside a number or a Latin word
    if a.isdigit() and b in "年月日号%":
        return 1000
    if b in "，、。：；！？）》”’" or a in "（《“‘":
        return 1000
    if title[:i].endswith(_UNIT_ENDS) or _GOOD_BEFORE.match(title[i:]):
        return 0
    if a in "，、：；":
        return 1
    if title[i - 2 : i + 2] in ("工作总结", "工会工作"):
        return 60
    head = title[:i]
    if sum(head.count(c) for c in "“《（") > sum(head.count(c) for c in "”》）"):
        return 60  # inside a quoted name
    # Higher than a 3-4 character imbalance: a clean break beats perfect balance.
    return 30


def title_lines(title: str, max_chars: int = TITLE_CHARS_PER_LINE) -> list[str]:
    """A long title → lines of similar length, broken at sensible points (after the unit name)."""
    n = len(title)
    if n <= max_chars:
        return [title]
    k = math.ceil(n / max_chars)
    target = n / k
    # Dynamic programming over break positions: balance plus break-point cost.
    best: dict[tuple[int, int], tuple[float, list[int]]] = {(0, 0): (0.0, [])}
    for lines in range(1, k + 1):
        for end in range(1, n + 1):
            if lines == k and end != n:
                continue
            options = []
            for (used, start), (cost, cuts) in best.items():
                if used != lines - 1 or start >= end:
                    continue
                length = end - start
                if length > max_chars + 1:
                    continue
                c = cost + (length - target) ** 2
                if end < n:
                    c += _break_cost(title, end)
                # GB/T 9704 prefers an upper line no shorter than the next (梯形/菱形).
                if lines > 1 and cuts and length > (cuts[-1] - (cuts[-2] if len(cuts) > 1 else 0)):
                    c += 2
                options.append((c, [*cuts, end]))
            if options:
                best[(lines, end)] = min(options, key=lambda o: o[0])
    cost_cuts = best.get((k, n))
    if cost_cuts is None:  # cannot happen for sane limits; fall back to fixed-width chunks
        return [title[i : i + max_chars] for i in range(0, n, max_chars)]
    cuts = [0, *cost_cuts[1]]
    return [title[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


# ── the sign-off ───────────────────────────────────────────────────────────────────────────────


def _text_width_chars(text: str) -> float:
    """Printed width in 三号 characters: ASCII letters and digits are half width."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def signoff_indents(unit: str, date: str) -> tuple[float, float]:
    """Right indents (in characters) of the unit name and the date.

    GB/T 9704 practice: the date is set 4 characters from the right margin and the unit name is
    centred over the date; a name too long for that is moved left until it fits the line.
    """
    wn, wd = _text_width_chars(unit), _text_width_chars(date)
    date_right = 4.0
    unit_right = date_right + (wd - wn) / 2
    unit_right = max(0.0, min(unit_right, CHARS_PER_LINE - wn))
    return unit_right, date_right
