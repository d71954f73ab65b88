"""Material files → blocks of text, each with its place in the file (paragraph, page, sheet/row).

Text files and .docx go through the corpus loaders (encodings, binary and broken files); PDF
text layers through pypdf; spreadsheets (.xlsx via openpyxl, .csv) are read as a 台账: a header
row found by its column names, then one block per activity row, its cells kept by column.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from drafter.corpus.load import LoadError, decode_text, load_file
from drafter.errors import UserError

MATERIAL_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".xlsx", ".csv")
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 5000  # a 台账 longer than this is not a year's activities
HEADER_SCAN_ROWS = 15

# Column names of a 台账, by what the column holds. A row with at least two of these kinds is
# the header. "figure" columns hold the counts and amounts that become a fact's figures.
COLUMN_KINDS: dict[str, tuple[str, ...]] = {
    # row numbers and the people in charge: not part of the activity
    "skip": ("序号", "编号", "No", "NO", "no.", "责任人", "负责人", "经办人", "联系人", "联系电话", "填表人"),
    "date": ("日期", "时间", "月份", "开展时间", "活动时间"),
    "item": ("活动", "项目", "内容", "名称", "事项", "工作", "主题"),
    "figure": ("人数", "人次", "参加", "参与", "户数", "金额", "经费", "资金", "数量", "场次", "次数",
               "家数", "份数", "覆盖", "受益", "慰问", "发放", "万元", "（元）", "(元)"),
    "place": ("地点", "场所", "单位", "部门", "牵头"),
    "note": ("备注", "说明", "成效"),
}


class MaterialError(UserError):
    """A material file that cannot be used; the message is a Chinese reason."""

    message = "素材文件无法读取。"


@dataclass
class Block:
    """One paragraph (or one 台账 row) of a material, with where it stands in its file."""

    text: str
    where: str  # 第3段 / 第2页第4段 / 工作台账 第5行
    heading: bool = False
    cells: dict[str, str] = field(default_factory=dict)  # 台账 rows: column name → value


@dataclass
class Material:
    path: Path
    kind: str  # text | docx | pdf | table
    blocks: list[Block]

    @property
    def name(self) -> str:
        return self.path.name


def read_materials(paths: list[Path]) -> tuple[list[Material], list[tuple[Path, str]]]:
    """Read every file; a bad one is reported (path, Chinese reason) and the others still read."""
    materials: list[Material] = []
    failed: list[tuple[Path, str]] = []
    for path in paths:
        try:
            materials.append(read_material(path))
        except MaterialError as exc:
            failed.append((path, str(exc)))
    return materials, failed


def read_material(path: Path) -> Material:
    path = Path(path)
    if not path.is_file():
        raise MaterialError("文件不存在")
    suffix = path.suffix.lower()
    if suffix not in MATERIAL_SUFFIXES:
        shown = suffix or "（无扩展名）"
        raise MaterialError(f"不支持的文件类型 {shown}，请另存为 .docx、.pdf、.xlsx、.csv 或 .txt")
    try:
        data = path.read_bytes()
    except OSError:
        raise MaterialError("无法读取文件，请检查文件权限") from None
    if not data.strip():
        raise MaterialError("空文件")
    if len(data) > MAX_BYTES:
        raise MaterialError(f"文件过大（超过 {MAX_BYTES // (1024 * 1024)} MB），请拆分后再导入")
    if suffix == ".pdf":
        return Material(path, "pdf", _pdf_blocks(data))
    if suffix == ".xlsx":
        return Material(path, "table", _xlsx_blocks(data))
    if suffix == ".csv":
        try:
            text, _ = decode_text(data)
        except LoadError as exc:
            raise MaterialError(str(exc)) from None
        rows = list(csv.reader(io.StringIO(text)))
        return Material(path, "table", _table_blocks(path.stem, rows))
    return _text_material(path, data)


# ---- text and Word -------------------------------------------------------------------------
def _text_material(path: Path, data: bytes) -> Material:
    if path.suffix.lower() == ".docx":
        from drafter.corpus.docx_reader import DocxReadError, read_docx_paragraphs

        try:
            paragraphs = read_docx_paragraphs(path)
        except DocxReadError as exc:
            raise MaterialError(str(exc)) from None
        tables, row_lines = _docx_tables(path)
        blocks = [
            Block(text.strip(), f"第{n}段", heading=level is not None)
            for n, (text, level) in enumerate(((t, lv) for t, lv in paragraphs if t.strip()), 1)
            if text.strip() not in row_lines  # a 台账 table's rows are read as rows below
        ]
        if not blocks and not tables:
            raise MaterialError("文档没有正文")
        return Material(path, "docx", blocks + tables)
    try:
        loaded = load_file(path, data, MAX_BYTES)
    except LoadError as exc:
        raise MaterialError(str(exc)) from None
    lines = [ln.strip().lstrip("#").strip() for ln in loaded.text.split("\n")]
    blocks = [Block(ln, f"第{n}段") for n, ln in enumerate((ln for ln in lines if ln), 1)]
    return Material(path, "text", blocks)


def _docx_tables(path: Path) -> tuple[list[Block], set[str]]:
    """Word tables that are a 台账 (found by their header), as row blocks; and those rows' text
    as the paragraph reader gives it (cells joined by spaces), so they are not read twice."""
    from docx import Document
    from docx.oxml.ns import qn

    blocks: list[Block] = []
    lines: set[str] = set()
    for n, table in enumerate(Document(str(path)).tables, 1):
        rows = [
            [" ".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.p_lst).strip() for tc in tr.tc_lst]
            for tr in table._tbl.tr_lst
        ]
        try:
            found = _table_blocks(f"表{n}", rows)
        except MaterialError:
            continue  # a layout table, not a 台账: its text stays as paragraphs
        blocks.extend(found)
        lines.update(" ".join(c for c in row if c) for row in rows)
    return blocks, lines


# ---- PDF -------------------------------------------------------------------------------------
_SENTENCE_END = "。！？；：”）)"
# PDF text layers put spaces between Chinese and digits ("参保职工1,850 人"): Chinese has none.
_PDF_GAP = re.compile(r"(?<=[^\x00-\x7f])[ \t]+|[ \t]+(?=[^\x00-\x7f])")


def _pdf_blocks(data: bytes) -> list[Block]:
    """Text-layer paragraphs per page: a PDF breaks lines mid-sentence, so lines are joined until
    one ends a sentence (or is a short heading)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise MaterialError("PDF 文件有密码保护，请先解除保护再导入")
        pages = [page.extract_text() or "" for page in reader.pages]
    except MaterialError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        raise MaterialError("PDF 文件已损坏或不是 PDF，无法读取") from None
    blocks: list[Block] = []
    for page_no, page_text in enumerate(pages, 1):
        n = 0
        current = ""
        lines = [_PDF_GAP.sub("", ln.strip()).replace("“”", "") for ln in page_text.split("\n")]
        for i, line in enumerate(lines):
            if not line:
                continue
            current += line
            last = i == len(lines) - 1
            short_heading = len(current) <= 30 and not re.search(r"[，,。；]", current)
            if current[-1] in _SENTENCE_END or short_heading or last:
                n += 1
                blocks.append(Block(current, f"第{page_no}页第{n}段", heading=short_heading and current[-1] not in "。！？"))
                current = ""
    if not any(b.text.strip() for b in blocks):
        raise MaterialError("PDF 没有可读取的文字（可能是扫描件），请先转换成文字版再导入")
    return blocks


