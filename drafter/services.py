"""Wiring: build the collaborators (index, retriever, store, LLM, drafter) from Settings.

The CLI and the UI both start here, so they behave the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from drafter.config import BUNDLED_CORPUS, Settings
from drafter.drafting import Drafter, DraftEvents, Limits
from drafter.errors import UserError
from drafter.index import CorpusIndex, open_index
from drafter.ingest import IngestReport, ingest
from drafter.retrieve import Retriever
from drafter.store import DraftStore, open_draft_store

if TYPE_CHECKING:
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


def make_drafter(
    settings: Settings,
    *,
    offline: bool = False,
    events: DraftEvents | None = None,
    notify: Notify | None = None,
    index: CorpusIndex | None = None,
) -> Drafter:
    index = index or open_index(settings, notify)
    ensure_corpus(settings, index, notify)
    llm = None
    if not offline and settings.llm_configured:
        from drafter.llm import LLMError

        try:
            llm = make_llm(settings)
        except LLMError as exc:  # e.g. a malformed OPENAI_BASE_URL: one sentence, no traceback
            raise UserError(exc.message) from exc
    return Drafter(
        Retriever(index),
        open_store(settings),
        llm=llm,
        concurrency=settings.llm_concurrency,
        events=events,
        limits=Limits(settings.llm_section_deadline, settings.llm_draft_deadline),
        strategy=settings.llm_strategy,
    )
