"""Example files a user uploads: checked, kept under the data dir's uploads/, then described.

A file that is too large, of the wrong type, binary or unreadable is reported with a Chinese
reason and never reaches the index. The service (`DrafterService.ingest_uploads`) ingests the
kept files; this module only checks, stores and describes them.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from drafter.corpus.load import SUPPORTED_SUFFIXES, LoadError, load_file
from drafter.ingest import IngestReport, parse_text

NOT_IMPORTED, IMPORTED, ALREADY_THERE, NOTHING_NEW = "未导入", "已导入", "已在库中", "未新增"


@dataclass
class UploadOutcome:
    rows: list[list[str]]  # [file name, result, detail]
    message: str
    added_chunks: int = 0
    report: IngestReport | None = None


@dataclass
class KeptUploads:
    """The files that passed the checks, copied under uploads/ (stored path → shown name)."""

    rows: list[list[str]] = field(default_factory=list)  # the refused ones, with their reason
    kept: dict[Path, str] = field(default_factory=dict)
    known: set[Path] = field(default_factory=set)  # uploaded before, byte for byte


def check_upload(path: Path, max_mb: float) -> str:
    """The reason a file cannot be imported, or "" when it looks usable."""
    limit = int(max_mb * 1024 * 1024)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return f"不支持的文件类型 {path.suffix or '（无扩展名）'}，请上传 .docx、.txt 或 .md"
    try:
        size = path.stat().st_size
    except OSError:
        return "无法读取文件"
    if size > limit:
        return f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {max_mb:.3g} MB），请拆分后再上传"
    try:
        data = path.read_bytes()
        loaded = load_file(path, data, limit)
        if not parse_text(loaded.text, path.name):
            return "没有找到可用的总结正文"
    except LoadError as exc:
        return str(exc)
    except OSError:
        return "无法读取文件"
    return ""


def keep_uploads(files: list[Path], uploads_dir: Path, max_mb: float) -> KeptUploads:
    """Check each file; copy the good ones to uploads/<content hash>/<name>."""
    out = KeptUploads()
    for path in files:
        reason = check_upload(path, max_mb)
        if reason:
            out.rows.append([path.name, NOT_IMPORTED, reason])
            continue
        target = uploads_dir / hashlib.sha256(path.read_bytes()).hexdigest()[:16] / path.name
        if target.exists():
            out.known.add(target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        out.kept[target] = path.name
    return out


def describe(uploads: KeptUploads, report: IngestReport, sources: list[str]) -> list[list[str]]:
    """One row per kept file after ingestion (`sources`: each indexed chunk's file name);
    a file the ingest skipped is removed from uploads/ again."""
    rows = list(uploads.rows)
    skipped = {str(Path(s["path"])): s["reason"] for s in report.skipped}
    for target, name in uploads.kept.items():
        if str(target) in skipped:
            rows.append([name, NOT_IMPORTED, skipped[str(target)]])
            shutil.rmtree(target.parent, ignore_errors=True)
            continue
        count = sources.count(name)
        if count and target in uploads.known:
            rows.append([name, ALREADY_THERE, f"之前已导入，{count} 个段落可供检索"])
        elif count:
            rows.append([name, IMPORTED, f"{count} 个段落可供检索"])
        else:
            rows.append([name, NOTHING_NEW, "内容与范文库中已有的总结重复"])
    return rows
