"""Loading corpus files: encodings, .docx, and files that must be skipped with a Chinese reason."""

from __future__ import annotations

import codecs
import random
import sqlite3
import zipfile
from pathlib import Path

import pytest
from docx import Document

from drafter.corpus.load import LoadError, decode_text, iter_corpus_files, load_file
from drafter.embed import HashingEmbedder
from drafter.index import CorpusIndex
from drafter.ingest import ingest
from tests.support.corpus_fixtures import CJK, ENTERPRISE, TOWNSHIP, offline_settings

# Mixed Chinese, ASCII digits, full-width punctuation, a CRLF-free multi-line text.
TEXT = TOWNSHIP

ENCODINGS: dict[str, bytes] = {
    "utf-8": TEXT.encode("utf-8"),
    "utf-8-bom": codecs.BOM_UTF8 + TEXT.encode("utf-8"),
    "gb18030": TEXT.encode("gb18030"),
    "gbk": TEXT.encode("gbk"),
    "utf-16-le-bom": codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
    "utf-16-be-bom": codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
    "utf-16-le-no-bom": TEXT.encode("utf-16-le"),
}
BIG = 10 * 1024 * 1024


def _index(settings) -> CorpusIndex:  # type: ignore[no-untyped-def]
    return CorpusIndex(settings, HashingEmbedder())


