"""Layout constants of the 公文 .docx (GB/T 9704-2012): fonts, sizes, page, grid, styles."""

from __future__ import annotations

import math

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
FONT_FAMILY = {
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

THEME_ATTRS = ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme")
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TITLE_LINE_TW = 35 * 20  # exact 35 pt: 二号 title lines need more than 28.95 pt


def mm_to_twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


PAGE_W_TW, PAGE_H_TW = mm_to_twips(PAGE_W_MM), mm_to_twips(PAGE_H_MM)
MARGINS_TW = {
    "top": mm_to_twips(MARGIN_TOP_MM),
    "bottom": mm_to_twips(MARGIN_BOTTOM_MM),
    "left": mm_to_twips(MARGIN_LEFT_MM),
    "right": mm_to_twips(MARGIN_RIGHT_MM),
}
_TEXT_W_TW = PAGE_W_TW - MARGINS_TW["left"] - MARGINS_TW["right"]
_TEXT_H_TW = PAGE_H_TW - MARGINS_TW["top"] - MARGINS_TW["bottom"]
# Floor, so that 22 lines always fit: 579 twips = 28.95 pt, the standard's fixed line spacing.
LINE_PITCH_TW = _TEXT_H_TW // LINES_PER_PAGE
# Word's character grid: pitch = default font size + charSpace/4096 pt; 28 characters per line.
# Floor, so that 28 characters always fit: -842, the value of the usual Word templates.
CHAR_SPACE = math.floor((_TEXT_W_TW / 20 / CHARS_PER_LINE - SIZE_BODY_PT) * 4096)
CHAR_TW = SIZE_BODY_PT * 20  # one 三号 character, for the twips fallbacks of char indents

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
KIND_FONT = {
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

