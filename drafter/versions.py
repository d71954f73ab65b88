"""Versioned folders behind an atomic pointer: writers publish whole versions, readers never
see half of one.

Layout of the root folder (the data dir's `bm25/`):

    CURRENT        the name of the published version, replaced atomically (os.replace)
    v-<id>/        a complete version, never modified once published
    v-<id>/.readers  its reader lock
    build-<id>/    a version being written (left behind only by a crashed writer)

One writer at a time (the caller holds the data dir's writer lock): a build goes into its own
folder, is renamed to v-<id>, and only then does CURRENT name it. A reader holds a shared flock
on the version's `.readers` while it loads; an old version is deleted only by whoever gets that
lock exclusively, so never under a loading reader. A reader that read CURRENT just before a
swap and finds its version already deleted raises `VersionGone` and reads CURRENT again.

Data dirs from before versions have the files directly in the root; they are read as the current
version until the first publish removes them, so an existing index needs no re-ingest.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from drafter import locks
from drafter.errors import DrafterError

POINTER = "CURRENT"
READERS = ".readers"
LEGACY_FILES = ("bm25", "chunks.jsonl", "vectors.npy")  # the old unversioned layout
LEGACY_MARKER = "chunks.jsonl"


class VersionGone(DrafterError, FileNotFoundError):
    """The version named by CURRENT was deleted before we could lock it: read CURRENT again.
    (Internal: the reader retries; the user never sees it.)"""

    message = "范文库正在更新，请稍后再试。"


class VersionedDir:
    def __init__(self, root: Path) -> None:
        self.root = root

    # ---- readers ------------------------------------------------------------------------
    def current(self) -> Path | None:
        """The published version's folder; the root itself for the old layout; None if none."""
        try:
            name = (self.root / POINTER).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            name = ""
        if name:
            return self.root / name
        return self.root if (self.root / LEGACY_MARKER).exists() else None

    @contextmanager
    def reading(self) -> Iterator[Path | None]:
        """The current version, kept from deletion until the block ends (None: nothing yet).

        The old layout has no reader lock: a file deleted under the reader surfaces as a
        FileNotFoundError, and the caller retries as for VersionGone."""
        version = self.current()
        if version is None or version == self.root:
            yield version
            return
        fd = locks.shared_if_present(version / READERS)
        if fd is None:
            raise VersionGone(str(version))
        try:
            yield version
        finally:
            os.close(fd)

    # ---- the writer (holds the data dir's writer lock) --------------------------------------
    def new_build(self) -> Path:
        """An empty folder of its own for the next version."""
        build = self.root / f"build-{uuid.uuid4().hex[:12]}"
        build.mkdir(parents=True)
        (build / READERS).touch()
        return build

    def publish(self, build: Path) -> Path:
        """Make a complete build the current version in one atomic step."""
        for path in build.rglob("*"):
            if path.is_file():
                _fsync(path)  # the pointer must never name files still in the page cache only
        version = self.root / ("v-" + build.name.removeprefix("build-"))
        os.rename(build, version)
        tmp = self.root / f"{POINTER}.{os.getpid()}.tmp"
        tmp.write_text(version.name, encoding="utf-8")
        _fsync(tmp)
        os.replace(tmp, self.root / POINTER)
        _fsync(self.root)
        return version

    def collect(self) -> None:
        """Delete old versions no reader is loading, crashed builds and the old layout."""
        current = self.current()
        for entry in list(self.root.iterdir()) if self.root.exists() else []:
            if entry == current or entry.name == POINTER:
                continue
            if entry.name.startswith("v-"):
                _delete_unless_read(entry)
            elif entry.name.startswith(("build-", POINTER + ".")):
                _remove(entry)  # we are the only writer: nobody is still building these
            elif entry.name in LEGACY_FILES and current != self.root:
                _remove(entry)
        _remove(self.root.with_name(self.root.name + ".tmp"))  # the old layout's build folder


def _delete_unless_read(version: Path) -> None:
    readers = version / READERS
    if not readers.exists():  # a half-deleted version
        _remove(version)
        return
    fd = locks.try_exclusive(readers)
    if fd is None:  # a reader is loading it: the next writer (or that reader) deletes it
        return
    try:
        _remove(version)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    """Best effort: what cannot be deleted now (a read-only data dir) is tried again next time."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
        return
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
