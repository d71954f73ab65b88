"""Draft → .docx in 公文 layout (GB/T 9704-2012), as a python-docx Document.

The .docx uses its own paragraph styles (公文标题, 公文正文, 公文一级标题 …) with explicit East
Asian fonts, no theme fonts, a 22 × 28 document grid and a PAGE-field footer. Fonts missing on
the reader's machine are substituted by Word through the font table's alternate names:
方正小标宋简体 → 宋体, 仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体, 黑体 → SimHei, 宋体 → SimSun.
"""


from __future__ import annotations

from datetime import datetime, timezone

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Twips
from docx.text.run import Run
from lxml import etree

from drafter.draft import Draft
from drafter.export.figures import (
    COMMENT_AUTHOR,
    FigureFinder,
    comment_text,
    figure_finder,
    split_at_figures,
)
from drafter.export.layout import (
    CHAR_SPACE,
    CHAR_TW,
    CONDENSE_TW,
    FONT_BODY,
    FONT_FALLBACKS,
    FONT_FAMILY,
    FONT_H1,
    FONT_H2,
    FONT_PAGE,
    FONT_TITLE,
    KIND_FONT,
    LINE_PITCH_TW,
    MARGIN_BOTTOM_MM,
    MARGINS_TW,
    PAGE_H_TW,
    PAGE_W_TW,
    SIZE_BODY_PT,
    SIZE_PAGE_PT,
    SIZE_TITLE_PT,
    STYLE_IDS,
    TITLE_LINE_TW,
    W_NS,
    mm_to_twips,
)
from drafter.export.ooxml import el as _el
from drafter.export.ooxml import ppr as _ppr
from drafter.export.ooxml import rpr as _rpr
from drafter.export.ooxml import strip_theme_fonts as _strip_theme_fonts
from drafter.export.text import PLACEHOLDER_RE, draft_blocks, signoff_indents, title_lines
from drafter.trace import Figure

# ── .docx building ───────────────────────────────────────────────────────────────────────────


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
            f'<w:pPr xmlns:w="{W_NS}"><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
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
            ppr=_ppr(jc="center", line_tw=TITLE_LINE_TW, keep_next=True),
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
        font.append(_el("w:family", val=FONT_FAMILY[name]))
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
    section.header_distance = Twips(mm_to_twips(15))
    # The page number sits about 7 mm below the text block.
    section.footer_distance = Twips(mm_to_twips(MARGIN_BOTTOM_MM - 7) - SIZE_PAGE_PT * 20 - 60)
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


def _add_runs(
    para, text: str, east_asia: str, bold: bool | None = None, figures: FigureFinder | None = None
) -> list[tuple[Run, Figure]]:
    """Runs for `text`, with placeholders highlighted yellow so nobody sends them by accident.

    With `figures`, each figure of the text gets a run of its own (for a comment); those runs
    are returned with their figures."""
    pos = 0
    pieces: list[tuple[str, bool]] = []
    for m in PLACEHOLDER_RE.finditer(text):
        if m.start() > pos:
            pieces.append((text[pos : m.start()], False))
        pieces.append((m.group(0), True))
        pos = m.end()
    if pos < len(text):
        pieces.append((text[pos:], False))
    marked: list[tuple[Run, Figure]] = []
    for piece, is_placeholder in pieces:
        for part, figure in ([(piece, None)] if is_placeholder or figures is None else split_at_figures(piece, figures(piece))):
            run = para.add_run(part)
            r = run._r
            old = r.find(qn("w:rPr"))
            if old is not None:
                r.remove(old)
            r.insert(0, _rpr(east_asia, bold=bold, highlight="yellow" if is_placeholder else None))
            if figure is not None:
                marked.append((run, figure))
    return marked


def new_document():
    """An empty Document with the 公文 styles, fonts, page and page-number footer."""
    doc = Document()
    _drop_template_extras(doc)
    _setup_styles(doc)
    _strip_theme_fonts(doc.element)
    _setup_font_table(doc)
    _setup_section(doc)
    return doc


def build_docx(draft: Draft, comments: bool = False):
    """The draft as a python-docx Document in 公文 layout (not yet saved).

    `comments`: a Word comment (批注) on each figure naming the fact it came from."""
    doc = new_document()

    blocks = draft_blocks(draft)
    unit = next(b.text for b in blocks if b.kind == "unit")
    date = next(b.text for b in blocks if b.kind == "date")
    unit_right, date_right = signoff_indents(unit, date)
    marked: list[tuple[Run, Figure]] = []
    for block in blocks:
        para = doc.add_paragraph(style=doc.styles[STYLE_IDS[block.kind][1]])
        font = KIND_FONT[block.kind]
        finder = figure_finder(draft, block.section) if comments and block.section >= 0 else None
        if block.kind == "title":
            for i, line in enumerate(title_lines(block.text)):
                if i:
                    br = _el("w:r")
                    br.append(_rpr(font))
                    br.append(_el("w:br"))
                    para._p.append(br)
                _add_runs(para, line, font)
        elif block.kind in ("h2", "h3", "h4") and block.head != block.text:
            marked += _add_runs(para, block.head, font, bold=True if block.kind == "h3" else None, figures=finder)
            marked += _add_runs(para, block.text[len(block.head) :], FONT_BODY, bold=False, figures=finder)
        elif block.kind in ("unit", "date"):
            right = unit_right if block.kind == "unit" else date_right
            ppr = para._p.get_or_add_pPr()
            ppr.append(
                _el(
                    "w:ind",
                    right=str(round(right * CHAR_TW)),
                    rightChars=str(round(right * 100)),
                    firstLine="0",
                    firstLineChars="0",
                )
            )
            _add_runs(para, block.text, font)
        elif block.text:
            marked += _add_runs(para, block.text, font, figures=finder)
    for run, figure in marked:
        doc.add_comment(run, text=comment_text(figure), author=COMMENT_AUTHOR, initials="")

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


