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
from typing import Any

import numpy as np

from drafter import locks
from drafter.catalogue_tables import (  # current_version re-exported: the tests read it here
    TOKEN_SEP,
    DatabaseParseCache,
    Snapshot,
    current_version,
    ensure_schema,
    read_snapshot,
    read_vectors,
)
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

INGEST_LOCK = 0x64726166746572 + 1  # advisory lock key: one ingest at a time, across machines
PIN_SECONDS = 60.0  # a search reads the version it started with for at most this long


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