# ---- 台账 (spreadsheets) -------------------------------------------------------------------
def _xlsx_blocks(data: bytes) -> list[Block]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, TypeError):
        raise MaterialError("表格文件已损坏或不是 .xlsx，无法读取（.xls 请另存为 .xlsx）") from None
    blocks: list[Block] = []
    try:
        for sheet in book.worksheets:
            rows = []
            for n, row in enumerate(sheet.iter_rows(values_only=True)):
                if n >= MAX_ROWS:
                    break
                rows.append([_cell_text(v) for v in row])
            try:
                blocks.extend(_table_blocks(sheet.title, rows))
            except MaterialError:
                continue  # another sheet may be the 台账 (a cover sheet, a chart)
    finally:
        book.close()
    if not blocks:
        raise MaterialError("表格中没有找到台账表头（如 日期、活动、人数、金额 等列）")
    return blocks


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, _dt.datetime | _dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float):
        return f"{value:.10g}"  # 1200.0 → 1200, 0.8 stays 0.8
    return str(value).strip()


def column_kind(name: str) -> str | None:
    """What a 台账 column holds, from its name (date, item, figure, place, note), or None."""
    compact = re.sub(r"\s+", "", name)
    for kind in ("skip", "date", "figure", "item", "place", "note"):
        if any(cue in compact for cue in COLUMN_KINDS[kind]):
            return kind
    return None


