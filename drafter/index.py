"""The search index: Chroma (dense vectors + metadata) and BM25 (jieba tokens) side by side.

Chroma is embedded (`PersistentClient` under the data dir) unless a server is configured
(`HttpClient`). We compute embeddings ourselves and pass them in, so the collection holds no
embedding function that could conflict; the embedder's id is stored in the collection's
metadata and a different embedder triggers a clean rebuild.

BM25 (bm25s) and an aligned copy of every chunk's text, metadata and vector are kept beside
Chroma under `bm25/`, loaded once per process; search filters and boosts use that copy in
memory, and a selective filter ranks its few rows by exact dot products instead of asking
Chroma for a `where` query (tens of ms at 50k vectors). Chunk texts live only there, so
Chroma is not asked to store (and full-text index) documents it never returns.

Several processes share a data dir (CLI runs, the UI). Writers take the data dir's writer lock
(`index.lock`, one ingest at a time); each BM25 build is a new version under `bm25/` that
readers switch to atomically (see versions.py). Chroma's first-time creation, racy between
processes, happens under the short `setup.lock`. Chroma may get a writer's new vectors before
a reader's catalogue has their chunks: search keeps only ids its loaded catalogue knows, so
each answer comes from one catalogue version.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from drafter import locks
from drafter.config import Settings
from drafter.embed import Embedder, HashingEmbedder
from drafter.errors import UserError
from drafter.versions import VersionedDir

WRITER_LOCK = "index.lock"  # held by ingest: one writer at a time per data dir
SETUP_LOCK = "setup.lock"  # held briefly while a shared file or database is first created
LOAD_ATTEMPTS = 20  # a load that lost its version to a swap reads the new one (bounded)

COLLECTION = "drafter_chunks"
Progress = Callable[[str, int, int], None]


@dataclass
class IndexedChunk:
    id: str
    text: str
    meta: dict[str, str]
    tokens: list[str]


def make_chroma_client(settings: Settings):  # type: ignore[no-untyped-def]
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    with setup_lock(settings):  # creating the database is racy across processes
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def setup_lock(settings: Settings) -> Any:
    """The short lock for first-time creation of shared files (Chroma, the SQLite stores)."""
    return locks.exclusive(settings.data_dir / SETUP_LOCK)


class CorpusIndex:
    def __init__(self, settings: Settings, embedder: Embedder, client: Any = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.client = client if client is not None else make_chroma_client(settings)
        self.versions = VersionedDir(settings.bm25_dir)
        self._collection: Any = None
        self._load_lock = threading.Lock()
        self._count: int | None = None  # Chroma's count() costs a query; cached until we write
        self._fresh: dict[str, np.ndarray] = {}  # vectors embedded by this process, by chunk id
        self._reuse_kept_vectors = True  # False after reset(): they came from another embedder
        self._forget_catalogue()

    def _forget_catalogue(self) -> None:
        self._bm25: Any = None
        self._chunks: list[IndexedChunk] | None = None
        self._row: dict[str, int] = {}
        self._vectors: np.ndarray | None = None
        self._vectors_file: IO[bytes] | None = None
        self.loaded_version: Path | None = None

    def refresh(self) -> None:
        """Forget what was read from disk, so the next use reads the current version (another
        process may have written since)."""
        with self._load_lock:
            self._collection, self._count = None, None
            self._close_vectors_file()
            self._forget_catalogue()

    @contextmanager
    def writing(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """The data dir's writer lock; `on_wait` is called if another process holds it."""
        with locks.exclusive(self.settings.data_dir / WRITER_LOCK, on_wait):
            yield

    # ---- Chroma ---------------------------------------------------------------------------
    def collection(self) -> Any:
        if self._collection is None:
            with setup_lock(self.settings):  # two first creations at once: one fails
                self._collection = self.client.get_or_create_collection(
                    COLLECTION,
                    embedding_function=None,
                    metadata={"embedder": self.embedder.id, "hnsw:space": "cosine"},
                )
        return self._collection

    def embedder_matches(self) -> bool:
        """False when the stored vectors were made by another embedder (then we rebuild)."""
        stored = (self.collection().metadata or {}).get("embedder")
        return stored in (None, self.embedder.id)

    def reset(self) -> None:
        """Drop the Chroma collection (the caller holds the writer lock). The BM25 version on
        disk stays for readers until the next `write_bm25` replaces it; its vectors are not
        reused, since a reset means they came from another embedder."""
        try:
            self.client.delete_collection(COLLECTION)
        except Exception:  # not there yet
            pass
        self.refresh()
        self._fresh, self._reuse_kept_vectors = {}, False

    def stored_ids(self) -> set[str]:
        col = self.collection()
        ids: set[str] = set()
        total = col.count()
        page = 5000
        for offset in range(0, total, page):
            ids.update(col.get(include=[], limit=page, offset=offset)["ids"])
        return ids

    def vector_count(self) -> int:
        """How many vectors Chroma holds (read once, then kept up to date by add/delete)."""
        if self._count is None:
            self._count = self.collection().count()
        return self._count

    def add(self, chunks: Sequence[IndexedChunk], progress: Progress | None = None) -> None:
        """Embed and upsert chunks in batches (upsert by content id is idempotent)."""
        col = self.collection()
        self._count = None
        batch = 256
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            texts = [_search_text(c) for c in part]
            if isinstance(self.embedder, HashingEmbedder):
                vectors = self.embedder.embed_tokens(texts, [c.tokens for c in part])
            else:
                vectors = self.embedder.embed_documents(texts)
            col.upsert(
                ids=[c.id for c in part],
                embeddings=vectors.tolist(),
                metadatas=[c.meta for c in part],
            )
            self._fresh.update(zip((c.id for c in part), vectors, strict=True))
            if progress:
                progress("embed", min(start + batch, len(chunks)), len(chunks))

    def delete(self, ids: Sequence[str]) -> None:
        col = self.collection()
        self._count = None
        ids = list(ids)
        for start in range(0, len(ids), 5000):
            col.delete(ids=ids[start : start + 5000])

    # ---- BM25 + catalogue -----------------------------------------------------------------
    def write_bm25(self, chunks: Sequence[IndexedChunk]) -> None:
        """Build BM25 over all chunks, with the aligned chunk catalogue and vectors, as a new
        version; readers switch to it atomically. Old versions go once no reader loads them."""
        import bm25s

        with self.writing():
            build = self.versions.new_build()
            if chunks:
                retriever = bm25s.BM25()
                retriever.index([c.tokens or ["∅"] for c in chunks], show_progress=False)
                retriever.save(str(build / "bm25"), show_progress=False)
            with open(build / "chunks.jsonl", "w", encoding="utf-8") as fh:
                for c in chunks:
                    fh.write(json.dumps({"id": c.id, "text": c.text, "meta": c.meta}, ensure_ascii=False))
                    fh.write("\n")
            vectors = self._aligned_vectors(chunks)
            if vectors is not None:
                np.save(build / "vectors.npy", vectors)
            self.versions.publish(build)
            self.refresh()
            self._fresh, self._reuse_kept_vectors = {}, True
            self.versions.collect()

    def has_catalogue(self) -> bool:
        return self.versions.current() is not None

    def _aligned_vectors(self, chunks: Sequence[IndexedChunk]) -> np.ndarray | None:
        """Every chunk's vector, row-aligned with the catalogue: embedded just now, kept from
        the current version, or (an index written before vectors were kept) read back from
        Chroma. None if Chroma lacks some, and search then uses Chroma's `where` instead.
        The caller holds the writer lock, so the current version cannot go away meanwhile."""
        if not chunks:
            return None
        known = dict(self._fresh)
        current = self.versions.current()
        if self._reuse_kept_vectors and current and any(c.id not in known for c in chunks):
            old = current / "vectors.npy"
            if old.exists():
                old_ids = _catalogue_ids(current)
                previous = np.load(old)
                if previous.shape[0] == len(old_ids):
                    known.update((cid, previous[i]) for i, cid in enumerate(old_ids) if cid not in known)
        missing = [c.id for c in chunks if c.id not in known]
        col = self.collection()
        for start in range(0, len(missing), 1000):
            got = col.get(ids=missing[start : start + 1000], include=["embeddings"])
            known.update(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32), strict=True))
        if any(c.id not in known for c in chunks):
            return None
        return np.stack([known[c.id] for c in chunks]).astype(np.float32, copy=False)

    def load(self) -> None:
        """Load BM25 and the catalogue into memory (once per process, thread-safe)."""
        if self._chunks is not None:
            return
        with self._load_lock:  # parallel section writers search at once
            if self._chunks is None:
                self._load()

    def _load(self) -> None:
        for _ in range(LOAD_ATTEMPTS):
            try:
                with self.versions.reading() as version:
                    self._load_version(version)
                break
            except FileNotFoundError:  # swapped and deleted under us: read the new version
                self._close_vectors_file()
        else:
            raise UserError("范文库正在被频繁更新，暂时读不到完整的索引，请稍后再试。")
        if self.loaded_version != self.versions.current():
            self._collect_if_idle()

    def _load_version(self, version: Path | None) -> None:
        """Read one version completely (or raise FileNotFoundError if it vanished meanwhile)."""
        chunks: list[IndexedChunk] = []
        if version is not None:
            with open(version / "chunks.jsonl", encoding="utf-8") as fh:
                for line in fh:
                    row = json.loads(line)
                    chunks.append(IndexedChunk(row["id"], row["text"], row["meta"], []))
        self._row = {c.id: i for i, c in enumerate(chunks)}
        self._bm25 = None
        if chunks:
            import bm25s

            assert version is not None
            self._bm25 = bm25s.BM25.load(str(version / "bm25"), show_progress=False)
        # Vectors are read on first use; the open file stays readable after the version is
        # deleted, so they come from this same version whenever that is.
        vectors = version / "vectors.npy" if chunks and version is not None else None
        self._vectors_file = open(vectors, "rb") if vectors is not None and vectors.exists() else None
        self._columns = {
            key: np.array([c.meta.get(key, "") for c in chunks], dtype=object)
            for key in ("unit_type", "period", "role", "topic", "source")
        }
        self._codes: dict[str, tuple[np.ndarray, dict[str, int]]] = {}
        for key, column in self._columns.items():
            values, codes = np.unique(column.astype(str), return_inverse=True) if chunks else ([], np.zeros(0))
            self._codes[key] = (codes.astype(np.int32), {str(v): i for i, v in enumerate(values)})
        self.loaded_version = version
        self._chunks = chunks  # last: readers check it to know the load is complete

    def _collect_if_idle(self) -> None:
        """We loaded a version a writer has since replaced: delete it if no writer is busy
        (a writer cleans up only what no reader holds, so this one may be left to us)."""
        fd = locks.try_exclusive(self.settings.data_dir / WRITER_LOCK)
        if fd is None:
            return
        try:
            self.versions.collect()
        finally:
            os.close(fd)

    def _close_vectors_file(self) -> None:
        if self._vectors_file is not None:
            self._vectors_file.close()
            self._vectors_file = None

    @property
    def chunks(self) -> list[IndexedChunk]:
        self.load()
        assert self._chunks is not None
        return self._chunks

    def row_of(self, chunk_id: str) -> int | None:
        self.load()
        return self._row.get(chunk_id)

    def column(self, key: str) -> np.ndarray:
        self.load()
        return self._columns[key]

    def codes(self, key: str) -> tuple[np.ndarray, dict[str, int]]:
        """A metadata column as integer codes, with value → code: filters compare integers."""
        self.load()
        return self._codes[key]

    @property
    def bm25(self) -> Any:
        self.load()
        return self._bm25

    @property
    def vectors(self) -> np.ndarray | None:
        """All chunk vectors (rows as in `chunks`), read on first use; None if not kept."""
        self.load()
        if self._vectors_file is not None:
            with self._load_lock:
                if self._vectors_file is not None:
                    vectors = np.load(self._vectors_file)
                    self._close_vectors_file()
                    self._vectors = vectors if len(vectors) == len(self.chunks) else None
        return self._vectors

    def is_empty(self) -> bool:
        return not self.chunks


def open_index(settings: Settings, notify: Callable[[str], None] | None = None) -> CorpusIndex:
    """The index with the configured embedder (or the offline one, with a notice)."""
    from drafter.embed import load_embedder

    return CorpusIndex(settings, load_embedder(settings.embed_model, notify))


def _catalogue_ids(version: Path) -> list[str]:
    """Chunk ids of a version's catalogue, in row order (without loading BM25)."""
    with open(version / "chunks.jsonl", encoding="utf-8") as fh:
        return [json.loads(line)["id"] for line in fh]


def _search_text(chunk: IndexedChunk) -> str:
    heading = chunk.meta.get("heading", "")
    return f"{heading}\n{chunk.text}" if heading else chunk.text
