"""Corpus files → text. Detects encodings (UTF-8 ± BOM, UTF-16, GB18030/GBK) and reads .docx."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from drafter.errors import DrafterError

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx")


class LoadError(DrafterError):
    """A file that cannot be used; the message is a Chinese reason for the skip list."""

    message = "文件无法读取。"


@dataclass(frozen=True)
class LoadedFile:
    path: Path
    text: str
    encoding: str


# In a corpus folder but not corpus files: the folder's own README, and the marker that ships
# the bundled corpus inside the package (see pyproject.toml).
_NOT_CORPUS = frozenset({"README.md", "__init__.py"})


def iter_corpus_files(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into supported files (sorted); report unsupported ones."""
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for p in paths:
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if not child.is_file() or child.name.startswith(".") or child.name in _NOT_CORPUS:
                    continue
                if "__pycache__" in child.relative_to(p).parts:
                    continue
                if child.suffix.lower() in SUPPORTED_SUFFIXES:
                    found.append(child)
                else:
                    skipped.append((child, f"不支持的文件类型 {child.suffix or '（无扩展名）'}"))
        elif p.is_file():
            if p.suffix.lower() in SUPPORTED_SUFFIXES:
                found.append(p)
            else:
                skipped.append((p, f"不支持的文件类型 {p.suffix or '（无扩展名）'}"))
        else:
            skipped.append((p, "文件不存在"))
    return sorted(dict.fromkeys(found)), skipped


def load_file(path: Path, data: bytes, max_bytes: int) -> LoadedFile:
    """Decode one file's bytes; raise LoadError with a Chinese reason when it is unusable."""
    if len(data) > max_bytes:
        mb = 1024 * 1024
        raise LoadError(
            f"文件过大（{len(data) / mb:.1f} MB，上限 {max_bytes / mb:.3g} MB），"
            "请拆分后再导入或调大 DRAFTER_MAX_FILE_MB"
        )
    if not data.strip():
        raise LoadError("空文件")
    if path.suffix.lower() == ".docx":
        from drafter.corpus.docx_reader import DocxReadError, read_docx

        try:
            text = read_docx(path)
        except DocxReadError as exc:
            raise LoadError(str(exc)) from exc
        if not text.strip():
            raise LoadError("文档没有正文")
        return LoadedFile(path, text, "docx")
    text, encoding = decode_text(data)
    if not text.strip():
        raise LoadError("空文件")
    return LoadedFile(path, text, encoding)


def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes → (text, encoding name). Order matters: BOMs, UTF-16 without BOM, UTF-8, GB18030."""
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _checked(data.decode(enc), enc), enc
    if b"\x00" in data:
        utf16 = _guess_utf16_without_bom(data, min_cjk=0.0)
        if not utf16:
            raise LoadError("二进制文件，不是文本")
        return _checked(data.decode(utf16), utf16), utf16
    try:
        return _checked(data.decode("utf-8"), "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Pure-CJK UTF-16 has no NUL bytes; it shows as a high share of CJK code units.
    utf16 = _guess_utf16_without_bom(data, min_cjk=0.5)
    if utf16:
        return _checked(data.decode(utf16), utf16), utf16
    try:
        return _checked(data.decode("gb18030"), "gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise LoadError("无法识别文件编码，请另存为 UTF-8 后再导入")
    return _checked(str(best), best.encoding), best.encoding


def _guess_utf16_without_bom(data: bytes, min_cjk: float) -> str | None:
    """UTF-16 text has NULs in every other byte for ASCII and many CJK code units."""
    if len(data) < 4 or len(data) % 2:
        return None
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
        printable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t")
        if text and printable / len(text) > 0.95 and cjk / len(text) >= min_cjk:
            return enc
    return None


def _checked(text: str, encoding: str) -> str:
    """Reject decodings that are mostly control characters (a binary file that happened to decode)."""
    sample = text[:4000]
    if not sample:
        return text
    bad = sum(1 for ch in sample if not (ch.isprintable() or ch in "\r\n\t\u3000\ufeff"))
    if bad / len(sample) > 0.05:
        raise LoadError("二进制文件，不是文本")
    return text.replace("\r\n", "\n").replace("\r", "\n")
