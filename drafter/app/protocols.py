"""The small interfaces the application layer works against.

`store.DraftStore` (SQLite), `retrieve.Retriever` and `llm.LLMClient` implement them today; a
PostgreSQL draft store or another retriever drops in by providing the same methods. Only what
drafting and the service layer really call is here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from drafter.draft import Draft, Section
    from drafter.llm import Reply
    from drafter.retrieve import SearchResult
    from drafter.store import DraftSummary


@runtime_checkable
class DraftStorage(Protocol):
    """Drafts with every version of every section, seen through an owner's view.

    `owner` is None for the administrator's view (all drafts), else the login name ("" for the
    no-login user): a view sees, lists and creates only that owner's drafts, and another
    owner's draft is `DraftNotFound`, like a wrong id. Errors are `store.StoreError`s.
    """

    owner: str | None

    def for_owner(self, owner: str) -> DraftStorage: ...

    def create(self, draft: Draft, note: str = ...) -> str: ...

    def get(self, draft_id: str) -> Draft: ...

    def save_section(
        self, draft_id: str, position: int, section: Section, note: str = ..., force: bool = ...
    ) -> int: ...

    def save_draft(self, draft: Draft, note: str = ...) -> list[int]: ...

    def undo(self, draft_id: str, position: int, force: bool = ..., note: str = ...) -> Section: ...

    def set_locked(self, draft_id: str, position: int, locked: bool) -> None: ...

    def hand_edited_positions(self, draft_id: str) -> list[int]: ...

    def list_drafts(self, limit: int = ...) -> list[DraftSummary]: ...

    def set_owner(self, draft_id: str, owner: str) -> None: ...


@runtime_checkable
class PassageRetriever(Protocol):
    """Example passages for a query: hard `filters` must match, `prefer` only lifts ranking."""

    def search(
        self,
        query: str,
        k: int = ...,
        filters: dict[str, str] | None = ...,
        prefer: dict[str, str] | None = ...,
    ) -> list[SearchResult]: ...

    def corpus_texts(self) -> Sequence[str]:
        """Every passage's text (for the copy checks); the same object until the corpus changes."""
        ...


@runtime_checkable
class ChatModel(Protocol):
    """A chat model that streams: `on_delta` gets pieces, `on_restart` precedes a retry's
    fresh stream; failures are `llm.LLMError`s with a Chinese message."""

    def complete(
        self,
        messages: Iterable[Mapping[str, Any]],
        *,
        max_tokens: int | None = ...,
        temperature: float = ...,
        on_delta: Callable[[str], None] | None = ...,
        on_restart: Callable[[], None] | None = ...,
        deadline: float | None = ...,
    ) -> Reply: ...
