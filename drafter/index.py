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
readers switch to atomically (see versions.py). Chroma's database is first created under the
short `setup.lock`, and its collection only by a writer; a rebuild fills a collection of its
own and renames it in when it publishes. Chroma may get a writer's new vectors before a
reader's catalogue has their chunks: search keeps only ids its loaded catalogue knows, so each
answer comes from one catalogue version.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from drafter import locks
from drafter.chroma_client import (  # re-exported: index users import them from here
    COLLECTION,
    REBUILD_WAITS,
    SETUP_LOCK,
    SearchServiceUnavailable,
    _Collection,
    _drop_collection,
    _existing_collection,
    make_chroma_client,
    setup_lock,
)
from drafter.config import Settings
from drafter.embed import Embedder, HashingEmbedder
from drafter.errors import UserError
from drafter.index_queries import IndexQueries
from drafter.versions import VersionedDir

__all__ = [
    "CHROMA_STAMP", "COLLECTION", "REBUILD_COLLECTION", "REBUILD_WAITS", "SETUP_LOCK", "WRITER_LOCK", "CorpusIndex",
    "IndexedChunk", "SearchServiceUnavailable", "_Collection", "_drop_collection", "_existing_collection",
    "_search_text", "make_chroma_client", "open_index", "setup_lock",
]

WRITER_LOCK = "index.lock"  # held by ingest: one writer at a time per data dir
CHROMA_STAMP = "chroma.stamp"  # a new token from every writer (see CorpusIndex.prepare_to_write)
LOAD_ATTEMPTS = 20  # a load that lost its version to a swap reads the new one (bounded)

REBUILD_COLLECTION = COLLECTION + "_rebuild"  # filled by a rebuild, then renamed to COLLECTION
Progress = Callable[[str, int, int], None]


@dataclass
class IndexedChunk:
    id: str
    text: str
    meta: dict[str, str]
    tokens: list[str]


# chroma dir → (the client this process last wrote with, the stamp it wrote then)
_writer_views: dict[str, tuple[weakref.ref[Any], str]] = {}


def _read_stamp(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class CorpusIndex(IndexQueries):
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
        self._rebuilding = False  # after reset(), until write_bm25 swaps the new collection in
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

    def prepare_to_write(self) -> None:
        """Make sure a writer's Chroma view is current (the caller holds the writer lock).

        Each process's embedded Chroma keeps its own copy of a collection's vector graph (HNSW)
        once it has used it, and does not see later writes by other processes; a process that
        wrote from such a stale copy would save it over the newer one on disk, and the other
        processes' vectors would be lost to dense search. Every writer therefore changes the
        data dir's `chroma.stamp`; a process whose client did not write the current stamp
        starts a new Chroma system, read from disk now. Earlier clients keep their own view
        (readers of an older catalogue stay consistent with it); a long-running process pays
        for a new system only after another process has written."""
        if not self.settings.chroma_host:  # a server has one view for everyone
            key = str(self.settings.chroma_dir)
            stamp = self.settings.data_dir / CHROMA_STAMP
            known = _writer_views.get(key)
            if known is None or known[0]() is not self.client or known[1] != _read_stamp(stamp):
                from chromadb.api.client import SharedSystemClient

                SharedSystemClient.clear_system_cache()  # the next client reads the disk anew
                self.client = make_chroma_client(self.settings)
            token = uuid.uuid4().hex
            _write_atomically(stamp, token)
            _writer_views[key] = (weakref.ref(self.client), token)
        self.refresh()

    @contextmanager
    def writing(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """The data dir's writer lock; `on_wait` is called if another process holds it."""
        with locks.exclusive(self.settings.data_dir / WRITER_LOCK, on_wait):
            yield

    # ---- Chroma ---------------------------------------------------------------------------
    def collection(self) -> Any:
        """Chroma's collection. Only a writer (holding the writer lock) creates one; readers
        get the existing one. Embedded Chroma keeps failing in a process that queried a
        collection while it was empty once another process fills it, so readers must never
        see one before its first ingest or rebuild is published."""
        if self._collection is None:
            writer = locks.holding(self.settings.data_dir / WRITER_LOCK)
            found = None if writer else _existing_collection(self.client)
            if found is None:  # we write, or nothing was ingested yet
                name = REBUILD_COLLECTION if self._rebuilding else COLLECTION
                with self.writing(), setup_lock(self.settings):  # two first creations: one fails
                    found = self.client.get_or_create_collection(
                        name, embedding_function=None, metadata=self._collection_metadata()
                    )
            self._collection = _Collection(self.client, found)
        return self._collection

    def embedder_matches(self) -> bool:
        """False when the stored vectors were made by another embedder (then we rebuild)."""
        stored = (self.collection().metadata or {}).get("embedder")
        return stored in (None, self.embedder.id)

    def reset(self) -> None:
        """Start a rebuild (the caller holds the writer lock). New vectors go into a collection
        of their own that replaces the current one only when the rebuild publishes
        (`write_bm25`): readers keep the old one meanwhile, a failed rebuild leaves it intact,
        and no reader ever queries an empty replacement (Chroma's embedded mode would keep
        failing in a process that queried a collection before another process filled it)."""
        _drop_collection(self.client, REBUILD_COLLECTION)  # left by a crashed rebuild
        self.refresh()
        self._rebuilding = True
        self._fresh, self._reuse_kept_vectors = {}, False

    def _collection_metadata(self) -> dict[str, str]:
        return {"embedder": self.embedder.id, "hnsw:space": "cosine"}

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
            if self._rebuilding:  # the rebuilt collection replaces the old one, then the catalogue
                rebuilt = self.collection()
                _drop_collection(self.client, COLLECTION)
                rebuilt.modify(name=COLLECTION)
                self._rebuilding = False
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

    embedder = load_embedder(settings.embed_model, notify, settings.hub)
    if settings.catalogue_in_database:  # several instances: the catalogue lives in the database
        from drafter.catalogue import DatabaseCorpusIndex

        return DatabaseCorpusIndex(settings, embedder)
    return CorpusIndex(settings, embedder)


def _catalogue_ids(version: Path) -> list[str]:
    """Chunk ids of a version's catalogue, in row order (without loading BM25)."""
    with open(version / "chunks.jsonl", encoding="utf-8") as fh:
        return [json.loads(line)["id"] for line in fh]


def _search_text(chunk: IndexedChunk) -> str:
    heading = chunk.meta.get("heading", "")
    return f"{heading}\n{chunk.text}" if heading else chunk.text
