"""File locks shared by processes on one data dir (fcntl.flock).

A flock belongs to an open file, so the OS drops it when the process exits or dies: a crashed
writer can never leave a lock held. Within one process a lock is re-entrant for the thread
that holds it (ingest called inside `ensure_corpus`), and other threads wait for it just as
other processes do (flock alone would let a second open in the same process deadlock).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class _Held:
    thread_lock: threading.RLock = field(default_factory=threading.RLock)
    depth: int = 0
    fd: int = -1
    owner: int = 0  # thread ident of the holder


_held: dict[str, _Held] = {}
_registry = threading.Lock()


@contextmanager
def exclusive(path: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the exclusive lock on `path` (created if missing). `on_wait` is called once if
    another holder makes us wait, so a user can be told why nothing happens."""
    with _registry:
        held = _held.setdefault(os.path.abspath(path), _Held())
    with held.thread_lock:
        if held.depth == 0:
            held.fd = _lock_file(path, on_wait)
            held.owner = threading.get_ident()
        held.depth += 1
        try:
            yield
        finally:
            held.depth -= 1
            if held.depth == 0:
                os.close(held.fd)  # closing the file releases the flock
                held.fd, held.owner = -1, 0


def holding(path: Path) -> bool:
    """Whether the calling thread holds the exclusive lock on `path`."""
    held = _held.get(os.path.abspath(path))
    return held is not None and held.depth > 0 and held.owner == threading.get_ident()


def _lock_file(path: Path, on_wait: Callable[[], None] | None) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    return fd


def try_exclusive(path: Path) -> int | None:
    """The exclusive lock on an existing `path` if nobody holds it: its fd (close it to
    release), or None when it is held elsewhere or the file is gone."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def shared_if_present(path: Path) -> int | None:
    """A shared lock on `path` while it still exists: its fd (close it to release), or None
    when the file was deleted before we held it. Opened read-only: a read-only data dir works.

    A deleter takes the exclusive lock and unlinks the file while holding it; so if, once we
    hold the shared lock, `path` still names the file we locked, nobody can delete it until we
    close the fd."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
    except BaseException:
        os.close(fd)
        raise
    if not same:
        os.close(fd)
        return None
    return fd
