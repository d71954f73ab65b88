"""Draft → .docx in 公文 layout (GB/T 9704-2012), .md, .txt or .json, written atomically.

The .docx uses its own paragraph styles (公文标题, 公文正文, 公文一级标题 …) with explicit East
Asian fonts, no theme fonts, a 22 × 28 document grid and a PAGE-field footer. Fonts missing on
the reader's machine are substituted by Word through the font table's alternate names:
方正小标宋简体 → 宋体, 仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体, 黑体 → SimHei, 宋体 → SimSun.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Twips
from lxml import etree

from drafter.draft import PLACEHOLDER_CLOSE, PLACEHOLDER_OPEN, Draft, placeholder, section_numbers
from drafter.errors import UserError

# ── layout constants (GB/T 9704-2012) ────────────────────────────────────────────────────────

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_PAGE = "宋体"
FONT_LATIN = "Times New Roman"

# Alternate names Word falls back to when the standard font is not installed.
FONT_FALLBACKS: dict[str, str] = {
    FONT_TITLE: "宋体",
    FONT_BODY: "仿宋",
    FONT_H2: "楷体",
    FONT_H1: "SimHei",
    FONT_PAGE: "SimSun",
}
_FONT_FAMILY = {
    FONT_TITLE: "roman",
    FONT_BODY: "modern",
    FONT_H2: "modern",
    FONT_H1: "modern",
    FONT_PAGE: "auto",
}

SIZE_TITLE_PT = 22  # 二号
SIZE_BODY_PT = 16  # 三号
SIZE_PAGE_PT = 14  # 四号

PAGE_W_MM, PAGE_H_MM = 210, 297
MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 37, 35, 28, 26
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
TITLE_CHARS_PER_LINE = 20  # 156 mm text width / 22 pt ≈ 20 characters

_THEME_ATTRS = ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme")
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_TITLE_LINE_TW = 35 * 20  # exact 35 pt: 二号 title lines need more than 28.95 pt


def _mm_to_twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


PAGE_W_TW, PAGE_H_TW = _mm_to_twips(PAGE_W_MM), _mm_to_twips(PAGE_H_MM)
MARGINS_TW = {
    "top": _mm_to_twips(MARGIN_TOP_MM),
    "bottom": _mm_to_twips(MARGIN_BOTTOM_MM),
    "left": _mm_to_twips(MARGIN_LEFT_MM),
    "right": _mm_to_twips(MARGIN_RIGHT_MM),
}
_TEXT_W_TW = PAGE_W_TW - MARGINS_TW["left"] - MARGINS_TW["right"]
_TEXT_H_TW = PAGE_H_TW - MARGINS_TW["top"] - MARGINS_TW["bottom"]
# Floor, so that 22 lines always fit: 579 twips = 28.95 pt, the standard's fixed line spacing.
LINE_PITCH_TW = _TEXT_H_TW // LINES_PER_PAGE
# Word's character grid: pitch = default font size + charSpace/4096 pt; 28 characters per line.
# Floor, so that 28 characters always fit: -842, the value of the usual Word templates.
CHAR_SPACE = math.floor((_TEXT_W_TW / 20 / CHARS_PER_LINE - SIZE_BODY_PT) * 4096)
_CHAR_TW = SIZE_BODY_PT * 20  # one 三号 character, for the twips fallbacks of char indents

# GRID_NOTE: the section declares the standard 22 × 28 grid (Word's page setup shows it), but the
# paragraphs do not snap to it. The grid pitch (15.79 pt) is below the 16 pt font: Word squeezes
# each character into one cell, LibreOffice gives it two (14 characters a line). Instead the body
# text is condensed by 0.5 pt, so 28 characters fit a line and 29 do not (28 × 15.5 = 434 pt ≤
# 442 pt < 29 × 15.5), whoever lays it out; exact 28.95 pt line spacing gives the 22 lines.
# Checked by rendering with LibreOffice (tests/test_render.py); not checked in Word itself.
CONDENSE_TW = -10

STYLE_IDS = {
    "title": ("GongwenTitle", "公文标题"),
    "body": ("GongwenBody", "公文正文"),
    "blank": ("GongwenBody", "公文正文"),
    "h1": ("GongwenHeading1", "公文一级标题"),
    "h2": ("GongwenHeading2", "公文二级标题"),
    "h3": ("GongwenHeading3", "公文三级标题"),
    "h4": ("GongwenHeading4", "公文四级标题"),
    "unit": ("GongwenSignoff", "公文落款"),
    "date": ("GongwenSignoff", "公文落款"),
    "page": ("GongwenPageNumber", "公文页码"),
}
_KIND_FONT = {
    "title": FONT_TITLE,
    "body": FONT_BODY,
    "blank": FONT_BODY,
    "h1": FONT_H1,
    "h2": FONT_H2,
    "h3": FONT_BODY,
    "h4": FONT_BODY,
    "unit": FONT_BODY,
    "date": FONT_BODY,
    "page": FONT_PAGE,
}

SUFFIXES = (".docx", ".md", ".txt", ".json")

# ── text normalisation shared by all formats ─────────────────────────────────────────────────

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u2018-\u201d\u2026\u2014"
_CJK_RE = re.compile(f"[{_CJK}]")
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。"}
_PUNCT_RE = re.compile(f"(?<=[{_CJK}])[,;:?!.]|[,;:?!](?=[{_CJK}])")
_PAREN_RE = re.compile(r"(?P<pre>.?)\((?P<body>[^()\n]*)\)(?P<post>.?)")
_DQUOTE_RE = re.compile(r'"([^"\n]*)"')
_SQUOTE_RE = re.compile(r"(?<![A-Za-z])'([^'\n]*)'(?![A-Za-z])")
_PLACEHOLDER_RE = re.compile(re.escape(PLACEHOLDER_OPEN) + ".*?" + re.escape(PLACEHOLDER_CLOSE))


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


def draft_blocks(draft: Draft) -> list[Block]:
    """The draft as the ordered paragraphs every export format prints."""
    blocks = [Block("title", fullwidth_punctuation(one_line(draft.title)) or placeholder("标题"))]
    blocks.append(Block("blank", ""))
    headings = [strip_heading_number(one_line(s.heading)) for s in draft.sections]
    for section, heading, number in zip(draft.sections, headings, section_numbers(headings), strict=True):
        if heading:
            blocks.append(Block("h1", f"{number}、{fullwidth_punctuation(heading)}"))
        for para in text_paragraphs(section.text):
            found = split_heading(para)
            if found:
                level, head, rest = found
                blocks.append(Block(f"h{level}", head + rest, head))
            else:
                blocks.append(Block("body", para))
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


# ── .docx building ───────────────────────────────────────────────────────────────────────────


def _el(tag: str, **attrs: str) -> OxmlElement:
    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(f"w:{k}"), str(v))
    return el


def _rfonts(east_asia: str) -> OxmlElement:
    # hint=eastAsia: quotes, dashes and ellipses are drawn with the Chinese font (full width).
    return _el(
        "w:rFonts",
        ascii=FONT_LATIN,
        hAnsi=FONT_LATIN,
        eastAsia=east_asia,
        cs=FONT_LATIN,
        hint="eastAsia",
    )


def _rpr(
    east_asia: str,
    size_pt: float | None = None,
    bold: bool | None = None,
    highlight: str | None = None,
    condense_tw: int = 0,
) -> OxmlElement:
    """A w:rPr with children in schema order; condense_tw is character spacing in 1/20 pt."""
    rpr = _el("w:rPr")
    rpr.append(_rfonts(east_asia))
    if bold is not None:
        val = "1" if bold else "0"
        rpr.append(_el("w:b", val=val))
        rpr.append(_el("w:bCs", val=val))
    if condense_tw:
        rpr.append(_el("w:spacing", val=str(condense_tw)))
    if size_pt is not None:
        rpr.append(_el("w:sz", val=str(round(size_pt * 2))))
        rpr.append(_el("w:szCs", val=str(round(size_pt * 2))))
    if highlight:
        rpr.append(_el("w:highlight", val=highlight))
    return rpr


def _ppr(
    *,
    jc: str,
    line_tw: int | None,
    first_line_chars: int = 0,
    right_chars: float = 0,
    left_chars: float = 0,
    outline: int | None = None,
    keep_next: bool = False,
) -> OxmlElement:
    """A w:pPr with children in schema order (keepNext … snapToGrid, spacing, ind, jc, outlineLvl)."""
    ppr = _el("w:pPr")
    if keep_next:
        ppr.append(_el("w:keepNext"))
    ppr.append(_el("w:widowControl", val="0"))  # fixed 22 lines a page, as 公文 templates do
    # No extra space between Chinese and digits, so a line holds 28 characters whatever it says.
    ppr.append(_el("w:autoSpaceDE", val="0"))
    ppr.append(_el("w:autoSpaceDN", val="0"))
    ppr.append(_el("w:snapToGrid", val="0"))  # see GRID_NOTE
    if line_tw is None:
        ppr.append(_el("w:spacing", before="0", after="0", line="240", lineRule="auto"))
    else:
        ppr.append(_el("w:spacing", before="0", after="0", line=str(line_tw), lineRule="exact"))
    ind = {
        "left": str(round(left_chars * _CHAR_TW)),
        "leftChars": str(round(left_chars * 100)),
        "right": str(round(right_chars * _CHAR_TW)),
        "rightChars": str(round(right_chars * 100)),
        "firstLine": str(first_line_chars * _CHAR_TW // 100),
        "firstLineChars": str(first_line_chars),
    }
    ppr.append(_el("w:ind", **ind))
    ppr.append(_el("w:jc", val=jc))
    if outline is not None:
        ppr.append(_el("w:outlineLvl", val=str(outline)))
    return ppr


def _strip_theme_fonts(root) -> None:
    """Drop theme font references, which would override our explicit font names."""
    for rfonts in root.iter(qn("w:rFonts")):
        for attr in _THEME_ATTRS:
            rfonts.attrib.pop(qn(attr), None)
        if not rfonts.attrib:
            rfonts.getparent().remove(rfonts)


def _setup_styles(doc) -> None:
    styles_el = doc.styles.element
    _strip_theme_fonts(styles_el)
    # Document defaults = body text, so anything unstyled still prints as 仿宋 三号.
    defaults = styles_el.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    for child in list(rpr_default):
        rpr_default.remove(child)
    rpr = _rpr(FONT_BODY, SIZE_BODY_PT)
    rpr.append(_el("w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA"))
    rpr_default.append(rpr)
    ppr_default = defaults.find(qn("w:pPrDefault"))
    for child in list(ppr_default):
        ppr_default.remove(child)
    ppr_default.append(
        parse_xml(
            f'<w:pPr xmlns:w="{_W_NS}"><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
        )
    )

    # LibreOffice sizes the character grid from the Normal style's font, not from docDefaults.
    normal = doc.styles["Normal"].element
    for child in normal.findall(qn("w:rPr")):
        normal.remove(child)
    normal.append(_rpr(FONT_BODY, SIZE_BODY_PT))

    body_line = LINE_PITCH_TW
    specs = {
        "body": dict(
            ppr=_ppr(jc="both", line_tw=body_line, first_line_chars=200),
            rpr=_rpr(FONT_BODY, SIZE_BODY_PT, bold=False, condense_tw=CONDENSE_TW),
            based=None,
        ),
        "title": dict(
            ppr=_ppr(jc="center", line_tw=_TITLE_LINE_TW, keep_next=True),
            rpr=_rpr(FONT_TITLE, SIZE_TITLE_PT, bold=False),
            based=None,
        ),
        "h1": dict(
            ppr=_ppr(jc="both", line_tw=body_line, first_line_chars=200, outline=0, keep_next=True),
            rpr=_rpr(FONT_H1, SIZE_BODY_PT, bold=False),
            based="body",
        ),
        "h2": dict(
            ppr=_ppr(jc="both", line_tw=body_line, first_line_chars=200, outline=1),
            rpr=_rpr(FONT_H2, SIZE_BODY_PT, bold=False),
            based="body",
        ),
        "h3": dict(
            ppr=_ppr(jc="both", line_tw=body_line, first_line_chars=200, outline=2),
            rpr=_rpr(FONT_BODY, SIZE_BODY_PT, bold=True),
            based="body",
        ),
        "h4": dict(
            ppr=_ppr(jc="both", line_tw=body_line, first_line_chars=200, outline=3),
            rpr=_rpr(FONT_BODY, SIZE_BODY_PT, bold=False),
            based="body",
        ),
        "unit": dict(
            ppr=_ppr(jc="right", line_tw=body_line), rpr=_rpr(FONT_BODY, SIZE_BODY_PT), based="body"
        ),
        "page": dict(
            ppr=_ppr(jc="right", line_tw=None),
            rpr=_rpr(FONT_PAGE, SIZE_PAGE_PT, bold=False),
            based=None,
        ),
    }
    for kind, spec in specs.items():
        style_id, name = STYLE_IDS[kind]
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.element.set(qn("w:styleId"), style_id)
        style.element.set(qn("w:customStyle"), "1")
        if spec["based"]:
            style.base_style = doc.styles[STYLE_IDS[spec["based"]][1]]
        style.quick_style = True
        style.element.append(spec["ppr"])
        style.element.append(spec["rpr"])


def _setup_font_table(doc) -> None:
    """Name the standard fonts and their fallbacks (w:altName) in the font table."""
    part = next(
        (p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"),
        None,
    )
    if part is None:
        return
    root = parse_xml(part.blob)
    for name, alt in FONT_FALLBACKS.items():
        font = _el("w:font", name=name)
        font.append(_el("w:altName", val=alt))
        font.append(_el("w:charset", val="86"))  # GB2312
        font.append(_el("w:family", val=_FONT_FAMILY[name]))
        font.append(_el("w:pitch", val="variable"))
        root.append(font)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _setup_section(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Twips(PAGE_W_TW), Twips(PAGE_H_TW)
    section.top_margin = Twips(MARGINS_TW["top"])
    section.bottom_margin = Twips(MARGINS_TW["bottom"])
    section.left_margin = Twips(MARGINS_TW["left"])
    section.right_margin = Twips(MARGINS_TW["right"])
    section.header_distance = Twips(_mm_to_twips(15))
    # The page number sits about 7 mm below the text block.
    section.footer_distance = Twips(_mm_to_twips(MARGIN_BOTTOM_MM - 7) - SIZE_PAGE_PT * 20 - 60)
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = _el("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TW))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))

    doc.settings.odd_and_even_pages_header_footer = True
    section.footer.is_linked_to_previous = False
    _page_number_footer(section.footer, odd=True)
    _page_number_footer(section.even_page_footer, odd=False)


def _page_number_footer(footer, *, odd: bool) -> None:
    """`— N —` with a PAGE field: odd pages right, even pages left, one 四号 character in."""
    for p in footer.paragraphs[1:]:
        p._p.getparent().remove(p._p)
    para = footer.paragraphs[0]
    p = para._p
    for child in list(p):
        p.remove(child)
    style_id = STYLE_IDS["page"][0]
    ppr = _el("w:pPr")
    ppr.append(_el("w:pStyle", val=style_id))
    one_char = SIZE_PAGE_PT * 20
    if odd:
        ppr.append(_el("w:ind", right=str(one_char)))
        ppr.append(_el("w:jc", val="right"))
    else:
        ppr.append(_el("w:ind", left=str(one_char)))
        ppr.append(_el("w:jc", val="left"))
    p.append(ppr)

    def run(*children) -> None:
        r = _el("w:r")
        r.append(_rpr(FONT_PAGE, SIZE_PAGE_PT))
        for c in children:
            r.append(c)
        p.append(r)

    def text(s: str) -> OxmlElement:
        t = _el("w:t")
        t.text = s
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        return t

    run(text("— "))
    run(_el("w:fldChar", fldCharType="begin"))
    instr = _el("w:instrText")
    instr.text = " PAGE "
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    run(instr)
    run(_el("w:fldChar", fldCharType="separate"))
    run(text("1"))
    run(_el("w:fldChar", fldCharType="end"))
    run(text(" —"))


def _add_runs(para, text: str, east_asia: str, bold: bool | None = None) -> None:
    """Runs for `text`, with placeholders highlighted yellow so nobody sends them by accident."""
    pos = 0
    pieces: list[tuple[str, bool]] = []
    for m in _PLACEHOLDER_RE.finditer(text):
        if m.start() > pos:
            pieces.append((text[pos : m.start()], False))
        pieces.append((m.group(0), True))
        pos = m.end()
    if pos < len(text):
        pieces.append((text[pos:], False))
    for piece, is_placeholder in pieces:
        run = para.add_run(piece)
        r = run._r
        old = r.find(qn("w:rPr"))
        if old is not None:
            r.remove(old)
        r.insert(0, _rpr(east_asia, bold=bold, highlight="yellow" if is_placeholder else None))


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


def build_docx(draft: Draft):
    """The draft as a python-docx Document in 公文 layout (not yet saved)."""
    doc = Document()
    _drop_template_extras(doc)
    _setup_styles(doc)
    _strip_theme_fonts(doc.element)
    _setup_font_table(doc)
    _setup_section(doc)

    blocks = draft_blocks(draft)
    unit = next(b.text for b in blocks if b.kind == "unit")
    date = next(b.text for b in blocks if b.kind == "date")
    unit_right, date_right = signoff_indents(unit, date)
    for block in blocks:
        para = doc.add_paragraph(style=doc.styles[STYLE_IDS[block.kind][1]])
        font = _KIND_FONT[block.kind]
        if block.kind == "title":
            for i, line in enumerate(title_lines(block.text)):
                if i:
                    br = _el("w:r")
                    br.append(_rpr(font))
                    br.append(_el("w:br"))
                    para._p.append(br)
                _add_runs(para, line, font)
        elif block.kind in ("h2", "h3", "h4") and block.head != block.text:
            _add_runs(para, block.head, font, bold=True if block.kind == "h3" else None)
            _add_runs(para, block.text[len(block.head) :], FONT_BODY, bold=False)
        elif block.kind in ("unit", "date"):
            right = unit_right if block.kind == "unit" else date_right
            ppr = para._p.get_or_add_pPr()
            ppr.append(
                _el(
                    "w:ind",
                    right=str(round(right * _CHAR_TW)),
                    rightChars=str(round(right * 100)),
                    firstLine="0",
                    firstLineChars="0",
                )
            )
            _add_runs(para, block.text, font)
        elif block.text:
            _add_runs(para, block.text, font)

    props = doc.core_properties
    props.title = blocks[0].text
    props.author = draft.signoff.unit_name.strip() or "工会工作总结起草助手"
    props.last_modified_by = props.author
    props.comments = "由工会工作总结起草助手生成"
    props.subject = "工会工作总结"
    props.keywords = ""
    props.language = "zh-CN"
    now = datetime.now(timezone.utc).replace(microsecond=0)
    props.created = props.modified = now
    props.revision = 1
    return doc


def _drop_template_extras(doc) -> None:
    """python-docx's template carries a thumbnail and a Word 2010 style copy with theme fonts."""
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(rid)
    pkg_rels = doc.part.package.rels
    for rid, rel in list(pkg_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            pkg_rels.pop(rid)


# ── the formats ──────────────────────────────────────────────────────────────────────────────


def export_docx(draft: Draft, path: Path) -> None:
    """Write the draft as a Word file in 公文 layout."""
    buf = io.BytesIO()
    build_docx(draft).save(buf)
    _atomic_write(Path(path), buf.getvalue())


_MD_ESCAPE = re.compile(r"([\\`*_])")


def _md_escape(text: str) -> str:
    text = _MD_ESCAPE.sub(r"\\\1", text)
    if text[:1] in "#>":
        text = "\\" + text
    return text


def export_markdown(draft: Draft) -> str:
    """`# 标题`, the opening, `## 一、…` headings, paragraphs, then the sign-off lines."""
    out: list[str] = []
    for block in draft_blocks(draft):
        if block.kind == "title":
            out.append(f"# {_md_escape(block.text)}")
        elif block.kind == "h1":
            out.append(f"## {_md_escape(block.text)}")
        elif block.kind in ("h2", "h3") and block.head == block.text:
            out.append(f"{'#' * (int(block.kind[1]) + 1)} {_md_escape(block.text)}")
        elif block.kind != "blank":
            out.append(_md_escape(block.text))
    return "\n\n".join(out) + "\n"


def export_text(draft: Draft) -> str:
    """Plain text with the same structure as the Markdown: one line per paragraph."""
    out: list[str] = []
    for block in draft_blocks(draft):
        if block.kind == "title":
            out += [block.text, ""]
        elif block.kind == "unit":
            out += ["", block.text]
        elif block.kind != "blank":
            out.append(block.text)
    return "\n".join(out) + "\n"


def export_json(draft: Draft) -> str:
    return json.dumps(draft.to_dict(), ensure_ascii=False, indent=2) + "\n"


def export_draft(draft: Draft, path: Path) -> Path:
    """Write the draft in the format named by the file extension (.docx .md .txt .json).

    Raises ExportError (a Chinese message) when the file cannot be written; a file that was
    there before stays as it was, and no partial or temporary file is left behind.
    """
    path = Path(path)
    check_output_path(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        export_docx(draft, path)
    elif suffix == ".md":
        _atomic_write(path, export_markdown(draft).encode("utf-8"))
    elif suffix == ".txt":
        _atomic_write(path, export_text(draft).encode("utf-8"))
    else:
        _atomic_write(path, export_json(draft).encode("utf-8"))
    return path


# ── writing safely ───────────────────────────────────────────────────────────────────────────


class ExportError(UserError):
    """The draft could not be written to the chosen file; the message says why and what to do."""

    message = "无法写入导出文件，请换一个位置或文件名。"


def unsupported_format(suffix: str) -> str:
    shown = suffix or "（无扩展名）"
    return f"不支持导出为 {shown} 格式，请把文件名改为 .docx、.md、.txt 或 .json 结尾。"


def check_output_path(path: Path) -> None:
    """Refuse an output file that cannot be written, before any work is spent on it."""
    path = Path(path)
    if path.is_dir():
        raise write_error(path, errno.EISDIR)
    if path.suffix.lower() not in SUFFIXES:
        raise ExportError(unsupported_format(path.suffix))
    folder = path.absolute().parent
    if not folder.is_dir():
        blocking = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if blocking is not None and not blocking.is_dir():  # a file where a folder should be
            raise write_error(path, errno.ENOTDIR, blocking)
        raise write_error(path, errno.ENOENT)
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise write_error(path, errno.EACCES)


# What each failure means for the user, by errno: {path} is the file, {folder} the folder.
_WRITE_ERRORS: dict[int, str] = {
    errno.ENOSPC: "磁盘空间不足，无法保存 {path}：请清理磁盘或换一个保存位置后重试。",
    errno.EDQUOT: "磁盘空间配额已用完，无法保存 {path}：请清理文件或换一个保存位置后重试。",
    errno.EACCES: "没有权限保存 {path}：请换一个可写的文件夹（如自己的文档目录），或请管理员开放写权限。",
    errno.EROFS: "无法保存 {path}：它所在的磁盘是只读的，请换一个保存位置。",
    errno.EISDIR: "{path} 是一个文件夹，不能作为输出文件：请在后面加上文件名，如 {path}/总结.docx。",
    errno.ENOTDIR: "{folder} 是一个文件，不是文件夹：请换一个保存位置。",
    errno.ENOENT: "输出目录不存在：{folder}，请先建立该文件夹或换一个保存位置。",
    errno.ENAMETOOLONG: "文件名太长，无法保存 {path}：请用短一些的文件名。",
}
_WRITE_ERRORS[errno.EPERM] = _WRITE_ERRORS[errno.EACCES]


def write_error(path: Path, code: int | None, folder: Path | None = None) -> ExportError:
    """A failed write (an errno) as a Chinese sentence that says what to do."""
    fallback = "无法保存 {path}" + (f"（系统错误代码 {code}）" if code else "") + "：请换一个保存位置后重试。"
    template = _WRITE_ERRORS.get(code or 0, fallback)
    where = folder or path.absolute().parent
    return ExportError(template.format(path=path, folder=where))


def _atomic_write(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder + os.replace: never a half-written target.

    Any OSError (no permission, disk full, a folder in the way …) becomes an ExportError, after
    the temporary file is removed; the file that was there before is left untouched.
    """
    tmp: Path | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(tmp_name)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0600; give the file the permissions a normal save would.
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):  # keep the original error, not this one
                tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise write_error(path, exc.errno) from exc
        raise
