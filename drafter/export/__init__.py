"""Draft → .docx in 公文 layout (GB/T 9704-2012), .md, .txt or .json, written atomically.

Modules: `layout` (fonts, sizes, grid), `text` (punctuation, headings, the printed blocks),
`docx_build` (the Word document), `figures` (批注 on figures), `check_table` (the 数据核对表),
`files` (the formats and safe writing). Everything callers
use is importable from `drafter.export`.
"""

from drafter.export.check_table import build_check_table, check_rows, table_path
from drafter.export.docx_build import build_docx
from drafter.export.files import (
    ExportError,
    check_output_path,
    export_docx,
    export_draft,
    export_json,
    export_markdown,
    export_text,
    unsupported_format,
    write_error,
)
from drafter.export.layout import (
    CHARS_PER_LINE,
    FONT_BODY,
    FONT_FALLBACKS,
    FONT_H1,
    FONT_H2,
    FONT_LATIN,
    FONT_PAGE,
    FONT_TITLE,
    LINES_PER_PAGE,
    SIZE_BODY_PT,
    SIZE_PAGE_PT,
    SIZE_TITLE_PT,
    STYLE_IDS,
    SUFFIXES,
)
from drafter.export.text import (
    Block,
    draft_blocks,
    format_date,
    fullwidth_punctuation,
    one_line,
    split_heading,
    strip_heading_number,
    text_paragraphs,
    title_lines,
)

__all__ = [
    "CHARS_PER_LINE", "FONT_BODY", "FONT_FALLBACKS", "FONT_H1", "FONT_H2", "FONT_LATIN", "FONT_PAGE",
    "FONT_TITLE", "LINES_PER_PAGE", "SIZE_BODY_PT", "SIZE_PAGE_PT", "SIZE_TITLE_PT", "STYLE_IDS",
    "SUFFIXES", "Block", "build_check_table", "check_rows", "table_path", "ExportError", "build_docx", "check_output_path", "draft_blocks",
    "export_docx", "export_draft", "export_json", "export_markdown", "export_text", "format_date",
    "fullwidth_punctuation", "one_line", "split_heading", "strip_heading_number", "text_paragraphs",
    "title_lines", "unsupported_format", "write_error",
]
