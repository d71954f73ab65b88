"""Small WordprocessingML builders: elements, run and paragraph properties in schema order."""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from drafter.export.layout import CHAR_TW, FONT_LATIN, THEME_ATTRS


def el(tag: str, **attrs: str) -> OxmlElement:
    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(f"w:{k}"), str(v))
    return el


def rfonts(east_asia: str) -> OxmlElement:
    # hint=eastAsia: quotes, dashes and ellipses are drawn with the Chinese font (full width).
    return el(
        "w:rFonts",
        ascii=FONT_LATIN,
        hAnsi=FONT_LATIN,
        eastAsia=east_asia,
        cs=FONT_LATIN,
        hint="eastAsia",
    )


def rpr(
    east_asia: str,
    size_pt: float | None = None,
    bold: bool | None = None,
    highlight: str | None = None,
    condense_tw: int = 0,
) -> OxmlElement:
    """A w:rPr with children in schema order; condense_tw is character spacing in 1/20 pt."""
    rpr = el("w:rPr")
    rpr.append(rfonts(east_asia))
    if bold is not None:
        val = "1" if bold else "0"
        rpr.append(el("w:b", val=val))
        rpr.append(el("w:bCs", val=val))
    if condense_tw:
        rpr.append(el("w:spacing", val=str(condense_tw)))
    if size_pt is not None:
        rpr.append(el("w:sz", val=str(round(size_pt * 2))))
        rpr.append(el("w:szCs", val=str(round(size_pt * 2))))
    if highlight:
        rpr.append(el("w:highlight", val=highlight))
    return rpr


def ppr(
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
    ppr = el("w:pPr")
    if keep_next:
        ppr.append(el("w:keepNext"))
    ppr.append(el("w:widowControl", val="0"))  # fixed 22 lines a page, as 公文 templates do
    # No extra space between Chinese and digits, so a line holds 28 characters whatever it says.
    ppr.append(el("w:autoSpaceDE", val="0"))
    ppr.append(el("w:autoSpaceDN", val="0"))
    ppr.append(el("w:snapToGrid", val="0"))  # see GRID_NOTE
    if line_tw is None:
        ppr.append(el("w:spacing", before="0", after="0", line="240", lineRule="auto"))
    else:
        ppr.append(el("w:spacing", before="0", after="0", line=str(line_tw), lineRule="exact"))
    ind = {
        "left": str(round(left_chars * CHAR_TW)),
        "leftChars": str(round(left_chars * 100)),
        "right": str(round(right_chars * CHAR_TW)),
        "rightChars": str(round(right_chars * 100)),
        "firstLine": str(first_line_chars * CHAR_TW // 100),
        "firstLineChars": str(first_line_chars),
    }
    ppr.append(el("w:ind", **ind))
    ppr.append(el("w:jc", val=jc))
    if outline is not None:
        ppr.append(el("w:outlineLvl", val=str(outline)))
    return ppr


def strip_theme_fonts(root) -> None:
    """Drop theme font references, which would override our explicit font names."""
    for rfonts in root.iter(qn("w:rFonts")):
        for attr in THEME_ATTRS:
            rfonts.attrib.pop(qn(attr), None)
        if not rfonts.attrib:
            rfonts.getparent().remove(rfonts)
