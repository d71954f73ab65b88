"""What both draft-store backends share below the SQL: the schema and its version, and the
conversion of a Section to column values and back (store.py re-exports these names)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from drafter.draft import Section, Source, Warning

SCHEMA_VERSION = 3  # 2: drafts.owner; 3: section_versions.origin and origin_reason
# What the shared SQL runs on: an sqlite3.Connection, or pg_store's wrapper with the same
# execute(sql with ? placeholders, params) → cursor with fetchone()/fetchall() of named rows.
Connection = Any

_TABLES = """
CREATE TABLE IF NOT EXISTS drafts (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    mode TEXT NOT NULL,
    facts TEXT NOT NULL,
    signoff TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS section_versions (
    draft_id TEXT NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    version INTEGER NOT NULL,
    parent INTEGER,
    heading TEXT NOT NULL,
    text TEXT NOT NULL,
    role TEXT NOT NULL,
    topic TEXT NOT NULL,
    facts TEXT NOT NULL,
    sources TEXT NOT NULL,
    warnings TEXT NOT NULL,
    locked INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT 'offline',
    origin_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (draft_id, position, version)
);
"""
# After the migrations: an index on a column that older files get only by migrating.
_INDEXES = """
CREATE INDEX IF NOT EXISTS drafts_by_update ON drafts(updated_at);
CREATE INDEX IF NOT EXISTS drafts_by_owner ON drafts(owner, updated_at);
"""

# Content columns: what makes two versions different (everything but the lock flag).
_CONTENT = ("heading", "text", "role", "topic", "facts", "sources", "warnings", "origin", "origin_reason")
# Columns added after the first release: (table, column, definition), added when missing.
_ADDED_COLUMNS = (
    ("drafts", "owner", "TEXT NOT NULL DEFAULT ''"),  # drafts made before owners belong to ""
    ("section_versions", "origin", "TEXT NOT NULL DEFAULT 'offline'"),
    ("section_versions", "origin_reason", "TEXT NOT NULL DEFAULT ''"),
)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _section_row(section: Section) -> dict[str, Any]:
    """A Section as column values (JSON for the list fields)."""
    d = asdict(section)
    return {
        "heading": d["heading"],
        "text": d["text"],
        "role": d["role"],
        "topic": d["topic"],
        "facts": _dumps(d["facts"]),
        "sources": _dumps(d["sources"]),
        "warnings": _dumps(d["warnings"]),
        "locked": int(bool(d["locked"])),
        "origin": d["origin"],
        "origin_reason": d["origin_reason"],
    }


def _row_section(row: Mapping[str, Any] | sqlite3.Row) -> Section:
    return Section(
        heading=row["heading"],
        text=row["text"],
        role=row["role"],
        topic=row["topic"],
        facts=list(json.loads(row["facts"])),
        sources=[Source(**s) for s in json.loads(row["sources"])],
        warnings=[Warning(**w) for w in json.loads(row["warnings"])],
        locked=bool(row["locked"]),
        origin=row["origin"],
        origin_reason=row["origin_reason"],
    )


def _run_script(con: sqlite3.Connection, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            con.execute(statement)


def _is_placeholder(row: Mapping[str, Any] | sqlite3.Row) -> bool:
    """The empty section `create` stored before generation (never a state to go back to)."""
    return row["parent"] is None and row["text"] == ""


def _parent_of(current: Any) -> int | None:
    """The parent of a version written over `current`: none over an empty placeholder."""
    return None if current is None or _is_placeholder(current) else int(current["version"])
