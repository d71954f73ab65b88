"""Word (.docx) → plain text, one paragraph per line, in reading order.

Headings keep their numbering as text: numbers typed by hand (一、 （一） 十一、) are kept as they
are, and Word's automatic numbering (numbering.xml) is written out as text. Tables come out row by
row; text boxes, headers, footers, footnotes, deleted text and field codes are left out.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

from drafter.draft import chinese_numeral
from drafter.errors import DrafterError

_MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # refuse zip bombs before python-docx inflates them


class DocxReadError(DrafterError, ValueError):
    """A .docx that cannot be read; the message is a short Chinese sentence saying what to do."""

    message = "Word 文档无法读取，请用 Word 或 WPS 另存为 .docx 后再试。"


# ── public API ───────────────────────────────────────────────────────────────────────────────


def read_docx(path: Path) -> str:
    """The document's text: one paragraph per line; "" for an empty document."""
    return "\n".join(text for text, _level in read_docx_paragraphs(path))


def read_docx_paragraphs(path: Path) -> list[tuple[str, int | None]]:
    """(text, heading level) per non-empty paragraph; the level comes from the Word style."""
    doc = _open(Path(path))
    reader = _Reader(doc)
    return list(reader.blocks(doc.element.body))


def heading_level(paragraph) -> int | None:
    """Heading level from a python-docx Paragraph's style: Heading 1 / 标题 1 → 1, Title → 0."""
    try:
        styles = _Styles(paragraph.part.package.main_document_part.styles.element)
    except AttributeError:  # a paragraph not attached to a document
        styles = _Styles(None)
    return _level_of(paragraph._p, styles)


# ── opening ──────────────────────────────────────────────────────────────────────────────────


def _open(path: Path):
    if not path.is_file():
        raise DocxReadError(f"找不到文件：{path.name}，请检查路径")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DocxReadError(f"{path.name} 是旧版 .doc 文件，请用 Word 或 WPS 另存为 .docx 后再导入")
    if not zipfile.is_zipfile(path):
        raise DocxReadError(
            f"{path.name} 不是有效的 .docx 文件（可能已损坏），请用 Word 重新保存后再试"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            if sum(i.file_size for i in zf.infolist()) > _MAX_UNPACKED_BYTES:
                raise DocxReadError(f"{path.name} 解压后过大，请删去图片等内容后再导入")
            if "[Content_Types].xml" not in zf.namelist():
                raise DocxReadError(f"{path.name} 不是 Word 文档（缺少正文部分），请确认文件类型")
        return Document(str(path))
    except DocxReadError:
        raise
    except Exception as exc:  # python-docx raises many types for broken packages
        raise DocxReadError(
            f"{path.name} 无法读取（文件损坏或不是 Word 文档），请用 Word 重新保存为 .docx 后再试"
        ) from exc


# ── heading levels ───────────────────────────────────────────────────────────────────────────

_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_TITLE_NAMES = {"title", "标题", "公文标题"}  # 公文标题: the title style of our own export


class _Styles:
    """Paragraph styles by id, looked up once per document."""

    def __init__(self, styles_el) -> None:
        self.by_id: dict[str, object] = {}
        self.default_id: str | None = None
        if styles_el is None:
            return
        for style in styles_el.iterchildren(qn("w:style")):
            if style.get(qn("w:type")) != "paragraph":
                continue
            sid = style.get(qn("w:styleId"))
            self.by_id.setdefault(sid, style)
            if style.get(qn("w:default")) in ("1", "true", "on") and self.default_id is None:
                self.default_id = sid

    def chain(self, style_id: str | None) -> Iterator:
        """The paragraph style and its basedOn ancestors (bounded, in case of a cycle)."""
        seen: set[str] = set()
        style_id = style_id or self.default_id
        while style_id and style_id not in seen and len(seen) < 20:
            seen.add(style_id)
            style = self.by_id.get(style_id)
            if style is None:
                return
            yield style
            based = style.find(qn("w:basedOn"))
            style_id = based.get(qn("w:val")) if based is not None else None


def _val(el, tag: str) -> str | None:
    child = el.find(qn(tag)) if el is not None else None
    return child.get(qn("w:val")) if child is not None else None


def _outline(ppr) -> int | None:
    v = _val(ppr, "w:outlineLvl")
    if v is None or not v.isdigit():
        return None
    n = int(v)
    return n + 1 if n < 9 else -1  # 9 = body text, which overrides an inherited level


def _level_of(p_el, styles: _Styles) -> int | None:
    direct = _outline(p_el.find(qn("w:pPr")))
    if direct is not None:
        return None if direct < 0 else direct
    for style in styles.chain(_val(p_el.find(qn("w:pPr")), "w:pStyle")):
        for name in (_val(style, "w:name") or "", style.get(qn("w:styleId")) or ""):
            name = name.strip()
            m = _HEADING_NAME.match(name)
            if m:
                return int(m.group(1))
            if name.lower() in _TITLE_NAMES:
                return 0
        lvl = _outline(style.find(qn("w:pPr")))
        if lvl is not None:
            return None if lvl < 0 else lvl
    return None


def _centred(p_el, styles: _Styles) -> bool:
    jc = _val(p_el.find(qn("w:pPr")), "w:jc")
    if jc is None:
        for style in styles.chain(_val(p_el.find(qn("w:pPr")), "w:pStyle")):
            jc = _val(style.find(qn("w:pPr")), "w:jc")
            if jc is not None:
                break
    return jc == "center"


# ── automatic numbering ──────────────────────────────────────────────────────────────────────

_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
          (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]  # fmt: skip
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "ideographDigital",
               "japaneseCounting", "taiwaneseCounting", "chineseLegalSimplified"):  # fmt: skip
        return chinese_numeral(n) if 0 < n < 100 else str(n)
    if fmt in ("upperLetter", "lowerLetter"):
        s = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return s if fmt == "upperLetter" else s.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        out, rest = "", n
        for value, sym in _ROMAN:
            while rest >= value:
                out, rest = out + sym, rest - value
        return out.upper() if fmt == "upperRoman" else out
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n)
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


