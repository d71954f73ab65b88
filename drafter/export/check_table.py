"""The 数据核对表: every figure of a draft, its sentence and the fact it came from, as a table in
公文 fonts in a .docx of its own (written next to the exported draft: 总结-数据核对表.docx).

A separate file rather than an appendix: the draft stays ready to file, and the table goes to
whoever checks the figures against the union's 台账.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from docx.shared import Mm

from drafter.draft import Draft
from drafter.export.docx_build import new_document
from drafter.export.layout import FONT_BODY, FONT_H1, FONT_H2, SIZE_BODY_PT, STYLE_IDS
from drafter.export.ooxml import el, ppr, rpr
from drafter.export.text import fullwidth_punctuation, one_line
from drafter.trace import section_figures, sentence_at

SUFFIX = "-数据核对表.docx"
TITLE = "数据核对表"
NO_SOURCE = "（不在事实中，请核实）"
SIZE_TABLE_PT = 10.5  # 五号
# (name, width in mm): 156 mm of text width. A row per sentence and fact, the figures of it
# together, and a row per section across the table: a usual draft's figures fit one page.
COLUMNS = (("序号", 12), ("数字", 20), ("所在句子", 66), ("来源事实", 58))


@dataclass(frozen=True)
class CheckRow:
    figure: str
    section: str  # as numbered in the draft: 一、抓组建… (开头段 for the opening)
    sentence: str
    fact: str  # "" when no fact holds the figure


def check_rows(draft: Draft) -> list[CheckRow]:
    """One row per figure of the draft, in reading order."""
    headings = draft.numbered_headings()
    rows: list[CheckRow] = []
    for section, heading, figures in zip(draft.sections, headings, section_figures(draft), strict=True):
        for f in figures:
            rows.append(CheckRow(f.text, heading or "开头段", sentence_at(section.text, f.start), f.fact))
    return rows


def table_path(path: Path) -> Path:
    """Where the table of the draft exported to `path` goes: 总结.docx → 总结-数据核对表.docx."""
    return Path(path).with_name(Path(path).stem + SUFFIX)


def _cell_text(cell, text: str, font: str) -> None:
    """`text` in a cell, a paragraph per line (the figures of one row stand one per line)."""
    for n, line in enumerate(text.split("\n")):
        para = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
        para._p.insert(0, ppr(jc="left", line_tw=None))
        run = para.add_run(fullwidth_punctuation(one_line(line)))
        run._r.insert(0, rpr(font, SIZE_TABLE_PT))


def table_lines(draft: Draft) -> list[tuple[str, tuple[str, ...]]]:
    """The table's rows after its header: ("section", (heading,)) before a section's figures,
    then ("row", (n, figures, sentence, fact)) for each sentence and fact, its figures one a line."""
    out: list[tuple[str, tuple[str, ...]]] = []
    section, key, n = "", None, 0
    for row in check_rows(draft):
        if row.section != section:
            section, key = row.section, None
            out.append(("section", (section,)))
        if (row.sentence, row.fact) == key:
            kind, (number, figures, sentence, fact) = out[-1]
            out[-1] = (kind, (number, f"{figures}\n{row.figure}", sentence, fact))
            continue
        key, n = (row.sentence, row.fact), n + 1
        out.append(("row", (str(n), row.figure, row.sentence, row.fact or NO_SOURCE)))
    return out


def build_check_table(draft: Draft):
    """The 数据核对表 as a Document (not yet saved)."""
    doc = new_document()
    doc.add_paragraph(TITLE, style=doc.styles[STYLE_IDS["title"][1]])
    sub = doc.add_paragraph(style=doc.styles[STYLE_IDS["title"][1]])
    run = sub.add_run(fullwidth_punctuation(one_line(draft.title)))
    run._r.insert(0, rpr(FONT_H2, SIZE_BODY_PT))
    lines = table_lines(draft)
    table = doc.add_table(rows=1 + len(lines), cols=len(COLUMNS))
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    for i, (name, width) in enumerate(COLUMNS):
        table.columns[i].width = Mm(width)
        for cell in table.columns[i].cells:
            cell.width = Mm(width)
        _cell_text(table.rows[0].cells[i], name, FONT_H1)
    table.rows[0]._tr.get_or_add_trPr().append(el("w:tblHeader"))  # repeated on every page
    for row, (kind, values) in zip(table.rows[1:], lines, strict=True):
        if kind == "section":
            _cell_text(row.cells[0].merge(row.cells[-1]), values[0], FONT_H2)
            continue
        for cell, value in zip(row.cells, values, strict=True):
            _cell_text(cell, value, FONT_BODY)
    if not lines:
        doc.add_paragraph("这份草稿中没有数字。", style=doc.styles[STYLE_IDS["body"][1]])
    doc.core_properties.title = f"{draft.title}{TITLE}"
    return doc


def check_table_bytes(draft: Draft) -> bytes:
    buf = io.BytesIO()
    build_check_table(draft).save(buf)
    return buf.getvalue()
