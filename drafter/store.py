"""The draft store: drafts and every version of every section, in one SQLite file.

Design:
- WAL mode, a fresh connection per operation, `busy_timeout`, and `BEGIN IMMEDIATE` for
  every write, so the UI's worker threads and several users can write at once without
  "database is locked" and without lost updates (the write lock is taken before reading
  the next version number).
- Every write is one transaction: a crash mid-write leaves the last committed version.
- History is append-only. A section's current state is its highest version; undo writes the
  restored content as a new version, so an undo can itself be undone and nothing is lost.
  Each version records its `parent` (the version it replaced, or for an undo, the parent of
  the version it restored), which makes repeated undo walk back through earlier states.
- The lock flag is state, not content: `set_locked` updates the current version in place.
- The first generated version of a section is its floor. `create` stores the outline's
  empty sections before generation; the first real text saved over such an empty
  placeholder gets no parent, so undo never goes back to an empty section.
- Sections can be added, removed and moved: the rows of every version are renumbered, so a
  section keeps its history wherever it goes; a removed section stays, at a negative position.
- Every draft has an owner (a login name; "" without login). `DraftStore(path)` is the
  administrator's view and sees every draft; `store.for_owner(name)` sees only that owner's
  drafts, enforced in every query: another owner's id is "not found", exactly like an
  unknown id, so ids cannot be probed.

Two backends share this class's SQL: SQLite here, PostgreSQL in `pg_store.py`
(`PostgresDraftStore`, chosen by `open_draft_store` when `DRAFTER_DATABASE_URL` is set). The
SQL is written once with `?` placeholders; a backend supplies only the connection, the
transaction (`_write`/`_read`), the schema and three dialect words (`_FOR_UPDATE`,
`_INSERT_ORDER`). A new method written here with `self._write()`/`self._read()`,
`self._require_draft(con, id, lock=True)` for writes and `?` placeholders works on both.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from drafter.draft import Draft, Section, Signoff
from drafter.store_errors import (  # re-exported: the store's errors are imported from here
    AdminOnly,
    DatabaseUnavailable,
    DraftNotFound,
    NewerSchema,
    NothingToUndo,
    SectionLocked,
    SectionNotFound,
    StoreError,
)
from drafter.store_history import SectionHistory
from drafter.store_rows import (  # re-exported for pg_store and the tests
    _ADDED_COLUMNS,
    _CONTENT,
    _INDEXES,
    _TABLES,
    SCHEMA_VERSION,
    Connection,
    _dumps,
    _is_placeholder,
    _now,
    _parent_of,
    _row_section,
    _run_script,
    _section_row,
)
from drafter.store_sections import SectionList

__all__ = [
    "_ADDED_COLUMNS", "_CONTENT", "_INDEXES", "_TABLES", "HAND_EDIT_NOTE", "SCHEMA_VERSION", "AdminOnly",
    "Connection", "DatabaseUnavailable", "DraftNotFound", "DraftStore", "DraftSummary", "NewerSchema",
    "NothingToUndo", "SectionLocked", "SectionNotFound", "StoreError", "_dumps", "_is_placeholder", "_now",
    "_parent_of", "_row_section", "_run_script", "_section_row", "open_draft_store",
]

BUSY_TIMEOUT_MS = 30_000
HAND_EDIT_NOTE = "手工修改"  # the note of a version the user typed (drafting.Drafter.edit)


@dataclass
class DraftSummary:
    id: str
    title: str
    mode: str
    created_at: str
    updated_at: str
    owner: str = ""


class DraftStore(SectionList, SectionHistory):
    """Drafts with per-section version history in SQLite. Safe to share between threads.

    `owner` None: the administrator's view (every draft); a name: only that owner's drafts.
    """

    backend = "sqlite"
    _FOR_UPDATE = ""  # SQLite's BEGIN IMMEDIATE already holds the whole file for the writer
    _INSERT_ORDER = "rowid"  # ties in updated_at: the later-created draft first

    def __init__(self, path: str | Path, owner: str | None = None) -> None:
        self.path = Path(path).expanduser()
        self.owner = owner
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # journal_mode is persistent in the file and must be set outside a transaction.
        with closing(self._connect()) as con:
            con.execute("PRAGMA journal_mode=WAL")
        with self._write() as con:
            _run_script(con, _TABLES)
            self._migrate(con)
            _run_script(con, _INDEXES)
            con.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def for_owner(self, owner: str) -> DraftStore:
        """A view of the same file that sees and creates only `owner`'s drafts."""
        view = copy.copy(self)
        view.owner = owner
        return view

    @staticmethod
    def _migrate(con: sqlite3.Connection) -> None:
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise NewerSchema(version)
        for table, column, definition in _ADDED_COLUMNS:
            present = {r["name"] for r in con.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    # ------------------------------------------------------------------ connections

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so each write is exactly
        # one transaction. A new connection per operation keeps threads independent.
        con = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
            check_same_thread=False,
        )
        con.row_factory = sqlite3.Row
        con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA synchronous=FULL")  # drafts are user work: durable commits
        return con

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction. IMMEDIATE takes the write lock up front: no read→write
        upgrade deadlock (which busy_timeout cannot resolve) and no two writers reading
        the same next version number."""
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        finally:
            con.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several SELECTs see one consistent snapshot."""
        con = self._connect()
        try:
            con.execute("BEGIN")
            try:
                yield con
            finally:
                con.execute("COMMIT")
        finally:
            con.close()

    # ------------------------------------------------------------------ helpers

    def _owner_clause(self) -> tuple[str, tuple[str, ...]]:
        """The SQL condition (and its parameter) that limits a query to this view's drafts."""
        return ("", ()) if self.owner is None else (" AND owner=?", (self.owner,))

    def _require_draft(self, con: Any, draft_id: str, lock: bool = False) -> Any:
        """The draft's row if this view may see it; another owner's draft is "not found".

        `lock`: a write takes the draft's row lock first (PostgreSQL: writers of one draft go
        one at a time, so no two read the same next version number)."""
        clause, params = self._owner_clause()
        row = con.execute(
            f"SELECT * FROM drafts WHERE id=?{clause}{self._FOR_UPDATE if lock else ''}",
            (draft_id, *params),
        ).fetchone()
        if row is None:
            raise DraftNotFound(draft_id)
        return row

    @staticmethod
    def _current(con: Connection, draft_id: str, position: int) -> Any:
        if position < 0:  # a removed section (see remove_section) is not in the draft
            return None
        return con.execute(
            "SELECT * FROM section_versions WHERE draft_id=? AND position=? "
            "ORDER BY version DESC LIMIT 1",
            (draft_id, position),
        ).fetchone()

    def _existing(self, con: Connection, draft_id: str, position: int) -> Any:
        """The section's current row; SectionNotFound when the draft has no such section."""
        current = self._current(con, draft_id, position)
        if current is None:
            raise SectionNotFound(draft_id, position)
        return current

    @staticmethod
    def _current_all(con: Connection, draft_id: str) -> list[Any]:
        return con.execute(
            "SELECT sv.* FROM section_versions sv JOIN ("
            "  SELECT position, MAX(version) AS v FROM section_versions"
            "  WHERE draft_id=? AND position >= 0 GROUP BY position"
            ") cur ON sv.position=cur.position AND sv.version=cur.v "
            "WHERE sv.draft_id=? ORDER BY sv.position",
            (draft_id, draft_id),
        ).fetchall()

    @staticmethod
    def _insert_version(
        con: Connection,
        draft_id: str,
        position: int,
        values: dict[str, Any],
        parent: int | None,
        note: str,
        now: str,
    ) -> int:
        row = con.execute(
            "SELECT COALESCE(MAX(version), 0) FROM section_versions WHERE draft_id=? AND position=?",
            (draft_id, position),
        ).fetchone()
        version = int(row[0]) + 1
        con.execute(
            "INSERT INTO section_versions (draft_id, position, version, parent, heading, text,"
            " role, topic, facts, sources, warnings, locked, note, created_at, origin, origin_reason)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                draft_id, position, version, parent, values["heading"], values["text"],
                values["role"], values["topic"], values["facts"], values["sources"],
                values["warnings"], values["locked"], note, now, values["origin"],
                values["origin_reason"],
            ),
        )
        return version

    @staticmethod
    def _touch(con: Connection, draft_id: str, now: str) -> None:
        con.execute("UPDATE drafts SET updated_at=? WHERE id=?", (now, draft_id))

    # ------------------------------------------------------------------ API

    def create(self, draft: Draft, note: str = "生成") -> str:
        """Store a new draft (version 1 of each section); return its id.

        An owner's view creates the draft as that owner (and sets `draft.owner`); the
        administrator's view keeps `draft.owner`.
        """
        if self.owner is not None:
            draft.owner = self.owner
        now = _now()
        with self._write() as con:
            exists = con.execute("SELECT 1 FROM drafts WHERE id=?", (draft.id,)).fetchone()
            if exists:
                raise StoreError(f"草稿 {draft.id} 已存在，请换一个编号。")
            con.execute(
                "INSERT INTO drafts (id, owner, title, mode, facts, signoff, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (draft.id, draft.owner, draft.title, draft.mode, _dumps(draft.facts),
                 _dumps(asdict(draft.signoff)), now, now),
            )
            for position, section in enumerate(draft.sections):
                self._insert_version(con, draft.id, position, _section_row(section), None, note, now)
        return draft.id

    def get(self, draft_id: str) -> Draft:
        """The draft with the current (latest) version of each section, in position order.

        While generation is still storing sections out of order, positions may have gaps;
        the returned list then holds only the sections stored so far.
        """
        with self._read() as con:
            row = self._require_draft(con, draft_id)
            sections = [_row_section(r) for r in self._current_all(con, draft_id)]
        return Draft(
            id=row["id"],
            title=row["title"],
            mode=row["mode"],
            sections=sections,
            signoff=Signoff(**json.loads(row["signoff"])),
            facts=json.loads(row["facts"]),
            owner=row["owner"],
        )

    def save_section(
        self, draft_id: str, position: int, section: Section, note: str = "", force: bool = False
    ) -> int:
        """Write `section` as the next version at `position`; return the version number.

        A position not seen before adds a section (generation stores sections as they
        finish, possibly out of order). A locked section is refused unless `force`.
        """
        if position < 0:
            raise ValueError("position must be >= 0")
        now = _now()
        with self._write() as con:
            self._require_draft(con, draft_id, lock=True)
            current = self._current(con, draft_id, position)
            if current is not None and current["locked"] and not force:
                raise SectionLocked(position, current["heading"])
            version = self._insert_version(
                con, draft_id, position, _section_row(section), _parent_of(current), note, now
            )
            self._touch(con, draft_id, now)
        return version

    def save_draft(self, draft: Draft, note: str = "") -> list[int]:
        """Save the draft's title/sign-off/facts and a new version of each changed section.

        Locked sections are skipped (their stored content wins); a change of only the lock
        flag is applied in place. Returns the positions that got a new version. The draft
        must hold every stored section (the store never deletes sections).
        """
        now = _now()
        written: list[int] = []
        with self._write() as con:
            row = self._require_draft(con, draft.id, lock=True)
            stored = {r["position"]: r for r in self._current_all(con, draft.id)}
            if sorted(stored) != list(range(len(stored))) or len(draft.sections) < len(stored):
                raise ValueError(
                    f"draft {draft.id}: stored positions {sorted(stored)} do not match "
                    f"{len(draft.sections)} sections (still generating, or sections removed)"
                )
            changed = False
            header = (draft.title, draft.mode, _dumps(draft.facts), _dumps(asdict(draft.signoff)))
            if header != (row["title"], row["mode"], row["facts"], row["signoff"]):
                con.execute(
                    "UPDATE drafts SET title=?, mode=?, facts=?, signoff=? WHERE id=?",
                    (*header, draft.id),
                )
                changed = True
            for position, section in enumerate(draft.sections):
                values = _section_row(section)
                current = stored.get(position)
                if current is None:
                    self._insert_version(con, draft.id, position, values, None, note, now)
                    written.append(position)
                    continue
                if current["locked"]:
                    continue
                if all(values[c] == current[c] for c in _CONTENT):
                    if values["locked"] != current["locked"]:
                        self._set_locked_row(con, current, bool(values["locked"]))
                        changed = True
                    continue
                self._insert_version(con, draft.id, position, values, _parent_of(current), note, now)
                written.append(position)
            if written or changed:
                self._touch(con, draft.id, now)
        return written

    def list_drafts(self, limit: int = 50) -> list[DraftSummary]:
        """The most recently updated drafts (this view's) first."""
        clause, params = self._owner_clause()
        with self._read() as con:
            rows = con.execute(
                "SELECT id, title, mode, created_at, updated_at, owner FROM drafts"
                f" WHERE 1=1{clause} ORDER BY updated_at DESC, {self._INSERT_ORDER} DESC LIMIT ?",
                (*params, max(0, int(limit))),
            ).fetchall()
        return [DraftSummary(**dict(r)) for r in rows]

    def delete(self, draft_id: str) -> None:
        """Remove a draft and all its history."""
        with self._write() as con:
            self._require_draft(con, draft_id, lock=True)
            con.execute("DELETE FROM section_versions WHERE draft_id=?", (draft_id,))
            con.execute("DELETE FROM drafts WHERE id=?", (draft_id,))

    def set_owner(self, draft_id: str, owner: str) -> None:
        """Hand a draft to another owner ("" = the no-login user). Administrator only."""
        if self.owner is not None:
            raise AdminOnly()
        with self._write() as con:
            self._require_draft(con, draft_id, lock=True)
            con.execute("UPDATE drafts SET owner=? WHERE id=?", (owner, draft_id))


def open_draft_store(location: str | Path, owner: str | None = None) -> DraftStore:
    """The draft store at `location`: a PostgreSQL address (postgresql://…) or a SQLite file."""
    if isinstance(location, str) and location.startswith(("postgresql://", "postgres://")):
        from drafter.pg_store import PostgresDraftStore  # psycopg only when a database is used

        return PostgresDraftStore(location, owner)
    return DraftStore(location, owner)
