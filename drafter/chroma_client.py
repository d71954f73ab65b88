"""Chroma, as the index uses it: the client (embedded, or a server at DRAFTER_CHROMA_HOST),
the setup lock, and a collection that survives another process's rebuild and says in Chinese
when the server is down (index.py re-exports these names)."""

from __future__ import annotations

import time
from typing import Any

from drafter import locks
from drafter.config import Settings
from drafter.errors import UserError

SETUP_LOCK = "setup.lock"  # held briefly while Chroma's database or collection is first created
REBUILD_WAITS = 20  # × 0.1 s: how long a reader waits for a rebuild to rename its collection in
COLLECTION = "drafter_chunks"


class SearchServiceUnavailable(UserError):
    """The Chroma server cannot be reached: what was saved before is kept, and the same step
    works again once the server is back (the client reconnects by itself)."""

    message = "检索服务暂时连不上，已保存的内容不受影响，请稍后再试。"

    def __init__(self) -> None:
        super().__init__(
            "暂时连不上范文检索服务，这一步没有完成（此前已完成的内容都已保存）。"
            "请稍后再试；如果一直如此，请联系管理员检查检索服务。",
            exit_code=3,
        )


def make_chroma_client(settings: Settings):  # type: ignore[no-untyped-def]
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        except ValueError as exc:  # "Could not connect to a Chroma server"
            raise SearchServiceUnavailable() from exc
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    with setup_lock(settings):  # creating the database is racy across processes
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def setup_lock(settings: Settings) -> Any:
    """The short lock for first-time creation of Chroma's database and collection."""
    return locks.exclusive(settings.data_dir / SETUP_LOCK)


def _drop_collection(client: Any, name: str) -> None:
    from chromadb.errors import NotFoundError

    try:
        client.delete_collection(name)
    except (NotFoundError, ValueError):  # not there
        pass


def _existing_collection(client: Any) -> Any:
    """The collection if it exists, waiting out a rebuild's delete → rename; None if not."""
    from chromadb.errors import NotFoundError

    for _ in range(REBUILD_WAITS):
        try:
            return client.get_collection(COLLECTION)
        except NotFoundError:
            time.sleep(0.1)
    return None


class _Collection:
    """A Chroma collection that outlives a rebuild in another process, which deletes it and
    renames its new one to the same name: a call that fails because ours is gone (Chroma says
    so in more than one way, depending on how far the delete got) is retried on the new one
    (chunk ids are content hashes, so the catalogue we loaded still maps its hits)."""

    def __init__(self, client: Any, collection: Any) -> None:
        self._client, self._inner = client, collection

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            import httpx
            from chromadb.errors import InternalError, NotFoundError

            try:
                return value(*args, **kwargs)
            except httpx.TransportError as exc:  # a Chroma server that is down or restarting
                raise SearchServiceUnavailable() from exc
            except (NotFoundError, InternalError):
                if not self._replaced():
                    raise
                return getattr(self._inner, name)(*args, **kwargs)

        return call

    def _replaced(self) -> bool:
        """Whether a rebuild replaced our collection (then it is now the new one), waiting out
        the instant between the rebuild's delete and rename. False: ours is still there."""
        from chromadb.errors import NotFoundError

        for _ in range(REBUILD_WAITS):
            try:
                found = self._client.get_collection(self._inner.name)
            except NotFoundError:
                found = None
            if found is not None and found.id != self._inner.id:
                self._inner = found
                return True
            time.sleep(0.1)
        if found is None:
            raise UserError("范文库正在重建，请稍后再试。")
        return False
