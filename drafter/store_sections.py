"""Adding, removing and moving a section of a stored draft: a mixin of DraftStore (store.py),
so both backends have it (the SQL is shared, see store.py).

A section's versions are keyed by its position, so adding, removing or moving a section
renumbers the rows of every version: each section keeps its whole history (and undo) wherever
it goes. A removed section is not deleted: its versions move to a negative position (-1, -2, …
in the order of removal), outside the draft but in `removed_sections`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drafter.draft import Section
from drafter.store_errors import SectionLocked, SectionNotFound, StoreError
from drafter.store_rows import Connection, _now, _row_section, _section_row

if TYPE_CHECKING:
    from drafter.store import DraftStore


class SectionList:
    """insert_section, remove_section, move_section, restore_section, removed_sections; `self`
    is a DraftStore."""

    def insert_section(self: DraftStore, draft_id: str, position: int, section: Section, note: str = "添加一节") -> None:
        """Add `section` at `position` (0 … number of sections); the sections from there move down."""
        now = _now()
        with self._write() as con:
            self._require_draft(con, draft_id)
            count = self._section_count(con, draft_id)
            if not 0 <= position <= count:
                raise SectionNotFound(draft_id, position)
            self._renumber(con, draft_id, {p: p + 1 for p in range(position, count)})
            self._insert_version(con, draft_id, position, _section_row(section), None, note, now)
            self._touch(con, draft_id, now)

    def remove_section(self: DraftStore, draft_id: str, position: int, force: bool = False) -> Section:
        """Take the section at `position` out of the draft (kept, see removed_sections); return it."""
        now = _now()
        with self._write() as con:
            self._require_draft(con, draft_id)
            count = self._section_count(con, draft_id)
            current = self._existing(con, draft_id, position)
            if current["locked"] and not force:
                raise SectionLocked(position, current["heading"])
            lowest = con.execute(
                "SELECT COALESCE(MIN(position), 0) FROM section_versions WHERE draft_id=?", (draft_id,)
            ).fetchone()[0]
            shelf = min(int(lowest), 0) - 1
            con.execute(
                "UPDATE section_versions SET position=? WHERE draft_id=? AND position=?",
                (shelf, draft_id, position),
            )
            self._renumber(con, draft_id, {p: p - 1 for p in range(position + 1, count)})
            self._touch(con, draft_id, now)
            return _row_section(current)

    def move_section(self: DraftStore, draft_id: str, position: int, new_position: int) -> None:
        """Move the section at `position` to `new_position` (both counted in the current list)."""
        now = _now()
        with self._write() as con:
            self._require_draft(con, draft_id)
            count = self._section_count(con, draft_id)
            for p in (position, new_position):
                if not 0 <= p < count:
                    raise SectionNotFound(draft_id, p)
            order = list(range(count))
            order.insert(new_position, order.pop(position))
            self._renumber(con, draft_id, {old: new for new, old in enumerate(order) if old != new})
            self._touch(con, draft_id, now)

    def restore_section(self: DraftStore, draft_id: str, which: int, position: int) -> Section:
        """Put a removed section back at `position`, with its whole history; `which` counts in
        removed_sections' order (0: the last removed)."""
        now = _now()
        with self._write() as con:
            self._require_draft(con, draft_id)
            shelves = [r[0] for r in con.execute(
                "SELECT DISTINCT position FROM section_versions WHERE draft_id=? AND position < 0 ORDER BY position",
                (draft_id,),
            )]
            if not 0 <= which < len(shelves):
                raise StoreError(f"没有第 {which + 1} 个删除过的节（这份草稿删除过 {len(shelves)} 节）。")
            count = self._section_count(con, draft_id)
            if not 0 <= position <= count:
                raise SectionNotFound(draft_id, position)
            self._renumber(con, draft_id, {p: p + 1 for p in range(position, count)})
            con.execute(
                "UPDATE section_versions SET position=? WHERE draft_id=? AND position=?",
                (position, draft_id, shelves[which]),
            )
            self._touch(con, draft_id, now)
            return _row_section(self._current(con, draft_id, position))

    def removed_sections(self: DraftStore, draft_id: str) -> list[Section]:
        """Sections taken out of the draft, the last removed first (their history stays too)."""
        with self._read() as con:
            self._require_draft(con, draft_id)
            rows = con.execute(
                "SELECT sv.* FROM section_versions sv JOIN ("
                "  SELECT position, MAX(version) AS v FROM section_versions"
                "  WHERE draft_id=? AND position < 0 GROUP BY position"
                ") cur ON sv.position=cur.position AND sv.version=cur.v "
                "WHERE sv.draft_id=? ORDER BY sv.position",
                (draft_id, draft_id),
            ).fetchall()
        return [_row_section(r) for r in rows]

    @staticmethod
    def _section_count(con: Connection, draft_id: str) -> int:
        """The number of sections in the draft; refused while generation still has gaps."""
        positions = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT position FROM section_versions WHERE draft_id=? AND position >= 0 ORDER BY position",
                (draft_id,),
            )
        ]
        if positions != list(range(len(positions))):
            raise StoreError("草稿还在生成中，请等全部写完后再调整章节。")
        return len(positions)

    @staticmethod
    def _renumber(con: Connection, draft_id: str, moves: dict[int, int]) -> None:
        """Move every version at position old to new, for each old → new (no collisions:
        the moved rows first step aside above every position in use)."""
        aside = 1_000_000
        for old in moves:
            con.execute(
                "UPDATE section_versions SET position=? WHERE draft_id=? AND position=?",
                (old + aside, draft_id, old),
            )
        for old, new in moves.items():
            con.execute(
                "UPDATE section_versions SET position=? WHERE draft_id=? AND position=?",
                (new, draft_id, old + aside),
            )
