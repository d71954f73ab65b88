"""The corpus catalogue's tables in PostgreSQL (see catalogue.py for the design): the schema,
the published version, one version read back as an in-memory Snapshot (BM25 built from the
stored tokens), its vectors, and the parse cache ingest keeps per file content.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from drafter.index import IndexedChunk
from drafter.pg_store import connection

SCHEMA_VERSION = 1
SCHEMA_LOCK = 0x64726166746572  # the same key as the draft store's schema creation
TOKEN_SEP = "\x1f"  # jieba tokens never contain the unit separator
META_KEYS = ("unit_type", "period", "role", "topic", "source")

_TABLES = """
CREATE TABLE IF NOT EXISTS drafter_schema (name TEXT PRIMARY KEY, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS corpus_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL,
    ids TEXT NOT NULL,
    embedder TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS corpus_chunks (
    id TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    meta TEXT NOT NULL,
    tokens TEXT NOT NULL,
    vector BYTEA
);
CREATE TABLE IF NOT EXISTS corpus_files (path TEXT PRIMARY KEY, sha TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS corpus_parses (sha TEXT PRIMARY KEY, data TEXT NOT NULL)
"""

_schema_ready: set[str] = set()
_schema_lock = threading.Lock()


def ensure_schema(url: str) -> None:
    """Create the catalogue's tables once per process (instances starting together: once)."""
    with _schema_lock:
        if url in _schema_ready:
            return
        with connection(url) as con, con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            for statement in _TABLES.split(";"):
                con.execute(statement)
            row = con.execute("SELECT version FROM drafter_schema WHERE name='catalogue'").fetchone()
            if row is not None and int(row["version"]) > SCHEMA_VERSION:
                from drafter.store import NewerSchema

                raise NewerSchema(int(row["version"]))
            con.execute(
                "INSERT INTO drafter_schema (name, version) VALUES ('catalogue', %s)"
                " ON CONFLICT (name) DO UPDATE SET version=EXCLUDED.version",
                (SCHEMA_VERSION,),
            )
        _schema_ready.add(url)


def current_version(url: str) -> int:
    """The published corpus version (0: nothing ingested yet). One indexed read."""
    with connection(url) as con:
        row = con.execute("SELECT version FROM corpus_state WHERE id=1").fetchone()
    return int(row["version"]) if row else 0


@dataclass
class Snapshot:
    """One corpus version as an instance holds it in memory (never changed once built)."""

    version: int = 0
    chunks: list[IndexedChunk] = field(default_factory=list)
    row: dict[str, int] = field(default_factory=dict)
    bm25: Any = None
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    codes: dict[str, tuple[np.ndarray, dict[str, int]]] = field(default_factory=dict)
    vectors: np.ndarray | None = None
    vectors_read: bool = False


def read_snapshot(url: str) -> Snapshot:
    """The current version, read in one REPEATABLE READ snapshot; BM25 built from its tokens."""
    with connection(url) as con, con.transaction():
        con.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        state = con.execute("SELECT version, ids FROM corpus_state WHERE id=1").fetchone()
        if state is None:
            return Snapshot()
        by_id: dict[str, tuple[str, str, str]] = {}
        with con.cursor(name="catalogue") as cur:  # server-side: rows stream, no second copy
            cur.itersize = 5000
            cur.execute("SELECT id, text, meta, tokens FROM corpus_chunks")
            for r in cur:
                by_id[r["id"]] = (r["text"], r["meta"], r["tokens"])
    ids = state["ids"].split("\n") if state["ids"] else []
    chunks: list[IndexedChunk] = []
    tokens: list[list[str]] = []
    vocabulary: dict[str, str] = {}  # one string object per distinct token: a third of the peak memory
    for cid in ids:
        text, meta, toks = by_id.pop(cid)
        chunks.append(IndexedChunk(cid, text, json.loads(meta), []))
        tokens.append([vocabulary.setdefault(t, t) for t in toks.split(TOKEN_SEP)] if toks else ["∅"])
    del by_id
    return _snapshot(int(state["version"]), chunks, tokens)


def _snapshot(version: int, chunks: list[IndexedChunk], tokens: list[list[str]]) -> Snapshot:
    bm25 = None
    if chunks:
        import bm25s

        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
    columns = {
        key: np.array([c.meta.get(key, "") for c in chunks], dtype=object) for key in META_KEYS
    }
    codes: dict[str, tuple[np.ndarray, dict[str, int]]] = {}
    for key, column in columns.items():
        values, inverse = np.unique(column.astype(str), return_inverse=True) if chunks else ([], np.zeros(0))
        codes[key] = (np.asarray(inverse).astype(np.int32), {str(v): i for i, v in enumerate(values)})
    return Snapshot(version, chunks, {c.id: i for i, c in enumerate(chunks)}, bm25, columns, codes)


def read_vectors(url: str, snapshot: Snapshot) -> np.ndarray | None:
    """The snapshot's vectors in row order, if the database still holds that version and every
    chunk has one; else None (search then asks Chroma with a `where`)."""
    with connection(url) as con, con.transaction():
        con.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        if con.execute("SELECT version FROM corpus_state WHERE id=1").fetchone()["version"] != snapshot.version:
            return None
        vectors: list[np.ndarray | None] = [None] * len(snapshot.chunks)
        with con.cursor(name="vectors") as cur:
            cur.itersize = 5000
            cur.execute("SELECT id, vector FROM corpus_chunks")
            for r in cur:
                row = snapshot.row.get(r["id"])
                if row is not None and r["vector"] is not None:
                    vectors[row] = np.frombuffer(r["vector"], dtype=np.float32)
    if not vectors or any(v is None for v in vectors):
        return None
    return np.stack(vectors)  # type: ignore[arg-type]


class DatabaseParseCache:
    """ingest.ParseCache's interface over corpus_files and corpus_parses."""

    shared_between_machines = True  # paths may name files on another instance's disk

    def __init__(self, url: str) -> None:
        self.url = url
        ensure_schema(url)

    def tracked(self) -> dict[str, str]:
        with connection(self.url) as con:
            return {r["path"]: r["sha"] for r in con.execute("SELECT path, sha FROM corpus_files")}

    def parse(self, sha: str) -> list[dict] | None:
        with connection(self.url) as con:
            row = con.execute("SELECT data FROM corpus_parses WHERE sha=%s", (sha,)).fetchone()
        return json.loads(row["data"]) if row else None

    def save(self, files: dict[str, str], new_parses: dict[str, list[dict]]) -> None:
        with connection(self.url) as con, con.transaction():
            con.execute("DELETE FROM corpus_files")
            with con.cursor() as cur:
                cur.executemany("INSERT INTO corpus_files VALUES (%s, %s)", list(files.items()))
                cur.executemany(
                    "INSERT INTO corpus_parses VALUES (%s, %s) ON CONFLICT (sha) DO UPDATE SET data=EXCLUDED.data",
                    [(sha, json.dumps(data, ensure_ascii=False)) for sha, data in new_parses.items()],
                )
            con.execute("DELETE FROM corpus_parses WHERE sha NOT IN (SELECT sha FROM corpus_files)")

    def clear(self) -> None:
        with connection(self.url) as con, con.transaction():
            con.execute("DELETE FROM corpus_files")
            con.execute("DELETE FROM corpus_parses")

    def close(self) -> None:
        """Connections belong to the process's pool."""