class _Numbering:
    """Counters for Word's list numbering, enough to print "一、" "（一）" "1." as text."""

    def __init__(self, doc) -> None:
        self.levels: dict[str, dict[int, dict]] = {}  # abstractNumId → ilvl → lvl info
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId → (abstractId, overrides)
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = doc.part.numbering_part.element
        except Exception:  # no numbering part
            return
        for absn in root.iterchildren(qn("w:abstractNum")):
            lvls: dict[int, dict] = {}
            for lvl in absn.iterchildren(qn("w:lvl")):
                ilvl = int(lvl.get(qn("w:ilvl"), "0"))
                start = _val(lvl, "w:start")
                lvls[ilvl] = {
                    "fmt": _val(lvl, "w:numFmt") or "decimal",
                    "text": _val(lvl, "w:lvlText") or "",
                    "start": int(start) if start and start.lstrip("-").isdigit() else 1,
                    "style": _val(lvl, "w:pStyle"),
                }
            self.levels[absn.get(qn("w:abstractNumId"))] = lvls
        for num in root.iterchildren(qn("w:num")):
            overrides: dict[int, int] = {}
            for ov in num.iterchildren(qn("w:lvlOverride")):
                start = _val(ov, "w:startOverride")
                if start and start.isdigit():
                    overrides[int(ov.get(qn("w:ilvl"), "0"))] = int(start)
            self.nums[num.get(qn("w:numId"))] = (_val(num, "w:abstractNumId") or "", overrides)

    def label(self, p_el, styles: _Styles) -> str:
        """The number text for this paragraph ("" when it is not numbered); advances counters."""
        num_id, ilvl, style_id = self._num_pr(p_el, styles)
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract_id, overrides = self.nums[num_id]
        lvls = self.levels.get(abstract_id, {})
        if ilvl is None:
            ilvl = next((i for i, v in lvls.items() if style_id and v["style"] == style_id), 0)
        if ilvl not in lvls:
            return ""
        counts = self.counters.setdefault(num_id, {})
        start = overrides.get(ilvl, lvls[ilvl]["start"])
        counts[ilvl] = counts[ilvl] + 1 if ilvl in counts else start
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]  # a higher level restarts the lower ones
        if lvls[ilvl]["fmt"] in ("bullet", "none"):
            return "" if lvls[ilvl]["fmt"] == "bullet" else lvls[ilvl]["text"]

        def sub(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            info = lvls.get(k)
            value = counts.get(k, info["start"] if info else 1)
            return _format_number(value, info["fmt"] if info else "decimal")

        return re.sub(r"%(\d)", sub, lvls[ilvl]["text"])

    @staticmethod
    def _num_pr(p_el, styles: _Styles) -> tuple[str | None, int | None, str | None]:
        ppr = p_el.find(qn("w:pPr"))
        style_id = _val(ppr, "w:pStyle")
        num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
        if num_pr is not None:
            ilvl = _val(num_pr, "w:ilvl")
            return _val(num_pr, "w:numId"), int(ilvl) if ilvl and ilvl.isdigit() else None, style_id
        for style in styles.chain(style_id):
            spr = style.find(qn("w:pPr"))
            num_pr = spr.find(qn("w:numPr")) if spr is not None else None
            if num_pr is not None:
                ilvl = _val(num_pr, "w:ilvl")
                sid = style.get(qn("w:styleId"))
                level = int(ilvl) if ilvl and ilvl.isdigit() else None
                return _val(num_pr, "w:numId"), level, sid
        return None, None, style_id


# ── walking the body ─────────────────────────────────────────────────────────────────────────

# Subtrees whose text is not part of the running text: drawings and text boxes (their text would
# be duplicated or out of order), deleted revisions, field codes, footnote marks and ruby (pinyin)
# annotations.
_SKIP = {
    qn(t)
    for t in (
        "w:pPr", "w:rPr", "w:del", "w:moveFrom", "w:drawing", "w:pict", "w:object",
        "w:instrText", "w:delText", "w:delInstrText", "w:footnoteReference",
        "w:endnoteReference", "w:commentReference", "w:txbxContent", "w:sdtPr", "w:rt",
    )
}  # fmt: skip
_CJK_CHAR = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


class _Reader:
    def __init__(self, doc) -> None:
        self.styles = _Styles(doc.styles.element)
        self.numbering = _Numbering(doc)

    def blocks(self, container) -> Iterator[tuple[str, int | None]]:
        """Paragraphs and tables directly under `container`, in document order."""
        for child in container.iterchildren():
            tag = child.tag
            if tag == qn("w:p"):
                yield from self.paragraph(child)
            elif tag == qn("w:tbl"):
                yield from self.table(child)
            elif tag in (qn("w:sdt"), qn("w:customXml")):
                content = child.find(qn("w:sdtContent")) if tag == qn("w:sdt") else child
                if content is not None:
                    yield from self.blocks(content)
            elif tag == f"{{{_MC_NS}}}AlternateContent":
                choice = child.find(f"{{{_MC_NS}}}Choice")
                if choice is not None:
                    yield from self.blocks(choice)

    def paragraph(self, p_el) -> Iterator[tuple[str, int | None]]:
        raw = "".join(self._text(p_el))
        label = self.numbering.label(p_el, self.styles)
        level = _level_of(p_el, self.styles)
        pieces = [_clean(piece) for piece in raw.split("\n")]
        pieces = [piece for piece in pieces if piece]
        if not pieces:
            return
        if level is not None or _centred(p_el, self.styles) or len(pieces) == 1:
            # A heading or a centred title broken over lines is still one line of text.
            lines = [_join_broken(pieces)]
        else:
            lines = pieces  # soft line breaks inside body text separate paragraphs
        if label and not lines[0].startswith(label.strip()):
            sep = "" if label.strip()[-1:] in "、.．）)：:" or _CJK_CHAR.match(label[-1:]) else " "
            lines[0] = label.strip() + sep + lines[0]
        for line in lines:
            yield line, level

    def table(self, tbl) -> Iterator[tuple[str, int | None]]:
        rows = list(_children(tbl, "w:tr"))
        one_column = all(len(list(_children(tr, "w:tc"))) <= 1 for tr in rows)
        for tr in rows:
            cells = [list(self.blocks(tc)) for tc in _children(tr, "w:tc")]
            if one_column:
                # A one-column table is a layout box: keep its paragraphs as paragraphs.
                for cell in cells:
                    yield from cell
                continue
            texts = [" ".join(text for text, _ in cell) for cell in cells]
            line = " ".join(t for t in texts if t)
            if line:
                yield line, None

    def _text(self, el) -> Iterator[str]:
        for child in el.iterchildren():
            tag = child.tag
            if tag in _SKIP or not isinstance(tag, str):
                continue
            if tag == qn("w:t"):
                yield child.text or ""
            elif tag in (qn("w:tab"), qn("w:ptab")):
                yield "\t"
            elif tag in (qn("w:br"), qn("w:cr")):
                yield "\n"
            elif tag == qn("w:noBreakHyphen"):
                yield "-"
            elif tag == qn("w:r"):
                rpr = child.find(qn("w:rPr"))
                vanish = rpr.find(qn("w:vanish")) if rpr is not None else None
                if vanish is not None and vanish.get(qn("w:val")) not in ("0", "false", "off"):
                    continue  # hidden text is not shown, so it is not read either
                yield from self._text(child)
            elif tag == f"{{{_MC_NS}}}AlternateContent":
                choice = child.find(f"{{{_MC_NS}}}Choice")
                if choice is not None:
                    yield from self._text(choice)
            else:  # hyperlinks, insertions, smart tags, simple fields, content controls …
                yield from self._text(child)


def _children(el, tag: str) -> Iterator:
    """Direct children with `tag`, looking through content controls and custom XML wrappers."""
    for child in el.iterchildren():
        if child.tag == qn(tag):
            yield child
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _children(content, tag)
        elif child.tag == qn("w:customXml"):
            yield from _children(child, tag)


_SPACE_AFTER_MARK = re.compile(r"(?<=[、，。；：！？）】》”])\s+|\s+(?=[、，。；：！？（【《“])")


def _clean(text: str) -> str:
    """Collapse runs of spaces and drop spaces next to Chinese punctuation ("一、 加强" → "一、加强")."""
    return _SPACE_AFTER_MARK.sub("", _SPACES.sub(" ", text)).strip()


def _join_broken(pieces: list[str]) -> str:
    """Join the lines of a paragraph broken with Shift+Enter: no space between Chinese text."""
    out = pieces[0]
    for piece in pieces[1:]:
        cjk_seam = _CJK_CHAR.match(out[-1:]) or _CJK_CHAR.match(piece[:1])
        out += piece if cjk_seam or out[-1:].isdigit() else " " + piece
    return out
