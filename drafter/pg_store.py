"""The draft store in PostgreSQL (`DRAFTER_DATABASE_URL`): the same class, SQL and semantics as
the SQLite store (store.py), on a psycopg 3 connection pool shared by the whole process.

What differs from SQLite, and why:
- Transactions: a write locks its draft's row (`SELECT … FOR UPDATE`) before reading the next
  version number, so writers of one draft go one at a time and writers of different drafts run
  in parallel (SQLite's BEGIN IMMEDIATE serialises every writer of the file). A read runs in
  one REPEATABLE READ snapshot, as a SQLite read transaction does.
- The schema version lives in `drafter_schema` (SQLite: `PRAGMA user_version`); creation and
  migration run under an advisory lock, so instances starting together do it once.
- The database may be down or restarting: every connection error becomes `DatabaseUnavailable`
  (a Chinese message; what was committed stays committed), and the pool checks a connection
  before handing it out, so the first operation after the server is back works again.
- The address carries a password: it is never logged or shown (`config.mask_credentials`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from drafter.config import mask_credentials, safe_logger, url_host
from drafter.store import (
    _ADDED_COLUMNS,
    _INDEXES,
    _TABLES,
    SCHEMA_VERSION,
    DatabaseUnavailable,
    DraftStore,
    NewerSchema,
    _run_script,
)

log = safe_logger(__name__)
# The pool logs each failed reconnection (in English, with host and port): for operators' log
# files, never on a CLI user's screen (no last-resort output), and masked like ours.
for _name in (__name__, "psycopg.pool"):
    safe_logger(_name).addHandler(logging.NullHandler())

POOL_MAX = 20  # connections per process (the UI's worker threads; PostgreSQL allows 100 by default)
WAIT_SECONDS = 10.0  # how long an operation waits for a connection before saying the database is down
CONNECT_TIMEOUT = 5  # seconds for one connection attempt (libpq connect_timeout)
SCHEMA_LOCK = 0x64726166746572  # advisory lock key for creating and migrating the schema ("drafter")

# The same tables as SQLite's, plus an insertion order for ties in updated_at (SQLite's rowid).
_PG_TABLES = _TABLES.replace("id TEXT PRIMARY KEY,", "id TEXT PRIMARY KEY,\n    seq BIGSERIAL,", 1)
_SCHEMA_TABLE = (
    "CREATE TABLE IF NOT EXISTS drafter_schema (name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
)
CONNECTION_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout)


class _Row(dict):  # type: ignore[type-arg]
    """A row by column name (as sqlite3.Row) or by position (row[0])."""

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int):
            return list(self.values())[key]
        return dict.__getitem__(self, key)


def _named_rows(cursor: Any) -> Any:
    names = [c.name for c in cursor.description or ()]
    return lambda values: _Row(zip(names, values, strict=True))


class PgConnection:
    """A psycopg connection that takes the store's SQL as written for SQLite (`?` placeholders;
    the SQL has no literal `%`)."""

    def __init__(self, con: psycopg.Connection[Any]) -> None:
        self.raw = con

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> Any:
        return self.raw.execute(sql.replace("?", "%s"), tuple(params))


_pools: dict[str, ConnectionPool] = {}
_ready: set[str] = set()  # addresses whose schema this process has created or checked
_pools_lock = threading.Lock()


def shared_pool(url: str) -> ConnectionPool:
    """The process's pool for `url` (created on first use; waits for a first connection)."""
    with _pools_lock:
        pool = _pools.get(url)
        if pool is None:
            pool = ConnectionPool(
                url,
                min_size=1,
                max_size=POOL_MAX,
                kwargs={
                    "autocommit": True,  # transactions are explicit: con.transaction()
                    "row_factory": _named_rows,
                    "connect_timeout": CONNECT_TIMEOUT,
                    "application_name": "drafter",
                },
                check=ConnectionPool.check_connection,  # a server restart leaves dead connections
                timeout=WAIT_SECONDS,
                name=f"drafter@{url_host(url)}",  # the pool's log lines name it: no password
                open=False,
            )
            try:
                pool.open(wait=True, timeout=WAIT_SECONDS)
            except CONNECTION_ERRORS as exc:
                pool.close()
                log.warning("database unreachable at start: %s", mask_credentials(str(exc)))
                raise DatabaseUnavailable() from None
            _pools[url] = pool
        return pool


def close_pools() -> None:
    """Close every pool of this process (tests, and a clean shutdown)."""
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()
        _ready.clear()


@contextmanager
def connection(url: str) -> Iterator[psycopg.Connection[Any]]:
    """A pooled connection; any connection failure (at checkout or mid-operation) becomes
    `DatabaseUnavailable`. The pool discards a broken connection when it comes back."""
    try:
        with shared_pool(url).connection() as con:
            yield con
    except CONNECTION_ERRORS as exc:
        log.warning("database unavailable: %s", mask_credentials(str(exc)))
        raise DatabaseUnavailable() from None  # the driver's text may name the server: not shown


class PostgresDraftStore(DraftStore):
    """Drafts with per-section version history in PostgreSQL. Safe to share between threads
    and between app instances on several machines."""

    backend = "postgres"
    _FOR_UPDATE = " FOR UPDATE"
    _INSERT_ORDER = "seq"

    def __init__(self, url: str, owner: str | None = None) -> None:
        self.url = url
        self.path = None  # type: ignore[assignment]  # no file: see `location`
        self.owner = owner
        if url not in _ready:
            self._create_schema()
            _ready.add(url)

    @property
    def location(self) -> str:
        """Where the drafts are, safe to show: host and port only."""
        return url_host(self.url)

    def __repr__(self) -> str:
        return f"PostgresDraftStore({self.location!r}, owner={self.owner!r})"

    def _create_schema(self) -> None:
        with self._write() as con:
            con.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))
            con.execute(_SCHEMA_TABLE)
            row = con.execute("SELECT version FROM drafter_schema WHERE name='drafts'").fetchone()
            if row is not None and int(row["version"]) > SCHEMA_VERSION:
                raise NewerSchema(int(row["version"]))
            _run_script(con, _PG_TABLES)
            for table, column, definition in _ADDED_COLUMNS:
                con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {definition}")
            _run_script(con, _INDEXES)
            con.execute(
                "INSERT INTO drafter_schema (name, version) VALUES ('drafts', ?)"
                " ON CONFLICT (name) DO UPDATE SET version=EXCLUDED.version",
                (SCHEMA_VERSION,),
            )

    @contextmanager
    def _write(self) -> Iterator[PgConnection]:  # type: ignore[override]
        """One write transaction (READ COMMITTED; each write locks its draft's row first)."""
        with connection(self.url) as con, con.transaction():
            yield PgConnection(con)

    @contextmanager
    def _read(self) -> Iterator[PgConnection]:  # type: ignore[override]
        """A read-only transaction: several SELECTs see one consistent snapshot."""
        with connection(self.url) as con, con.transaction():
            con.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield PgConnection(con)
