"""Ingest: corpus files → cleaned, split, classified, de-duplicated chunks → the index.

Incremental and idempotent. Each file's parse (articles, chunks, tokens) is cached by the
SHA-256 of its bytes, so an unchanged file is never parsed or tokenised twice; chunk ids are
content hashes, so only new chunks are embedded, and chunks of changed or removed files go.
One ingest at a time per data dir: it runs under the index's writer lock (other processes wait).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from drafter.config import Settings
from drafter.corpus.chunks import article_chunks
from drafter.corpus.clean import clean_lines
from drafter.corpus.load import LoadError, iter_corpus_files, load_file
from drafter.corpus.split import split_articles
from drafter.index import CorpusIndex, IndexedChunk, Progress
from drafter.sentences import sentence_bodies
from drafter.tokenize import tokenize

PARSE_VERSION = "5"  # bump when cleaning/splitting changes, so cached parses are redone
DUPLICATE_SHARE = 0.4  # share of already-seen sentences that makes an article a duplicate (variants ~0.45, related ~0.25)


@dataclass
class IngestReport:
    files: int = 0
    articles: int = 0
    sections: int = 0
    chunks: int = 0
    added: int = 0
    removed: int = 0
    duplicates: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    embedder: str = ""
    rebuilt: bool = False

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


class ParseCache:
    """SQLite: which files are in the corpus (path → sha) and each sha's parse."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, sha TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS parses (sha TEXT PRIMARY KEY, data TEXT)")

    def tracked(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT path, sha FROM files"))

    def parse(self, sha: str) -> list[dict] | None:
        row = self.db.execute("SELECT data FROM parses WHERE sha = ?", (sha,)).fetchone()
        return json.loads(row[0]) if row else None

    def save(self, files: dict[str, str], new_parses: dict[str, list[dict]]) -> None:
        with self.db:
            self.db.execute("DELETE FROM files")
            self.db.executemany("INSERT INTO files VALUES (?, ?)", files.items())
            self.db.executemany(
                "INSERT OR REPLACE INTO parses VALUES (?, ?)",
                [(sha, json.dumps(data, ensure_ascii=False)) for sha, data in new_parses.items()],
            )
            # parses no file refers to any more
            self.db.execute("DELETE FROM parses WHERE sha NOT IN (SELECT sha FROM files)")

    def clear(self) -> None:
        with self.db:
            self.db.execute("DELETE FROM files")
            self.db.execute("DELETE FROM parses")

    def close(self) -> None:
        self.db.close()


def parse_text(text: str, source: str) -> list[dict]:
    """One file's text → articles, each with its sentence fingerprints and tokenised chunks."""
    lines = clean_lines(text)
    fallback = _file_title(lines) or "工会工作总结"
    articles = []
    for article in split_articles(lines, fallback):
        chunks = article_chunks(article, source)
        articles.append(
            {
                "title": article.title,
                "sentences": sorted({_sentence_key(s) for s in sentence_bodies(article.body_text, clauses=True, min_chars=12)}),
                "sections": len({tuple(c.heading_path) for c in chunks}),
                "chunks": [
                    {**c.to_dict(), "heading": c.heading, "tokens": tokenize(c.search_text)}
                    for c in chunks
                ],
            }
        )
    return articles


def _file_title(lines: list[str]) -> str:
    for line in lines[:3]:
        m = re.match(r"^(.{2,40}?总结)", line)
        if m:
            return re.sub(r"[（(].*$", "", m.group(1))
    return ""


def _sentence_key(sentence: str) -> str:
    core = re.sub(r"[\W\d_]+", "", sentence)
    return hashlib.blake2b(core.encode("utf-8"), digest_size=8).hexdigest()


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    index: CorpusIndex,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    notify: Callable[[str], None] | None = None,
) -> IngestReport:
    def waiting() -> None:
        if notify:
            notify("另一个程序正在更新范文库，等它完成后继续……")

    with index.writing(on_wait=waiting):
        index.prepare_to_write()  # another process may have written while we waited
        index.versions.collect()  # what a crash or a reader left behind last time
        return _ingest(paths, settings, index, rebuild=rebuild, progress=progress)