@pytest.mark.parametrize("name", list(ENCODINGS))
def test_every_encoding_loads_to_identical_text(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.txt"
    path.write_bytes(ENCODINGS[name])
    loaded = load_file(path, path.read_bytes(), BIG)
    assert loaded.text == TEXT
    assert "\ufeff" not in loaded.text


def test_pure_chinese_gbk_and_utf16_without_bom_without_ascii(tmp_path: Path) -> None:
    # No ASCII at all: UTF-16 then has no NUL bytes, the hardest case for detection.
    text = "全年新建基层工会十二家发展会员八百六十人春节期间走访慰问困难职工三十五户"
    for enc in ("gbk", "gb18030", "utf-16-le", "utf-16-be", "utf-8"):
        assert decode_text(text.encode(enc))[0] == text, enc


def test_windows_line_endings_become_newlines() -> None:
    text, _ = decode_text(TEXT.replace("\n", "\r\n").encode("gbk"))
    assert text == TEXT


def test_all_encodings_ingest_as_one_article_and_duplicates(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, data in ENCODINGS.items():
        (corpus / f"{name}.txt").write_bytes(data)
    settings = offline_settings(tmp_path / "data")
    report = ingest([corpus], settings, _index(settings))
    assert report.skipped == []
    assert report.files == len(ENCODINGS)
    # Identical decoded text → one article, every other file recognised as its duplicate.
    assert report.articles == 1
    assert report.duplicates == len(ENCODINGS) - 1


# ---- files that must be skipped ---------------------------------------------------------------
def _empty_docx(path: Path) -> None:
    Document().save(str(path))


def _docx_with_text(path: Path) -> None:
    doc = Document()
    for line in ENTERPRISE.strip().split("\n"):
        doc.add_paragraph(line)
    doc.save(str(path))


def _binary_txt(path: Path) -> None:
    rng = random.Random(7)
    path.write_bytes(bytes(rng.randrange(256) for _ in range(6000)))


def _zip_as_txt(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.bin", bytes(range(256)) * 20)


def _sqlite_as_md(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (x BLOB)")
    db.execute("INSERT INTO t VALUES (?)", (bytes(range(256)) * 10,))
    db.commit()
    db.close()


BAD_FILES = {
    "corrupt.docx": lambda p: p.write_bytes(random.Random(3).randbytes(5000)),
    "truncated.docx": lambda p: (_docx_with_text(p), p.write_bytes(p.read_bytes()[:3000])),
    "empty.docx": _empty_docx,
    "binary.txt": _binary_txt,
    "archive.txt": _zip_as_txt,
    "database.md": _sqlite_as_md,
    "empty.txt": lambda p: p.write_bytes(b""),
    "blank.txt": lambda p: p.write_text(" \n\u3000\n", encoding="utf-8"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_load_file_rejects_with_chinese_reason(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    BAD_FILES[name](path)
    with pytest.raises(LoadError) as info:
        load_file(path, path.read_bytes(), BIG)
    assert CJK.search(str(info.value)), str(info.value)


def test_bad_files_are_skipped_and_the_rest_is_ingested(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, make in BAD_FILES.items():
        make(corpus / name)
    (corpus / "big.txt").write_text(TOWNSHIP * 80, encoding="utf-8")  # ~100 KB, over the limit
    (corpus / "notes.pdf").write_bytes(b"%PDF-1.4")
    (corpus / "good.txt").write_text(TOWNSHIP, encoding="utf-8")
    _docx_with_text(corpus / "good.docx")
    settings = offline_settings(tmp_path / "data", max_file_mb=0.06)  # a .docx is ~36 KB

    report = ingest([corpus], settings, _index(settings))

    skipped = {Path(item["path"]).name: item["reason"] for item in report.skipped}
    assert set(skipped) == set(BAD_FILES) | {"big.txt", "notes.pdf"}
    for name, reason in skipped.items():
        assert CJK.search(reason), (name, reason)
    assert "过大" in skipped["big.txt"]
    assert "0.06 MB" in skipped["big.txt"]  # the limit as it was set, not rounded to 0
    assert report.files == 2
    assert report.articles == 2 and report.duplicates == 0
    sources = {c.meta["source"] for c in _index(settings).chunks}
    assert sources == {"good.txt", "good.docx"}


def test_docx_headings_and_paragraphs_reach_the_index(tmp_path: Path) -> None:
    path = tmp_path / "enterprise.docx"
    _docx_with_text(path)
    loaded = load_file(path, path.read_bytes(), BIG)
    assert loaded.text.split("\n") == ENTERPRISE.strip().split("\n")
    settings = offline_settings(tmp_path / "data")
    report = ingest([path], settings, _index(settings))
    assert report.articles == 1 and report.skipped == []
    headings = {c.meta["heading"] for c in _index(settings).chunks}
    assert "一、坚持厂务公开，推进民主管理" in headings


def test_iter_corpus_files_expands_folders_and_reports_unsupported(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "sub" / "b.MD").write_text("x", encoding="utf-8")
    (tmp_path / "sub" / "c.docx").write_bytes(b"x")
    (tmp_path / "d.doc").write_bytes(b"x")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    found, skipped = iter_corpus_files([tmp_path, tmp_path / "a.txt", tmp_path / "missing.txt"])
    assert [p.name for p in found] == ["a.txt", "b.MD", "c.docx"]
    reasons = {p.name: r for p, r in skipped}
    assert set(reasons) == {"d.doc", "missing.txt"}
    assert all(CJK.search(r) for r in reasons.values())


def test_a_corpus_folder_that_is_also_a_package_reports_no_python_files(tmp_path: Path) -> None:
    # The bundled corpus ships inside the package (drafter.example_corpus): its marker and
    # Python's cache of it are not corpus files, and not "unsupported" ones either.
    (tmp_path / "a.txt").write_text(TOWNSHIP, encoding="utf-8")
    (tmp_path / "__init__.py").write_text('"""marker"""\n', encoding="utf-8")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\x00\x01")
    (tmp_path / "notes.py").write_text("x = 1\n", encoding="utf-8")
    found, skipped = iter_corpus_files([tmp_path])
    assert found == [tmp_path / "a.txt"]
    assert [p.name for p, _ in skipped] == ["notes.py"]  # other Python files are still reported


def test_the_bundled_prompts_and_corpus_are_found_as_package_data() -> None:
    from drafter.config import BUNDLED_CORPUS, PROMPTS_DIR

    assert (PROMPTS_DIR / "parts.yaml").is_file() and (PROMPTS_DIR / "section.md").is_file()
    found, skipped = iter_corpus_files([BUNDLED_CORPUS])
    assert len(found) == 5 and skipped == []
