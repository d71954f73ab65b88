"""The export formats (.docx .md .txt .json) and writing them safely (atomic, Chinese errors)."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import re
import tempfile
from pathlib import Path

from drafter.draft import Draft
from drafter.errors import UserError
from drafter.export.check_table import check_table_bytes, table_path
from drafter.export.docx_build import build_docx
from drafter.export.layout import SUFFIXES
from drafter.export.text import draft_blocks

# ── the formats ──────────────────────────────────────────────────────────────────────────────


def export_docx(draft: Draft, path: Path, comments: bool = False) -> None:
    """Write the draft as a Word file in 公文 layout; `comments`: a 批注 on each figure naming its fact."""
    buf = io.BytesIO()
    build_docx(draft, comments=comments).save(buf)
    atomic_write(Path(path), buf.getvalue())


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


def export_draft(draft: Draft, path: Path, *, comments: bool = False, check_table: bool = False) -> Path:
    """Write the draft in the format named by the file extension (.docx .md .txt .json).

    `comments` (.docx only): a Word comment on each figure naming its fact — off by default,
    since comments must come out before a document is filed. `check_table`: also the
    数据核对表 as a .docx next to it (check_table.table_path), written only after the draft.
    Raises ExportError (a Chinese message) when a file cannot be written; a file that was
    there before stays as it was, and no partial or temporary file is left behind.
    """
    path = Path(path)
    check_output_path(path)
    suffix = path.suffix.lower()
    if comments and suffix != ".docx":
        raise ExportError(f"批注只能加在 Word 文件中：请把文件名改为 .docx 结尾（现在是 {suffix or '无扩展名'}）。")
    table = table_path(path) if check_table else None
    if table is not None:
        check_output_path(table)
    if suffix == ".docx":
        export_docx(draft, path, comments=comments)
    elif suffix == ".md":
        atomic_write(path, export_markdown(draft).encode("utf-8"))
    elif suffix == ".txt":
        atomic_write(path, export_text(draft).encode("utf-8"))
    else:
        atomic_write(path, export_json(draft).encode("utf-8"))
    if table is not None:
        atomic_write(table, check_table_bytes(draft))
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


def atomic_write(path: Path, data: bytes) -> None:
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
