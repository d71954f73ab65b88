"""A section's history: undo, the lock flag, which sections are the user's, every version. A
mixin of DraftStore (store.py), so both backends have it (the SQL is shared, see store.py).

History is append-only: undo writes the restored content as a new version (so an undo can itself
be undone), never past the first generated version; the lock is state, set in place.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from drafter.draft import Section
from drafter.store_errors import NothingToUndo, SectionLocked, SectionNotFound
from drafter.store_rows import _CONTENT, Connection, _is_placeholder, _now, _row_section

if TYPE_CHECKING:
    from drafter.store import DraftStore


class SectionHistory:
    """undo, set_locked, hand_edited_positions, history; `self` is a DraftStore."""

    def undo(self: DraftStore, draft_id: str, position: int, force: bool = False, note: str = "撤销") -> Section:
        """Go back one step: write the previous state as a new version and return it.

        Never past the first generated version (nor, in files from before that rule, back
        to the empty placeholder stored before generation).
        """
        now = _now()
        with self._write() as con:
            self._require_draft(con, draft_id, lock=True)
            current = self._existing(con, draft_id, position)
            if current["locked"] and not force:
                raise SectionLocked(position, current["heading"])
            if current["parent"] is None:
                raise NothingToUndo(position, current["heading"])
            target = con.execute(
                "SELECT * FROM section_versions WHERE draft_id=? AND position=? AND version=?",
                (draft_id, position, current["parent"]),
            ).fetchone()
            if _is_placeholder(target):
                raise NothingToUndo(position, current["heading"])
            values = {c: target[c] for c in _CONTENT}
            values["locked"] = current["locked"]  # lock is state, not content
            # The restored state's own parent, so a second undo goes one step further back.
            self._insert_version(con, draft_id, position, values, target["parent"], note, now)
            self._touch(con, draft_id, now)
            restored = dict(values)
        return _row_section(restored)

    @staticmethod
    def _set_locked_row(con: Connection, current: Any, locked: bool) -> None:
        con.execute(
            "UPDATE section_versions SET locked=? WHERE draft_id=? AND position=? AND version=?",
            (int(locked), current["draft_id"], current["position"], current["version"]),
        )

    def set_locked(self: DraftStore, draft_id: str, position: int, locked: bool) -> None:
        """Lock or unlock a section (its current version; no new version is written)."""
        now = _now()
        with self._write() as con:
            self._require_draft(con, draft_id, lock=True)
            current = self._existing(con, draft_id, position)
            self._set_locked_row(con, current, locked)
            self._touch(con, draft_id, now)

    def hand_edited_positions(self: DraftStore, draft_id: str) -> list[int]:
        """Unlocked sections whose current text is the user's (a hand edit, or an undo back to
        one): what regeneration would overwrite."""
        with self._read() as con:
            self._require_draft(con, draft_id)
            current = self._current_all(con, draft_id)
        return [r["position"] for r in current if not r["locked"] and r["origin"] == "user"]

    def history(self: DraftStore, draft_id: str, position: int) -> list[dict[str, Any]]:
        """Every version of one section, oldest first, as plain dicts."""
        with self._read() as con:
            self._require_draft(con, draft_id)
            rows = con.execute(
                "SELECT * FROM section_versions WHERE draft_id=? AND position=? ORDER BY version",
                (draft_id, position),
            ).fetchall()
        if not rows:
            raise SectionNotFound(draft_id, position)
        out = []
        for r in rows:
            section = asdict(_row_section(r))
            out.append(
                {
                    "version": r["version"],
                    "parent": r["parent"],
                    "note": r["note"],
                    "created_at": r["created_at"],
                    **section,
                }
            )
        return out
