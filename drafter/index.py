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
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from drafter.config import Settings
from drafter.embed import Embedder, HashingEmbedder

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
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


class CorpusIndex:
    def __init__(self, settings: Settings, embedder: Embedder, client: Any = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.client = client if client is not None else make_chroma_client(settings)
        self.bm25_dir = settings.bm25_dir
        self._collection: Any = None
        self._bm25: Any = None
        self._chunks: list[IndexedChunk] | None = None
        self._row: dict[str, int] = {}
        self._load_lock = threading.Lock()
        self._vectors: np.ndarray | None = None
        self._vectors_loaded = False
        self._count: int | None = None  # Chroma's count() costs a query; cached until we write
        self._fresh: dict[str, np.ndarray] = {}  # vectors embedded by this process, by chunk id

    # ---- Chroma ---------------------------------------------------------------------------
    def collection(self) -> Any:
        if self._collection is None:
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
        """Drop everything: the Chroma collection and the BM25 files."""
        try:
            self.client.delete_collection(COLLECTION)
        except Exception:  # not there yet
            pass
        self._collection, self._count = None, None
        shutil.rmtree(self.bm25_dir, ignore_errors=True)
        self._bm25, self._chunks, self._row = None, None, {}
        self._vectors, self._vectors_loaded, self._fresh = None, False, {}

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
        """Rebuild BM25 over all chunks and save it with the aligned chunk catalogue."""
        import bm25s

        tmp = self.bm25_dir.with_name(self.bm25_dir.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if chunks:
            retriever = bm25s.BM25()
            retriever.index([c.tokens or ["∅"] for c in chunks], show_progress=False)
            retriever.save(str(tmp / "bm25"), show_progress=False)
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(json.dumps({"id": c.id, "text": c.text, "meta": c.meta}, ensure_ascii=False))
                fh.write("\n")
        vectors = self._aligned_vectors(chunks)
        if vectors is not None:
            np.save(tmp / "vectors.npy", vectors)
        shutil.rmtree(self.bm25_dir, ignore_errors=True)
        os.replace(tmp, self.bm25_dir)  # readers see the old index or the new one, never half
        self._bm25, self._chunks, self._row = None, None, {}
        self._vectors, self._vectors_loaded, self._fresh = None, False, {}

    def _aligned_vectors(self, chunks: Sequence[IndexedChunk]) -> np.ndarray | None:
        """Every chunk's vector, row-aligned with the catalogue: embedded just now, kept from
        the previous catalogue, or (an index written before vectors were kept) read back from
        Chroma. None if Chroma lacks some, and search then uses Chroma's `where` instead."""
        if not chunks:
            return None
        known = dict(self._fresh)
        if any(c.id not in known for c in chunks):
            old = self.bm25_dir / "vectors.npy"
            if old.exists():
                old_ids = self._stored_catalogue_ids()
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

    def _stored_catalogue_ids(self) -> list[str]:
        """Chunk ids of the catalogue on disk, in row order (without loading BM25)."""
        path = self.bm25_dir / "chunks.jsonl"
        if not path.exists():
            return []
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line)["id"] for line in fh]

    def load(self) -> None:
        """Load BM25 and the catalogue into memory (once per process, thread-safe)."""
        if self._chunks is not None:
            return
        with self._load_lock:  # parallel section writers search at once
            if self._chunks is None:
                self._load()

    def _load(self) -> None:
        chunks: list[IndexedChunk] = []
        path = self.bm25_dir / "chunks.jsonl"
        if path.exists():
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    row = json.loads(line)
                    chunks.append(IndexedChunk(row["id"], row["text"], row["meta"], []))
        self._row = {c.id: i for i, c in enumerate(chunks)}
        if chunks and (self.bm25_dir / "bm25").exists():
            import bm25s

            self._bm25 = bm25s.BM25.load(str(self.bm25_dir / "bm25"), show_progress=False)
        self._columns = {
            key: np.array([c.meta.get(key, "") for c in chunks], dtype=object)
            for key in ("unit_type", "period", "role", "topic", "source")
        }
        self._codes: dict[str, tuple[np.ndarray, dict[str, int]]] = {}
        for key, column in self._columns.items():
            values, codes = np.unique(column.astype(str), return_inverse=True) if chunks else ([], np.zeros(0))
            self._codes[key] = (codes.astype(np.int32), {str(v): i for i, v in enumerate(values)})
        self._chunks = chunks  # last: readers check it to know the load is complete

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
        if not self._vectors_loaded:
            path = self.bm25_dir / "vectors.npy"
            vectors = np.load(path) if path.exists() else None
            self._vectors = vectors if vectors is not None and len(vectors) == len(self.chunks) else None
            self._vectors_loaded = True
        return self._vectors

    def is_empty(self) -> bool:
        return not self.chunks


def open_index(settings: Settings, notify: Callable[[str], None] | None = None) -> CorpusIndex:
    """The index with the configured embedder (or the offline one, with a notice)."""
    from drafter.embed import load_embedder

    return CorpusIndex(settings, load_embedder(settings.embed_model, notify))


def _search_text(chunk: IndexedChunk) -> str:
    heading = chunk.meta.get("heading", "")
    return f"{heading}\n{chunk.text}" if heading else chunk.text
