"""Wiring: build the collaborators (index, retriever, store, LLM, drafter) from Settings.

The one place they are built: the service layer (drafter/app/service.py), which the CLI and
the UI call, starts here, and so do scripts (`make_drafter`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from drafter.config import BUNDLED_CORPUS, Settings
from drafter.drafting import Drafter, DraftEvents, Limits
from drafter.index import CorpusIndex, open_index
from drafter.ingest import IngestReport, ingest
from drafter.retrieve import Retriever
from drafter.store import DraftStore, open_draft_store

if TYPE_CHECKING:
    from drafter.app.protocols import ChatModel, DraftStorage, PassageRetriever
    from drafter.llm import LLMClient

Notify = Callable[[str], None]


def ensure_corpus(
    settings: Settings,
    index: CorpusIndex,
    notify: Notify | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> IngestReport | None:
    """First run with an empty data dir: ingest the bundled corpus (or rebuild for a new embedder).

    Several processes may start on one empty data dir at once: the first to get the writer
    lock ingests, the others wait and then find the corpus there."""
    if not index.is_empty() and index.embedder_matches():
        return None

    def waiting() -> None:
        if notify:
            notify("另一个程序正在准备范文库，请稍候……")

    with index.writing(on_wait=waiting):
        index.refresh()
        if not index.is_empty() and index.embedder_matches():
            return None
        if notify:
            notify("首次使用：正在把自带范文语料入库……")
        report = ingest([BUNDLED_CORPUS], settings, index, progress=progress)
    index.load()
    return report


def open_store(settings: Settings) -> DraftStore:
    """PostgreSQL when DRAFTER_DATABASE_URL is set (several app instances), else the SQLite file."""
    return open_draft_store(settings.database_url or settings.drafts_db)


def make_llm(settings: Settings) -> LLMClient | None:
    if not settings.llm_configured:
        return None
    from drafter.llm import LLMClient  # here, not at the top: offline use never loads openai

    return LLMClient.from_settings(settings)


def llm_status(settings: Settings) -> str:
    """What the UI and CLI say about the LLM in use: model and host, never the key."""
    if settings.llm_configured:
        return f"大模型：{settings.llm_model} @ {settings.llm_endpoint_host}"
    return (
        "离线模式：未配置大模型，草稿由您的事实和通用的公文句式组成（不编造内容）；"
        "重写、润色需要配置 OPENAI_BASE_URL、DRAFTER_MODEL（及 OPENAI_API_KEY）。"
    )


def build_drafter(
    settings: Settings,
    retriever: PassageRetriever | None,
    store: DraftStorage,
    llm: ChatModel | None,
    events: DraftEvents | None = None,
) -> Drafter:
    """The one place a Drafter is put together (the CLI, the UI and scripts alike)."""
    return Drafter(
        retriever,  # type: ignore[arg-type]  # any PassageRetriever
        store,  # type: ignore[arg-type]  # any DraftStorage
        llm=llm,  # type: ignore[arg-type]  # any ChatModel
        concurrency=settings.llm_concurrency,
        events=events,
        limits=Limits(settings.llm_section_deadline, settings.llm_draft_deadline),
        strategy=settings.llm_strategy,
    )


def make_drafter(
    settings: Settings,
    *,
    offline: bool = False,
    events: DraftEvents | None = None,
    notify: Notify | None = None,
    index: CorpusIndex | None = None,
) -> Drafter:
    """A Drafter over the data dir's corpus (prepared on first use) and draft store, as the
    administrator; a malformed LLM configuration is an LLMError unless `offline`."""
    index = index or open_index(settings, notify)
    ensure_corpus(settings, index, notify)
    llm = make_llm(settings) if not offline else None
    return build_drafter(settings, Retriever(index), open_store(settings), llm, events)