def _find_header(rows: list[list[str]]) -> int | None:
    best, best_kinds = None, 1
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        kinds = {column_kind(c) for c in row if c} - {None, "skip"}
        if len(kinds) > best_kinds and ("item" in kinds or "figure" in kinds):
            best, best_kinds = i, len(kinds)
    return best


def _table_blocks(sheet: str, rows: list[list[str]]) -> list[Block]:
    header_at = _find_header(rows)
    if header_at is None:
        raise MaterialError("表格中没有找到台账表头（如 日期、活动、人数、金额 等列）")
    header = [re.sub(r"\s+", "", c) for c in rows[header_at]]
    blocks: list[Block] = []
    for n, row in enumerate(rows[header_at + 1 : MAX_ROWS], header_at + 2):
        cells = {h: _date_cell(h, v.strip()) for h, v in zip(header, row, strict=False) if h and v and v.strip()}
        if not cells or _is_total_row(cells):
            continue
        blocks.append(Block(row_sentence(cells), f"{sheet} 第{n}行", cells=cells))
    return blocks


def _date_cell(column: str, value: str) -> str:
    """A date column's 2025/4/23 or 2025-04-23 written the Chinese way, as in the materials' text."""
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?", value)
    if column_kind(column) == "date" and m:
        return f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日"
    return value


def _is_total_row(cells: dict[str, str]) -> bool:
    """合计/小计 rows repeat the activities' figures; they are not an activity."""
    return any(re.fullmatch(r"(合\s*计|小\s*计|总\s*计|累\s*计)[:：]?", v) for v in cells.values())


def column_unit(name: str) -> str:
    """The unit a figure column's values are in: from brackets (金额（万元）) or the name (人数 → 人)."""
    m = re.search(r"[（(]([^）)]{1,4})[）)]", name)
    if m:
        return m.group(1)
    for cue, unit in (("人次", "人次"), ("人数", "人"), ("户数", "户"), ("家数", "家"), ("场次", "场"),
                      ("次数", "次"), ("份数", "份"), ("金额", "元"), ("经费", "元"), ("资金", "元")):
        if cue in name:
            return unit
    return ""


def column_label(name: str) -> str:
    return re.sub(r"[（(][^）)]*[）)]", "", name)


def row_sentence(cells: dict[str, str]) -> str:
    """A 台账 row as one line a fact can be made of: date, activity, then its figures by column."""
    parts: list[str] = []
    dates = [v for k, v in cells.items() if column_kind(k) == "date"]
    items = [v for k, v in cells.items() if column_kind(k) in ("item", None)]
    places = [v for k, v in cells.items() if column_kind(k) == "place"]
    lead = "，".join(dates[:1] + ["，".join(items)])
    parts.append(lead.strip("，") + (f"（{places[0]}）" if places else ""))
    for key, value in cells.items():
        if column_kind(key) != "figure":
            continue
        unit = column_unit(key)
        shown = value if (not unit or value.endswith(unit) or not re.fullmatch(r"[\d.,]+", value)) else value + unit
        parts.append(f"{column_label(key)}{shown}")
    notes = [v for k, v in cells.items() if column_kind(k) == "note"]
    return "，".join(p for p in parts + notes if p)
