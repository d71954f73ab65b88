"""The corpus catalogue in PostgreSQL, for several app instances over one Chroma server.

Used when both `DRAFTER_DATABASE_URL` and `DRAFTER_CHROMA_HOST` are set (`Settings.
catalogue_in_database`): an instance then keeps nothing in its data dir. What the file-based
index keeps under `bm25/` and in `ingest.sqlite3` lives in the database instead:

    corpus_state    one row: the corpus version (+1 per ingest that changed it), the chunk ids
                    in row order, the embedder
    corpus_chunks   one row per chunk (content-hash id): text, metadata, jieba tokens, vector
    corpus_files    which files are in the corpus (path → content hash)
    corpus_parses   each file content's cached parse (as ingest.sqlite3 holds it)

At start an instance reads the current version in one snapshot and builds BM25 in memory from
the stored tokens (no jieba at load). Vectors for the in-memory exact ranking of selective
filters are stored here too (float32 bytes, written once per chunk by the ingest that embedded
it) and read on first use: reading them back from Chroma's HTTP API would mean JSON floats
for every chunk at every start, and these come from the same snapshot as the catalogue. Chroma
stays the only dense search engine.

A search notices a newer version (another instance ingested) by reading one number, at most
every `catalogue_poll` seconds; the new version is loaded in the background while searches
keep using the old one, then swapped in. Each search reads one version from start to end (the
thread's snapshot is pinned when the search starts, see `is_empty`). Ingest takes a PostgreSQL
advisory lock, so two instances never write at once.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from drafter import locks
from drafter.config import Settings, safe_logger
from drafter.embed import Embedder
from drafter.index import (
    COLLECTION,
    WRITER_LOCK,
    CorpusIndex,
    IndexedChunk,
    _drop_collection,
)
from drafter.pg_store import CONNECTION_ERRORS, connection
from drafter.store import DatabaseUnavailable

log = safe_logger(__name__)
log.addHandler(logging.NullHandler())  # operators' log files only: no English on a CLI user's screen

SCHEMA_VERSION = 1
INGEST_LOCK = 0x64726166746572 + 1  # advisory lock key: one ingest at a time, across machines
SCHEMA_LOCK = 0x64726166746572  # the same key as the draft store's schema creation
TOKEN_SEP = "\x1f"  # jieba tokens never contain the unit separator
META_KEYS = ("unit_type", "period", "role", "topic", "source")
PIN_SECONDS = 60.0  # a search reads the version it started with for at most this long

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


class DatabaseCorpusIndex(CorpusIndex):
    """CorpusIndex with its catalogue in PostgreSQL and its vectors in a Chroma server."""

    def __init__(self, settings: Settings, embedder: Embedder, client: Any = None) -> None:
        self.url = settings.database_url
        self._snapshot: Snapshot | None = None
        self._pins: dict[int, tuple[float, Snapshot]] = {}  # thread → (when, its search's version)
        self._checked_at = 0.0
        self._reloading = False
        self._ingest_depth = 0  # re-entrant advisory lock (ensure_corpus → ingest → write_bm25)
        self._ingest_con: Any = None
        super().__init__(settings, embedder, client)
        ensure_schema(self.url)

    # ---- the writer ------------------------------------------------------------------------
    @contextmanager
    def writing(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """One ingest at a time across every instance: this data dir's lock (threads and
        processes here, and what `collection()` asks), then the database's advisory lock, held
        on a connection of its own until the outermost block ends."""
        with locks.exclusive(self.settings.data_dir / WRITER_LOCK, on_wait):
            if self._ingest_depth == 0:
                self._ingest_con = self._advisory_lock(on_wait)
            self._ingest_depth += 1
            try:
                yield
            finally:
                self._ingest_depth -= 1
                if self._ingest_depth == 0:
                    self._ingest_con.close()  # ends the session: PostgreSQL releases the lock
                    self._ingest_con = None

    def _advisory_lock(self, on_wait: Callable[[], None] | None) -> Any:
        import psycopg

        try:
            con = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
            if not con.execute("SELECT pg_try_advisory_lock(%s)", (INGEST_LOCK,)).fetchone()[0]:
                if on_wait:
                    on_wait()
                con.execute("SELECT pg_advisory_lock(%s)", (INGEST_LOCK,))
        except CONNECTION_ERRORS as exc:
            log.warning("database unavailable for ingest: %s", exc)
            raise DatabaseUnavailable() from None
        return con

    def open_parse_cache(self) -> DatabaseParseCache:
        """Where ingest keeps which files are in the corpus and their parses (see ingest.py)."""
        return DatabaseParseCache(self.url)

    def write_bm25(self, chunks: Sequence[IndexedChunk]) -> None:
        """Publish `chunks` as the next corpus version: new chunks (with their vectors) in,
        removed ones out, the row order and version number in one transaction."""
        with self.writing():
            try:
                self._publish(chunks)
            except CONNECTION_ERRORS as exc:
                log.warning("database unavailable while publishing the corpus: %s", exc)
                raise DatabaseUnavailable() from None
            self.refresh()
            self._fresh, self._reuse_kept_vectors = {}, True

    def _publish(self, chunks: Sequence[IndexedChunk]) -> None:
        with connection(self.url) as con, con.transaction():
            state = con.execute("SELECT version FROM corpus_state WHERE id=1 FOR UPDATE").fetchone()
            if self._rebuilding:  # every vector is new: the rows are written again
                con.execute("DELETE FROM corpus_chunks")
                stored: set[str] = set()
            else:
                stored = {r["id"] for r in con.execute("SELECT id FROM corpus_chunks")}
            wanted = {c.id for c in chunks}
            gone = sorted(stored - wanted)
            if gone:
                con.execute("DELETE FROM corpus_chunks WHERE id = ANY(%s)", (gone,))
            new = [c for c in chunks if c.id not in stored]
            vectors = self._vectors_for(new)
            with con.cursor() as cur, cur.copy(
                "COPY corpus_chunks (id, text, meta, tokens, vector) FROM STDIN"
            ) as copy:
                for c in new:
                    vector = vectors.get(c.id)
                    copy.write_row((
                        c.id, c.text, json.dumps(c.meta, ensure_ascii=False),
                        TOKEN_SEP.join(c.tokens),
                        None if vector is None else np.asarray(vector, dtype=np.float32).tobytes(),
                    ))
            version = (int(state["version"]) if state else 0) + 1
            con.execute(
                "INSERT INTO corpus_state (id, version, ids, embedder, updated_at)"
                " VALUES (1, %s, %s, %s, now()) ON CONFLICT (id) DO UPDATE SET"
                " version=EXCLUDED.version, ids=EXCLUDED.ids, embedder=EXCLUDED.embedder,"
                " updated_at=now()",
                (version, "\n".join(c.id for c in chunks), self.embedder.id),
            )
            if self._rebuilding:  # the rebuilt collection replaces the old one before we commit
                rebuilt = self.collection()
                _drop_collection(self.client, COLLECTION)
                rebuilt.modify(name=COLLECTION)
                self._rebuilding = False
        log.info("corpus version %d published: %d chunks (%d new, %d removed)",
                 version, len(chunks), len(new), len(gone))

    def _vectors_for(self, chunks: Sequence[IndexedChunk]) -> dict[str, np.ndarray]:
        """Vectors of new catalogue rows: embedded by this process just now, else Chroma's."""
        known = {c.id: self._fresh[c.id] for c in chunks if c.id in self._fresh}
        missing = [c.id for c in chunks if c.id not in known]
        col = self.collection() if missing else None
        for start in range(0, len(missing), 1000):
            got = col.get(ids=missing[start : start + 1000], include=["embeddings"])
            known.update(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32), strict=True))
        return known

    def has_catalogue(self) -> bool:
        return current_version(self.url) > 0

    # ---- readers ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Forget what was loaded: the next use reads the current version."""
        with self._load_lock:
            self._collection, self._count = None, None
            self._snapshot = None
            self._pins.clear()

    def load(self) -> None:
        """The first load reads the catalogue (waiting for it); later calls look for a newer
        version at most every `catalogue_poll` seconds and load it in the background."""
        if self._snapshot is None:
            with self._load_lock:
                if self._snapshot is None:
                    self._snapshot = read_snapshot(self.url)
                    self._checked_at = time.monotonic()
            return
        if time.monotonic() - self._checked_at < self.settings.catalogue_poll or self._reloading:
            return
        self._checked_at = time.monotonic()
        try:
            newer = current_version(self.url) > self._snapshot.version
        except DatabaseUnavailable:
            return  # keep serving the version we have; Chroma answers searches meanwhile
        if newer:
            self._reloading = True
            threading.Thread(target=self._reload, name="catalogue-reload", daemon=True).start()

    def _reload(self) -> None:
        try:
            snapshot = read_snapshot(self.url)
            with self._load_lock:
                if self._snapshot is None or snapshot.version > self._snapshot.version:
                    self._snapshot = snapshot
                    self._count = None  # Chroma holds the other instance's vectors now
            log.info("corpus version %d loaded (%d chunks)", snapshot.version, len(snapshot.chunks))
        except Exception:  # the old version keeps serving; the next poll tries again
            log.exception("loading the new corpus version failed")
        finally:
            self._reloading = False

    def wait_for_version(self, version: int, timeout: float) -> bool:
        """Poll until `version` (or a later one) is the one searches use; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.load()
            if self._snapshot is not None and self._snapshot.version >= version:
                return True
            time.sleep(0.05)
        return False

    def _view(self) -> Snapshot:
        pinned = self._pins.get(threading.get_ident())
        if pinned is not None and time.monotonic() - pinned[0] < PIN_SECONDS:
            return pinned[1]
        self.load()
        assert self._snapshot is not None
        return self._snapshot

    @property
    def loaded_version(self) -> int:  # type: ignore[override]
        return self._snapshot.version if self._snapshot is not None else 0

    @loaded_version.setter
    def loaded_version(self, value: Any) -> None:
        """The base class resets it; the version is the snapshot's here."""

    def is_empty(self) -> bool:
        """Called first by every search: pins this thread to the current version, so the whole
        search reads one version even if a newer one is swapped in meanwhile."""
        self.load()
        now = time.monotonic()
        assert self._snapshot is not None
        # Pins expire: an old version is not kept in memory for threads that stopped searching.
        for thread, (when, _) in list(self._pins.items()):
            if now - when >= PIN_SECONDS:
                self._pins.pop(thread, None)
        self._pins[threading.get_ident()] = (now, self._snapshot)
        return not self._snapshot.chunks

    @property
    def chunks(self) -> list[IndexedChunk]:
        return self._view().chunks

    def row_of(self, chunk_id: str) -> int | None:
        return self._view().row.get(chunk_id)

    def column(self, key: str) -> np.ndarray:
        return self._view().columns[key]

    def codes(self, key: str) -> tuple[np.ndarray, dict[str, int]]:
        return self._view().codes[key]

    @property
    def bm25(self) -> Any:
        return self._view().bm25

    @property
    def vectors(self) -> np.ndarray | None:
        snapshot = self._view()
        if not snapshot.vectors_read:
            with self._load_lock:
                if not snapshot.vectors_read:
                    try:
                        snapshot.vectors = read_vectors(self.url, snapshot)
                    except DatabaseUnavailable:
                        snapshot.vectors = None
                    snapshot.vectors_read = True
        return snapshot.vectors