def _ingest(
    paths: Sequence[Path],
    settings: Settings,
    index: CorpusIndex,
    *,
    rebuild: bool,
    progress: Progress | None,
) -> IngestReport:
    report = IngestReport(embedder=index.embedder.id)
    # The database-backed index (catalogue.py) keeps this in the database instead.
    open_cache = getattr(index, "open_parse_cache", None)
    cache = open_cache() if open_cache else ParseCache(settings.data_dir / "ingest.sqlite3")
    try:
        if rebuild or not index.embedder_matches():
            report.rebuilt = True
            index.reset()
            if rebuild:
                cache.clear()  # start over from the given paths
            # A new embedder only changes the vectors: every file already in the corpus (the
            # parse cache is embedder-independent) is embedded again, not just the given paths.
        files, skipped = iter_corpus_files([Path(p) for p in paths])
        report.skipped = [{"path": str(p), "reason": r} for p, r in skipped]

        # A file gone from disk leaves the corpus; with the catalogue in the database, files
        # another instance ingested are not on this machine and stay (they leave when their
        # folder is ingested again without them).
        keep_missing = getattr(cache, "shared_between_machines", False)
        tracked = {p: sha for p, sha in cache.tracked().items() if keep_missing or Path(p).exists()}
        given = [str(p.resolve()) for p in files]
        new_parses: dict[str, list[dict]] = {}
        max_bytes = int(settings.max_file_mb * 1024 * 1024)
        for n, path in enumerate(files, 1):
            key = str(path.resolve())
            tracked.pop(key, None)
            try:
                if path.stat().st_size > max_bytes:
                    raise LoadError(
                        f"文件过大（上限 {settings.max_file_mb:.3g} MB），请拆分后再导入或调大 DRAFTER_MAX_FILE_MB"
                    )
                data = path.read_bytes()
                sha = hashlib.sha256(data + PARSE_VERSION.encode()).hexdigest()
                if cache.parse(sha) is None and sha not in new_parses:
                    loaded = load_file(path, data, max_bytes)
                    parsed = parse_text(loaded.text, path.name)
                    if not parsed:
                        raise LoadError("没有找到可用的总结正文")
                    new_parses[sha] = parsed
                tracked[key] = sha
            except LoadError as exc:
                report.skipped.append({"path": str(path), "reason": str(exc)})
            except OSError as exc:
                report.skipped.append({"path": str(path), "reason": f"无法读取：{exc.strerror}"})
            if progress:
                progress("read", n, len(files))
        # Files dropped from a folder we were given are gone from the corpus too.
        for key in list(tracked):
            if key not in given and any(_inside(key, p) for p in paths if Path(p).is_dir()):
                tracked.pop(key)

        chunks = _collect(tracked, cache, new_parses, report)
        report.files = len(tracked)
        report.chunks = len(chunks)

        stored = index.stored_ids()
        wanted = {c.id for c in chunks}
        to_add = [c for c in chunks if c.id not in stored]
        to_remove = stored - wanted
        index.delete(sorted(to_remove))
        index.add(to_add, progress)
        report.added, report.removed = len(to_add), len(to_remove)
        if to_add or to_remove or report.rebuilt or not index.has_catalogue():
            index.write_bm25(chunks)
        cache.save(tracked, new_parses)
        return report
    finally:
        cache.close()


def _inside(path: str, folder: Path) -> bool:
    try:
        Path(path).relative_to(Path(folder).resolve())
        return True
    except ValueError:
        return False


def _collect(
    tracked: dict[str, str],
    cache: ParseCache,
    new_parses: dict[str, list[dict]],
    report: IngestReport,
) -> list[IndexedChunk]:
    """All chunks of all tracked files, in path order, each near-duplicate article once."""
    seen: set[str] = set()
    out: list[IndexedChunk] = []
    ids: set[str] = set()
    for path in sorted(tracked):
        sha = tracked[path]
        articles = new_parses.get(sha) or cache.parse(sha) or []
        for article in articles:
            sentences = article["sentences"]
            known = sum(1 for s in sentences if s in seen)
            if sentences and known / len(sentences) >= DUPLICATE_SHARE:
                report.duplicates += 1
                continue
            seen.update(sentences)
            report.articles += 1
            report.sections += article["sections"]
            for c in article["chunks"]:
                if c["id"] in ids:
                    continue
                ids.add(c["id"])
                meta = {
                    "source": c["source"],
                    "article": c["article"],
                    "heading": c["heading"],
                    "unit_type": c["unit_type"],
                    "period": c["period"],
                    "role": c["role"],
                    "topic": c["topic"],
                }
                out.append(IndexedChunk(c["id"], c["text"], meta, c["tokens"]))
    return out
